// Quality floors on shops of the family small enough for CI (PGlite, the real model, the defaults):
// the same persona writing Chinese, English or both lands in one segment; a review-only shop's
// one-number habits view does not vote like the words; automatic k finds a shop's personas.
// bench:quality's `family` part has the figures over 20 held-out shops.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreFamilyShop } from '../support/shop-family-score.js';

test('a bilingual shop (48 % Chinese, 24 % both; two pairs that differ only in words): personas, not languages', async () => {
  const s = await scoreFamilyShop(2);
  assert.equal(s.planted, 5);
  assert.ok(s.spec.chinese > 0.4 && s.spec.bilingual > 0.2 && s.spec.meaningPairs === 2);
  assert.ok(s.bridges >= 20, `the lexical view learnt across languages from the bilingual customers (${s.bridges})`);
  assert.equal(s.splitByLanguage, 0, 'no persona split by language at the planted k');
  assert.ok(s.plantedAri >= 0.8, `ARI at k = 5: ${s.plantedAri}`);
  assert.ok(s.languageNmi <= 0.05, `segments follow language: NMI ${s.languageNmi}`);
});

test('a shop of 10 personas (seed 12, two pairs that differ only in words): automatic k finds them', async () => {
  const s = await scoreFamilyShop(12);
  assert.equal(s.planted, 10);
  // The silhouette in the spectral embedding alone chose 5 here (ARI 0.54): merged personas separate
  // as well as all of them. With the graph's eigengap (choose-k.ts) the rule reads 10.
  assert.ok(Math.abs(s.autoK - s.planted) <= 1, `automatic k = ${s.autoK}`);
  assert.ok(s.autoAri >= 0.75, `ARI with automatic k: ${s.autoAri}`);
});
