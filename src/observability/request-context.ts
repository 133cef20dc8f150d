// The request a piece of work belongs to, carried across awaits (AsyncLocalStorage): log lines and
// jobs started while serving a request name its id without every function passing it along.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

/**
 * Runs `fn` outside any request: for what lives longer than the request that happened to create it
 * (a connection pool, a queue client), whose timers would otherwise carry that request's id forever.
 */
export function outsideRequest<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/**
 * A client's `X-Request-Id` when it is a sane token (a proxy's or the client's own, so their logs and
 * ours join up), else a new UUID. Anything long or with characters outside a token is replaced: the
 * id is echoed in a header and written to every log line.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}
