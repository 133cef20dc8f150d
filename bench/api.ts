// `npm run bench:api`: the API under concurrent clients (autocannon, loopback only): requests/s and
// p50/p99 latency for the dashboard's and marketing tools' main calls, on PGlite + embedded store and
// on PostgreSQL + embedded store. Baseline, measured in the same run: the `health` query (a GraphQL
// round trip that touches the database once); each call's throughput is also given as a ratio to it.
// Then the dashboard's `segments` list under a light load (BENCH_BUSY_CONNECTIONS) WHILE a job runs —
// a full re-embedding (onlyChanged: false) and an automatic-k segmentation, started over GraphQL like
// any client would, on BENCH_BUSY_CUSTOMERS customers — against the same load on the idle server
// measured just before: heavy maths must stay off the event loop (target p99 < 200 ms).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { projectRoot } from '../src/config/settings.js';
import { loadDemoShop } from '../src/demo/demo-shop.js';
import { mulberry32 } from '../src/demo/random.js';
import { startTestApp } from '../test/support/app.js';
import { databaseTargets } from '../test/support/databases.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 2000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const BUSY_CUSTOMERS = Number(process.env.BENCH_BUSY_CUSTOMERS ?? 20000);
const BUSY_CONNECTIONS = Number(process.env.BENCH_BUSY_CONNECTIONS ?? 4);
const CALL_TARGETS = (process.env.BENCH_CALL_TARGETS ?? 'pglite,postgresql').split(',');
const BUSY_TARGETS = (process.env.BENCH_BUSY_TARGETS ?? 'pglite,postgresql').split(',');
const SEGMENTS_QUERY = '{ segments { id name size share medians { recencyDays frequency monetary } topCategories { category share } keywords quality } }';

if (!process.env.TEST_DATABASE_URL) {
  const pg = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pg.status === 0) process.env.TEST_DATABASE_URL = pg.stdout.trim();
}

const idle = { signal: new AbortController().signal, progress: () => {} };
const rows: string[][] = [];

for (const target of databaseTargets().filter((t) => CALL_TARGETS.includes(t.name))) {
  const app = await startTestApp(target);
  try {
    await loadDemoShop(app.services.ingest, { customers: CUSTOMERS, seed: 42 }, path.join(app.services.settings.dataDir, 'demo'));
    await (await app.services.indexer()).run(idle);
    await app.services.segments.run(idle, { k: 8, seed: 1 });
    const segment = (await app.services.catalog.segments())[0]!;
    const ids = (await app.services.db.prisma.customer.findMany({ select: { externalId: true } })).map((c) => c.externalId);
    const rng = mulberry32(1);
    const body = (query: string, variables: object = {}) => JSON.stringify({ query, variables });
    const calls: { name: string; body: () => string }[] = [
      { name: 'health (baseline)', body: () => body('{ health { status } }') },
      { name: 'segments list', body: () => body(SEGMENTS_QUERY) },
      {
        name: 'members page (100)',
        body: () =>
          body(
            'query ($id: ID!) { segment(id: $id) { members(first: 100) { totalCount edges { cursor node { distance monetary customer { id country } } } } } }',
            { id: String(segment.id) },
          ),
      },
      {
        name: 'similarCustomers (10)',
        body: () =>
          body('query ($id: ID!) { customer(id: $id) { similarCustomers(limit: 10) { score customer { id } } } }', { id: ids[Math.floor(rng() * ids.length)] }),
      },
      {
        name: 'lookalike 1,000 from 100 seeds',
        body: () => {
          const seeds = Array.from({ length: 100 }, () => ids[Math.floor(rng() * ids.length)]);
          return body(
            'query ($seeds: [ID!]!) { lookalikeAudience(seeds: $seeds, size: 1000) { size quality { recall } members(first: 100) { edges { node { rank customer { id } } } } } }',
            { seeds },
          );
        },
      },
    ];
    let baseline = 0;
    for (const call of calls) {
      const result = await autocannon({
        url: app.server.url,
        method: 'POST',
        connections: CONNECTIONS,
        duration: DURATION,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.keys.admin}` },
        requests: [{ setupRequest: (req) => ({ ...req, body: call.body() }) }],
      });
      const rps = result.requests.average;
      if (call.name.startsWith('health')) baseline = rps;
      const failed = result.non2xx + result.errors;
      rows.push([
        `${target.name} + embedded`,
        call.name,
        rps.toFixed(0),
        `${result.latency.p50} ms`,
        `${result.latency.p99} ms`,
        baseline ? `${(rps / baseline).toFixed(3)}` : '',
        String(failed),
      ]);
      console.error(`${target.name}: ${call.name} done`);
    }
  } finally {
    await app.close();
  }
}

// The `segments` list while jobs run.
const busyRows: string[][] = [];
for (const target of databaseTargets().filter((t) => BUSY_TARGETS.includes(t.name))) {
  const app = await startTestApp(target);
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

const header = ['stack', 'call', 'req/s', 'p50', 'p99', '÷ health', 'failed'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(`\nAPI under load: ${CONNECTIONS} connections × ${DURATION} s per call, ${CUSTOMERS} demo customers, loopback\n`);
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
