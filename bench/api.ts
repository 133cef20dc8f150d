// `npm run bench:api`: the API under concurrent clients (autocannon, loopback only): requests/s and
// p50/p99 latency of the dashboard's and marketing tools' main calls. The server is a `serve` process of
// its own (as in production: the load generator does not share its thread), on PGlite + embedded store
// and on PostgreSQL + embedded store, each run twice over the same prepared shop: with the response
// cache off (RESPONSE_CACHE_MB=0, the baseline measured in the same run) and on (the default). Each call
// is sent `repeated` (the same request, as every viewer of one dashboard page sends it) and, where the
// request has a subject, `varied` (a random segment and order, customer or seed set each time: with the
// cache on, members pages and customers repeat within seconds, seed sets never). The `health` query
// (one database round trip, never cached) is the floor; each call's throughput is also given as a
// ratio to it. The per-key rate limit is off; every failure (non-2xx, transport) is counted.
// Then the dashboard's `segments` list under a light load (BENCH_BUSY_CONNECTIONS) WHILE a job runs —
// a full re-embedding (onlyChanged: false) and an automatic-k segmentation, started over GraphQL like
// any client would, on BENCH_BUSY_CUSTOMERS customers — against the same load on the idle server
// measured just before: heavy maths must stay off the event loop (target p99 < 200 ms).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createServices } from '../src/app/services.js';
import { loadSettings, projectRoot } from '../src/config/settings.js';
import { loadDemoShop } from '../src/demo/demo-shop.js';
import { mulberry32 } from '../src/demo/random.js';
import { startTestApp } from '../test/support/app.js';
import { databaseTargets } from '../test/support/databases.js';
import { startServe } from './serve-process.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 2000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const BUSY_CUSTOMERS = Number(process.env.BENCH_BUSY_CUSTOMERS ?? 20000);
const BUSY_CONNECTIONS = Number(process.env.BENCH_BUSY_CONNECTIONS ?? 4);
const CALL_TARGETS = (process.env.BENCH_CALL_TARGETS ?? 'pglite,postgresql').split(',');
const BUSY_TARGETS = (process.env.BENCH_BUSY_TARGETS ?? 'pglite,postgresql').split(',');
/** Only the calls whose names contain one of these (comma-separated); the health floor always runs. */
const CALLS = process.env.BENCH_CALLS?.split(',');
const SEGMENTS_QUERY = '{ segments { id name size share medians { recencyDays frequency monetary } topCategories { category share } keywords quality } }';
const MEMBERS_QUERY =
  'query ($id: ID!, $o: MemberOrder!) { segment(id: $id) { members(first: 100, orderBy: $o) { totalCount edges { cursor node { distance monetary customer { id country } } } } } }';
const SIMILAR_QUERY = 'query ($id: ID!) { customer(id: $id) { id segment { name } similarCustomers(limit: 10) { score customer { id } } } }';
const LOOKALIKE_QUERY =
  'query ($seeds: [ID!]!) { lookalikeAudience(seeds: $seeds, size: 1000) { size quality { recall } members(first: 100) { edges { node { rank customer { id } } } } } }';

if (!process.env.TEST_DATABASE_URL) {
  const pg = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pg.status === 0) process.env.TEST_DATABASE_URL = pg.stdout.trim();
}

const idle = { signal: new AbortController().signal, progress: () => {} };
const rows: string[][] = [];

for (const target of databaseTargets().filter((t) => CALL_TARGETS.includes(t.name))) {
  // One prepared shop per database, served twice (cache off, then on).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const db = await target.create();
  // What this shell sets for the service does not leak in: the database, the store, the cache, the limits.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|QDRANT_|RESPONSE_CACHE_MB|RATE_LIMIT_|LOG_LEVEL|PORT$)/.test(name)),
  );
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    // The bench is one key at thousands of requests a second: the per-key limit would answer 429s.
    RATE_LIMIT_PER_MINUTE: '0',
    ...(db.settings.kind === 'postgresql' ? { DATABASE_URL: db.settings.url } : {}),
  };
  const prepared = await createServices(loadSettings(env));
  await loadDemoShop(prepared.ingest, { customers: CUSTOMERS, seed: 42 }, path.join(dataDir, 'demo'));
  await (await prepared.indexer()).run(idle);
  await prepared.segments.run(idle, { k: 8, seed: 1 });
  const { key } = await prepared.apiKeys.create('bench', 'ADMIN');
  const segmentIds = (await prepared.catalog.segments()).map((s) => String(s.id));
  const ids = (await prepared.db.prisma.customer.findMany({ select: { externalId: true } })).map((c) => c.externalId);
  await prepared.close();
  const body = (query: string, variables: object = {}) => JSON.stringify({ query, variables });
  const rng = mulberry32(1);
  const any = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const fixedSeeds = Array.from({ length: 100 }, () => any(ids));
  const calls: { name: string; body: () => string }[] = [
    { name: 'health (floor)', body: () => body('{ health { status } }') },
    { name: 'segments list', body: () => body(SEGMENTS_QUERY) },
    { name: 'members page (100), repeated', body: () => body(MEMBERS_QUERY, { id: segmentIds[0], o: 'DISTANCE' }) },
    {
      name: 'members page (100), varied: 8 segments × 4 orders',
      body: () => body(MEMBERS_QUERY, { id: any(segmentIds), o: any(['DISTANCE', 'MONETARY', 'CLV', 'CHURN_RISK']) }),
    },
    { name: 'customer + similarCustomers (10), repeated', body: () => body(SIMILAR_QUERY, { id: ids[0] }) },
    { name: 'customer + similarCustomers (10), varied', body: () => body(SIMILAR_QUERY, { id: any(ids) }) },
    { name: 'lookalike 1,000 from 100 seeds, repeated', body: () => body(LOOKALIKE_QUERY, { seeds: fixedSeeds }) },
    { name: 'lookalike 1,000 from 100 seeds, varied', body: () => body(LOOKALIKE_QUERY, { seeds: Array.from({ length: 100 }, () => any(ids)) }) },
  ];
  try {
    for (const cache of ['off', 'on'] as const) {
      const server = await startServe({ ...env, RESPONSE_CACHE_MB: cache === 'off' ? '0' : '64' }, path.join(dataDir, `serve-${cache}.log`));
      try {
        let floor = 0;
        for (const call of calls.filter((c) => !CALLS || c.name.startsWith('health') || CALLS.some((n) => c.name.includes(n)))) {
          const result = await autocannon({
            url: server.url,
            method: 'POST',
            connections: CONNECTIONS,
            duration: DURATION,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
            requests: [{ setupRequest: (req) => ({ ...req, body: call.body() }) }],
          });
          const rps = result.requests.average;
          if (call.name.startsWith('health')) floor = rps;
          rows.push([
            `${target.name} + embedded`,
            cache,
            call.name,
            rps.toFixed(0),
            `${result.latency.p50} ms`,
            `${result.latency.p99} ms`,
            floor ? `${(rps / floor).toFixed(3)}` : '',
            String(result.non2xx + result.errors),
          ]);
          console.error(`${target.name}, cache ${cache}: ${call.name}: p99 ${result.latency.p99} ms`);
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// The `segments` list while jobs run.
const busyRows: string[][] = [];
for (const target of databaseTargets().filter((t) => BUSY_TARGETS.includes(t.name))) {
  // The database under load from the jobs is what this measures: no cached answers.
  const app = await startTestApp(target, { RESPONSE_CACHE_MB: '0' });
  try {
    let t = performance.now();
    await loadDemoShop(app.services.ingest, { customers: BUSY_CUSTOMERS, seed: 7 }, path.join(app.services.settings.dataDir, 'demo'));
    await (await app.services.indexer()).run(idle);
    await app.services.segments.run(idle, {});
    console.error(`${target.name}: ${BUSY_CUSTOMERS} customers loaded, embedded and segmented in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    const load = (duration: number) => {
      let instance!: autocannon.Instance;
      const done = new Promise<autocannon.Result>((resolve, reject) => {
        instance = autocannon(
          {
            url: app.server.url,
            method: 'POST',
            connections: BUSY_CONNECTIONS,
            duration,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${app.keys.admin}` },
            body: JSON.stringify({ query: SEGMENTS_QUERY }),
          },
          (error, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)),
        );
      });
      return { stop: () => instance.stop(), done };
    };
    const report = (what: string, r: autocannon.Result, seconds: number) =>
      busyRows.push([
        `${target.name} + embedded`,
        what,
        seconds.toFixed(0),
        String(r.requests.total),
        `${r.latency.p50} ms`,
        `${r.latency.p99} ms`,
        `${r.latency.max} ms`,
        String(r.non2xx + r.errors),
      ]);
    report('idle server', await load(10).done, 10);
    for (const job of [
      { what: 'while re-embedding every customer', mutation: 'mutation { embedCustomers(onlyChanged: false) { id } }' },
      { what: 'while segmenting (automatic k)', mutation: 'mutation { runSegmentation { id } }' },
    ]) {
      t = performance.now();
      const started = await app.client.request<Record<string, { id: string }>>(job.mutation);
      const id = Object.values(started)[0]!.id;
      const running = load(3600);
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        const { job: status } = await app.client.request<{ job: { status: string; error: string | null } }>(
          'query ($id: ID!) { job(id: $id) { status error } }',
          { id },
        );
        if (status.status === 'QUEUED' || status.status === 'RUNNING') continue;
        if (status.status !== 'SUCCEEDED') throw new Error(`${job.what}: ${status.error}`);
        break;
      }
      running.stop();
      report(job.what, await running.done, (performance.now() - t) / 1000);
    }
  } finally {
    await app.close();
  }
}

const header = ['stack', 'response cache', 'call', 'req/s', 'p50', 'p99', '÷ health', 'failed'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(
  `\nAPI under load: a serve process, ${CONNECTIONS} connections × ${DURATION} s per call, ${CUSTOMERS} demo customers, loopback, ${os.cpus().length} cores\n`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));

const busyHeader = ['stack', '`segments` list', 'seconds', 'requests', 'p50', 'p99', 'max', 'failed'];
const busyWidths = busyHeader.map((h, i) => Math.max(h.length, ...busyRows.map((r) => r[i]!.length)));
const busyLine = (r: string[]) => r.map((c, i) => c.padEnd(busyWidths[i]!)).join(' | ');
console.log(`\nThe dashboard's segments list while jobs run: ${BUSY_CONNECTIONS} connections, ${BUSY_CUSTOMERS} demo customers (target p99 < 200 ms)\n`);
console.log(busyLine(busyHeader));
console.log(busyWidths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of busyRows) console.log(busyLine(r));
