// The shop bench:scale makes: what it promises about growth (distinct texts, vocabulary, catalogue) and
// that a million customers can be made chunk by chunk — any chunk the same whatever came before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECORD_SCHEMAS } from '../../src/ingest/records.js';
import { scaleCatalogue, scaleCustomers } from '../../src/demo/scale-shop.js';

test('the scale shop: chunks independent of one another, records the import accepts, products that exist', () => {
  const options = { customers: 900, seed: 3 };
  const whole = scaleCustomers(options, 0, 900);
  const parts = [scaleCustomers(options, 600, 900), scaleCustomers(options, 0, 300), scaleCustomers(options, 300, 600)];
  for (const entity of ['customers', 'orders', 'searches', 'reviews'] as const) {
    const joined = [parts[1]!, parts[2]!, parts[0]!].flatMap((p) => p[entity]);
    assert.deepEqual(JSON.parse(JSON.stringify(joined)), JSON.parse(JSON.stringify(whole[entity])), entity);
  }
  assert.equal(whole.truth.length, 900);
  assert.ok(new Set(whole.truth.map((t) => t.persona)).size >= 15, 'the family’s topics as personas');
  const catalogue = scaleCatalogue(3);
  assert.equal(catalogue.products.length, 5000);
  const ids = new Set(catalogue.products.map((p) => p.id));
  for (const order of whole.orders) for (const item of order.items) assert.ok(ids.has(item.productId));
  for (const r of whole.reviews) assert.ok(ids.has(r.productId!));
  for (const entity of ['customers', 'orders', 'searches', 'reviews'] as const)
    for (const record of whole[entity]) assert.ok(RECORD_SCHEMAS[entity].safeParse(record).success, `${entity} ${JSON.stringify(record)}`);
  for (const p of catalogue.products.slice(0, 500)) assert.ok(RECORD_SCHEMAS.products.safeParse(p).success);
});

test('the scale shop grows as a real shop does: reviews of real length, nearly all distinct; more customers, more words', () => {
  const small = scaleCustomers({ customers: 4000, seed: 3 }, 0, 4000);
  const reviews = small.reviews.map((r) => r.text);
  assert.ok(new Set(reviews).size / reviews.length > 0.95, 'reviews nearly all distinct');
  const english = small.reviews.filter((r) => r.language === 'en').map((r) => r.text.split(/\s+/).length);
  const mean = english.reduce((a, b) => a + b, 0) / english.length;
  assert.ok(mean > 20 && mean < 60, `English review length ${mean} words`);
  const chinese = small.reviews.filter((r) => r.language === 'zh').length / small.reviews.length;
  assert.ok(chinese > 0.2 && chinese < 0.4, `Chinese reviews ${chinese}`);
  const vocabulary = (texts: string[]) => new Set(texts.flatMap((t) => t.toLowerCase().match(/\p{Script=Latin}+/gu) ?? [])).size;
  const quarter = scaleCustomers({ customers: 1000, seed: 3 }, 0, 1000).reviews.map((r) => r.text);
  assert.ok(vocabulary(reviews) > 1.5 * vocabulary(quarter), `${vocabulary(reviews)} words from 4,000 customers, ${vocabulary(quarter)} from 1,000`);
});
