// Keywords that tell segments apart (segments/naming/distinct-keywords.ts): a word the whole shop uses
// never leads, and no two segments share a lead word.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classKeywords } from '../../../src/segments/naming/ctfidf.js';
import { distinctKeywords, LEAD_WORDS } from '../../../src/segments/naming/distinct-keywords.js';

// Three segments of a shop whose every customer names the retailer ("shopwell") and most say "delivery";
// two segments share "camping" (their goods), each has words of its own.
const customers = (words: string[], n: number) =>
  Array.from({ length: n }, (_, i) => `shopwell delivery ${words.filter((_, j) => (i + j) % 2 === 0 || j === 0).join(' ')}`);
const documents = [
  customers(['camping', 'kids', 'family', 'weekend'], 40),
  customers(['camping', 'summit', 'ultralight', 'ridge'], 40),
  customers(['baking', 'sourdough', 'flour', 'oven'], 40),
];

describe('distinct keywords', () => {
  test('plain c-TF-IDF lets the shop-wide words in; the lift rule keeps them out of every list', () => {
    const plain = classKeywords(documents);
    assert.ok(
      plain.every((k) => k.includes('shopwell')),
      'c-TF-IDF alone keeps the retailer in every list',
    );
    const distinct = distinctKeywords(documents);
    for (const k of distinct) {
      assert.ok(!k.includes('shopwell') && !k.includes('delivery'), k.join(' '));
      assert.ok(k.length >= LEAD_WORDS, k.join(' '));
    }
  });

  test('no two segments share a lead word; a shared goods word leads at most one', () => {
    const distinct = distinctKeywords(documents);
    const leads = distinct.map((k) => k.slice(0, LEAD_WORDS));
    const all = leads.flat();
    assert.equal(new Set(all).size, all.length, JSON.stringify(leads));
    assert.ok(leads[0]!.some((w) => ['kids', 'family', 'weekend'].includes(w)));
    assert.ok(leads[1]!.some((w) => ['summit', 'ultralight', 'ridge'].includes(w)));
  });

  test('one segment keeps plain c-TF-IDF; real sizes weight the shop’s shares', () => {
    assert.deepEqual(distinctKeywords([documents[0]!]), classKeywords([documents[0]!]));
    // "camping" is used by every customer of the first two: with the third segment ten times larger
    // (same texts, a sample), camping's shop-wide share falls and it may stand in both lists.
    const weighted = distinctKeywords(documents, 10, [40, 40, 400]);
    assert.ok(weighted[0]!.includes('camping') && weighted[1]!.includes('camping'), JSON.stringify(weighted));
  });
});
