// Long work runs as jobs: started by a mutation or the CLI, reporting processed/total, rate and ETA,
// cancellable, and one at a time per lock (a second job on the same collection is a CONFLICT).
// Jobs live in this process; their results are written by the work itself (e.g. segmentation runs).
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../errors/domain-errors.js';

export type JobStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface JobControl {
  progress(processed: number, total?: number, message?: string): void;
  readonly signal: AbortSignal;
}

export interface JobSnapshot {
  id: string;
  kind: string;
  lockKey: string;
  status: JobStatus;
  processed: number;
  total: number;
  message: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  result: unknown;
  ratePerSecond: number | null;
  etaSeconds: number | null;
}

interface JobState {
  snapshot: Omit<JobSnapshot, 'ratePerSecond' | 'etaSeconds'>;
  abort: AbortController;
  done: Promise<void>;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
}

export class JobRegistry {
  private readonly jobs = new Map<string, JobState>();
  private readonly running = new Map<string, string>();

  start(kind: string, lockKey: string, work: (control: JobControl) => Promise<unknown>): JobSnapshot {
    const busy = this.running.get(lockKey);
    if (busy) throw new ConflictError(`A ${this.jobs.get(busy)!.snapshot.kind} job (${busy}) is already running on ${lockKey}.`);
    const id = randomUUID();
    const abort = new AbortController();
    const snapshot: JobState['snapshot'] = {
      id, kind, lockKey, status: 'RUNNING', processed: 0, total: 0, message: null, startedAt: new Date(), finishedAt: null, error: null, result: null,
    };
    const control: JobControl = {
      signal: abort.signal,
      progress: (processed, total, message) => {
        snapshot.processed = processed;
        if (total !== undefined) snapshot.total = total;
        if (message !== undefined) snapshot.message = message;
      },
    };
    this.running.set(lockKey, id);
    const done = Promise.resolve()
      .then(() => work(control))
      .then(
        (result) => {
          snapshot.status = 'SUCCEEDED';
          snapshot.result = result ?? null;
        },
        (error: unknown) => {
          snapshot.status = abort.signal.aborted ? 'CANCELLED' : 'FAILED';
          snapshot.error = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => {
        snapshot.finishedAt = new Date();
        this.running.delete(lockKey);
      });
    this.jobs.set(id, { snapshot, abort, done });
    this.forgetOldJobs();
    return this.get(id);
  }

  /** Keeps the newest finished jobs only; running ones are always kept. */
  private forgetOldJobs(keep = 200): void {
    const finished = [...this.jobs].filter(([, j]) => j.snapshot.status !== 'RUNNING');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - keep))) this.jobs.delete(id);
  }

  get(id: string): JobSnapshot {
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError(`No job ${id}.`);
    const s = job.snapshot;
    const elapsed = ((s.finishedAt ?? new Date()).getTime() - s.startedAt.getTime()) / 1000;
    const rate = elapsed > 0 && s.processed > 0 ? s.processed / elapsed : null;
    const eta = s.status === 'RUNNING' && rate && s.total >= s.processed ? (s.total - s.processed) / rate : s.status === 'RUNNING' ? null : 0;
    return { ...s, ratePerSecond: rate, etaSeconds: eta };
  }

  list(): JobSnapshot[] {
    return [...this.jobs.keys()].map((id) => this.get(id)).sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  }

  cancel(id: string): JobSnapshot {
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError(`No job ${id}.`);
    job.abort.abort();
    return this.get(id);
  }

  /** Resolves when the job has finished, whatever its outcome. */
  async wait(id: string): Promise<JobSnapshot> {
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError(`No job ${id}.`);
    await job.done;
    return this.get(id);
  }
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError('cancelled');
}
