// `npm run bench:soak`: the operator's soak test. A server process (`node dist/src/cli.js serve`, the
// embedded defaults: PGlite + embedded store) over a prepared demo shop (BENCH_SOAK_CUSTOMERS, 2,000 by
// default), then BENCH_SOAK_CONNECTIONS clients (20) for BENCH_SOAK_SECONDS (180) on a mixed read
// load: the dashboard's overview, a segment's detail, member pages by several orders, customers with
// their value and similar customers, segment recommendations, a lookalike, jobs and health. Prints
// requests, failures (non-2xx, transport errors, GraphQL errors), latency and the server's resident
// memory sampled every 5 s (from /proc: the server's own, not this client's).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createServices } from '../src/app/services.js';
import { loadSettings, projectRoot } from '../src/config/settings.js';
import { loadDemoShop } from '../src/demo/demo-shop.js';

const CUSTOMERS = Number(process.env.BENCH_SOAK_CUSTOMERS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_SOAK_CONNECTIONS ?? 20);
const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 180);
/** `all` (default); `reads`: no lookalikes, no recommendations; `classic`: no field newer than the value models. */
const MIX = process.env.BENCH_SOAK_MIX ?? 'all';
const idle = { signal: new AbortController().signal, progress: () => {} };

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-soak-'));
// The embedded defaults, whatever this shell points at.
const { DATABASE_URL: _db, QDRANT_URL: _qdrant, ...inherited } = process.env;
const env: NodeJS.ProcessEnv = { ...inherited, DATA_DIR: dataDir, NODE_ENV: 'production', PORT: '0' };
const prepared = await createServices(loadSettings(env));
await loadDemoShop(prepared.ingest, { customers: CUSTOMERS, seed: 7 }, path.join(dataDir, 'demo'));
await (await prepared.indexer()).run(idle);
await prepared.segments.run(idle, {});
const { key } = await prepared.apiKeys.create('soak', 'MARKETER');
const segments = await prepared.catalog.segments();
const customers = (await prepared.db.prisma.customer.findMany({ select: { externalId: true }, take: 500, orderBy: { id: 'asc' } })).map((c) => c.externalId);
await prepared.close();

const server = spawn(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const m = /ready at (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
});
const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

let i = 0;
const pick = <T>(xs: readonly T[]) => xs[i++ % xs.length]!;
const allBodies: (() => object)[] = [
  () => ({ query: '{ segments { id name size share archetype keywords medians { recencyDays frequency monetary } } }' }),
  () => ({
    query:
      'query ($id: ID!) { segment(id: $id) { id name topCategories { category share } value { meanPAlive shareAtRisk sumClv } histograms(bins: 20) { monetary { edges members } } } }',
    variables: { id: String(pick(segments).id) },
  }),
  () => ({
    query:
      'query ($id: ID!, $o: MemberOrder!) { segment(id: $id) { members(first: 25, orderBy: $o) { totalCount edges { node { distance clv churnRisk customer { id country } } } } } }',
    variables: { id: String(pick(segments).id), o: pick(['DISTANCE', 'MONETARY', 'CLV', 'CHURN_RISK']) },
  }),
  () => ({
    query:
      'query ($id: ID!) { customer(id: $id) { id segment { name } behaviour { monetary frequency } value { pAlive clv } similarCustomers(limit: 5) { score customer { id } } } }',
    variables: { id: pick(customers) },
  }),
  () => ({
    query: 'query ($id: ID!) { segment(id: $id) { recommendedProducts(limit: 5) { product { title } reason } } }',
    variables: { id: String(pick(segments).id) },
  }),
  () => ({
    query:
      'query ($seeds: [ID!]!) { lookalikeAudience(seeds: $seeds, size: 200) { members(first: 20) { totalCount edges { node { rank customer { id } } } } } }',
    variables: { seeds: customers.slice((i * 7) % 400, ((i * 7) % 400) + 10) },
  }),
  () => ({ query: '{ jobs { id status } health { status } }' }),
];
// `classic`: only fields that existed before the value models, to compare a build with an older one.
const classicBodies: (() => object)[] = [
  () => ({ query: '{ segments { id name size share archetype keywords medians { recencyDays frequency monetary } } }' }),
  () => ({
    query: 'query ($id: ID!) { segment(id: $id) { id name topCategories { category share } histograms(bins: 20) { monetary { edges members } } } }',
    variables: { id: String(pick(segments).id) },
  }),
  () => ({
    query:
      'query ($id: ID!, $o: MemberOrder!) { segment(id: $id) { members(first: 25, orderBy: $o) { totalCount edges { node { distance customer { id country } } } } } }',
    variables: { id: String(pick(segments).id), o: pick(['DISTANCE', 'MONETARY']) },
  }),
  () => ({
    query:
      'query ($id: ID!) { customer(id: $id) { id segment { name } behaviour { monetary frequency } similarCustomers(limit: 5) { score customer { id } } } }',
    variables: { id: pick(customers) },
  }),
  () => ({ query: '{ jobs { id status } health { status } }' }),
];
const bodies = MIX === 'classic' ? classicBodies : MIX === 'reads' ? allBodies.filter((_, k) => k !== 4 && k !== 5) : allBodies;

const samples: number[] = [rss()];
const sampler = setInterval(() => samples.push(rss()), 5000);
let graphqlErrors = 0;
try {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: JSON.stringify(pick(bodies)()) }),
        onResponse: (_status, body) => {
          if (body.includes('"errors"')) graphqlErrors++;
        },
      },
    ],
  });
  clearInterval(sampler);
  samples.push(rss());
  console.log(
    `\nbench:soak — ${CONNECTIONS} clients × ${SECONDS} s, mix '${MIX}' (${bodies.length} kinds of request), demo shop of ${CUSTOMERS} (PGlite + embedded store), ${os.cpus().length} cores\n`,
  );
  console.log('| requests | non-2xx | transport errors | GraphQL errors | p50 | p99 | max | server RSS start → min / max → end |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  console.log(
    `| ${result.requests.total} | ${result.non2xx} | ${result.errors} | ${graphqlErrors} | ${result.latency.p50} ms | ${result.latency.p99} ms | ${result.latency.max} ms | ` +
      `${samples[0]!.toFixed(0)} MB → ${Math.min(...samples).toFixed(0)} / ${Math.max(...samples).toFixed(0)} MB → ${samples.at(-1)!.toFixed(0)} MB |`,
  );
  console.log(
    `\nserver RSS every 30 s (MB): ${samples
      .filter((_, k) => k % 6 === 0)
      .map((v) => v.toFixed(0))
      .join(' ')}`,
  );
} finally {
  clearInterval(sampler);
  server.kill('SIGTERM');
}
