// The hard shop: its planted properties, and a quality floor for the service on it (PGlite, the real
// model): pairs of personas that only words or only behaviour tell apart. bench:quality has the full
// figures with automatic k and the baselines.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createServices } from '../../src/app/services.js';
import { adjustedRandIndex } from '../../src/clustering/metrics.js';
import { loadSettings } from '../../src/config/settings.js';
import { HARD_PERSONAS, hardShop, loadHardShop } from '../../src/demo/hard-shop.js';

test('hard shop: ten personas in pairs; 30 % Chinese, 15 % mixed, 10 % one order; reproducible', () => {
  const shop = hardShop({ customers: 4000, seed: 3 });
  assert.equal(new Set(shop.truth.map((t) => t.persona)).size, 10);
  const goods = new Map<string, number>();
  for (const p of HARD_PERSONAS) goods.set(p.goods, (goods.get(p.goods) ?? 0) + 1);
  assert.deepEqual([...goods.values()], [2, 2, 2, 2, 2], 'every goods pool is shared by a pair');
  const han = /\p{Script=Han}/u;
  const texts = new Map<string, string[]>();
  for (const t of [...shop.reviews, ...shop.searches]) texts.set(t.customerId, [...(texts.get(t.customerId) ?? []), t.text]);
  let chinese = 0;
  let mixed = 0;
  for (const list of texts.values()) {
    const zh = list.filter((t) => han.test(t)).length;
    if (zh === list.length) chinese++;
    else if (zh > 0) mixed++;
  }
  assert.ok(chinese / texts.size > 0.3 && chinese / texts.size < 0.42, `Chinese only ${chinese / texts.size}`); // 30 % + mixed writers who drew Chinese only
  assert.ok(mixed / texts.size > 0.07 && mixed / texts.size < 0.15, `mixed ${mixed / texts.size}`);
  const orders = new Map<string, number>();
  for (const o of shop.orders) orders.set(o.customerId, (orders.get(o.customerId) ?? 0) + 1);
  const single = [...orders.values()].filter((n) => n === 1).length / shop.customers.length;
  assert.ok(single > 0.09 && single < 0.2, `one order: ${single}`);
  assert.deepEqual(hardShop({ customers: 50, seed: 3 }).reviews, hardShop({ customers: 50, seed: 3 }).reviews);
});

test('on 1,000 hard-shop customers the combined vector separates the ten personas at k = 10 (ARI ≥ 0.6)', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hard-shop-'));
  const services = await createServices(loadSettings({ ...process.env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
  try {
    const idle = { signal: new AbortController().signal, progress: () => {} };
    const truth = await loadHardShop(services.ingest, { customers: 1000, seed: 7 });
    await (await services.indexer()).run(idle);
    const run = await services.segments.run(idle, { k: 10 });
    const members = await services.db.prisma.membership.findMany({
      where: { runId: run.runId },
      select: { segmentId: true, customer: { select: { externalId: true } } },
    });
    const ari = adjustedRandIndex(
      members.map((m) => m.segmentId),
      members.map((m) => truth.get(m.customer.externalId)!),
    );
    // Measured 0.738 (automatic k: 7 segments, ARI 0.709).
    assert.ok(ari >= 0.6, `ARI ${ari.toFixed(3)}`);
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
