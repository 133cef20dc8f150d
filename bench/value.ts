// `npm run bench:value`: predicted value and recommendations on real data (UCI Online Retail), against
// baselines measured in the same run.
//   Calibration: every line before 2011-09-10 00:00 (London) is imported, embedded and segmented with
//   the defaults; the segmentation run fits BG/NBD and Gamma–Gamma (the product's path). Holdout: the
//   lines from then to the end of the data (2011-12-09, 91 days), read from the file.
//   1. Purchases in the holdout (days with a completed order), per customer: the model's expectation
//      against the naive baseline (the customer's historic repeat rate, repeat purchases ÷ days since
//      their first, times 91 days); per-customer MAE and the calibration table by calibration repeat
//      purchases. The fitted parameters next to scipy's fit of the same likelihood.
//   2. Products bought in the holdout that the customer had not bought before: hit rate@10 and
//      recall@10 of our recommendations (nearest customers' purchases) against the popularity
//      baseline and an item co-occurrence baseline (cosine over buyer sets), all excluding what the
//      customer already bought.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { loadSettings } from '../src/config/settings.js';
import { openRowSource } from '../src/ingest/file-source.js';
import { importOnlineRetail, londonTimeToDate } from '../src/ingest/online-retail.js';
import { DEFAULT_NEIGHBOURS } from '../src/recommendations/product-recommender.js';
import { ValueModel, type ValueModelState } from '../src/value/value-model.js';
import type { VectorName } from '../src/vectors/vector-store.js';
import { pythonReference } from '../test/support/python.js';

const settings = loadSettings(process.env);
const CUTOFF = londonTimeToDate('2011-09-10 00:00:00');
const DAY = 86_400_000;
const K = 10;
const RECOMMEND_VECTORS = (process.env.BENCH_VALUE_VECTORS ?? 'combined,lexical').split(',') as VectorName[];
const idle = { signal: new AbortController().signal, progress: () => {} };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-value-'));
const services = await createServices(loadSettings({ ...process.env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
try {
  let t = performance.now();
  const imported = await importOnlineRetail(services.ingest, { file: settings.onlineRetailPath, before: CUTOFF });
  console.log(`calibration (before 2011-09-10): ${imported.customers} customers, ${imported.orders} orders, import ${((performance.now() - t) / 1000).toFixed(0)} s`);
  t = performance.now();
  await (await services.indexer()).run(idle);
  const run = await services.segments.run(idle, {});
  console.log(`embed + segment ${((performance.now() - t) / 1000).toFixed(0)} s (k = ${run.k})`);
  const prisma = services.db.prisma;

  // The holdout, from the file: purchase days and products per customer (cancellations left out).
  const holdoutDays = new Map<string, Set<number>>();
  const holdoutProducts = new Map<string, Set<string>>();
  let end = 0;
  for await (const { row } of openRowSource(settings.onlineRetailPath).rows()) {
    const r = row as Record<string, string>;
    const id = r.CustomerID?.replace(/\.0$/, '');
    if (!id || !r.InvoiceDate) continue;
    const at = londonTimeToDate(r.InvoiceDate);
    end = Math.max(end, at.getTime());
    if (at < CUTOFF || (r.InvoiceNo ?? '').startsWith('C') || Number(r.Quantity) <= 0) continue;
    if (!holdoutDays.has(id)) holdoutDays.set(id, new Set());
    holdoutDays.get(id)!.add(Math.floor(at.getTime() / DAY));
    if (!holdoutProducts.has(id)) holdoutProducts.set(id, new Set());
    holdoutProducts.get(id)!.add(r.StockCode ?? '');
  }
  const horizon = Math.round((end - CUTOFF.getTime()) / DAY);

  // 1. Purchases.
  const stored = await prisma.segmentationRun.findUniqueOrThrow({ where: { id: run.runId }, select: { valueModel: true } });
  const state = stored.valueModel as unknown as ValueModelState;
  console.log(`\nvalue model: ${state.status}${state.reason ? ` (${state.reason})` : ''}; ${state.customers} customers, ${state.repeatCustomers} repeat, ${state.historyDays} days; asOf ${state.asOf}; holdout ${horizon} days`);
  const model = ValueModel.fromState(state);
  const rows = await prisma.customerValue.findMany({ where: { runId: run.runId }, include: { customer: { select: { externalId: true } } } });
  const buckets = new Map<string, { n: number; actual: number; model: number; naive: number }>();
  let maeModel = 0;
  let maeNaive = 0;
  for (const r of rows) {
    const history = { customerId: r.customerId, frequency: r.frequency, recency: r.recency, age: r.age, monetary: r.monetary };
    const actual = holdoutDays.get(r.customer.externalId)?.size ?? 0;
    const predicted = model.predict(history, horizon)!.expectedPurchases;
    const naive = r.age > 0 ? (r.frequency / r.age) * horizon : 0;
    maeModel += Math.abs(predicted - actual);
    maeNaive += Math.abs(naive - actual);
    const key = r.frequency >= 7 ? '7+' : String(r.frequency);
    const b = buckets.get(key) ?? { n: 0, actual: 0, model: 0, naive: 0 };
    b.n++;
    b.actual += actual;
    b.model += predicted;
    b.naive += naive;
    buckets.set(key, b);
  }
  console.log(`\n| repeat purchases in calibration | customers | mean actual holdout purchases | mean BG/NBD | mean naive |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const key of ['0', '1', '2', '3', '4', '5', '6', '7+']) {
    const b = buckets.get(key);
    if (b) console.log(`| ${key} | ${b.n} | ${(b.actual / b.n).toFixed(3)} | ${(b.model / b.n).toFixed(3)} | ${(b.naive / b.n).toFixed(3)} |`);
  }
  console.log(`\n| predictor | per-customer MAE, holdout purchases | ratio to naive |`);
  console.log('| --- | ---: | ---: |');
  console.log(`| BG/NBD (ours) | ${(maeModel / rows.length).toFixed(3)} | ${(maeModel / maeNaive).toFixed(2)} |`);
  console.log(`| naive: repeat rate × ${horizon} days | ${(maeNaive / rows.length).toFixed(3)} | 1.00 |`);

  const ref = pythonReference<{ bgnbd: Record<string, number>; gg?: Record<string, number> }>('value-reference.py', {
    bgnbd: { x: rows.map((r) => r.frequency), tx: rows.map((r) => r.recency), T: rows.map((r) => r.age) },
    ...(state.gammaGamma ? { gg: { x: rows.filter((r) => r.frequency > 0 && r.monetary > 0).map((r) => r.frequency), m: rows.filter((r) => r.frequency > 0 && r.monetary > 0).map((r) => r.monetary) } } : {}),
  });
  console.log('\n| parameter | ours | scipy | relative difference |');
  console.log('| --- | ---: | ---: | ---: |');
  const ours: Record<string, number> = { ...(state.bgNbd ?? {}), ...(state.gammaGamma ?? {}) };
  for (const [k, v] of [...Object.entries(ref.bgnbd), ...Object.entries(ref.gg ?? {})]) {
    if (k === 'logLikelihood') continue;
    console.log(`| ${k} | ${ours[k]!.toPrecision(6)} | ${v.toPrecision(6)} | ${(Math.abs(ours[k]! - v) / Math.abs(v)).toExponential(1)} |`);
  }

  // 2. Recommendations.
  const lines = await prisma.$queryRaw<{ customer_id: number; external_id: string; product: string }[]>`
    SELECT DISTINCT o.customer_id, c.external_id, p.external_id AS product
    FROM "order" o JOIN order_item i ON i.order_id = o.id JOIN product p ON p.id = i.product_id JOIN customer c ON c.id = o.customer_id
    WHERE o.status = 'COMPLETED' AND NOT i.returned AND i.quantity > 0`;
  const bought = new Map<number, Set<string>>();
  const buyers = new Map<string, Set<number>>();
  const external = new Map<number, string>();
  for (const l of lines) {
    external.set(l.customer_id, l.external_id);
    if (!bought.has(l.customer_id)) bought.set(l.customer_id, new Set());
    bought.get(l.customer_id)!.add(l.product);
    if (!buyers.has(l.product)) buyers.set(l.product, new Set());
    buyers.get(l.product)!.add(l.customer_id);
  }
  const popular = [...buyers].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1)).map(([p]) => p);
  // Customers who bought something new to them in the holdout, and had bought before.
  const evaluated = [...bought.keys()].filter((id) => [...(holdoutProducts.get(external.get(id)!) ?? [])].some((p) => !bought.get(id)!.has(p)));
  const productIds = new Map((await prisma.product.findMany({ select: { id: true, externalId: true } })).map((p) => [p.id, p.externalId]));

  const score = (topOf: (id: number) => Promise<string[]> | string[]) => async () => {
    let hits = 0;
    let recall = 0;
    let n = 0;
    for (const id of evaluated) {
      const truth = new Set([...holdoutProducts.get(external.get(id)!)!].filter((p) => !bought.get(id)!.has(p)));
      const top = (await topOf(id)).slice(0, K);
      const found = top.filter((p) => truth.has(p)).length;
      n++;
      if (found > 0) hits++;
      recall += found / truth.size;
    }
    return { hitRate: hits / n, recall: recall / n };
  };
  const popularity = score((id) => popular.filter((p) => !bought.get(id)!.has(p)).slice(0, K));
  const cooccurrence = score((id) => {
    const mine = bought.get(id)!;
    const scores = new Map<string, number>();
    for (const p of mine) {
      const pb = buyers.get(p)!;
      // Co-buyers of p (other customers), then their products: cosine over buyer sets.
      const counts = new Map<string, number>();
      for (const other of pb) {
        if (other === id) continue;
        for (const q of bought.get(other)!) if (!mine.has(q)) counts.set(q, (counts.get(q) ?? 0) + 1);
      }
      for (const [q, c] of counts) scores.set(q, (scores.get(q) ?? 0) + c / Math.sqrt(pb.size * buyers.get(q)!.size));
    }
    return [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, K).map(([q]) => q);
  });
  const results: { name: string; hitRate: number; recall: number; seconds: number }[] = [];
  for (const [name, run] of [['popularity', popularity], ['item co-occurrence (cosine)', cooccurrence]] as const) {
    t = performance.now();
    results.push({ name, ...(await run()), seconds: (performance.now() - t) / 1000 });
  }
  for (const vector of RECOMMEND_VECTORS) {
    t = performance.now();
    const r = await score(async (id) => (await services.recommendations.forCustomer(id, { limit: K, vector })).map((x) => productIds.get(x.productId)!))();
    results.push({ name: `ours: ${DEFAULT_NEIGHBOURS} nearest customers (${vector} vector)`, ...r, seconds: (performance.now() - t) / 1000 });
  }
  const base = Math.max(results[0]!.hitRate, results[1]!.hitRate);
  console.log(`\nRecommendations: ${evaluated.length} customers who bought something new to them in the holdout; top ${K}, what they had bought excluded.\n`);
  console.log('| recommender | hit rate@10 | recall@10 | hit rate ÷ best baseline | seconds |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.name} | ${r.hitRate.toFixed(3)} | ${r.recall.toFixed(3)} | ${(r.hitRate / base).toFixed(2)} | ${r.seconds.toFixed(0)} |`);
} finally {
  await services.close();
}
