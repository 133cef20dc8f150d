// Segment names and keywords, unit by unit: c-TF-IDF over real words in both languages, names unique in a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classKeywords } from '../../src/segments/naming/ctfidf.js';
import { uniqueNames } from '../../src/segments/naming/segment-namer.js';

test('c-TF-IDF keywords are whole Chinese words and English words, each class its own', () => {
  const keywords = classKeywords([
    ['京东的物流很快，手机屏幕不错', '手机电池很耐用，屏幕清晰', '京东送货快，手机好用'],
    ['酒店房间干净，早餐丰富', '酒店服务好，房间很大', '前台服务热情，早餐不错'],
    ['Great running shoes, light and fast', 'These running shoes fit well'],
  ]);
  assert.ok(keywords[0]!.includes('手机') && keywords[0]!.includes('屏幕'), keywords[0]!.join(' '));
  assert.ok(keywords[1]!.includes('酒店') && keywords[1]!.includes('房间'), keywords[1]!.join(' '));
  assert.ok(keywords[2]!.includes('running') && keywords[2]!.includes('shoes'), keywords[2]!.join(' '));
  for (const w of keywords.flat()) assert.ok(!/^\p{Script=Han}$/u.test(w), `single character ${w}`);
  assert.ok(!keywords[0]!.includes('酒店') && !keywords[1]!.includes('手机'));
});

test('names are unique within a run: a distinctive keyword, else a number', () => {
  const names = uniqueNames(
    ['Regulars · bags', 'Champions · kitchen', 'Regulars · bags', 'Regulars · bags'],
    [
      ['vintage', 'lunch', 'jumbo'],
      ['cake', 'tins'],
      ['christmas', 'lunch', 'jumbo'],
      ['lunch', 'jumbo', 'christmas'],
    ],
  );
  assert.equal(new Set(names).size, 4, names.join(' | '));
  assert.equal(names[1], 'Champions · kitchen');
  assert.equal(names[0], 'Regulars · bags · vintage');
  assert.deepEqual(uniqueNames(['A', 'A'], [[], []]), ['A', 'A (2)']);
});
