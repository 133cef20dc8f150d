// What long work sees of the job running it: a way to report progress and a signal to stop.
export interface JobControl {
  progress(processed: number, total?: number, message?: string): void;
  readonly signal: AbortSignal;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
}

export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError('cancelled');
}
