import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PERSONAS } from '../../src/demo/personas.js';
import { demoCustomers, demoProducts } from '../../src/demo/shop-generator.js';
import { CustomerRecord, OrderRecord, ProductRecord, ReviewRecord, SearchRecord } from '../../src/ingest/records.js';

const options = { customers: 1600, seed: 42 };

test('the same seed gives the same shop, however it is chunked; another seed another shop', () => {
  const whole = demoCustomers(options, 0, 1600);
  const pieces = [demoCustomers(options, 0, 700), demoCustomers(options, 700, 1600)];
  assert.deepEqual(
    JSON.stringify(whole),
    JSON.stringify({
      customers: pieces.flatMap((p) => p.customers),
      orders: pieces.flatMap((p) => p.orders),
      searches: pieces.flatMap((p) => p.searches),
      reviews: pieces.flatMap((p) => p.reviews),
      truth: pieces.flatMap((p) => p.truth),
    }),
  );
  assert.notDeepEqual(JSON.stringify(demoCustomers({ ...options, seed: 43 }, 0, 100)), JSON.stringify(demoCustomers(options, 0, 100)));
});

test('every record is valid input for the ingest schemas', () => {
  const shop = demoCustomers(options, 0, 400);
  for (const p of demoProducts(42)) ProductRecord.parse(p);
  for (const c of shop.customers) CustomerRecord.parse(c);
  for (const o of shop.orders) OrderRecord.parse(o);
  for (const s of shop.searches) SearchRecord.parse(s);
  for (const r of shop.reviews) ReviewRecord.parse(r);
});

test('at least 8 planted personas, evenly present, with distinct behaviour and bilingual text', () => {
  assert.ok(PERSONAS.length >= 8);
  const shop = demoCustomers(options, 0, 1600);
  const personaOf = new Map(shop.truth.map((t) => [t.customerId, t.persona]));
  const perPersona = new Map<string, { customers: number; orders: number; spend: number[]; zh: number }>();
  for (const t of shop.truth) perPersona.set(t.persona, { customers: 0, orders: 0, spend: [], zh: 0 });
  for (const c of shop.customers) perPersona.get(personaOf.get(c.id)!)!.customers++;
  for (const o of shop.orders) {
    const stats = perPersona.get(personaOf.get(o.customerId)!)!;
    stats.orders++;
    stats.spend.push(o.items.reduce((s, i) => s + i.quantity * i.unitPrice, 0));
  }
  for (const s of shop.searches) if (/\p{Script=Han}/u.test(s.text)) perPersona.get(personaOf.get(s.customerId)!)!.zh++;
  assert.equal(perPersona.size, PERSONAS.length);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  for (const [persona, stats] of perPersona) {
    assert.equal(stats.customers, 1600 / PERSONAS.length, persona);
    assert.ok(stats.zh > 0, `${persona} has Chinese searches`);
  }
  // Behaviour tells personas apart: luxury baskets dwarf bargain baskets; pet owners order more often than gadget fans.
  assert.ok(median(perPersona.get('luxury-fashion')!.spend) > 20 * median(perPersona.get('bargain-hunters')!.spend));
  assert.ok(perPersona.get('pet-owners')!.orders > 2 * perPersona.get('gadget-fans')!.orders);
  const zhShare = shop.searches.filter((s) => /\p{Script=Han}/u.test(s.text)).length / shop.searches.length;
  assert.ok(zhShare > 0.15 && zhShare < 0.35, `Chinese share ${zhShare}`);
});
