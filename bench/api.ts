// `npm run bench:api`: the API under concurrent clients (autocannon, loopback only): requests/s and
// p50/p99 latency for the dashboard's and marketing tools' main calls, on PGlite + embedded store and
// on PostgreSQL + embedded store. Baseline, measured in the same run: the `health` query (a GraphQL
// round trip that touches the database once); each call's throughput is also given as a ratio to it.
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

if (!process.env.TEST_DATABASE_URL) {
  const pg = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pg.status === 0) process.env.TEST_DATABASE_URL = pg.stdout.trim();
}

const idle = { signal: new AbortController().signal, progress: () => {} };
const rows: string[][] = [];

for (const target of databaseTargets()) {
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
      { name: 'segments list', body: () => body('{ segments { id name size share medians { recencyDays frequency monetary } topCategories { category share } keywords quality } }') },
      { name: 'members page (100)', body: () => body('query ($id: ID!) { segment(id: $id) { members(first: 100) { totalCount edges { cursor node { distance monetary customer { id country } } } } } }', { id: String(segment.id) }) },
      { name: 'similarCustomers (10)', body: () => body('query ($id: ID!) { customer(id: $id) { similarCustomers(limit: 10) { score customer { id } } } }', { id: ids[Math.floor(rng() * ids.length)] }) },
      {
        name: 'lookalike 1,000 from 100 seeds',
        body: () => {
          const seeds = Array.from({ length: 100 }, () => ids[Math.floor(rng() * ids.length)]);
          return body('query ($seeds: [ID!]!) { lookalikeAudience(seeds: $seeds, size: 1000) { size quality { recall } members(first: 100) { edges { node { rank customer { id } } } } } }', { seeds });
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

const header = ['stack', 'call', 'req/s', 'p50', 'p99', '÷ health', 'failed'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(`\nAPI under load: ${CONNECTIONS} connections × ${DURATION} s per call, ${CUSTOMERS} demo customers, loopback\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));
