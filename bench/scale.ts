// `npm run bench:scale`: a shop at the size shops live at, end to end, as a user runs it — `import`
// of each entity's file, `embed --all`, `segment`, `serve` until /readyz answers — each a CLI process,
// timed, with its peak resident memory. The shop is src/demo/scale-shop.ts: thousands of products
// and reviews of real length, so distinct texts and the vocabulary grow with customers as in a real
// shop (the demo shop's few hundred phrases would let the embedding cache answer nearly everything).
//
// The baseline of the same run is the same pipeline on a tenth of the customers (BENCH_BASELINE_CUSTOMERS;
// 0 skips it): each stage's time per customer at the full size against the small one says what grows
// faster than the shop (1.00: linear). Printed beside the bars: 100,000 customers under 5
// minutes, 1,000,000 under 30, peak RSS under 6 GB.
//
// Env: BENCH_CUSTOMERS (100,000), BENCH_DIR (kept: a size already made there is not made again),
// BENCH_DATABASE=postgresql (each size in a database of its own on the test server, recorded in the
// size's folder), BENCH_PRODUCTS (5,000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { loadSettings } from '../src/config/settings.js';
import { mulberry32 } from '../src/demo/random.js';
import { scaleCatalogue, scaleCustomers, SCALE_PRODUCTS } from '../src/demo/scale-shop.js';
import { ENTITIES, type Entity } from '../src/ingest/records.js';
import { benchPostgresDatabase, markdownTable, megabytes, runCli, type CliRun } from './cli-process.js';
import { startServe } from './serve-process.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const BASELINE = Number(process.env.BENCH_BASELINE_CUSTOMERS ?? Math.round(CUSTOMERS / 10));
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? SCALE_PRODUCTS);
const DATABASE = process.env.BENCH_DATABASE ?? 'pglite';
if (DATABASE !== 'pglite' && DATABASE !== 'postgresql') throw new Error(`BENCH_DATABASE is pglite or postgresql, not ${DATABASE}`);
const ROOT = path.resolve(process.env.BENCH_DIR ?? path.join(os.tmpdir(), `bench-scale-${DATABASE}`));
const SEED = 7;
const CHUNK = 5000;

const SIMILAR = 'query ($id: ID!) { customer(id: $id) { similarCustomers(limit: 10) { score customer { id } } } }';
const lookalike = (size: number) =>
  `query ($seeds: [ID!]!) { lookalikeAudience(seeds: $seeds, size: ${size}) { size members(first: 100) { edges { node { rank customer { id } } } } } }`;

interface ShopStats {
  customers: number;
  orders: number;
  searches: number;
  reviews: number;
  distinctTexts: number;
  reviewWords: number;
  /** Distinct Latin words (lower-cased) and distinct Han characters in everything customers wrote. */
  latinWords: number;
  hanCharacters: number;
}

interface SizeRun {
  customers: number;
  stats: ShopStats;
  generateSeconds: number;
  stages: { name: string; run: CliRun }[];
  ready: CliRun;
  calls: { name: string; first: number; warm: number }[];
}

/** 52 bits of FNV-1a: distinct texts counted without keeping a million strings. */
function textHash(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 ^ c, 2246822519);
  }
  return (h1 >>> 0) * 2 ** 20 + ((h2 >>> 0) & 0xfffff);
}

/** Writes the shop's JSONL files into `dir` (parents first); what it holds. */
function writeShop(customers: number, dir: string): ShopStats {
  fs.mkdirSync(dir, { recursive: true });
  const files = Object.fromEntries(ENTITIES.map((e) => [e, path.join(dir, `${e}.jsonl`)])) as Record<Entity, string>;
  for (const file of Object.values(files)) fs.writeFileSync(file, '');
  const lines = (records: object[]) => (records.length === 0 ? '' : records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.appendFileSync(files.products, lines(scaleCatalogue(SEED, PRODUCTS).products));
  fs.writeFileSync(path.join(dir, 'personas.csv'), 'customerId,persona\n');
  const texts = new Set<number>();
  const latin = new Set<string>();
  const han = new Set<string>();
  const stats: ShopStats = { customers: 0, orders: 0, searches: 0, reviews: 0, distinctTexts: 0, reviewWords: 0, latinWords: 0, hanCharacters: 0 };
  for (let from = 0; from < customers; from += CHUNK) {
    const chunk = scaleCustomers({ customers, seed: SEED, products: PRODUCTS }, from, from + CHUNK);
    for (const e of ['customers', 'orders', 'searches', 'reviews'] as const) fs.appendFileSync(files[e], lines(chunk[e]));
    fs.appendFileSync(path.join(dir, 'personas.csv'), chunk.truth.map((t) => `${t.customerId},${t.persona}\n`).join(''));
    for (const { text } of [...chunk.searches, ...chunk.reviews]) {
      texts.add(textHash(text));
      for (const w of text.match(/\p{Script=Latin}+/gu) ?? []) latin.add(w.toLowerCase());
      for (const c of text.match(/\p{Script=Han}/gu) ?? []) han.add(c);
    }
    for (const r of chunk.reviews)
      stats.reviewWords += (r.text.match(/\p{Script=Latin}+/gu)?.length ?? 0) + (r.text.match(/\p{Script=Han}/gu)?.length ?? 0) / 1.7;
    stats.customers += chunk.customers.length;
    stats.orders += chunk.orders.length;
    stats.searches += chunk.searches.length;
    stats.reviews += chunk.reviews.length;
    process.stderr.write(`\rwriting the shop: ${stats.customers.toLocaleString('en')} of ${customers.toLocaleString('en')} customers`);
  }
  process.stderr.write('\n');
  return { ...stats, distinctTexts: texts.size, latinWords: latin.size, hanCharacters: han.size };
}

// What this shell sets for the service does not leak in: the database, the store, the cache, the limits.
const baseEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|QDRANT_|RESPONSE_CACHE_MB|RATE_LIMIT_|LOG_LEVEL|PORT$|DATA_DIR$)/.test(name)),
  ),
  NODE_ENV: 'production',
  RESPONSE_CACHE_MB: '0',
  RATE_LIMIT_PER_MINUTE: '0',
};

async function runSize(customers: number): Promise<SizeRun> {
  const dir = path.join(ROOT, String(customers));
  const marker = path.join(dir, 'made.json');
  const env: NodeJS.ProcessEnv = { ...baseEnv, DATA_DIR: path.join(dir, 'data') };
  let made: Omit<SizeRun, 'ready' | 'calls'>;
  if (fs.existsSync(marker)) {
    const kept = JSON.parse(fs.readFileSync(marker, 'utf8')) as typeof made & { databaseUrl?: string };
    if (kept.databaseUrl) env.DATABASE_URL = kept.databaseUrl;
    made = kept;
    console.error(`${customers.toLocaleString('en')} customers: reusing the shop made in ${dir}`);
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    if (DATABASE === 'postgresql') env.DATABASE_URL = await benchPostgresDatabase();
    const started = performance.now();
    const stats = writeShop(customers, path.join(dir, 'files'));
    const generateSeconds = (performance.now() - started) / 1000;
    const stages: { name: string; run: CliRun }[] = [];
    for (const entity of ENTITIES) {
      console.error(`import ${entity} …`);
      stages.push({ name: `import ${entity}`, run: runCli(['import', path.join(dir, 'files', `${entity}.jsonl`)], env, dir) });
    }
    for (const args of [['embed', '--all'], ['segment']]) {
      console.error(`${args.join(' ')} …`);
      stages.push({ name: args.join(' '), run: runCli(args, env, dir) });
    }
    made = { customers, stats, generateSeconds, stages };
    fs.writeFileSync(marker, JSON.stringify({ ...made, databaseUrl: env.DATABASE_URL }));
    fs.rmSync(path.join(dir, 'files'), { recursive: true, force: true });
  }

  // A key and customers to ask about, read before the server starts (PGlite is one process's).
  const services = await createServices(loadSettings(env));
  const { key } = await services.apiKeys.create(`bench-scale-${Date.now()}`, 'ADMIN');
  const ids = (await services.db.prisma.customer.findMany({ select: { externalId: true } })).map((c) => c.externalId);
  await services.close();
  const rng = mulberry32(Date.now() >>> 0);
  const anyId = () => ids[Math.floor(rng() * ids.length)]!;

  const logFile = path.join(dir, 'serve.log');
  fs.rmSync(logFile, { force: true });
  const server = await startServe(env, logFile, { readyWithinMs: 3_600_000 });
  const ask = (query: string, variables: object) => server.ask(key, query, variables);
  const bigAudience = Math.min(100_000, Math.floor(customers / 2));
  const calls = [
    { name: 'similarCustomers (10)', query: SIMILAR, variables: () => ({ id: anyId() }) },
    { name: 'lookalike 1,000 from 20 seeds', query: lookalike(1000), variables: () => ({ seeds: Array.from({ length: 20 }, anyId) }) },
    {
      name: `lookalike ${bigAudience.toLocaleString('en')} from 500 seeds`,
      query: lookalike(bigAudience),
      variables: () => ({ seeds: Array.from({ length: 500 }, anyId) }),
    },
  ];
  const measured: SizeRun['calls'] = [];
  let servePeakMb: number;
  try {
    const first = [];
    for (const call of calls) first.push(await ask(call.query, call.variables()));
    for (const [i, call] of calls.entries()) {
      const warm: number[] = [];
      for (let n = 0; n < 5; n++) warm.push(await ask(call.query, call.variables()));
      measured.push({ name: call.name, first: first[i]!, warm: warm.sort((a, b) => a - b)[2]! });
    }
    servePeakMb = server.peakMb();
  } finally {
    await server.stop();
  }
  return { ...made, ready: { seconds: server.readySeconds, peakMb: servePeakMb }, calls: measured };
}

// Sizes small to large: a failure at the large size still leaves the baseline printed in the log.
const sizes = BASELINE > 0 && BASELINE < CUSTOMERS ? [BASELINE, CUSTOMERS] : [CUSTOMERS];
const runs: SizeRun[] = [];
for (const size of sizes) {
  const run = await runSize(size);
  runs.push(run);
  console.error(`${size.toLocaleString('en')} customers done: ${JSON.stringify(run.stages.map((s) => [s.name, Math.round(s.run.seconds)]))}`);
}

const head = (run: SizeRun) => `${run.customers.toLocaleString('en')} customers`;
const stageRows = (pick: (run: SizeRun) => { name: string; run: CliRun }[]) =>
  pick(runs[0]!).map(({ name }, i) => [
    name,
    ...runs.flatMap((r) => [`${pick(r)[i]!.run.seconds.toFixed(1)} s`, megabytes(pick(r)[i]!.run.peakMb)]),
    ...(runs.length === 2 ? [(pick(runs[1]!)[i]!.run.seconds / runs[1]!.customers / (pick(runs[0]!)[i]!.run.seconds / runs[0]!.customers)).toFixed(2)] : []),
  ]);
const withReady = (run: SizeRun) => [...run.stages, { name: '`serve` until /readyz 200', run: run.ready }];
const total = (run: SizeRun) => withReady(run).reduce((s, x) => s + x.run.seconds, 0);
const peak = (run: SizeRun) => Math.max(...withReady(run).map((x) => x.run.peakMb ?? 0));

console.log(`\nbench:scale — ${DATABASE} + the embedded vector store, ${os.cpus().length} cores, ${PRODUCTS.toLocaleString('en')} products (${ROOT})\n`);
console.log(
  markdownTable(
    [
      'shop',
      'orders',
      'searches',
      'reviews',
      'words per review',
      'distinct texts',
      'distinct Latin words',
      'distinct Han characters',
      'writing the files (not the product)',
    ],
    runs.map((r) => [
      head(r),
      r.stats.orders.toLocaleString('en'),
      r.stats.searches.toLocaleString('en'),
      r.stats.reviews.toLocaleString('en'),
      (r.stats.reviewWords / Math.max(1, r.stats.reviews)).toFixed(1),
      r.stats.distinctTexts.toLocaleString('en'),
      r.stats.latinWords.toLocaleString('en'),
      r.stats.hanCharacters.toLocaleString('en'),
      `${r.generateSeconds.toFixed(0)} s`,
    ]),
  ),
);
console.log();
console.log(
  markdownTable(
    ['stage (CLI process)', ...runs.flatMap((r) => [`${head(r)}: time`, 'peak RSS']), ...(runs.length === 2 ? ['time per customer, large ÷ small'] : [])],
    [
      ...stageRows(withReady),
      [
        '**end to end**',
        ...runs.flatMap((r) => [`**${(total(r) / 60).toFixed(1)} min**`, `**${megabytes(peak(r))}**`]),
        ...(runs.length === 2 ? [(total(runs[1]!) / runs[1]!.customers / (total(runs[0]!) / runs[0]!.customers)).toFixed(2)] : []),
      ],
    ],
  ),
);
const bar = (customers: number) => (customers >= 1_000_000 ? 30 : customers >= 100_000 ? 5 : undefined);
for (const r of runs) {
  const minutes = bar(r.customers);
  if (minutes !== undefined)
    console.log(
      `${head(r)}: ${(total(r) / 60).toFixed(1)} min against the issue's ${minutes} (${total(r) / 60 <= minutes ? 'met' : 'not met'}); peak ${megabytes(peak(r))} against 6,144 MB (${peak(r) <= 6144 ? 'met' : 'not met'})`,
    );
}
console.log();
console.log(
  markdownTable(
    ['shop', 'call (after the start, response cache off)', 'first', 'warm (median of 5)'],
    runs.flatMap((r) => r.calls.map((c) => [head(r), c.name, `${c.first.toFixed(0)} ms`, `${c.warm.toFixed(0)} ms`])),
  ),
);
