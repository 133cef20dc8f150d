// Per-key request limits (rate-limiter-flexible). A key's requests are counted in a window; over the
// limit, the request is answered 429 with `RATE_LIMITED`, how many seconds to wait (`Retry-After`) and
// nothing executed. On PostgreSQL the counts live in the database (schema `rate_limit`, created by a
// migration), so every API process behind a load balancer shares one budget per key; on PGlite, which
// one process owns, in memory. The bucket is the API key (its sha256, so no secret is stored) when
// the key is a real one, else the client's address: a request cannot get a fresh budget by sending no
// key or a made-up one (each new made-up key would also have been a new row in the shared table).
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { keyFromHeaders } from '../auth/api-keys.js';
import { log } from '../observability/log.js';
import { rateLimitRefusals } from '../observability/metrics.js';
import type { DatabaseSettings } from '../config/settings.js';

export interface RateLimitSettings {
  /** Requests per key per window; 0 switches the limit off. */
  points: number;
  /** Requests per address per window without a valid key (the login page, probes): far fewer. Unset: as for a key. */
  anonymousPoints?: number;
  windowSeconds: number;
}

export interface RateLimit {
  middleware(req: Request, res: Response, next: NextFunction): void;
  close(): Promise<void>;
}

/** Whether a presented key is a real one (ApiKeys.authenticate; cached there). */
export type KeyCheck = (key: string) => Promise<boolean>;

export function createRateLimit(settings: RateLimitSettings, database: DatabaseSettings, isKnown: KeyCheck): RateLimit {
  if (settings.points <= 0) return { middleware: (_req, _res, next) => next(), close: async () => {} };
  let pool: pg.Pool | undefined;
  const limiter = (points: number, keyPrefix: string): RateLimiterAbstract => {
    const options = { points, duration: settings.windowSeconds, keyPrefix };
    if (database.kind !== 'postgresql') return new RateLimiterMemory(options);
    if (!pool) {
      pool = new pg.Pool({ connectionString: database.url, max: 4, application_name: 'segment-api rate limit' });
      pool.on('error', (error) => log('http').error({ err: error }, 'rate limit pool'));
    }
    // tableCreated: the migration made it; the library would otherwise CREATE TABLE in `public`.
    return new RateLimiterPostgres({ ...options, storeClient: pool, storeType: 'pool', schemaName: 'rate_limit', tableName: 'requests', tableCreated: true });
  };
  const keyed = limiter(settings.points, 'api');
  // Never more than a key gets; 0 means "as much as a key" (like 0 for keys: no separate limit).
  const anonymousPoints = settings.anonymousPoints ? Math.min(settings.anonymousPoints, settings.points) : settings.points;
  const anonymous = limiter(anonymousPoints, 'anon');
  return {
    middleware(req, res, next) {
      const presented = keyFromHeaders(req.headers);
      const bucket = async () =>
        presented && (await isKnown(presented).catch(() => false))
          ? { limiter: keyed, key: `key:${createHash('sha256').update(presented).digest('hex').slice(0, 32)}`, points: settings.points, caller: 'key' }
          : { limiter: anonymous, key: `ip:${req.ip ?? 'unknown'}`, points: anonymousPoints, caller: 'anonymous' };
      let chosen: Awaited<ReturnType<typeof bucket>> | undefined;
      bucket()
        .then((b) => {
          chosen = b;
          return b.limiter.consume(b.key);
        })
        .then(
          (state) => {
            res.setHeader('RateLimit-Remaining', String(state.remainingPoints));
            next();
          },
          (rejection: unknown) => {
            if (!(rejection instanceof RateLimiterRes)) {
              // The store failed (database down): do not turn that into a refusal of every request.
              log('http').error({ err: rejection }, 'rate limit store failed: request let through');
              next();
              return;
            }
            const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
            rateLimitRefusals.inc({ caller: chosen?.caller ?? 'anonymous' });
            res.setHeader('Retry-After', String(retryAfter));
            res.status(429).json({
              errors: [
                {
                  message:
                    chosen?.caller === 'key'
                      ? `Too many requests for this key: at most ${settings.points} per ${settings.windowSeconds} s. Retry in ${retryAfter} s.`
                      : `Too many requests without an API key from this address: at most ${chosen?.points ?? anonymousPoints} per ${settings.windowSeconds} s (a key gets ${settings.points}). Retry in ${retryAfter} s.`,
                  extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter },
                },
              ],
            });
          },
        );
    },
    close: async () => {
      await pool?.end();
    },
  };
}
