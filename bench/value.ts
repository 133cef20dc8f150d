// `npm run bench:value`: predicted value, churn risk and recommendations on two real shops of different
// character, through the product's own path (import, embed, segment with the defaults; the run fits and
// chooses its value and churn models), against baselines measured in the same run. BENCH_PARTS picks
// the shops (default `retail,cdnow`).
// Online Retail (a wholesale gift shop whose customers keep buying): every line before 2011-09-10 00:00
// (London) is imported; the holdout is the lines from then to the end of the data (2011-12-09, 91 days,
// the Christmas season), read from the file.
//   1. Purchases in the holdout (days with a completed order), per customer: the served forecast against
//      naive rates (the customer's historic repeat rate, repeat purchases ÷ days since their first, and
//      others, times the holdout's days); MAE, RMSE and the calibration table by calibration repeat
//      purchases; the same on a window without the season. Churn risk as served: ROC-AUC, calibration
//      error, deciles. The fitted parameters next to scipy's fit of the same likelihood.
//   2. Products bought in the holdout that the customer had not bought before: hit rate@10 and
//      recall@10 of our recommendations (nearest customers' purchases) against the popularity
//      baseline and an item co-occurrence baseline (cosine over buyer sets), all excluding what the
//      customer already bought. 3. Buy again against P-TopFreq.
// CDNOW (a music retailer whose customers mostly stop; the BTYD literature's data): the history before
// 1997-10-01 imported as JSONL files, the 91 days after as the holdout; purchases and churn risk as
// above (no products or texts there).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { loadSettings } from '../src/config/settings.js';
import { openRowSource } from '../src/ingest/file-source.js';
import { importFile } from '../src/ingest/file-import.js';
import { importOnlineRetail, londonTimeToDate } from '../src/ingest/online-retail.js';
import { BUY_AGAIN_HALF_LIFE_DAYS, DEFAULT_NEIGHBOURS } from '../src/recommendations/product-recommender.js';
import { variantName } from '../src/value/bg-nbd.js';
import { readPurchaseHistory } from '../src/value/purchase-history.js';
import { calibrationError, decileRates, rocAuc } from '../src/value/propensity/scores.js';
import { ValueModel } from '../src/value/value-model.js';
import { readValueModel } from '../src/db/json-columns.js';
import type { VectorName } from '../src/vectors/vector-store.js';
import { cdnowLines } from '../test/support/purchase-events.js';
import { pythonReference } from '../test/support/python.js';

const settings = loadSettings(process.env);
const CUTOFF = londonTimeToDate('2011-09-10 00:00:00');
const DAY = 86_400_000;
const K = 10;
/** CDNOW's holdout: the 91 days after the cut-off, as bench:propensity's. */
const HOLDOUT_DAYS = 91;
const RECOMMEND_VECTORS = (process.env.BENCH_VALUE_VECTORS ?? 'combined,lexical').split(',') as VectorName[];
const idle = { signal: new AbortController().signal, progress: () => {} };

type Services = Awaited<ReturnType<typeof createServices>>;
/** Removed when the bench ends. */
const tempDirs: string[] = [];
type Prisma = Services['db']['prisma'];
type ValueState = NonNullable<ReturnType<typeof readValueModel>>;

/** A fresh service on an in-memory PGlite: each shop is its own database, as each shop would be. */
async function freshServices(): Promise<Services> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-value-'));
  tempDirs.push(dataDir);
  return createServices(loadSettings({ ...process.env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
}

/** The product's path after an import: the embed job, then a segmentation run with the defaults. */
async function embedAndSegment(services: Services) {
  const t = performance.now();
  await (await services.indexer()).run(idle);
  const run = await services.segments.run(idle, {});
  console.log(`embed + segment ${((performance.now() - t) / 1000).toFixed(0)} s (k = ${run.k})`);
  return run;
}

/** The value model the run stored, with how it chose what serves. */
async function servedModels(prisma: Prisma, runId: number, horizon: number): Promise<{ state: ValueState; model: ValueModel }> {
  const stored = await prisma.segmentationRun.findUniqueOrThrow({ where: { id: runId }, select: { valueModel: true } });
  const state = readValueModel(stored.valueModel, `segmentation_run ${runId}`);
  if (!state) throw new Error('the run stored no value model');
  console.log(
    `\nvalue model: ${state.status}${state.reason ? ` (${state.reason})` : ''}; ${state.customers} customers, ${state.repeatCustomers} repeat, ${state.historyDays} days; asOf ${state.asOf}; holdout ${horizon} days`,
  );
  const model = ValueModel.fromState(state);
  if (!model.fitted) throw new Error(`the value model was not fitted: ${state.reason}`);
  if (state.selection) {
    const sel = state.selection;
    console.log(
      `\nPurchase model and penalty chosen on the shop's own last ${sel.days} days before the cutoff (${sel.customers} customers; naive MAE there ${sel.naiveMae.toFixed(4)}):`,
    );
    console.log(`| model | penalizer | MAE of the median forecast | standard error of the difference from no penalty |\n| --- | ---: | ---: | ---: |`);
    for (const c of sel.candidates) {
      const chosen = c.penalizer === sel.variants.find((v) => v.variant === c.variant)?.penalizer ? ' (its choice)' : '';
      console.log(`| ${variantName(c.variant)} | ${c.penalizer}${chosen} | ${c.mae?.toFixed(4) ?? 'not converged'} | ${c.standardError?.toFixed(4) ?? ''} |`);
    }
    console.log('\n| model at its penalty | log score on the window | MAE of the median |\n| --- | ---: | ---: |');
    for (const v of sel.variants) console.log(`| ${variantName(v.variant)}, ${v.penalizer} | ${v.logScore.toFixed(4)} | ${v.mae.toFixed(4)} |`);
    console.log(`\nserving: ${variantName(sel.variant)} — ${sel.why}`);
  } else console.log('\nno penalty selection (history too short)');
  if (state.forecast) {
    const f = state.forecast;
    console.log(`\nforecast model: ${f.serving} serves — ${f.why}`);
    if (f.learnt.reason) console.log(`(learnt count model: ${f.learnt.reason})`);
  }
  return { state, model };
}

/** What the run stored per customer (its histories and default-horizon predictions). */
async function servedRows(prisma: Prisma, runId: number) {
  return prisma.customerValue.findMany({ where: { runId }, include: { customer: { select: { externalId: true } } } });
}
type ServedRow = Awaited<ReturnType<typeof servedRows>>[number];

/**
 * Purchases in the holdout (days with a completed order) per customer: the served forecast (mean and
 * median) against three naive rates, MAE and RMSE, and the calibration table by calibration repeat
 * purchases.
 */
function purchaseTables(state: ValueState, model: ValueModel, rows: ServedRow[], actualOf: (r: ServedRow) => number, horizon: number): void {
  const buckets = new Map<string, { n: number; actual: number; model: number; naive: number }>();
  const calibrationDays = state.historyDays;
  // "Each customer's historic rate × the holdout's length", read three ways (none is the obvious one).
  const served = state.forecast?.serving === 'BG_NBD' || !state.forecast ? variantName(state.bgNbd?.variant) : state.forecast.serving;
  const predictors: { name: string; predict: (r: (typeof rows)[number]) => number; abs: number; sq: number }[] = [
    {
      name: `served forecast, ${served} (ours, expectedPurchases)`,
      predict: (r) =>
        model.predict({ customerId: r.customerId, frequency: r.frequency, recency: r.recency, age: r.age, monetary: r.monetary }, horizon, undefined, {
          rate: r.purchaseRate,
        })!.expectedPurchases,
      abs: 0,
      sq: 0,
    },
    {
      // The error measured is absolute, and the value that minimises expected absolute error is the
      // median of the predicted distribution, not its mean: same fit, the other summary of it.
      name: `served forecast, ${served} median (ours, likelyPurchases)`,
      predict: (r) =>
        model.predict({ customerId: r.customerId, frequency: r.frequency, recency: r.recency, age: r.age, monetary: r.monetary }, horizon, undefined, {
          likely: true,
          rate: r.purchaseRate,
        })!.likelyPurchases!,
      abs: 0,
      sq: 0,
    },
    { name: `naive: repeat purchases ÷ days since the first × ${horizon}`, predict: (r) => (r.age > 0 ? (r.frequency / r.age) * horizon : 0), abs: 0, sq: 0 },
    {
      name: `naive: purchases ÷ days since the first (at least 1) × ${horizon}`,
      predict: (r) => ((r.frequency + 1) / Math.max(1, r.age)) * horizon,
      abs: 0,
      sq: 0,
    },
    {
      name: `naive: purchases ÷ the ${calibrationDays}-day calibration × ${horizon}`,
      predict: (r) => ((r.frequency + 1) / calibrationDays) * horizon,
      abs: 0,
      sq: 0,
    },
  ];
  for (const r of rows) {
    const actual = actualOf(r);
    for (const p of predictors) {
      const e = p.predict(r) - actual;
      p.abs += Math.abs(e);
      p.sq += e * e;
    }
    const predicted = predictors[0]!.predict(r);
    const naive = predictors[2]!.predict(r);
    const key = r.frequency >= 7 ? '7+' : String(r.frequency);
    const b = buckets.get(key) ?? { n: 0, actual: 0, model: 0, naive: 0 };
    b.n++;
    b.actual += actual;
    b.model += predicted;
    b.naive += naive;
    buckets.set(key, b);
  }
  console.log(`\n| repeat purchases in calibration | customers | mean actual holdout purchases | mean served | mean naive |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const key of ['0', '1', '2', '3', '4', '5', '6', '7+']) {
    const b = buckets.get(key);
    if (b) console.log(`| ${key} | ${b.n} | ${(b.actual / b.n).toFixed(3)} | ${(b.model / b.n).toFixed(3)} | ${(b.naive / b.n).toFixed(3)} |`);
  }
  console.log(`\n| predictor (${rows.length} customers) | MAE, holdout purchases | mean ÷ this (MAE) | median ÷ this (MAE) | RMSE | mean ÷ this (RMSE) |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const ours = predictors[0]!;
  const median = predictors[1]!;
  for (const p of predictors) {
    console.log(
      `| ${p.name} | ${(p.abs / rows.length).toFixed(3)} | ${(ours.abs / p.abs).toFixed(3)} | ${(median.abs / p.abs).toFixed(3)} | ${Math.sqrt(p.sq / rows.length).toFixed(3)} | ${Math.sqrt(ours.sq / p.sq).toFixed(2)} |`,
    );
  }
  console.log(
    `(holdout purchases of these customers: ${rows.reduce((n, r) => n + actualOf(r), 0)}; served forecast expected ${rows.reduce((n, r) => n + ours.predict(r), 0).toFixed(0)})`,
  );
}

/**
 * Churn risk as the run serves it (customer_value.churn_risk: the model chosen for the shop on its
 * last 90 days before the cutoff), against who bought in the holdout: the issue's bars are AUC of the
 * purchase chance (1 − churn risk) ≥ 0.77, calibration error ≤ 0.05, the top decile of churn risk
 * buying at most ⅓ as often as the bottom decile.
 */
function churnTable(state: ValueState, rows: ServedRow[], actualOf: (r: ServedRow) => number): void {
  const churn = state.churn;
  console.log(`\nchurn model: ${churn ? `${churn.serving} serves — ${churn.why}` : 'none (run made before churn models)'}`);
  const scored = rows.filter((r) => r.churnRisk !== null);
  const p = scored.map((r) => 1 - r.churnRisk!);
  const bought = scored.map((r) => (actualOf(r) > 0 ? 1 : 0));
  const pAlive = scored.map((r) => r.pAlive ?? 0);
  const recency = scored.map((r) => -(r.age - r.recency)); // fewer days since the last purchase ranks higher
  const frequency = scored.map((r) => r.frequency);
  const deciles = decileRates(p, bought);
  console.log(
    `\n| served churn risk (${scored.length} customers; ${bought.filter(Boolean).length} bought in the holdout) | ROC-AUC | calibration error | bottom-decile buy rate ÷ top |`,
  );
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| 1 − churn risk (ours, served) | ${rocAuc(p, bought).toFixed(3)} | ${calibrationError(p, bought).toFixed(3)} | ${(deciles[9]! / deciles[0]!).toFixed(2)} |`,
  );
  console.log(
    `| BG/NBD P(alive) (served before) | ${rocAuc(pAlive, bought).toFixed(3)} | — | ${(decileRates(pAlive, bought)[9]! / decileRates(pAlive, bought)[0]!).toFixed(2)} |`,
  );
  console.log(`| days since the last purchase alone | ${rocAuc(recency, bought).toFixed(3)} | — | — |`);
  console.log(`| repeat purchases alone | ${rocAuc(frequency, bought).toFixed(3)} | — | — |`);
}

/** The served BG/NBD variant and Gamma–Gamma against scipy's fit of the same likelihoods. */
function scipyTable(state: ValueState, rows: ServedRow[]): void {
  const servedKey = state.bgNbd?.variant === 'MBG' ? 'mbgnbd' : 'bgnbd';
  const reply = pythonReference<Partial<Record<'bgnbd' | 'mbgnbd', Record<string, number>>> & { gg?: Record<string, number> }>('value-reference.py', {
    [servedKey]: { x: rows.map((r) => r.frequency), tx: rows.map((r) => r.recency), T: rows.map((r) => r.age), penalizer: state.bgNbd?.penalizer ?? 0 },
    ...(state.gammaGamma
      ? {
          gg: {
            x: rows.filter((r) => r.frequency > 0 && r.monetary > 0).map((r) => r.frequency),
            m: rows.filter((r) => r.frequency > 0 && r.monetary > 0).map((r) => r.monetary),
          },
        }
      : {}),
  });
  const ref = { bgnbd: reply[servedKey]!, gg: reply.gg };
  console.log(`\n${variantName(state.bgNbd?.variant)} and Gamma–Gamma against scipy's fit of the same likelihoods:`);
  console.log('\n| parameter | ours | scipy | relative difference |');
  console.log('| --- | ---: | ---: | ---: |');
  const { variant: _variant, ...bgNbdNumbers } = state.bgNbd ?? {};
  const fitted: Record<string, number> = { ...bgNbdNumbers, ...(state.gammaGamma ?? {}) };
  for (const [k, v] of [...Object.entries(ref.bgnbd), ...Object.entries(ref.gg ?? {})]) {
    if (k === 'logLikelihood') continue;
    console.log(`| ${k} | ${fitted[k]!.toPrecision(6)} | ${v.toPrecision(6)} | ${(Math.abs(fitted[k]! - v) / Math.abs(v)).toExponential(1)} |`);
  }
  const dropout = (p: Record<string, number>) => p.a! / (p.a! + p.b!);
  console.log(
    `| ${variantName(state.bgNbd?.variant)} log-likelihood | ${state.bgNbd!.logLikelihood.toFixed(4)} | ${ref.bgnbd.logLikelihood!.toFixed(4)} | ${(Math.abs(state.bgNbd!.logLikelihood - ref.bgnbd.logLikelihood!) / Math.abs(ref.bgnbd.logLikelihood!)).toExponential(1)} |`,
  );
  console.log(`| mean dropout a/(a+b) | ${dropout(fitted).toExponential(2)} | ${dropout(ref.bgnbd).toExponential(2)} | |`);
}

async function retail(): Promise<void> {
  console.log('# Online Retail (a wholesale gift shop; few leave)\n');
  const services = await freshServices();
  try {
    let t = performance.now();
    const imported = await importOnlineRetail(services.ingest, { file: settings.onlineRetailPath, before: CUTOFF });
    console.log(
      `calibration (before 2011-09-10): ${imported.customers} customers, ${imported.orders} orders, import ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
    const run = await embedAndSegment(services);
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
    const { state, model } = await servedModels(prisma, run.runId, horizon);
    const rows = await servedRows(prisma, run.runId);
    const actualOf = (r: ServedRow) => holdoutDays.get(r.customer.externalId)?.size ?? 0;
    purchaseTables(state, model, rows, actualOf, horizon);
    console.log(`(all customers' holdout purchases, new customers included: ${[...holdoutDays.values()].reduce((n, d) => n + d.size, 0)})`);
    churnTable(state, rows, actualOf);

    // The same comparison on a window without the Christmas season: calibration to 2011-06-10, holdout
    // to 2011-09-10 (both inside the imported calibration data).
    {
      const cut = new Date('2011-06-10T00:00:00Z');
      const history = await readPurchaseHistory(prisma, { until: cut });
      const early = ValueModel.fit(history);
      const days = await prisma.$queryRaw<{ customer_id: number; n: bigint }[]>`
      SELECT o.customer_id, count(DISTINCT date_trunc('day', o.placed_at, 'UTC')) AS n FROM "order" o
      WHERE o.status = 'COMPLETED' AND o.placed_at >= ${cut} AND o.placed_at < ${new Date('2011-09-10T00:00:00Z')} GROUP BY 1`;
      const actualOf = new Map(days.map((d) => [d.customer_id, Number(d.n)]));
      const h = 92;
      const rows2 = history.customers;
      const preds: [string, (c: (typeof rows2)[number]) => number][] = [
        [`${variantName(early.state.bgNbd?.variant)} (ours)`, (c) => early.predict(c, h)?.expectedPurchases ?? Number.NaN],
        [
          `${variantName(early.state.bgNbd?.variant)} median (ours, likelyPurchases)`,
          (c) => early.predict(c, h, undefined, { likely: true })?.likelyPurchases ?? Number.NaN,
        ],
        [`naive: repeat purchases ÷ days since the first × ${h}`, (c) => (c.age > 0 ? (c.frequency / c.age) * h : 0)],
        [`naive: purchases ÷ the ${early.state.historyDays}-day calibration × ${h}`, (c) => ((c.frequency + 1) / early.state.historyDays) * h],
      ];
      console.log(`\nWithout the season: calibration to 2011-06-10 (${rows2.length} customers, ${early.state.status}), holdout ${h} days to 2011-09-10\n`);
      console.log('| predictor | MAE | RMSE |');
      console.log('| --- | ---: | ---: |');
      for (const [name, f] of preds) {
        let abs = 0;
        let sq = 0;
        for (const c of rows2) {
          const e = f(c) - (actualOf.get(c.customerId) ?? 0);
          abs += Math.abs(e);
          sq += e * e;
        }
        console.log(`| ${name} | ${(abs / rows2.length).toFixed(3)} | ${Math.sqrt(sq / rows2.length).toFixed(3)} |`);
      }
    }

    scipyTable(state, rows);

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
    // Item co-occurrence: C[i][j] = customers who bought both, scored as cosine over buyer sets,
    // summed over what the customer bought (item-based collaborative filtering). One dense matrix.
    const products = [...buyers.keys()];
    const index = new Map(products.map((p, i) => [p, i]));
    const P = products.length;
    const co = new Uint32Array(P * P);
    for (const set of bought.values()) {
      const idx = [...set].map((p) => index.get(p)!);
      for (const i of idx) for (const j of idx) if (i !== j) co[i * P + j]!++;
    }
    const size = Float64Array.from(products, (p) => buyers.get(p)!.size);
    const cooccurrence = score((id) => {
      const mine = bought.get(id)!;
      const scores = new Float64Array(P);
      for (const p of mine) {
        const i = index.get(p)!;
        const row = i * P;
        for (let j = 0; j < P; j++) {
          const c = co[row + j]!;
          if (c > 0) scores[j]! += c / Math.sqrt(size[i]! * size[j]!);
        }
      }
      const top: number[] = [];
      for (let j = 0; j < P; j++) if (scores[j]! > 0 && !mine.has(products[j]!)) top.push(j);
      top.sort((a, b) => scores[b]! - scores[a]! || a - b);
      return top.slice(0, K).map((j) => products[j]!);
    });
    const results: { name: string; hitRate: number; recall: number; seconds: number }[] = [];
    for (const [name, run] of [
      ['popularity', popularity],
      ['item co-occurrence (cosine)', cooccurrence],
    ] as const) {
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
    for (const r of results)
      console.log(`| ${r.name} | ${r.hitRate.toFixed(3)} | ${r.recall.toFixed(3)} | ${(r.hitRate / base).toFixed(2)} | ${r.seconds.toFixed(0)} |`);

    // 3. Buy again: products a customer had bought and bought again after the cut. Against P-TopFreq
    // (their products by purchase days, the most recent first among equals) and their most recent
    // products. The half-life is chosen on the window before the season (history to 2011-06-10, truth:
    // what they bought again to 2011-09-10, both inside the imported data) and reported on the holdout.
    const buyAgainWindow = async (before: Date, truthOf: (id: number) => Set<string> | undefined, label: string) => {
      const own = await prisma.$queryRaw<{ customer_id: number; product: string; days: bigint; last_day: Date }[]>`
      SELECT o.customer_id, p.external_id AS product, count(DISTINCT date_trunc('day', o.placed_at, 'UTC')) AS days, max(o.placed_at) AS last_day
      FROM "order" o JOIN order_item i ON i.order_id = o.id JOIN product p ON p.id = i.product_id
      WHERE o.status = 'COMPLETED' AND NOT i.returned AND i.quantity > 0 AND o.placed_at < ${before}
      GROUP BY 1, 2`;
      const byCustomer = new Map<number, { product: string; days: number; last: number }[]>();
      for (const r of own) {
        if (!byCustomer.has(r.customer_id)) byCustomer.set(r.customer_id, []);
        byCustomer.get(r.customer_id)!.push({ product: r.product, days: Number(r.days), last: r.last_day.getTime() });
      }
      const cases = [...byCustomer].flatMap(([id, items]) => {
        const later = truthOf(id);
        const truth = new Set(items.filter((i) => later?.has(i.product)).map((i) => i.product));
        return truth.size > 0 ? [{ id, items, truth }] : [];
      });
      const rate = async (top: (c: (typeof cases)[number]) => Promise<string[]> | string[]) => {
        let hits = 0;
        let recall = 0;
        for (const c of cases) {
          const found = (await top(c)).slice(0, K).filter((p) => c.truth.has(p)).length;
          if (found > 0) hits++;
          recall += found / c.truth.size;
        }
        return { hitRate: hits / cases.length, recall: recall / cases.length };
      };
      const lines: { name: string; hitRate: number; recall: number }[] = [];
      lines.push({
        name: 'P-TopFreq (purchase days, most recent first among equals)',
        ...(await rate((c) => [...c.items].sort((a, b) => b.days - a.days || b.last - a.last).map((i) => i.product))),
      });
      lines.push({ name: 'most recent first', ...(await rate((c) => [...c.items].sort((a, b) => b.last - a.last || b.days - a.days).map((i) => i.product))) });
      for (const halfLifeDays of [30, 90, 180, 365]) {
        lines.push({
          name: `ours: buyAgain, half-life ${halfLifeDays} days${halfLifeDays === BUY_AGAIN_HALF_LIFE_DAYS ? ' (the default)' : ''}`,
          ...(await rate(async (c) =>
            (await services.recommendations.buyAgain(c.id, { limit: K, halfLifeDays, before })).map((x) => productIds.get(x.productId)!),
          )),
        });
      }
      console.log(`\nBuy again, ${label}: ${cases.length} customers who bought again something they had bought; top ${K} of their own products.\n`);
      console.log('| recommender | hit rate@10 | recall@10 | hit rate ÷ P-TopFreq |');
      console.log('| --- | ---: | ---: | ---: |');
      for (const l of lines) console.log(`| ${l.name} | ${l.hitRate.toFixed(3)} | ${l.recall.toFixed(3)} | ${(l.hitRate / lines[0]!.hitRate).toFixed(3)} |`);
    };
    const early = new Date('2011-06-10T00:00:00Z');
    const later = await prisma.$queryRaw<{ customer_id: number; product: string }[]>`
    SELECT DISTINCT o.customer_id, p.external_id AS product FROM "order" o JOIN order_item i ON i.order_id = o.id JOIN product p ON p.id = i.product_id
    WHERE o.status = 'COMPLETED' AND NOT i.returned AND i.quantity > 0 AND o.placed_at >= ${early}`;
    const laterOf = new Map<number, Set<string>>();
    for (const r of later) {
      if (!laterOf.has(r.customer_id)) laterOf.set(r.customer_id, new Set());
      laterOf.get(r.customer_id)!.add(r.product);
    }
    await buyAgainWindow(early, (id) => laterOf.get(id), 'choosing window (history to 2011-06-10, truth to 2011-09-10)');
    await buyAgainWindow(CUTOFF, (id) => holdoutProducts.get(external.get(id) ?? ''), 'holdout (history to 2011-09-10, truth: the 91 days after)');
  } finally {
    await services.close();
  }
}

/**
 * CDNOW (a music retailer whose customers mostly stop buying; the BTYD literature's shop): its history
 * before 1997-10-01 imported as a user would (customers, one product, orders as JSONL files through the
 * import command's code), embedded and segmented with the defaults; the holdout is the 91 days after,
 * read from the file. No products or texts: value and churn only.
 */
async function cdnow(): Promise<void> {
  console.log('\n# CDNOW (music; most customers stop buying)\n');
  const cutoff = '19971001';
  const last = new Date(Date.UTC(1997, 9, 1) + (HOLDOUT_DAYS - 1) * DAY);
  const holdoutEnd = `${last.getUTCFullYear()}${String(last.getUTCMonth() + 1).padStart(2, '0')}${String(last.getUTCDate()).padStart(2, '0')}`;
  const services = await freshServices();
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-value-cdnow-'));
    tempDirs.push(dir);
    const files = { customers: path.join(dir, 'customers.jsonl'), products: path.join(dir, 'products.jsonl'), orders: path.join(dir, 'orders.jsonl') };
    const customers = new Set<string>();
    const orders: string[] = [];
    const holdoutDays = new Map<string, Set<string>>();
    for await (const { id, date, cds, dollars } of cdnowLines()) {
      if (date >= cutoff) {
        if (date <= holdoutEnd) (holdoutDays.get(id) ?? holdoutDays.set(id, new Set()).get(id)!).add(date);
        continue;
      }
      customers.add(id);
      const quantity = Math.max(1, cds);
      orders.push(
        JSON.stringify({
          id: `${id}-${date}-${orders.length}`,
          customerId: id,
          placedAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T12:00:00Z`,
          items: [{ productId: 'cd', quantity, unitPrice: Math.round((100 * dollars) / quantity) / 100 }],
        }),
      );
    }
    fs.writeFileSync(files.customers, [...customers].map((id) => JSON.stringify({ id })).join('\n'));
    fs.writeFileSync(files.products, JSON.stringify({ id: 'cd', title: 'Compact disc', category: 'Music' }));
    fs.writeFileSync(files.orders, orders.join('\n'));
    const t = performance.now();
    for (const entity of ['customers', 'products', 'orders'] as const)
      await importFile(services.ingest, { file: files[entity], entity, checkpointDir: path.join(dir, 'imports') });
    console.log(
      `calibration (before 1997-10-01): ${customers.size} customers, ${orders.length} orders, import ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
    const run = await embedAndSegment(services);
    const prisma = services.db.prisma;
    const { state, model } = await servedModels(prisma, run.runId, HOLDOUT_DAYS);
    const rows = await servedRows(prisma, run.runId);
    const actualOf = (r: ServedRow) => holdoutDays.get(r.customer.externalId)?.size ?? 0;
    purchaseTables(state, model, rows, actualOf, HOLDOUT_DAYS);
    churnTable(state, rows, actualOf);
    scipyTable(state, rows);
  } finally {
    await services.close();
  }
}

const parts = new Set((process.env.BENCH_PARTS ?? 'retail,cdnow').split(','));
try {
  if (parts.has('retail')) await retail();
  if (parts.has('cdnow')) await cdnow();
} finally {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}
