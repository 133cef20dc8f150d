// Words in English and Chinese: jieba's dictionary words, stopwords gone, nothing that breaks on odd input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keywordWords, words } from '../../src/text/words.js';

test('Chinese is cut into dictionary words, not characters; Latin words stay whole in mixed text', () => {
  const w = words('\uFEFF京东的物流很快，这个手机屏幕不错！ＩＰＨＯＮＥ 13 Pro 挺好用');
  for (const expected of ['京东', '物流', '手机', '屏幕', 'iphone', 'pro']) assert.ok(w.includes(expected), `${expected} in ${w.join(' ')}`);
  for (const cut of ['京', '东', '的', '这个', '13', '！']) assert.ok(!w.includes(cut), `${cut} not in ${w.join(' ')}`);
  assert.deepEqual(words('The shipping was FAST and the screen is great'), ['shipping', 'fast', 'screen', 'great']);
});

test('keywords: no single Chinese character, no Latin word under three letters, no stopword', () => {
  const k = keywordWords('酒店的服务很好，房间干净，早餐不错。Great TV in my room, ok?');
  assert.deepEqual(k, ['酒店', '服务', '房间', '干净', '早餐', '不错', 'great', 'room']);
  for (const w of keywordWords('好 差 是 的 我们 这个 什么 the and')) assert.fail(`kept ${w}`);
});

test('odd input: empty, emoji only, 100,000 characters, mixed scripts', () => {
  assert.deepEqual(words(''), []);
  assert.deepEqual(words('😀🎉👍'), []);
  assert.deepEqual(words('x'.repeat(100_000)), ['x'.repeat(100_000)]);
  const long = words('手机屏幕很好 '.repeat(10_000));
  assert.equal(long.filter((w) => w === '屏幕').length, 10_000);
  assert.deepEqual(words('Привет 世界 مرحبا'), ['привет', '世界', 'مرحبا']);
});
