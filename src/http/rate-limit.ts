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
import type { DatabaseSettings } from '../config/settings.js';

export interface RateLimitSettings {
  /** Requests per key per window; 0 switches the limit off. */
  points: number;
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
  let limiter: RateLimiterAbstract;
  const options = { points: settings.points, duration: settings.windowSeconds, keyPrefix: 'api' };
  if (database.kind === 'postgresql') {
    pool = new pg.Pool({ connectionString: database.url, max: 4, application_name: 'segment-api rate limit' });
    pool.on('error', (error) => console.error('rate limit pool:', error));
    // tableCreated: the migration made it; the library would otherwise CREATE TABLE in `public`.
    limiter = new RateLimiterPostgres({
      ...options,
      storeClient: pool,
      storeType: 'pool',
      schemaName: 'rate_limit',
      tableName: 'requests',
      tableCreated: true,
    });
  } else {
    limiter = new RateLimiterMemory(options);
  }
  return {
    middleware(req, res, next) {
      const presented = keyFromHeaders(req.headers);
      const bucket = async () =>
        presented && (await isKnown(presented).catch(() => false))
          ? `key:${createHash('sha256').update(presented).digest('hex').slice(0, 32)}`
          : `ip:${req.ip ?? 'unknown'}`;
      bucket()
        .then((key) => limiter.consume(key))
        .then(
          (state) => {
            res.setHeader('RateLimit-Remaining', String(state.remainingPoints));
            next();
          },
          (rejection: unknown) => {
            if (!(rejection instanceof RateLimiterRes)) {
              // The store failed (database down): do not turn that into a refusal of every request.
              console.error('rate limit store:', rejection);
              next();
              return;
            }
            const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
            res.setHeader('Retry-After', String(retryAfter));
            res.status(429).json({
              errors: [
                {
                  message: `Too many requests for this key: at most ${settings.points} per ${settings.windowSeconds} s. Retry in ${retryAfter} s.`,
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
