// The shop family (src/demo/shop-family.ts): each seed's structure is what its spec says, the halves
// are disjoint, the same seed gives the same shop, and the drawn properties span what the protocol needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAMILY_HELD_OUT_SEEDS, FAMILY_TUNING_SEEDS, familyShop, familyShopSpec } from '../../src/demo/shop-family.js';

test('tuning and held-out seeds: 20 each, disjoint', () => {
  assert.equal(FAMILY_TUNING_SEEDS.length, 20);
  assert.equal(FAMILY_HELD_OUT_SEEDS.length, 20);
  assert.equal(new Set([...FAMILY_TUNING_SEEDS, ...FAMILY_HELD_OUT_SEEDS]).size, 40);
});

test('across the 40 seeds: 4–16 personas, meaning and behaviour pairs, review-only shops, 0–70 % Chinese', () => {
  const specs = [...FAMILY_TUNING_SEEDS, ...FAMILY_HELD_OUT_SEEDS].map((s) => familyShopSpec(s));
  for (const spec of specs) {
    assert.ok(spec.personas.length >= 4 && spec.personas.length <= 16, `seed ${spec.seed}: ${spec.personas.length}`);
    assert.equal(new Set(spec.personas.map((p) => p.key)).size, spec.personas.length);
    assert.ok(Math.abs(spec.personas.reduce((s, p) => s + p.share, 0) - 1) < 1e-9);
    assert.ok(spec.chinese >= 0 && spec.chinese <= 0.7 && spec.bilingual >= 0 && spec.bilingual <= 0.25);
    if (spec.reviewOnly) assert.equal(spec.behaviourPairs, 0);
  }
  assert.ok(specs.some((s) => s.reviewOnly) && specs.some((s) => !s.reviewOnly));
  assert.ok(specs.filter((s) => s.meaningPairs > 0).length >= 20);
  assert.ok(specs.filter((s) => s.behaviourPairs > 0).length >= 10);
  assert.ok(specs.some((s) => s.chinese > 0.5) && specs.some((s) => s.chinese < 0.1));
  assert.ok(specs.some((s) => s.personas.length >= 14) && specs.some((s) => s.personas.length <= 5));
});

test('a shop follows its spec: pairs differ only where they should; languages; reproducible', () => {
  const seed = FAMILY_TUNING_SEEDS.find((s) => familyShopSpec(s).meaningPairs > 0 && familyShopSpec(s).behaviourPairs > 0)!;
  const spec = familyShopSpec(seed, 1500);
  const byTopic = new Map<string, typeof spec.personas>();
  for (const p of spec.personas) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  // Behaviour pairs: one topic, two personas, other ways of buying.
  const behaviourPairs = [...byTopic.values()].filter((ps) => ps.length === 2);
  assert.equal(behaviourPairs.length, spec.behaviourPairs);
  for (const [a, b] of behaviourPairs) assert.notDeepEqual(a!.behaviour, b!.behaviour);
  // Meaning pairs: same goods and the very same behaviour, other topics.
  const sameBehaviour = spec.personas.filter((p, i) =>
    spec.personas.some((q, j) => j !== i && q.behaviour === p.behaviour && q.goods === p.goods && q.topic !== p.topic),
  );
  assert.equal(sameBehaviour.length, 2 * spec.meaningPairs);

  const shop = familyShop(spec);
  assert.equal(shop.customers.length, 1500);
  assert.equal(shop.truth.length, 1500);
  const han = /\p{Script=Han}/u;
  const texts = new Map<string, string[]>();
  for (const t of [...shop.reviews, ...shop.searches]) texts.set(t.customerId, [...(texts.get(t.customerId) ?? []), t.text]);
  const chinese = [...texts.values()].filter((l) => l.every((t) => han.test(t))).length / texts.size;
  assert.ok(chinese >= spec.chinese - 0.06 && chinese <= spec.chinese + spec.bilingual / 2 + 0.06, `${chinese} vs ${spec.chinese}`);
  const silent = 1 - texts.size / shop.customers.length;
  assert.ok(Math.abs(silent - spec.textFree) < 0.05, `text-free ${silent} vs ${spec.textFree}`);
  // Every persona writes in both languages (language is independent of the persona).
  for (const p of spec.personas) {
    const ids = new Set(shop.truth.filter((t) => t.persona === p.key).map((t) => t.customerId));
    const langs = new Set([...ids].flatMap((id) => (texts.get(id) ?? []).map((t) => (han.test(t) ? 'zh' : 'en'))));
    if (spec.chinese > 0.1 && spec.chinese < 0.9) assert.equal(langs.size, 2, p.key);
  }
  assert.deepEqual(familyShop(familyShopSpec(seed, 40)).reviews, familyShop(familyShopSpec(seed, 40)).reviews);
});
