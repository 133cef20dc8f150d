// The value models are fitted in a worker thread: BFGS over a likelihood summed over every customer
// is seconds of synchronous work on a large shop (tens of seconds at 100k customers), during which the
// main thread must keep answering and writing the job's heartbeat (a job silent for a minute is taken
// for dead). The histories go over as plain arrays; the fitted state comes back.
import { parentPort, Worker } from 'node:worker_threads';
import type { PurchaseEvents } from './propensity/purchase-features.js';
import type { PurchaseHistory } from './purchase-history.js';
import { ValueModel, type ValueModelState } from './value-model.js';

interface Request {
  history: Omit<PurchaseHistory, 'asOf' | 'firstDay'> & { asOf: string; firstDay: string | null };
  /** Typed arrays cross to the worker as they are (structured clone). */
  events?: PurchaseEvents[];
}
type Reply = { type: 'result'; state: ValueModelState } | { type: 'error'; message: string };

if (parentPort) {
  const port = parentPort;
  port.once('message', ({ history, events }: Request) => {
    try {
      const state = ValueModel.fit({ ...history, asOf: new Date(history.asOf), firstDay: history.firstDay ? new Date(history.firstDay) : null }, events).state;
      port.postMessage({ type: 'result', state } satisfies Reply);
    } catch (error) {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies Reply);
    }
  });
}

/** ValueModel.fit(history, events), in a worker thread; `signal` terminates it. */
export function fitInWorker(history: PurchaseHistory, events?: PurchaseEvents[], signal?: AbortSignal): Promise<ValueModel> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('cancelled'));
    const worker = new Worker(new URL(import.meta.url));
    const abort = () => {
      void worker.terminate();
      reject(new Error('cancelled'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (m: Reply) => {
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
      if (m.type === 'result') resolve(ValueModel.fromState(m.state));
      else reject(new Error(m.message));
    });
    worker.once('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    });
    // Gone without a word (killed, out of memory): the run must not wait for it forever.
    worker.once('exit', (code) => reject(new Error(`the value models' worker stopped (exit code ${code}) before it answered`)));
    worker.postMessage({
      history: { ...history, asOf: history.asOf.toISOString(), firstDay: history.firstDay?.toISOString() ?? null },
      ...(events ? { events } : {}),
    } satisfies Request);
  });
}
