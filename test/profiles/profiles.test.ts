import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadSettings } from '../../src/config/settings.js';
import { loadEmbedder } from '../../src/embedding/load-embedder.js';
import type { TextEmbedder } from '../../src/embedding/text-embedder.js';
import { scrubPersonalData } from '../../src/profiles/personal-data.js';
import { chunkText, profileTexts } from '../../src/profiles/profile-text.js';
import { MAX_CHUNKS, OWN_WORDS_WEIGHT, SharedTextMemo, textKey, textWeights, TextVectors } from '../../src/customer-vectors/text-pool.js';
import { fitRobustScaler, scaleRow } from '../../src/profiles/robust-scaler.js';

test('e-mail addresses, phone numbers and card numbers are scrubbed; ordinary numbers stay', () => {
  const text =
    'Mail me at jane.doe+shop@example.co.uk or call +44 20 7946 0958 / (020) 7946-0958. Card 4111 1111 1111 1111 was charged. ' +
    'Order 12345 arrived in 3 days, size 42, 2 x 500ml. 联系我 zhang.wei@example.cn 电话 138-0013-8000';
  const scrubbed = scrubPersonalData(text);
  for (const secret of ['jane.doe', 'example.co.uk', '7946', '4111', 'zhang.wei', '138-0013-8000'])
    assert.ok(!scrubbed.includes(secret), `${secret} survived: ${scrubbed}`);
  for (const kept of ['Order 12345', '3 days', 'size 42', '500ml', '[email]', '[phone]', '[card]'])
    assert.ok(scrubbed.includes(kept), `${kept} lost: ${scrubbed}`);
  assert.equal(scrubPersonalData('ref 1234 5678 9012 3456 end'), 'ref [card] end', 'card-like even when the check digit fails');
});

describe('profile texts and their pooled vector', () => {
  let embedder: TextEmbedder;
  before(async () => {
    embedder = await loadEmbedder(loadSettings().embedding);
  });

  test('each distinct text once (case-insensitive): counts add up, the latest date stays', () => {
    const day = (d: number) => new Date(Date.UTC(2026, 0, d));
    const texts = profileTexts([
      { text: 'Trail shoes', kind: 'search', at: day(1), count: 1 },
      { text: '  trail   shoes. ', kind: 'search', at: day(9), count: 1 },
      { text: 'Great!', kind: 'review', at: day(3), count: 1 },
      { text: '', kind: 'review', at: day(4), count: 1 },
    ]);
    assert.deepEqual(texts, [
      { text: 'Trail shoes', kind: 'search', at: day(9), count: 2 },
      { text: 'Great', kind: 'review', at: day(3), count: 1 },
    ]);
    // The same words as a search and as a category bought on 40 lines: two parts, each weighted by its kind.
    const both = profileTexts([
      { text: 'running shoes', kind: 'search', at: day(1), count: 1 },
      { text: 'Running shoes', kind: 'category', at: day(2), count: 40 },
    ]);
    assert.deepEqual(
      both.map((t) => [t.kind, t.count]),
      [
        ['search', 1],
        ['category', 40],
      ],
    );
  });

  test('weights: own words 3× per writing, goods log(1 + lines), halved per year of age', () => {
    const at = new Date('2026-06-01T00:00:00Z');
    const yearBefore = new Date(at.getTime() - 365 * 86_400_000);
    const [review, title, old] = textWeights(
      [
        { text: 'a', kind: 'review', at, count: 1 },
        { text: 'b', kind: 'title', at, count: 4 },
        { text: 'c', kind: 'review', at: yearBefore, count: 1 },
      ],
      at,
    );
    assert.ok(Math.abs(review!.weight / title!.weight - OWN_WORDS_WEIGHT / Math.log1p(4)) < 1e-9);
    assert.ok(Math.abs(old!.weight / review!.weight - 0.5) < 1e-9);
  });

  test('a long text is embedded in pieces the model reads whole, cut between words, English and Chinese', () => {
    const count = (t: string) => embedder.countTokens(t);
    const english = Array.from({ length: 60 }, (_, i) => `review number ${i} about trail running shoes and hydration vests.`).join(' ');
    const pieces = chunkText(english, count, embedder.maxTokens, MAX_CHUNKS);
    assert.ok(pieces.length > 3);
    for (const piece of pieces) assert.ok(count(piece) <= embedder.maxTokens, `${count(piece)} tokens`);
    assert.equal(pieces.join('').replace(/\s+/g, ''), english.replace(/\s+/g, ''), 'nothing lost between pieces');
    const zh = '这双跑鞋非常舒服，我穿着它跑完了第一个马拉松，鞋底抓地力很好，下雨天也不滑。'.repeat(20);
    const zhPieces = chunkText(zh, count, 40, MAX_CHUNKS);
    for (const piece of zhPieces) assert.ok(count(piece) <= 40 && zh.includes(piece));
    assert.equal(zhPieces.join(''), zh);
    assert.equal(chunkText('short text', count, embedder.maxTokens, MAX_CHUNKS).length, 1);
    assert.equal(chunkText('word '.repeat(20_000), count, embedder.maxTokens, MAX_CHUNKS).length, MAX_CHUNKS, 'bounded');
  });

  test('pooled vectors: each distinct text embedded once across customers, then read from the cache', async () => {
    const store = new Map<string, Float32Array>();
    const cache = {
      get: async (_model: string, keys: readonly string[]) => new Map(keys.flatMap((k) => (store.has(k) ? [[k, store.get(k)!] as const] : []))),
      put: async (_model: string, entries: ReadonlyMap<string, Float32Array>) => void entries.forEach((v, k) => store.set(k, v)),
    };
    const vectors = new TextVectors(embedder, cache);
    const shared = { text: 'Stainless steel water bottle', weight: 1 };
    const first = await vectors.pooled([[shared, { text: 'Leaks after a week', weight: 3 }], [shared], []]);
    assert.equal(first.embedded, 3, 'two texts and the empty one');
    const [bottle, leaks] = await embedder.embed(['Stainless steel water bottle', 'Leaks after a week']);
    const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    assert.ok(cosine(first.vectors[1]!, bottle!) > 0.99999, 'one text: its own vector');
    const mix = bottle!.map((x, i) => x + 3 * leaks![i]!);
    const norm = Math.hypot(...mix);
    assert.ok(
      cosine(
        first.vectors[0]!,
        mix.map((x) => x / norm),
      ) > 0.99999,
      'the weighted mean, unit length',
    );
    const again = await vectors.pooled([[shared, { text: 'Leaks after a week', weight: 3 }]]);
    assert.equal(again.embedded, 0);
    // The offline model reads Latin script only: a Chinese review adds nothing to the text view (the
    // lexical view reads it), and a customer with only Chinese words has the empty text's vector.
    assert.ok(Math.abs(embedder.readableShare!('物流很快 Shipping was fast') - 15 / 19) < 1e-9);
    const zh = await vectors.pooled([[shared, { text: '这个水瓶用了一周就漏水了', weight: 3 }], [{ text: '这个水瓶用了一周就漏水了', weight: 1 }], []]);
    assert.equal(zh.embedded, 0, 'the unreadable text is not even embedded');
    assert.ok(cosine(zh.vectors[0]!, bottle!) > 0.99999);
    assert.deepEqual(Array.from(zh.vectors[1]!), Array.from(zh.vectors[2]!));
    const long = await vectors.pooled([[{ text: '长文本测试 very long review. '.repeat(5000), weight: 1 }], [{ text: '😀😀😀', weight: 1 }]]);
    for (const v of long.vectors) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4 && v.every(Number.isFinite));
  });

  test('the shop’s own words are kept in the process, customers’ words never; a rebuild takes nothing from before it; a text being embedded is waited for', async () => {
    const store = new Map<string, Float32Array>();
    const asked: string[][] = [];
    const cache = {
      get: async (_model: string, keys: readonly string[], options: { since?: Date } = {}) => {
        asked.push([...keys]);
        return new Map(keys.flatMap((k) => (store.has(k) && !options.since ? [[k, store.get(k)!] as const] : [])));
      },
      put: async (_model: string, entries: ReadonlyMap<string, Float32Array>) => void entries.forEach((v, k) => store.set(k, v)),
    };
    const memo = new SharedTextMemo(2);
    const vectors = new TextVectors(embedder, cache, memo);
    const title = { text: 'Stainless steel water bottle', weight: 1, shared: true };
    const review = { text: 'Leaks after a week', weight: 3 };
    await vectors.pooled([[title, review]]);
    assert.equal(memo.size, 1, 'the title, not the review');
    asked.length = 0;
    await vectors.pooled([[title, review]]);
    assert.deepEqual(asked, [[textKey(review.text)]], 'the title from the process, the review from the database cache');
    // A rebuild that began after the title was kept reads it again under the rebuild's terms.
    asked.length = 0;
    const rebuild = await vectors.pooled([[title]], { refreshedSince: new Date() });
    assert.deepEqual(asked, [[textKey(title.text)]]);
    assert.equal(rebuild.embedded, 1);
    // Least recently used out, at capacity.
    await vectors.pooled([
      [
        { text: 'Camping stove', weight: 1, shared: true },
        { text: 'Trekking poles', weight: 1, shared: true },
      ],
    ]);
    assert.equal(memo.size, 2);
    assert.equal(memo.get(textKey(title.text), undefined), undefined);
    // Two calls at once that need the same new text: the model sees it once, both get its vector.
    let texts = 0;
    const counting = Object.assign(Object.create(embedder) as typeof embedder, {
      embed: async (batch: readonly string[]) => {
        texts += batch.length;
        return embedder.embed(batch);
      },
    });
    const both = new TextVectors(counting);
    const [a, b] = await Promise.all([both.vectors(['Headlamp', 'Water filter']), both.vectors(['Headlamp'])]);
    assert.equal(texts, 2);
    assert.equal(a.embedded + b.embedded, 2);
    assert.deepEqual(Array.from(b.byText.get('Headlamp')!), Array.from(a.byText.get('Headlamp')!));
  });
});

test('robust scaler: median/IQR from the population, stored and applied unchanged to newcomers', () => {
  const rows = [
    [1, 10],
    [2, 20],
    [3, 30],
    [4, 40],
    [5, null],
  ];
  const scaler = fitRobustScaler(['a', 'b'], rows);
  assert.deepEqual(scaler.medians, [3, 25]);
  assert.deepEqual(scaler.iqrs, [2, 15]);
  const stored = JSON.parse(JSON.stringify(scaler)) as typeof scaler;
  assert.deepEqual(Array.from(scaleRow(stored, [7, 25])), [2, 0]);
  assert.deepEqual(Array.from(scaleRow(stored, [1000, null])), [5, 0], 'clipped; missing → median');
  const constant = fitRobustScaler(['c'], [[2], [2], [2]]);
  assert.deepEqual(Array.from(scaleRow(constant, [3])), [1]);
});
