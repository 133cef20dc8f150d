import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadSettings } from '../../src/config/settings.js';
import { loadEmbedder } from '../../src/embedding/load-embedder.js';
import type { TextEmbedder } from '../../src/embedding/text-embedder.js';
import { scrubPersonalData } from '../../src/profiles/personal-data.js';
import { buildProfileText } from '../../src/profiles/profile-text.js';
import { fitRobustScaler, scaleRow } from '../../src/profiles/robust-scaler.js';

test('e-mail addresses, phone numbers and card numbers are scrubbed; ordinary numbers stay', () => {
  const text =
    'Mail me at jane.doe+shop@example.co.uk or call +44 20 7946 0958 / (020) 7946-0958. Card 4111 1111 1111 1111 was charged. ' +
    'Order 12345 arrived in 3 days, size 42, 2 x 500ml. 联系我 zhang.wei@example.cn 电话 138-0013-8000';
  const scrubbed = scrubPersonalData(text);
  for (const secret of ['jane.doe', 'example.co.uk', '7946', '4111', 'zhang.wei', '138-0013-8000']) assert.ok(!scrubbed.includes(secret), `${secret} survived: ${scrubbed}`);
  for (const kept of ['Order 12345', '3 days', 'size 42', '500ml', '[email]', '[phone]', '[card]']) assert.ok(scrubbed.includes(kept), `${kept} lost: ${scrubbed}`);
  assert.equal(scrubPersonalData('ref 1234 5678 9012 3456 end'), 'ref [card] end', 'card-like even when the check digit fails');
});

describe('profile text', () => {
  let embedder: TextEmbedder;
  before(async () => {
    embedder = await loadEmbedder(loadSettings().embedding);
  });

  test('most informative first, duplicates dropped, cut by the tokenizer to the model limit', () => {
    const long = Array.from({ length: 60 }, (_, i) => `review number ${i} about trail running shoes and hydration vests`);
    const text = buildProfileText(
      { reviews: long, searches: ['trail shoes', 'Trail shoes'], categories: ['running & fitness'], titles: ['Road running shoes'] },
      (t) => embedder.countTokens(t),
      embedder.maxTokens,
    );
    assert.ok(text.startsWith('review number 0 about'));
    assert.ok(embedder.countTokens(text) <= embedder.maxTokens);
    assert.ok(embedder.countTokens(text) >= embedder.maxTokens - 12, 'fills the budget');
    const short = buildProfileText({ reviews: ['Great.'], searches: ['trail shoes', 'TRAIL SHOES'], categories: ['running'], titles: [] }, (t) => embedder.countTokens(t), 128);
    assert.equal(short, 'Great. trail shoes. running');
  });

  test('Chinese text is cut between words, within the token limit', () => {
    const zh = '这双跑鞋非常舒服，我穿着它跑完了第一个马拉松，鞋底抓地力很好，下雨天也不滑。'.repeat(20);
    const text = buildProfileText({ reviews: [zh], searches: [], categories: [], titles: [] }, (t) => embedder.countTokens(t), 40);
    assert.ok(embedder.countTokens(text) <= 40);
    assert.ok(text.length > 0 && zh.startsWith(text));
  });
});

test('robust scaler: median/IQR from the population, stored and applied unchanged to newcomers', () => {
  const rows = [[1, 10], [2, 20], [3, 30], [4, 40], [5, null]];
  const scaler = fitRobustScaler(['a', 'b'], rows);
  assert.deepEqual(scaler.medians, [3, 25]);
  assert.deepEqual(scaler.iqrs, [2, 15]);
  const stored = JSON.parse(JSON.stringify(scaler));
  assert.deepEqual(Array.from(scaleRow(stored, [7, 25])), [2, 0]);
  assert.deepEqual(Array.from(scaleRow(stored, [1000, null])), [5, 0], 'clipped; missing → median');
  const constant = fitRobustScaler(['c'], [[2], [2], [2]]);
  assert.deepEqual(Array.from(scaleRow(constant, [3])), [1]);
});
