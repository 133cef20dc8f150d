// `npm run bench:restart`: the first requests after `serve` starts, against the same requests warm.
// A demo shop of BENCH_CUSTOMERS customers is made as a new user makes it — `generate-demo`, `embed
// --all`, `segment`, each a CLI process, timed — in BENCH_DIR (kept, so a second run skips this), on
// the embedded defaults (PGlite + embedded vector store). Then `serve` is started twice:
//   1. without kept search indexes (index files removed): the server builds them before it reports
//      ready, as before they were kept — the baseline of the same run;
//   2. again: it reads the indexes the first start kept beside the snapshot.
// Each start prints the seconds until /readyz answers 200 and the server's peak resident memory,
// then the first similarCustomers, recommendedProducts and 1,000-member lookalike (20 seeds), each for a
// customer or seed set not asked about before, against the median of BENCH_WARM more of each, and the
// ratio (the bar: first within 2× of warm). The response cache is off: every call is computed.
// BENCH_DATABASE=postgresql: the shop in a database of its own on the PostgreSQL server of
// TEST_DATABASE_URL (scripts/postgres.sh when unset), kept with BENCH_DIR (prepared.json names it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { loadSettings } from '../src/config/settings.js';
import { mulberry32 } from '../src/demo/random.js';
import { benchPostgresDatabase, markdownTable, megabytes, runCli } from './cli-process.js';
import { startServe } from './serve-process.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const WARM = Number(process.env.BENCH_WARM ?? 10);
const DATABASE = process.env.BENCH_DATABASE ?? 'pglite';
if (DATABASE !== 'pglite' && DATABASE !== 'postgresql') throw new Error(`BENCH_DATABASE is pglite or postgresql, not ${DATABASE}`);
const DIR = path.resolve(process.env.BENCH_DIR ?? path.join(os.tmpdir(), `bench-restart-${DATABASE}-${CUSTOMERS}`));

const SIMILAR = 'query ($id: ID!) { customer(id: $id) { similarCustomers(limit: 10) { score customer { id } } } }';
const RECOMMENDED = 'query ($id: ID!) { customer(id: $id) { recommendedProducts(limit: 10) { score product { id } } } }';
const LOOKALIKE =
  'query ($seeds: [ID!]!) { lookalikeAudience(seeds: $seeds, size: 1000) { size members(first: 100) { edges { node { rank customer { id } } } } } }';

// What this shell sets for the service does not leak in: the database, the store, the cache, the limits.
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|QDRANT_|RESPONSE_CACHE_MB|RATE_LIMIT_|LOG_LEVEL|PORT$)/.test(name))),
  DATA_DIR: DIR,
  NODE_ENV: 'production',
  RESPONSE_CACHE_MB: '0',
  RATE_LIMIT_PER_MINUTE: '0',
};

const cli = (args: string[]) => runCli(args, env, DIR);
const mb = megabytes;
const rows: string[][] = [];

fs.mkdirSync(DIR, { recursive: true });
const marker = path.join(DIR, 'prepared.json');
if (!fs.existsSync(marker)) {
  if (DATABASE === 'postgresql') {
    env.DATABASE_URL = await benchPostgresDatabase();
  }
  for (const args of [['generate-demo', '--customers', String(CUSTOMERS)], ['embed', '--all'], ['segment']]) {
    console.error(`${args.join(' ')} …`);
    const { seconds, peakMb } = cli(args);
    rows.push([args.join(' '), `${seconds.toFixed(0)} s`, mb(peakMb)]);
  }
  fs.writeFileSync(marker, JSON.stringify({ customers: CUSTOMERS, database: DATABASE, databaseUrl: env.DATABASE_URL, rows }));
} else {
  const kept = JSON.parse(fs.readFileSync(marker, 'utf8')) as { database?: string; databaseUrl?: string };
  if ((kept.database ?? 'pglite') !== DATABASE)
    throw new Error(`${DIR} holds a shop on ${kept.database ?? 'pglite'}, not ${DATABASE}: choose another BENCH_DIR`);
  if (kept.databaseUrl) env.DATABASE_URL = kept.databaseUrl;
  console.error(`reusing the shop prepared in ${DIR}`);
}

// A key and customers to ask about, read before the server starts (PGlite is one process's).
const services = await createServices(loadSettings(env));
const { key } = await services.apiKeys.create(`bench-restart-${Date.now()}`, 'ADMIN');
const ids = (await services.db.prisma.customer.findMany({ select: { externalId: true }, orderBy: { id: 'asc' } })).map((c) => c.externalId);
await services.close();
const rng = mulberry32(Date.now() >>> 0);
const anyId = () => ids[Math.floor(rng() * ids.length)]!;

async function start(label: string) {
  const logFile = path.join(DIR, `serve-${label}.log`);
  fs.rmSync(logFile, { force: true });
  // Building indexes for a million customers takes far longer than the helper's default wait.
  const server = await startServe(env, logFile, { readyWithinMs: 3_600_000 });
  const ask = (query: string, variables: object) => server.ask(key, query, variables);
  return { readySeconds: server.readySeconds, ask, stop: () => server.stop(), peakMb: () => server.peakMb() };
}

const calls: { name: string; query: string; variables: () => object }[] = [
  { name: 'similarCustomers (10)', query: SIMILAR, variables: () => ({ id: anyId() }) },
  { name: 'recommendedProducts (10)', query: RECOMMENDED, variables: () => ({ id: anyId() }) },
  { name: 'lookalike 1,000 from 20 seeds', query: LOOKALIKE, variables: () => ({ seeds: Array.from({ length: 20 }, anyId) }) },
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const collection = () => {
  const aliases = JSON.parse(fs.readFileSync(path.join(DIR, 'vectors', 'aliases.json'), 'utf8')) as Record<string, string>;
  return path.join(DIR, 'vectors', Object.values(aliases)[0]!);
};
const starts: string[][] = [];
const timings: string[][] = [];
for (const label of ['indexes built at start (before)', 'indexes kept on disk (now)']) {
  if (label.includes('before')) for (const file of fs.readdirSync(collection())) if (/^index/.test(file)) fs.rmSync(path.join(collection(), file));
  const server = await start(label.includes('before') ? 'before' : 'now');
  try {
    const first = [];
    for (const call of calls) first.push(await server.ask(call.query, call.variables()));
    for (const [i, call] of calls.entries()) {
      const warm: number[] = [];
      for (let n = 0; n < WARM; n++) warm.push(await server.ask(call.query, call.variables()));
      const w = median(warm);
      timings.push([label, call.name, `${first[i]!.toFixed(0)} ms`, `${w.toFixed(0)} ms`, (first[i]! / w).toFixed(2)]);
    }
    starts.push([label, `${server.readySeconds.toFixed(1)} s`, `${server.peakMb().toFixed(0)} MB`]);
  } finally {
    await server.stop();
  }
  const kept = fs.readdirSync(collection()).filter((f) => /^index-/.test(f));
  console.error(`${label}: ready in ${server.readySeconds.toFixed(1)} s; kept indexes now: ${kept.join(', ') || 'none'}`);
}

const table = markdownTable;
const prepared = JSON.parse(fs.readFileSync(marker, 'utf8')) as { rows: string[][] };
console.log(`\n${CUSTOMERS.toLocaleString('en')} demo customers on ${DATABASE} + the embedded store (${DIR}), ${os.cpus().length} cores\n`);
console.log(table(['step (CLI, when the shop was made)', 'time', 'peak RSS'], prepared.rows));
console.log();
console.log(table(['serve start', 'until /readyz 200', 'peak RSS'], starts));
console.log();
console.log(table(['start', 'call', 'first', `warm (median of ${WARM})`, 'first ÷ warm'], timings));
