// CPU work on the server's own thread, done in slices: between slices the event loop answers
// requests. An embed batch of 256 customers (words cut by jieba, lexical views, hashes) held the API
// for over a second at a time (bench:api: p99 of the segments list 1.3 s on PGlite while re-embedding).

/** Lets queued I/O callbacks and timers run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `items.map(fn)`, yielding to the event loop after every `slice` items. */
export async function mapYielding<T, R>(items: readonly T[], fn: (item: T, index: number) => R, slice = 16): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  for (let start = 0; start < items.length; start += slice) {
    const end = Math.min(items.length, start + slice);
    for (let i = start; i < end; i++) out[i] = fn(items[i]!, i);
    if (end < items.length) await yieldToEventLoop();
  }
  return out;
}
