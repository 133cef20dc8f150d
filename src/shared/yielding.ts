// CPU work on the server's own thread, done in slices: between slices the event loop answers
// requests. An embed batch of 256 customers (words cut by jieba, lexical views, hashes) held the API
// for over a second at a time (bench:api: p99 of the segments list 1.3 s on PGlite while re-embedding).
// Slices are measured in time, not items: items differ a thousandfold in cost.

/** Lets queued I/O callbacks and timers run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Work between yields, in milliseconds: long enough that a batch does not pay a round of other work
 * for every few items (a live round of 800 customers yielded 100 times, and behind a dashboard's
 * reads each yield cost tens of milliseconds: bench:live), short enough that requests keep answering.
 */
export const YIELD_EVERY_MS = 20;

/** `items.map(fn)`, yielding to the event loop whenever `budgetMs` of work has run since the last yield. */
export async function mapYielding<T, R>(items: readonly T[], fn: (item: T, index: number) => R, budgetMs = YIELD_EVERY_MS): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let since = performance.now();
  for (let i = 0; i < items.length; i++) {
    out[i] = fn(items[i]!, i);
    if (i + 1 < items.length && performance.now() - since >= budgetMs) {
      await yieldToEventLoop();
      since = performance.now();
    }
  }
  return out;
}
