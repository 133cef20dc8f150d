// Durable jobs, one suite on both databases (pg-boss on PostgreSQL, and on PGlite through its
// bring-your-own executeSql): the record survives the queue that ran it, one live job per lock across
// processes, cancellation of queued and running jobs, dead workers found (a stopped process's jobs, and
// on PostgreSQL a killed worker process, by its released session lock) and their segmentation runs
// failed with a reason while the previous run stays active.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServices, type AppServices } from '../../src/app/services.js';
import { projectRoot } from '../../src/config/settings.js';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { ConflictError, NotFoundError } from '../../src/errors/domain-errors.js';
import { throwIfCancelled } from '../../src/jobs/job-control.js';
import { JobQueue, type JobSnapshot } from '../../src/jobs/job-queue.js';
import { testSettings } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { startWorkerProcess, until } from '../support/worker-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A queue with two kinds: `count` (counts to n, reporting progress) and `block` (runs until cancelled). */
function queueOn(db: Database, options: { staleMs?: number } = {}): JobQueue {
  const queue = new JobQueue(db.prisma, db.raw, { singleProcess: db.kind === 'pglite', heartbeatMs: 100, ...options });
  queue.define<{ n: number; lock?: string }>('count', {
    lockKey: (p) => p.lock ?? 'count',
    run: async (p, control) => {
      for (let i = 1; i <= p.n; i++) {
        throwIfCancelled(control.signal);
        control.progress(i, p.n, `counted ${i}`);
        await sleep(20);
      }
      return { counted: p.n };
    },
  });
  queue.define<Record<string, never>>('block', {
    lockKey: () => 'block',
    run: async (_, control) => {
      control.progress(1, 10, 'blocking');
      while (!control.signal.aborted) await sleep(20);
      throwIfCancelled(control.signal);
    },
  });
  return queue;
}

for (const target of databaseTargets()) {
  describe(`durable jobs on ${target.name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let queue: JobQueue;

    before(async () => {
      const created = await target.create();
      drop = created.drop;
      db = openDatabase(created.settings);
      await applyMigrations(db.adapter, path.join(projectRoot, 'prisma', 'migrations'));
      queue = queueOn(db);
      await queue.startWorker();
    });
    after(async () => {
      await queue.close();
      await db.close();
      await drop();
    });

    test('a job is recorded, carried to the worker, and its progress and result kept in the database', async () => {
      const queued = await queue.enqueue('count', { n: 40 });
      assert.ok(['QUEUED', 'RUNNING'].includes(queued.status));
      assert.deepEqual(queued.parameters, { n: 40 });
      const seen: number[] = [];
      const done = await queue.wait(queued.id, (j) => seen.push(j.processed), 50);
      assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
      assert.deepEqual(done.result, { counted: 40 });
      assert.deepEqual([done.processed, done.total, done.worker], [40, 40, queue.workerId]);
      assert.ok(new Set(seen).size > 2, `progress seen along the way: ${[...new Set(seen)].join(',')}`);
      // The record outlives the queue object that ran it (a restarted process reads the same rows).
      const other = queueOn(db);
      const listed = (await other.list()).find((j) => j.id === queued.id)!;
      assert.deepEqual([listed.status, listed.processed, listed.result], ['SUCCEEDED', 40, { counted: 40 }]);
      await other.close();
      await assert.rejects(queue.get('not-a-job'), NotFoundError);
      await assert.rejects(queue.get(randomUUID()), NotFoundError);
    });

    test('one live job per lock, whoever asks; the lock is free again once the job ends', async () => {
      const first = await queue.enqueue('count', { n: 20, lock: 'L1' });
      const other = queueOn(db); // another process's view of the same database
      await assert.rejects(other.enqueue('count', { n: 1, lock: 'L1' }), (e: Error) => e instanceof ConflictError && e.message.includes(first.id));
      const elsewhere = await other.enqueue('count', { n: 1, lock: 'L2' });
      assert.equal((await queue.wait(elsewhere.id)).status, 'SUCCEEDED');
      assert.equal((await queue.wait(first.id)).status, 'SUCCEEDED');
      const again = await other.enqueue('count', { n: 1, lock: 'L1' });
      assert.equal((await queue.wait(again.id)).status, 'SUCCEEDED');
      await other.close();
    });

    test('cancelling: a running job stops at its next heartbeat, even when asked from another process', async () => {
      const running = await queue.enqueue('block', {});
      await until('the job to start', async () => (await queue.get(running.id)).status === 'RUNNING');
      const other = queueOn(db);
      await other.cancel(running.id);
      const done = await queue.wait(running.id);
      assert.equal(done.status, 'CANCELLED');
      assert.equal(done.message, 'blocking');
      await other.close();
    });

    test('a scheduled tick is a job of its own, skipped while another job holds the lock', async () => {
      const done = await queue.runScheduled('count', '0 3 * * *');
      assert.deepEqual([done?.status, done?.parameters, done?.worker], ['SUCCEEDED', { scheduled: '0 3 * * *' }, queue.workerId]);
      const busy = await queue.enqueue('block', {});
      assert.equal(await queue.runScheduled('block', '*/5 * * * *'), undefined);
      await queue.cancel(busy.id);
      assert.equal((await queue.wait(busy.id)).status, 'CANCELLED');
      assert.throws(
        () => testSettings({ kind: 'pglite', dir: 'memory://' }, { SCHEDULE_SEGMENT: 'every day' }),
        /SCHEDULE_SEGMENT: "every day" is not a cron expression/,
      );
    });

    test('cancelling a queued job: it never runs', async () => {
      // A queue with no worker: the job waits.
      const idleQueue = queueOn(db);
      const queued = await idleQueue.enqueue('count', { n: 3, lock: 'never' });
      // The running worker may take it first; cancel at once and accept either outcome of that race.
      const cancelled = await idleQueue.cancel(queued.id);
      assert.ok(['CANCELLED', 'RUNNING', 'SUCCEEDED'].includes(cancelled.status));
      const done = await queue.wait(queued.id);
      if (cancelled.status === 'CANCELLED') assert.equal(done.processed, 0);
      assert.ok(['CANCELLED', 'SUCCEEDED'].includes(done.status));
      await idleQueue.close();
    });

    test("a job whose worker is gone is marked FAILED with the reason; a live worker's job is left alone", async () => {
      const ghost = randomUUID();
      const heartbeat = new Date();
      await db.prisma.job.create({
        data: { id: ghost, kind: 'count', lockKey: 'ghost', status: 'RUNNING', worker: 'gone-host:1:dead', startedAt: heartbeat, heartbeatAt: heartbeat },
      });
      // A worker whose session is alive but whose heartbeat stopped an hour ago (a machine that hangs): dead too.
      const stale = randomUUID();
      const old = new Date(Date.now() - 3_600_000);
      await db.prisma.job.create({
        data: { id: stale, kind: 'count', lockKey: 'stale', status: 'RUNNING', worker: queue.workerId, startedAt: old, heartbeatAt: old },
      });
      const live = await queue.enqueue('block', {});
      await until('the live job to start', async () => (await queue.get(live.id)).status === 'RUNNING');

      // A job recorded an hour ago that never reached the queue (its process stopped in between).
      const lost = randomUUID();
      await db.prisma.job.create({ data: { id: lost, kind: 'count', lockKey: 'lost', status: 'QUEUED', createdAt: old } });
      const sweeper = queueOn(db); // a process starting up
      const dead = (await sweeper.sweep()).filter((j) => j.id !== lost);
      const lostJob = await sweeper.get(lost);
      assert.equal(lostJob.status, 'FAILED');
      assert.match(lostJob.error!, /never reached the queue/);
      const ghostJob = await sweeper.get(ghost);
      assert.equal(ghostJob.status, 'FAILED');
      if (target.name === 'postgresql') {
        // Two processes' views: the live worker still holds its session lock, so its job is left alone.
        assert.deepEqual(dead.map((j) => j.id).sort(), [ghost, stale].sort());
        assert.match(ghostJob.error!, /gone-host:1:dead\) stopped: its database session is gone/);
        assert.match((await sweeper.get(stale)).error!, /no heartbeat since/);
        assert.equal((await sweeper.get(live.id)).status, 'RUNNING', "the live worker's job is not touched");
      } else {
        // PGlite has one process: a queue starting up there owns every job, and any RUNNING one is dead.
        assert.deepEqual(dead.map((j) => j.id).sort(), [ghost, stale, live.id].sort());
        assert.match(ghostJob.error!, /gone-host:1:dead\) stopped before it finished/);
      }
      await sweeper.close();
      // The owner's word is final: cancelled, it ends CANCELLED whatever the sweeper thought.
      await queue.cancel(live.id);
      await until('the owner to end it', async () => (await queue.get(live.id)).status === 'CANCELLED');
    });
  });

  describe(`start-up after a stopped process on ${target.name}`, () => {
    let services: AppServices;
    let drop: () => Promise<void>;
    before(async () => {
      const created = await target.create();
      drop = created.drop;
      services = await createServices(testSettings(created.settings));
    });
    after(async () => {
      await services.close();
      await drop();
    });

    test('a segmentation run left RUNNING by a dead process is marked FAILED; the active run stays active', async () => {
      const p = services.db.prisma;
      const active = await p.segmentationRun.create({
        data: { collection: 'c', modelId: 'm', vectorName: 'combined', parameters: {}, status: 'SUCCEEDED', active: true, k: 3 },
      });
      const killed = await p.segmentationRun.create({ data: { collection: 'c', modelId: 'm', vectorName: 'combined', parameters: {} } });
      const at = new Date();
      const job = await p.job.create({
        data: {
          id: randomUUID(),
          kind: 'runSegmentation',
          lockKey: 'segmentation',
          status: 'RUNNING',
          worker: 'old-host:9:gone',
          startedAt: at,
          heartbeatAt: at,
        },
      });
      await services.startWork();
      const run = await p.segmentationRun.findUniqueOrThrow({ where: { id: killed.id } });
      assert.equal(run.status, 'FAILED');
      assert.match(run.error!, /process running it stopped/);
      assert.ok(run.finishedAt);
      assert.equal((await p.segmentationRun.findUniqueOrThrow({ where: { id: active.id } })).active, true);
      assert.equal((await services.jobs.get(job.id)).status, 'FAILED');
      // The jobs list still shows it, with why.
      const listed = (await services.jobs.list()).find((j: JobSnapshot) => j.id === job.id)!;
      assert.match(listed.error!, /old-host:9:gone/);
    });
  });
}

// Worker processes: PostgreSQL only (PGlite belongs to one process).
const postgres = databaseTargets().find((t) => t.name === 'postgresql');
const CUSTOMERS = 1200;
describe('worker processes on PostgreSQL', { skip: postgres ? false : 'no PostgreSQL' }, () => {
  let services: AppServices;
  let drop: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  const workers: ChildProcess[] = [];

  const startWorker = async (): Promise<ChildProcess> => {
    const child = await startWorkerProcess(env);
    workers.push(child);
    return child;
  };

  before(async () => {
    const created = await postgres!.create();
    drop = created.drop;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workers-'));
    const url = (created.settings as { url: string }).url;
    env = { ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, NODE_ENV: 'test', WORKER_IN_PROCESS: 'false', EMBED_BATCH_SIZE: '50' };
    // The API side: no worker of its own.
    services = await createServices(testSettings(created.settings, { DATA_DIR: dataDir, WORKER_IN_PROCESS: 'false' }));
    await services.startWork();
    await loadDemoShop(services.ingest, { customers: CUSTOMERS, seed: 5 }, path.join(dataDir, 'demo'));
  });
  after(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await services.close();
    await drop();
  });

  test('the API enqueues, a worker process runs the job; killed mid-job, its job is FAILED at once (its session lock is free) and the next worker resumes', async () => {
    const first = await startWorker();
    const job = await services.jobs.enqueue('embedCustomers', { onlyChanged: true });
    // Killed once some batches are stored (each batch commits its customers' hashes).
    await until('the worker to store a batch', async () => (await services.db.prisma.customerVector.count()) > 0, 60_000);
    const running = await services.jobs.get(job.id);
    assert.equal(running.status, 'RUNNING');
    assert.match(running.worker!, new RegExp(`:${first.pid}:`), `run by the worker process, not the API (${running.worker})`);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    // No minute-long heartbeat wait: the killed process's session closed, and its lock with it.
    const dead = await services.jobs.sweep();
    // The job, and the part of it the worker was running (one part: the shop is smaller than a part).
    assert.deepEqual(
      dead.filter((j) => j.kind === 'embedCustomers').map((j) => j.id),
      [job.id],
    );
    assert.ok(
      dead.every((j) => j.id === job.id || (j.parameters as { parent?: string }).parent === job.id),
      'nothing else found dead',
    );
    assert.match((await services.jobs.get(job.id)).error!, /database session is gone/);

    // A new worker resumes: what the killed one stored is not embedded again, and every customer ends up stored once.
    const second = await startWorker();
    const again = await services.jobs.enqueue('embedCustomers', { onlyChanged: true });
    const done = await services.jobs.wait(again.id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    assert.match(done.worker!, new RegExp(`:${second.pid}:`));
    const report = done.result as { pooled: number; unchanged: number; customers: number };
    assert.equal(report.customers, CUSTOMERS);
    assert.ok(report.unchanged > 0 && report.pooled < CUSTOMERS, `resumed: ${report.pooled} pooled, ${report.unchanged} kept`);
    assert.equal(await services.db.prisma.customerVector.count(), CUSTOMERS);
  });
});
