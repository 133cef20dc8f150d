// One embedding shared by two worker processes on PostgreSQL, writing to one shared vector store (the
// Qdrant double: an HTTP server speaking Qdrant's API, which the adapter in each worker talks to). The
// embed job splits the shop into parts; each part is taken by one worker; one worker is killed while
// it holds a part, and that part is run again by the other. The result equals one process's, point
// for point, and no part was done twice except the one whose worker died.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServices, type AppServices } from '../../src/app/services.js';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { collectionSpec } from '../../src/customer-vectors/customer-space.js';
import { CustomerIndexer, EMBED_SHARD_JOB, type ShardReport } from '../../src/indexing/customer-indexer.js';
import { CustomerSpace } from '../../src/customer-vectors/customer-space.js';
import { EmbeddedVectorStore } from '../../src/vectors/embedded/embedded-store.js';
import { VECTOR_NAMES } from '../../src/vectors/vector-store.js';
import { testSettings } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { QdrantDouble } from '../support/qdrant-double.js';
import { startWorkerProcess, until as untilWithin } from '../support/worker-process.js';

/** Parts take a while on 2 cores: two minutes, polled every 100 ms. */
const until = (what: string, check: () => Promise<boolean>, ms = 120_000) => untilWithin(what, check, ms, 100);

const postgres = databaseTargets().find((t) => t.name === 'postgresql');
const CUSTOMERS = 900;
const SHARD = 100;

describe('one embedding shared by two worker processes', { skip: postgres ? false : 'no PostgreSQL' }, () => {
  let services: AppServices;
  let drop: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  const qdrant = new QdrantDouble();
  const workers: ChildProcess[] = [];

  const startWorker = async (): Promise<ChildProcess> => {
    const child = await startWorkerProcess(env);
    workers.push(child);
    return child;
  };

  before(async () => {
    const created = await postgres!.create();
    drop = created.drop;
    const url = await qdrant.start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-embed-'));
    const shared = { QDRANT_URL: url, WORKER_IN_PROCESS: 'false', EMBED_SHARD_SIZE: String(SHARD), EMBED_BATCH_SIZE: '50' };
    env = { ...process.env, DATABASE_URL: (created.settings as { url: string }).url, DATA_DIR: dataDir, NODE_ENV: 'test', ...shared };
    // The API side: it enqueues and reports, runs no job.
    services = await createServices(testSettings(created.settings, { DATA_DIR: dataDir, ...shared }));
    await services.startWork();
    await loadDemoShop(services.ingest, { customers: CUSTOMERS, seed: 11 }, path.join(dataDir, 'demo'));
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await services.close();
    await qdrant.stop();
    await drop();
  });

  test("each part is taken by one worker; the killed worker's part is run again by the other; the points equal one process's", async () => {
    const [a, b] = [await startWorker(), await startWorker()];
    const job = await services.jobs.enqueue('embedCustomers', { onlyChanged: true });
    const prisma = services.db.prisma;
    const parts = () =>
      prisma.job.findMany({ where: { kind: EMBED_SHARD_JOB, parameters: { path: ['parent'], equals: job.id } }, orderBy: { createdAt: 'asc' } });

    // Both workers take parts; then the one not running the embed job itself is killed while it holds one
    // (after it has finished another, so both have done some of the work).
    await until('both workers to run parts', async () => new Set((await parts()).map((p) => p.worker).filter(Boolean)).size === 2);
    const parent = await services.jobs.get(job.id);
    const victim = parent.worker!.includes(`:${a.pid}:`) ? b : a;
    let held: string | undefined;
    await until('the other worker to have done a part and to hold the next', async () => {
      const its = (await parts()).filter((p) => p.worker?.includes(`:${victim.pid}:`));
      held = its.find((p) => p.status === 'RUNNING')?.id;
      return held !== undefined && its.some((p) => p.status === 'SUCCEEDED');
    });
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    // The job waiting on its parts looks for dead workers at every heartbeat: the part is FAILED within
    // seconds (its worker's session lock is free), and queued again.
    await until("the killed worker's part to be marked FAILED", async () => (await services.jobs.get(held!)).status === 'FAILED', 20_000);
    assert.match((await services.jobs.get(held!)).error!, /database session is gone/);

    const done = await services.jobs.wait(job.id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    const report = done.result as { customers: number; written: number };
    assert.equal(report.customers, CUSTOMERS);

    // No duplicate work: one SUCCEEDED part per range; the only extra one is the part the dead worker held.
    const all = await parts();
    const shards = Math.ceil(CUSTOMERS / SHARD);
    const succeeded = all.filter((p) => p.status === 'SUCCEEDED');
    assert.equal(succeeded.length, shards);
    assert.deepEqual(new Set(succeeded.map((p) => (p.parameters as { part: number }).part)).size, shards);
    assert.deepEqual(
      all.filter((p) => p.status !== 'SUCCEEDED').map((p) => p.id),
      [held],
    );
    assert.equal(
      succeeded.reduce((n, p) => n + (p.result as unknown as ShardReport).customers, 0),
      CUSTOMERS,
      'each customer in exactly one part',
    );
    const byWorker = new Set(succeeded.map((p) => p.worker!.split(':')[1]));
    assert.equal(byWorker.size, 2, 'both workers did parts');

    // Nothing lost: one point per customer, one hash row per customer.
    const collection = done.lockKey;
    assert.equal(await services.vectors.count(collection), CUSTOMERS);
    assert.equal(await prisma.customerVector.count(), CUSTOMERS);

    // The same result as one process: every customer embedded again here, alone, into a store of its own.
    const alone = new EmbeddedVectorStore();
    const embedder = await services.embedder();
    const own = new CustomerIndexer(prisma, embedder, alone, { batchSize: 50 });
    const stored = await prisma.vectorIndex.findUniqueOrThrow({ where: { collection } });
    const space = CustomerSpace.fromIndex(stored);
    await alone.ensureCollection(collection, collectionSpec(embedder.dimensions, space.lexical.dimensions, space.features.length));
    await own.runShard(
      {
        collection,
        asOf: (await services.profiles().then((p) => p.asOf())).toISOString(),
        after: 0,
        until: null,
        onlyChanged: false,
        rebuildSince: (await prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS now`)[0]!.now.toISOString(),
      },
      { signal: new AbortController().signal, progress: () => {} },
    );
    assert.ok(stored.status === 'READY');
    const ids = (await prisma.customer.findMany({ select: { id: true } })).map((c) => c.id);
    const [shared, single] = await Promise.all([services.vectors.retrieve(collection, ids, true), alone.retrieve(collection, ids, true)]);
    const singleBy = new Map(single.map((p) => [p.id, p]));
    let worst = 0;
    for (const p of shared) {
      for (const name of VECTOR_NAMES) {
        const x = p.vectors![name]!;
        const y = singleBy.get(p.id)!.vectors![name]!;
        assert.equal(x.length, y.length);
        for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      }
    }
    assert.equal(shared.length, CUSTOMERS);
    assert.ok(worst < 1e-5, `largest difference between the shared and the single-process points: ${worst}`);
  });
});
