// Long work runs as durable jobs. The `job` table is the record the API reports (request, progress,
// outcome; it survives restarts); pg-boss carries each job to a worker — the API process's own (the
// default, and the only one on PGlite, which one process owns) or `npm run worker` processes on any
// machine that reaches the same PostgreSQL. Why pg-boss: a kept, widely used queue on PostgreSQL
// alone (no Redis), with retries, expiry and cron schedules, and — unlike graphile-worker, which needs
// LISTEN/NOTIFY and its own pool — it accepts a bring-your-own `executeSql`, so the same code runs on
// the embedded PGlite (test/jobs runs one suite on both).
//
// Finding dead workers. On PostgreSQL every working process holds a session advisory lock named after
// it on a connection of its own: when the process dies — kill -9 included — its connection closes and
// the lock is free, so another process's pg_try_advisory_lock on it says "dead" at once. The
// heartbeat (progress written every HEARTBEAT_MS) is the backstop for what a lock cannot show (a
// machine gone without closing its connections): a RUNNING job whose heartbeat is older than
// STALE_MS is dead too. On PGlite one process owns the database, so at start-up every RUNNING job of
// another worker is dead. The sweeper (every worker, every SWEEP_MS, and at start-up) marks dead jobs
// FAILED with the reason. Cancellation of a job running elsewhere
// goes through the row: the owner sees `cancel_requested` at its next heartbeat.
import { createHash, randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Prisma, PrismaClient, RawConnection } from '../db/database.js';
import { log } from '../observability/log.js';
import { jobDuration } from '../observability/metrics.js';
import { currentRequestId, outsideRequest, runWithRequestId } from '../observability/request-context.js';
import { endSpan, startJobSpan } from '../observability/tracing.js';
import { JsonObjectSchema, readJson } from '../db/json-columns.js';
import { ConflictError, InputError, NotFoundError } from '../errors/domain-errors.js';
import { throwIfCancelled, type JobControl } from './job-control.js';

export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface JobSnapshot {
  id: string;
  kind: string;
  lockKey: string;
  status: JobStatus;
  parameters: unknown;
  processed: number;
  total: number;
  message: string | null;
  queuedAt: Date;
  /** When a worker took it; the queue time while it waits. */
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  result: unknown;
  worker: string | null;
  /** The request that started it (X-Request-Id); null for scheduled jobs and parts. */
  requestId: string | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
}

/** A kind of job: how its lock is found (one live job per lock) and what it does. */
export interface JobDefinition<P extends object = Record<string, unknown>> {
  lockKey(parameters: P): Promise<string> | string;
  run(parameters: P, control: JobControl): Promise<unknown>;
}

export interface JobQueueOptions {
  /** PGlite: one process owns the database, so at start-up every RUNNING job of another worker is dead. */
  singleProcess: boolean;
  heartbeatMs?: number;
  staleMs?: number;
  sweepMs?: number;
  /** Cron expressions (pg-boss's parser) per kind: each tick enqueues that kind with `{ scheduled: cron }`. */
  schedules?: Record<string, string>;
  /** Called with the jobs the sweeper found dead (after they are marked FAILED). */
  onDead?: (jobs: JobSnapshot[]) => Promise<void>;
}

const HEARTBEAT_MS = 2_000;
const STALE_MS = 60_000;
const SWEEP_MS = 15_000;
/** pg-boss's own expiry is only a backstop (its maximum is 24 h): our heartbeat finds dead workers. */
const QUEUE_EXPIRE_SECONDS = 23 * 3600;
const TERMINAL: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
/** At most one "job progress" log line per job this often. */
const PROGRESS_LOG_MS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const QUEUE_PREFIX = 'segment-api.';
/** A part whose job failed (its worker died, or it threw) is queued again this many times. */
const PART_RETRIES = 2;
/** How often a job waiting on its parts looks at them. */
const PART_POLL_MS = 250;

interface Progress {
  processed: number;
  total: number;
  message: string | null;
}

interface Carried {
  jobId?: string;
  scheduled?: string;
}

export class JobQueue {
  /** host:pid:random — what `job.worker` says of the jobs this process runs. */
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Each kind's parameters are typed where the kind is defined (define<P>); the queue holds every kind,
  // so it passes stored parameters back `as never`, which any P accepts: the kind ↔ type pairing is the
  // definition's, made once at start.
  private readonly definitions = new Map<string, JobDefinition<never>>();
  /** Jobs running in this process, with their progress as it is now (the row lags by a heartbeat). */
  private readonly local = new Map<string, { kind: string; abort: AbortController; done: Promise<void>; progress: Progress }>();
  /**
   * Jobs this process is claiming or has claimed and not yet begun to run (`local` has them from then
   * on). Without it, a parent waiting on its parts here could read a part this process's queue had
   * just claimed — RUNNING under our name, not yet in `local` — as one whose run had ended without an
   * outcome, fail it and queue it again, and the part then ran twice (seen in
   * test/jobs/shared-embedding: ten SUCCEEDED parts for nine ranges).
   */
  private readonly claiming = new Map<string, number>();
  /**
   * Counted, not a set: this process's queue consumer and a parent here may claim the same part at
   * once, and the loser's unmarking must not unmark the winner's claim.
   */
  private markClaiming(id: string, by: 1 | -1): void {
    const n = (this.claiming.get(id) ?? 0) + by;
    if (n > 0) this.claiming.set(id, n);
    else this.claiming.delete(id);
  }
  private boss?: Promise<PgBoss>;
  private readonly workers = new Map<string, string>();
  private sweeper?: NodeJS.Timeout;
  private working?: Promise<void>;
  private closed = false;
  /** PostgreSQL: the connection that holds this process's liveness lock and tests others'. */
  private liveness?: Promise<pg.Client>;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly connection: RawConnection,
    private readonly options: JobQueueOptions,
  ) {}

  define<P extends object>(kind: string, definition: JobDefinition<P>): void {
    this.definitions.set(kind, definition);
  }

  /** Records the job and hands it to the queue; CONFLICT while another job holds its lock. */
  async enqueue(kind: string, parameters: object = {}): Promise<JobSnapshot> {
    const definition = this.definition(kind);
    const lockKey = await definition.lockKey(parameters as never);
    const id = randomUUID();
    await this.insert(id, kind, lockKey, parameters, 'QUEUED');
    try {
      const boss = await this.queue();
      const queueId = await boss.send(QUEUE_PREFIX + kind, { jobId: id } satisfies Carried, { expireInSeconds: QUEUE_EXPIRE_SECONDS, retryLimit: 0 });
      await this.prisma.job.update({ where: { id }, data: { queueId } });
      const worker = this.workers.get(kind);
      if (worker) boss.notifyWorker(worker);
    } catch (error) {
      await this.prisma.job.updateMany({
        where: { id, status: 'QUEUED' },
        data: { status: 'FAILED', error: `could not be queued: ${messageOf(error)}`, finishedAt: new Date() },
      });
      throw error;
    }
    return this.get(id);
  }

  /**
   * Records the job and runs it in this process, now (the CLI: its progress bar follows it, and no
   * queue worker of this short-lived process takes other processes' jobs). Same lock, same record.
   */
  async runHere(kind: string, parameters: object = {}, onProgress?: (job: JobSnapshot) => void): Promise<JobSnapshot> {
    const definition = this.definition(kind);
    await this.livenessClient();
    const id = randomUUID();
    await this.insert(id, kind, await definition.lockKey(parameters as never), parameters, 'RUNNING');
    const running = this.execute(id);
    const done = await this.wait(id, onProgress);
    await running;
    return done;
  }

  /** Jobs by status, shop-wide (the queue's depth is QUEUED + RUNNING): for the metrics. */
  async countByStatus(): Promise<Record<string, number>> {
    const groups = await this.prisma.job.groupBy({ by: ['status'], _count: { _all: true } });
    return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
  }

  async get(id: string): Promise<JobSnapshot> {
    const row = UUID.test(id) ? await this.prisma.job.findUnique({ where: { id } }) : null;
    if (!row) throw new NotFoundError(`No job ${id}.`);
    const mine = this.local.get(id);
    return snapshot(mine && row.status === 'RUNNING' ? { ...row, ...mine.progress } : row);
  }

  /** The newest jobs first. */
  async list(limit = 200): Promise<JobSnapshot[]> {
    return (await this.prisma.job.findMany({ orderBy: { createdAt: 'desc' }, take: limit })).map(snapshot);
  }

  /** A queued job ends CANCELLED at once; a running one is asked to stop (its owner sees it within a heartbeat). */
  async cancel(id: string): Promise<JobSnapshot> {
    await this.get(id); // NOT_FOUND first
    // In this order, so a worker claiming it in between is caught by the second statement.
    await this.prisma.job.updateMany({ where: { id, status: 'QUEUED' }, data: { status: 'CANCELLED', finishedAt: new Date() } });
    await this.prisma.job.updateMany({ where: { id, status: 'RUNNING' }, data: { cancelRequested: true } });
    // Running here, it stops now, whatever the row says (a sweeper may have thought it dead).
    this.local.get(id)?.abort.abort();
    return this.get(id);
  }

  /** Resolves when the job has finished, whatever its outcome; `onProgress` sees it along the way. */
  async wait(id: string, onProgress?: (job: JobSnapshot) => void, pollMs = 250): Promise<JobSnapshot> {
    for (;;) {
      const job = await this.get(id);
      onProgress?.(job);
      if (TERMINAL.includes(job.status)) return job;
      const mine = this.local.get(id);
      await (mine ? within(mine.done, pollMs) : sleep(pollMs));
    }
  }

  /**
   * Starts this process's worker: one pg-boss worker per kind, the schedules, and the sweeper (run
   * once now, so a restart finds what the last process left RUNNING).
   */
  startWorker(): Promise<void> {
    return (this.working ??= (async () => {
      await this.livenessClient();
      await this.sweep();
      const boss = await this.queue();
      for (const kind of this.definitions.keys()) {
        this.workers.set(
          kind,
          await boss.work<Carried>(QUEUE_PREFIX + kind, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => this.carry(kind, job!.data)),
        );
      }
      await this.applySchedules(boss);
      this.sweeper = setInterval(
        () => void this.sweep().catch((error: unknown) => log('jobs').error({ err: error }, 'job sweeper failed')),
        this.options.sweepMs ?? SWEEP_MS,
      );
      this.sweeper.unref();
    })());
  }

  /**
   * Marks dead jobs FAILED: RUNNING jobs of other workers whose heartbeat stopped (on PGlite, every
   * RUNNING job of another worker: no other process can hold the database). Returns them.
   */
  async sweep(): Promise<JobSnapshot[]> {
    const now = new Date();
    const stale = new Date(now.getTime() - (this.options.staleMs ?? STALE_MS));
    const rows = await this.prisma.job.findMany({ where: { status: 'RUNNING', OR: [{ worker: null }, { worker: { not: this.workerId } }] } });
    const dead: JobSnapshot[] = [];
    for (const row of rows) {
      let reason: string | undefined;
      if (this.options.singleProcess) reason = `its process (${row.worker ?? 'unknown'}) stopped before it finished`;
      else if (row.worker && !(await this.isAlive(row.worker))) reason = `its worker (${row.worker}) stopped: its database session is gone`;
      else if (!row.heartbeatAt || row.heartbeatAt < stale)
        reason = `its worker (${row.worker ?? 'unknown'}) stopped: no heartbeat since ${row.heartbeatAt?.toISOString() ?? 'it started'}`;
      if (!reason) continue;
      const { count } = await this.prisma.job.updateMany({
        where: { id: row.id, status: 'RUNNING', heartbeatAt: row.heartbeatAt },
        data: { status: 'FAILED', error: reason, finishedAt: now },
      });
      if (count > 0) dead.push(await this.get(row.id));
    }
    dead.push(...(await this.sweepQueued(stale)));
    if (dead.length > 0) await this.options.onDead?.(dead);
    return dead;
  }

  /**
   * QUEUED jobs nobody will run, older than `before`: never handed to the queue (a process stopped
   * between recording and sending), or whose queue job has ended without claiming them. Left alone
   * they would hold their lock for ever.
   */
  private async sweepQueued(before: Date): Promise<JobSnapshot[]> {
    const rows = await this.prisma.job.findMany({ where: { status: 'QUEUED', createdAt: { lt: before } } });
    const boss = this.boss ? await this.boss.catch(() => undefined) : undefined;
    const dead: JobSnapshot[] = [];
    for (const row of rows) {
      let reason: string | undefined;
      if (!row.queueId) reason = 'it never reached the queue (the process recording it stopped)';
      else if (boss) {
        const carried = await boss.getJobById(QUEUE_PREFIX + row.kind, row.queueId).catch(() => null);
        if (!carried) reason = 'the queue no longer has it';
        else if (carried.state === 'completed' || carried.state === 'failed' || carried.state === 'cancelled')
          reason = `the queue ended it (${carried.state}) before a worker took it`;
      }
      if (!reason) continue;
      const { count } = await this.prisma.job.updateMany({
        where: { id: row.id, status: 'QUEUED' },
        data: { status: 'FAILED', error: reason, finishedAt: new Date() },
      });
      if (count > 0) dead.push(await this.get(row.id));
    }
    return dead;
  }

  /** PostgreSQL: whether the worker's liveness lock is held (by its process, which is then alive). */
  private async isAlive(worker: string): Promise<boolean> {
    // Unknown when the check itself fails (the database is restarting): the heartbeat decides then.
    const client = await this.livenessClient().catch(() => undefined);
    if (!client) return true;
    const key = lockKeyOf(worker);
    try {
      const { rows } = await client.query<{ free: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS free', [key]);
      if (!rows[0]!.free) return true;
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      return false;
    } catch {
      return true;
    }
  }

  /** Opens (once) the liveness connection and takes this process's own lock on it. */
  private livenessClient(): Promise<pg.Client | undefined> {
    if (this.connection.kind !== 'postgresql') return Promise.resolve(undefined);
    const { connectionString } = this.connection;
    // Made outside any request: the connection and its events outlive the request that first needed it.
    return (this.liveness ??= outsideRequest(() =>
      (async () => {
        const client = new pg.Client({ connectionString, keepAlive: true, application_name: `segment-api worker ${this.workerId}` });
        // A lost connection (the server restarted) lost the lock with it: the next claim or sweep opens
        // a new one and takes the lock again, so other processes do not take this one for dead.
        const lost = (why: Error | string) => {
          this.liveness = undefined;
          // close() ends it: nothing failed.
          if (!this.closed) log('jobs').error({ err: why }, 'job liveness connection failed');
        };
        client.on('error', (error) => lost(error));
        client.on('end', () => lost('closed'));
        await client.connect();
        await client.query('SELECT pg_advisory_lock($1::bigint)', [lockKeyOf(this.workerId)]);
        return client;
      })(),
    ).catch((error: unknown) => {
      this.liveness = undefined;
      throw error;
    }));
  }

  /** Stops this process's jobs (they end CANCELLED) and its worker. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const job of this.local.values()) job.abort.abort();
    await within(Promise.all([...this.local.values()].map((j) => j.done)), 10_000);
    if (this.boss) {
      const boss = await this.boss.catch(() => undefined);
      await boss?.stop({ graceful: false, wait: true, close: true, timeout: 5_000 });
    }
    const liveness = await this.liveness?.catch(() => undefined);
    await liveness?.end();
  }

  private definition(kind: string): JobDefinition<never> {
    const definition = this.definitions.get(kind);
    if (!definition) throw new InputError(`No job kind ${kind}.`);
    return definition;
  }

  /** The partial unique index is the lock: a second live job on it fails to insert, and is told whose it is. */
  private async insert(id: string, kind: string, lockKey: string, parameters: object, status: 'QUEUED' | 'RUNNING'): Promise<void> {
    const now = new Date();
    try {
      await this.prisma.job.create({
        data: {
          id,
          kind,
          lockKey,
          parameters,
          status,
          // The request being served, if any: the job's log lines then carry its id.
          requestId: currentRequestId() ?? null,
          ...(status === 'RUNNING' ? { worker: this.workerId, startedAt: now, heartbeatAt: now } : {}),
        },
      });
    } catch (error) {
      const holder = await this.prisma.job.findFirst({ where: { lockKey, status: { in: ['QUEUED', 'RUNNING'] } } });
      if (holder) throw new ConflictError(`A ${holder.kind} job (${holder.id}) is already ${holder.status.toLowerCase()} on ${lockKey}.`);
      throw error;
    }
  }

  private queue(): Promise<PgBoss> {
    if (this.closed) return Promise.reject(new Error('the job queue is closed'));
    // Made outside any request: the queue's timers and events outlive the request that first needed it.
    return (this.boss ??= outsideRequest(() =>
      (async () => {
        const options: PgBoss.ConstructorOptions = {
          schema: 'pgboss',
          ...(this.options.schedules && Object.keys(this.options.schedules).length > 0 ? {} : { schedule: false }),
        };
        const connection = this.connection;
        const boss =
          connection.kind === 'postgresql'
            ? new PgBoss({ ...options, connectionString: connection.connectionString, max: 4 })
            : new PgBoss({ ...options, db: { executeSql: (text: string, values?: unknown[]) => connection.executeSql(text, values) } });
        boss.on('error', (error) => log('jobs').error({ err: error }, 'job queue error'));
        await boss.start();
        for (const kind of this.definitions.keys()) await boss.createQueue(QUEUE_PREFIX + kind);
        return boss;
      })(),
    ).catch((error: unknown) => {
      this.boss = undefined;
      throw error;
    }));
  }

  private async applySchedules(boss: PgBoss): Promise<void> {
    const wanted = this.options.schedules ?? {};
    for (const kind of this.definitions.keys()) {
      const cron = wanted[kind];
      // Only "off" removes a schedule: a process started without the setting (another worker) must
      // not delete the one the API process set.
      if (cron === 'off') await boss.unschedule(QUEUE_PREFIX + kind).catch(() => undefined);
      else if (cron)
        await boss.schedule(QUEUE_PREFIX + kind, cron, { scheduled: cron } satisfies Carried, { retryLimit: 0, expireInSeconds: QUEUE_EXPIRE_SECONDS });
    }
  }

  /** A job pg-boss delivered: claim its row (or, for a scheduled tick, make one) and run it. */
  private async carry(kind: string, carried: Carried): Promise<void> {
    if (!carried.jobId) {
      await this.runScheduled(kind, carried.scheduled ?? 'schedule');
      return;
    }
    // Not when cancelled while queued, or already taken (by a job running its own parts).
    if (await this.claim(carried.jobId)) await this.execute(carried.jobId);
  }

  /** Takes a QUEUED job for this worker; false when it is no longer queued. */
  private async claim(id: string): Promise<boolean> {
    await this.livenessClient(); // holding our lock before we hold a job
    const now = new Date();
    // Ours before the row says so (see `claiming`); execute forgets it once the run is recorded in `local`.
    this.markClaiming(id, 1);
    const { count } = await this.prisma.job
      .updateMany({
        where: { id, status: 'QUEUED' },
        data: { status: 'RUNNING', worker: this.workerId, startedAt: now, heartbeatAt: now },
      })
      .catch((error: unknown) => {
        this.markClaiming(id, -1);
        throw error;
      });
    if (count === 0) this.markClaiming(id, -1);
    return count > 0;
  }

  /**
   * JobControl.distribute of the job `parentId`, running here: each part a QUEUED job (parameters
   * `{ ...part, parent, part: index }`) that any worker's queue may hand out. The parts' rows are the
   * truth: one that ended FAILED or CANCELLED without this job asking — its worker died and the
   * sweeper said so, or it threw — is queued again (PART_RETRIES times). Meanwhile this process takes
   * queued parts itself whenever it runs none of that kind, so the work goes on where no queue worker
   * runs (the CLI) and a lone worker process is not idle while it waits.
   */
  private async runParts(parentId: string, kind: string, parts: readonly object[], progress: Progress, signal: AbortSignal): Promise<unknown[]> {
    const slots = parts.map(
      (p, index): { parameters: object & { parent: string; part: number }; id: string; attempts: number; result: unknown; done: boolean } => ({
        parameters: { ...p, parent: parentId, part: index },
        id: '',
        attempts: 1,
        result: undefined,
        done: false,
      }),
    );
    let succeeded = false;
    // The part this process runs itself, beside the loop (which keeps the parent's progress current).
    let helping: { id: string; done: Promise<void> } | undefined;
    // What the parts other than the helped one had done at the last look: the helped part's own
    // progress is added as it happens, so the job's progress is current, not a poll behind.
    let others = 0;
    let swept = Date.now();
    try {
      for (const slot of slots) slot.id = (await this.enqueue(kind, slot.parameters)).id;
      for (;;) {
        throwIfCancelled(signal);
        // A job waiting on its parts looks for dead workers at every heartbeat, not at the sweeper's
        // pace: a part whose worker died is queued again within seconds.
        if (Date.now() - swept >= (this.options.heartbeatMs ?? HEARTBEAT_MS)) {
          swept = Date.now();
          await this.sweep();
        }
        const rows = new Map((await this.prisma.job.findMany({ where: { id: { in: slots.map((s) => s.id) } } })).map((r) => [r.id, r]));
        let processed = 0;
        let running = 0;
        others = 0;
        let queued: string | undefined;
        for (const slot of slots) {
          const row = rows.get(slot.id)!;
          const done = this.local.get(slot.id)?.progress.processed ?? row.processed;
          processed += done;
          if (slot.id !== helping?.id) others += done;
          if (row.status === 'SUCCEEDED') {
            slot.done = true;
            slot.result = row.result;
          } else if (row.status === 'FAILED' || row.status === 'CANCELLED') {
            const why = row.error ?? row.status.toLowerCase();
            if (slot.attempts > PART_RETRIES)
              throw new Error(`part ${slot.parameters.part + 1} of ${slots.length} (${kind}) failed ${slot.attempts} times, last: ${why}`);
            log('jobs').warn({ jobId: parentId, part: slot.parameters.part + 1, parts: slots.length, kind }, `part queued again after: ${why}`);
            // A part swept as dead may still be running (a long pause, not a death): told to stop, so
            // its copy and the new one do not both go on.
            await this.prisma.job.updateMany({ where: { id: slot.id }, data: { cancelRequested: true } });
            slot.attempts++;
            slot.id = (await this.enqueue(kind, slot.parameters)).id;
          } else if (row.status === 'QUEUED') queued ??= row.id;
          else if (row.worker === this.workerId && !this.local.has(row.id) && !this.claiming.has(row.id) && helping?.id !== row.id) {
            // Ours, yet not running here: its run ended without recording an outcome (the database
            // failed under it). No sweeper looks at its own jobs, so it is failed here, and queued again.
            await this.prisma.job.updateMany({
              where: { id: row.id, status: 'RUNNING', worker: this.workerId },
              data: { status: 'FAILED', error: 'its run ended without recording an outcome', finishedAt: new Date() },
            });
          } else running++;
        }
        progress.processed = processed;
        progress.message = `${slots.filter((s) => s.done).length} of ${slots.length} parts done, ${running} running`;
        if (slots.every((s) => s.done)) {
          succeeded = true;
          return slots.map((s) => s.result);
        }
        const busy = helping !== undefined || [...this.local.values()].some((l) => l.kind === kind);
        if (queued && !busy && (await this.claim(queued))) {
          // execute records its own failures; what escapes it (the database gone) is logged, never
          // left unhandled — the part's row then shows RUNNING under us and is failed above.
          const done = this.execute(queued, (p) => (progress.processed = others + p))
            .catch((error: unknown) => log('jobs').error({ jobId: queued, kind, err: error }, 'job could not be run'))
            .finally(() => (helping = undefined));
          helping = { id: queued, done };
        }
        await sleep(PART_POLL_MS);
      }
    } finally {
      // Failed or cancelled: the parts still to do are not wanted any more.
      if (!succeeded) for (const slot of slots) if (slot.id) await this.cancel(slot.id).catch(() => undefined);
      await helping?.done;
    }
  }

  /**
   * One tick of a schedule: a job of its own (parameters `{ scheduled: cron }`), run here; skipped —
   * and said so — while another job holds the lock. Returns the finished job, or undefined if skipped.
   */
  async runScheduled(kind: string, cron: string): Promise<JobSnapshot | undefined> {
    const id = randomUUID();
    const parameters = { scheduled: cron };
    try {
      await this.livenessClient();
      await this.insert(id, kind, await this.definition(kind).lockKey(parameters as never), parameters, 'RUNNING');
    } catch (error) {
      if (error instanceof ConflictError) {
        log('jobs').warn({ kind }, `scheduled ${kind} skipped: ${error.message}`);
        return undefined;
      }
      throw error;
    }
    await this.execute(id);
    return this.get(id);
  }

  /** Runs a claimed job here; `relay` hears its progress as it is reported (a parent running its part). */
  private async execute(id: string, relay?: (processed: number) => void): Promise<void> {
    try {
      const row = await this.prisma.job.findUniqueOrThrow({ where: { id } });
      // The job's lines (and its parts) carry the id of the request that started it; a scheduled job's
      // lines name only the job.
      if (row.requestId) await runWithRequestId(row.requestId, () => this.executeRow(row, relay));
      else await outsideRequest(() => this.executeRow(row, relay));
    } finally {
      // A no-op for jobs recorded RUNNING here without a claim (runHere, runScheduled).
      this.markClaiming(id, -1);
    }
  }

  private async executeRow(row: JobRow, relay?: (processed: number) => void): Promise<void> {
    const id = row.id;
    const logger = log('jobs').child({ jobId: id, kind: row.kind });
    const started = performance.now();
    const clock = jobDuration.startTimer({ kind: row.kind });
    const span = startJobSpan(row.kind, { 'segment_api.job_id': id, ...(row.requestId ? { 'segment_api.request_id': row.requestId } : {}) });
    logger.info({ lockKey: row.lockKey, worker: this.workerId }, 'job started');
    const abort = new AbortController();
    let finished!: () => void;
    const progress: Progress = { processed: 0, total: 0, message: null };
    this.local.set(id, { kind: row.kind, abort, done: new Promise<void>((resolve) => (finished = resolve)), progress });
    let loggedAt = started;
    const control: JobControl = {
      jobId: id,
      signal: abort.signal,
      progress: (processed, total, message) => {
        progress.processed = processed;
        relay?.(processed);
        if (total !== undefined) progress.total = total;
        if (message !== undefined) progress.message = message;
        // A progress line every few seconds at most, whatever the job's own reporting rate.
        const now = performance.now();
        if (now - loggedAt >= PROGRESS_LOG_MS) {
          loggedAt = now;
          logger.info({ processed: progress.processed, total: progress.total, message: progress.message }, 'job progress');
        }
      },
      distribute: async <P extends object, R>(kind: string, parts: readonly P[]) => (await this.runParts(id, kind, parts, progress, abort.signal)) as R[],
    };
    const beat = async () => {
      // Only while RUNNING: a beat that lands after the finish must not write over it.
      const { count } = await this.prisma.job.updateMany({
        where: { id, status: 'RUNNING', worker: this.workerId },
        data: { ...progress, heartbeatAt: new Date() },
      });
      if (count === 0) {
        // No longer ours to run: a sweeper took it for dead (a long pause), and it may be running
        // again elsewhere. Stop; the owner's word (finish) no longer counts either.
        abort.abort();
        return;
      }
      const state = await this.prisma.job.findUnique({ where: { id }, select: { cancelRequested: true } });
      if (state?.cancelRequested) abort.abort();
    };
    const timer = setInterval(() => void beat().catch(() => undefined), this.options.heartbeatMs ?? HEARTBEAT_MS);
    try {
      // A part whose parent has ended (failed, cancelled, or its process died) is not wanted any more.
      const parent = readJson(JsonObjectSchema, row.parameters, `job ${id}.parameters`).parent;
      if (typeof parent === 'string') {
        const owner = await this.prisma.job.findUnique({ where: { id: parent }, select: { status: true } });
        if (owner?.status !== 'RUNNING') {
          abort.abort();
          throw new Error(`its parent job ${parent} is ${owner?.status.toLowerCase() ?? 'gone'}`);
        }
      }
      const result = await this.definition(row.kind).run(row.parameters as never, control);
      await this.finish(id, { status: 'SUCCEEDED', result: (result ?? null) as object, ...progress, processed: Math.max(progress.processed, progress.total) });
      clock({ outcome: 'succeeded' });
      endSpan(span, { 'segment_api.job_outcome': 'succeeded' });
      logger.info({ outcome: 'succeeded', seconds: secondsSince(started), processed: Math.max(progress.processed, progress.total) }, 'job ended');
    } catch (error) {
      const cancelled = abort.signal.aborted;
      await this.finish(id, { status: cancelled ? 'CANCELLED' : 'FAILED', error: messageOf(error), ...progress });
      clock({ outcome: cancelled ? 'cancelled' : 'failed' });
      endSpan(span, { 'segment_api.job_outcome': cancelled ? 'cancelled' : 'failed' }, cancelled ? undefined : messageOf(error));
      if (cancelled) logger.info({ outcome: 'cancelled', seconds: secondsSince(started) }, 'job ended');
      else logger.error({ outcome: 'failed', seconds: secondsSince(started), err: error }, 'job ended');
    } finally {
      clearInterval(timer);
      this.local.delete(id);
      finished();
    }
  }

  /** The owner's word is final, even over a sweeper that thought it dead (a long pause, not a death). */
  private async finish(
    id: string,
    data: { status: JobStatus; result?: object; error?: string; processed: number; total: number; message: string | null },
  ): Promise<void> {
    await this.prisma.job.updateMany({ where: { id, worker: this.workerId }, data: { ...data, finishedAt: new Date(), heartbeatAt: new Date() } });
  }
}

/** A stored job as the API shows it: the row's fields, its queue time, and its rate and ETA so far. */
function snapshot(
  row: Omit<JobSnapshot, 'queuedAt' | 'startedAt' | 'ratePerSecond' | 'etaSeconds'> & { createdAt: Date; startedAt: Date | null },
): JobSnapshot {
  const startedAt = row.startedAt ?? row.createdAt;
  const elapsed = row.startedAt ? ((row.finishedAt ?? new Date()).getTime() - row.startedAt.getTime()) / 1000 : 0;
  const rate = elapsed > 0 && row.processed > 0 ? row.processed / elapsed : null;
  const live = row.status === 'RUNNING' || row.status === 'QUEUED';
  const eta = live ? (rate && row.total >= row.processed ? (row.total - row.processed) / rate : null) : 0;
  return {
    id: row.id,
    kind: row.kind,
    lockKey: row.lockKey,
    status: row.status,
    parameters: row.parameters,
    processed: row.processed,
    total: row.total,
    message: row.message,
    queuedAt: row.createdAt,
    startedAt,
    finishedAt: row.finishedAt,
    error: row.error,
    result: row.result ?? null,
    worker: row.worker,
    requestId: row.requestId,
    ratePerSecond: rate,
    etaSeconds: eta,
  };
}

/** The advisory-lock key of a worker: 63 bits of the sha256 of its id. */
function lockKeyOf(worker: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(`segment-api worker ${worker}`).digest('hex').slice(0, 16)}`)).toString();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The promise, or nothing after `ms` (the timer cleared either way, so it keeps no process alive). */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type JobRow = Prisma.JobGetPayload<object>;

function secondsSince(started: number): number {
  return Math.round(performance.now() - started) / 1000;
}
