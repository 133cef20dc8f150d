/**
 * `work`, or a rejection with `no answer within <ms> ms` if it has not settled by then. The work is
 * not cancelled (it may finish later, unseen); the timer is cleared either way, so it never keeps a
 * process alive. For probes and scrapes that must answer in bounded time.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
