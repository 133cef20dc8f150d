// What long work sees of the job running it: a way to report progress, a signal to stop, and —
// where a queue runs it — a way to split it into parts that any worker may take.
export interface JobControl {
  progress(processed: number, total?: number, message?: string): void;
  readonly signal: AbortSignal;
  /** The job's id where a queue runs it (what it may record as its maker). */
  readonly jobId?: string;
  /**
   * Runs `parts` as jobs of `kind` that every worker sharing the queue (on any machine) may take, each
   * taken by one; a part whose worker dies is run again. Resolves with their results in order, or
   * rejects when a part fails for good (the parts still queued are then cancelled). Progress is the
   * parts' `processed` summed. Absent where no queue runs the job (a direct call): run them in turn.
   */
  readonly distribute?: <P extends object, R>(kind: string, parts: readonly P[]) => Promise<R[]>;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError('cancelled');
}
