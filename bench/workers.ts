// `npm run bench:workers`: one embedding shared by worker processes on PostgreSQL. A generated shop of
// BENCH_WORKERS_CUSTOMERS (20,000 by default) is embedded three times (after an untimed first run that
// fits the index) from an empty vector store and an empty text cache, by `npm run worker` processes writing to one shared store (the Qdrant double, an
// HTTP server speaking Qdrant's API: no Qdrant server runs here):
//   1. one worker (the baseline, measured in the same run);
//   2. two workers;
//   3. two workers, one killed with SIGKILL while it holds a part (after it has finished another).
// For each: time, parts done and by whom, parts done twice, and the largest difference from run 1's
// points over every customer and every named vector.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { projectRoot } from '../src/config/settings.js';
import { loadDemoShop } from '../src/demo/demo-shop.js';
import { EMBED_SHARD_JOB } from '../src/indexing/customer-indexer.js';
import type { StoredPoint } from '../src/vectors/vector-store.js';
import { VECTOR_NAMES } from '../src/vectors/vector-store.js';
import { testSettings } from '../test/support/app.js';
import { databaseTargets } from '../test/support/databases.js';
import { QdrantDouble } from '../test/support/qdrant-double.js';
import { startWorkerProcess } from '../test/support/worker-process.js';

const CUSTOMERS = Number(process.env.BENCH_WORKERS_CUSTOMERS ?? 20_000);
const SHARD = Number(process.env.BENCH_WORKERS_SHARD ?? 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!process.env.TEST_DATABASE_URL) {
  const pg = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pg.status === 0) process.env.TEST_DATABASE_URL = pg.stdout.trim();
}
const target = databaseTargets().find((t) => t.name === 'postgresql');
if (!target) {
  console.error('bench:workers needs PostgreSQL (TEST_DATABASE_URL, or the local Debian cluster).');
  process.exit(2);
}

const created = await target.create();
// Requests are not validated against the OpenAPI document here (the conformance test does that): the
// double only carries the vectors, and validating 20,000 points three times would time the validator.
const qdrant = new QdrantDouble({ validate: false });
const url = await qdrant.start();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-workers-'));
const shared = { QDRANT_URL: url, WORKER_IN_PROCESS: 'false', EMBED_SHARD_SIZE: String(SHARD) };
const env = { ...process.env, DATABASE_URL: (created.settings as { url: string }).url, DATA_DIR: dataDir, NODE_ENV: 'production', ...shared };
const services = await createServices(testSettings(created.settings, { DATA_DIR: dataDir, ...shared }));
const workers: ChildProcess[] = [];

const startWorker = async (): Promise<ChildProcess> => {
  const child = await startWorkerProcess(env, 'inherit');
  workers.push(child);
  return child;
};
const stopWorkers = async () => {
  for (const w of workers.splice(0)) {
    if (w.exitCode === null && w.signalCode === null) {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('exit', r));
    }
  }
};

interface Outcome {
  name: string;
  seconds: number;
  parts: number;
  partsRun: number;
  byWorker: number[];
  redone: number;
  points: Map<number, StoredPoint>;
}

try {
  await services.startWork();
  const prisma = services.db.prisma;
  let started = performance.now();
  await loadDemoShop(services.ingest, { customers: CUSTOMERS, seed: 20 }, path.join(dataDir, 'demo'));
  console.log(`shop: ${CUSTOMERS} customers loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const embed = async (name: string, count: number, kill: boolean): Promise<Outcome> => {
    // From nothing: no text in the cache, no point stored (the fitted index is kept, so every run
    // places customers with the same fits).
    await prisma.textEmbedding.deleteMany({});
    await prisma.customerVector.deleteMany({});
    for (const c of await prisma.vectorIndex.findMany())
      if (await services.vectors.collectionExists(c.collection)) await services.vectors.deleteCollection(c.collection);
    const procs: ChildProcess[] = [];
    for (let i = 0; i < count; i++) procs.push(await startWorker());
    started = performance.now();
    const job = await services.jobs.enqueue('embedCustomers', { onlyChanged: true });
    const parts = () => prisma.job.findMany({ where: { kind: EMBED_SHARD_JOB, parameters: { path: ['parent'], equals: job.id } } });
    if (kill) {
      let parent = await services.jobs.get(job.id);
      while (!parent.worker) {
        await sleep(100);
        parent = await services.jobs.get(job.id);
      }
      const victim = procs.find((p) => !parent.worker!.includes(`:${p.pid}:`))!;
      for (;;) {
        const its = (await parts()).filter((p) => p.worker?.includes(`:${victim.pid}:`));
        if (its.some((p) => p.status === 'SUCCEEDED') && its.some((p) => p.status === 'RUNNING')) break;
        await sleep(100);
      }
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('exit', r));
      console.log(`${name}: worker ${victim.pid} killed while holding a part`);
    }
    const done = await services.jobs.wait(job.id, undefined, 500);
    const seconds = (performance.now() - started) / 1000;
    if (done.status !== 'SUCCEEDED') throw new Error(`${name}: ${done.status} ${done.error ?? ''}`);
    const rows = await parts();
    const ok = rows.filter((p) => p.status === 'SUCCEEDED');
    const redone = rows.length - ok.length;
    const shardsDone = new Set(ok.map((p) => (p.parameters as { part: number }).part)).size;
    if (shardsDone !== ok.length) throw new Error(`${name}: a part succeeded twice`);
    const byWorker = procs.map((p) => ok.filter((r) => r.worker?.includes(`:${p.pid}:`)).length);
    const points = new Map<number, StoredPoint>();
    for await (const batch of services.vectors.scroll(done.lockKey, { withVectors: true, batchSize: 1000 })) for (const p of batch) points.set(p.id, p);
    await stopWorkers();
    return { name, seconds, parts: shardsDone, partsRun: rows.length, byWorker, redone, points };
  };

  // Not timed: the first embedding also fits the index (scaler, lexical model, view balance), which
  // every later run reuses; the timed runs then differ only in who embeds.
  const warm = await embed('warm-up (fits the index)', 1, false);
  console.log(`warm-up: ${warm.seconds.toFixed(1)} s`);
  const one = await embed('1 worker', 1, false);
  const two = await embed('2 workers', 2, false);
  const killed = await embed('2 workers, one killed', 2, true);

  const diff = (a: Outcome, b: Outcome) => {
    let worst = 0;
    let missing = 0;
    for (const [id, p] of a.points) {
      const q = b.points.get(id);
      if (!q) {
        missing++;
        continue;
      }
      for (const name of VECTOR_NAMES) {
        const x = p.vectors![name]!;
        const y = q.vectors![name]!;
        for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      }
    }
    return { worst, missing: missing + Math.max(0, b.points.size - a.points.size) };
  };
  console.log(`\nbench:workers — ${CUSTOMERS} customers, parts of ${SHARD}, PostgreSQL, shared store (Qdrant double), ${os.cpus().length} cores\n`);
  console.log('| run | seconds | vs 1 worker | parts | part jobs run | parts per worker | points | missing vs run 1 | max abs diff vs run 1 |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |');
  for (const o of [one, two, killed]) {
    const d = diff(one, o);
    console.log(
      `| ${o.name} | ${o.seconds.toFixed(1)} | ${(o.seconds / one.seconds).toFixed(2)} | ${o.parts} | ${o.partsRun} | ${o.byWorker.join(' + ')} | ${o.points.size} | ${d.missing} | ${d.worst.toExponential(1)} |`,
    );
  }
  console.log('\n"part jobs run" above "parts": parts run again after their worker died (the killed run\'s one is expected).');
} finally {
  await stopWorkers();
  await services.close();
  await qdrant.stop();
  await created.drop();
}
