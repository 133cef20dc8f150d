// The rate-limit middleware on its own, with stand-in requests and responses (test/http/abuse-limits
// covers it over HTTP): N requests per window pass, the next is answered 429 RATE_LIMITED with
// Retry-After and never reaches the handler; a real key has its own budget, a missing or made-up key
// is charged to the client's address; a failing store lets requests through; on PostgreSQL two
// processes share one budget per key.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { NextFunction, Request, Response } from 'express';
import { projectRoot, type DatabaseSettings } from '../../src/config/settings.js';
import { openDatabase } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { captureLogs } from '../../src/observability/log.js';
import { createRateLimit, type KeyCheck, type RateLimit } from '../../src/http/rate-limit.js';
import { databaseTargets } from '../support/databases.js';

const memory: DatabaseSettings = { kind: 'pglite', dir: 'memory://' };
const known = new Set(['sk_viewer_alice', 'sk_viewer_bob']);
const isKnown: KeyCheck = (key) => Promise.resolve(known.has(key));

interface Outcome {
  passed: boolean;
  status?: number;
  headers: Record<string, string>;
  body?: { errors: { message: string; extensions: { code: string; retryAfterSeconds: number } }[] };
}

/** One request through the middleware: passed on to the handler (next), or answered by the limiter. */
function send(limit: RateLimit, request: { key?: string; ip?: string; headers?: Record<string, string> }): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    let status: number | undefined;
    const req = { headers: { ...(request.key ? { authorization: `Bearer ${request.key}` } : {}), ...request.headers }, ip: request.ip } as unknown as Request;
    const res = {
      setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
      status(code: number) {
        status = code;
        return this;
      },
      json: (body: Outcome['body']) => resolve({ passed: false, status, headers, body }),
    } as unknown as Response;
    const next: NextFunction = (error?: unknown) => {
      assert.equal(error, undefined, 'next() is called without an error');
      resolve({ passed: true, headers });
    };
    limit.middleware(req, res, next);
  });
}

const times = async (n: number, fn: () => Promise<Outcome>) => {
  const out: Outcome[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
};

describe('rate limit in memory (PGlite)', () => {
  test('N requests in a window pass, counting down; the next is refused with 429, Retry-After and RATE_LIMITED', async () => {
    const limit = createRateLimit({ points: 3, windowSeconds: 60 }, memory, isKnown);
    const passed = await times(3, () => send(limit, { key: 'sk_viewer_alice', ip: '10.0.0.1' }));
    assert.ok(passed.every((o) => o.passed));
    assert.deepEqual(
      passed.map((o) => o.headers['ratelimit-remaining']),
      ['2', '1', '0'],
    );
    const refused = await send(limit, { key: 'sk_viewer_alice', ip: '10.0.0.1' });
    assert.equal(refused.passed, false);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const error = refused.body!.errors[0]!;
    assert.deepEqual(error.extensions, { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
    assert.equal(error.message, `Too many requests for this key: at most 3 per 60 s. Retry in ${retryAfter} s.`);
    // Refusals do not let the key back in.
    assert.equal((await send(limit, { key: 'sk_viewer_alice', ip: '10.0.0.1' })).status, 429);
    await limit.close();
  });

  test('each real key has its own budget, wherever it comes from', async () => {
    const limit = createRateLimit({ points: 2, windowSeconds: 60 }, memory, isKnown);
    await times(2, () => send(limit, { key: 'sk_viewer_alice', ip: '10.0.0.1' }));
    assert.equal((await send(limit, { key: 'sk_viewer_alice', ip: '10.0.0.99' })).status, 429, 'another address does not reset a key');
    assert.ok((await send(limit, { key: 'sk_viewer_bob', ip: '10.0.0.1' })).passed, 'another key from the same address passes');
    // X-API-Key is the same key as Bearer: one budget.
    assert.equal((await send(limit, { headers: { 'x-api-key': 'sk_viewer_alice' }, ip: '10.0.0.2' })).status, 429);
    await limit.close();
  });

  test("no key, or a key that is not real, is charged to the client's address", async () => {
    const limit = createRateLimit({ points: 2, windowSeconds: 60 }, memory, isKnown);
    assert.ok((await send(limit, { ip: '192.0.2.1' })).passed);
    assert.ok((await send(limit, { key: 'sk_made_up_1', ip: '192.0.2.1' })).passed);
    // The address's budget is spent: neither another made-up key nor no key gets a fresh one.
    assert.equal((await send(limit, { key: 'sk_made_up_2', ip: '192.0.2.1' })).status, 429);
    assert.equal((await send(limit, { ip: '192.0.2.1' })).status, 429);
    assert.ok((await send(limit, { ip: '192.0.2.2' })).passed, 'another address has its own budget');
    assert.ok((await send(limit, { key: 'sk_viewer_alice', ip: '192.0.2.1' })).passed, 'a real key is not charged to its address');
    // Without a known address, all such requests share one bucket.
    await times(2, () => send(limit, {}));
    assert.equal((await send(limit, {})).status, 429);
    await limit.close();
  });

  test('the key check is asked only about presented keys; a failing check counts as "not real"', async () => {
    const asked: string[] = [];
    const flaky: KeyCheck = (key) => {
      asked.push(key);
      return key === 'sk_viewer_alice' ? Promise.reject(new Error('database down')) : Promise.resolve(known.has(key));
    };
    const limit = createRateLimit({ points: 1, windowSeconds: 60 }, memory, flaky);
    assert.ok((await send(limit, { ip: '198.51.100.7' })).passed);
    assert.deepEqual(asked, []);
    // The check throws: charged to the address, whose single point is spent — refused, not a crash.
    const r = await send(limit, { key: 'sk_viewer_alice', ip: '198.51.100.7' });
    assert.equal(r.status, 429);
    assert.deepEqual(asked, ['sk_viewer_alice']);
    await limit.close();
  });

  test('the budget comes back when the window ends', async () => {
    const limit = createRateLimit({ points: 1, windowSeconds: 1 }, memory, isKnown);
    assert.ok((await send(limit, { key: 'sk_viewer_bob' })).passed);
    const refused = await send(limit, { key: 'sk_viewer_bob' });
    assert.equal(refused.headers['retry-after'], '1');
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((await send(limit, { key: 'sk_viewer_bob' })).passed);
    await limit.close();
  });

  test('points 0 switches the limit off: every request passes at once, unchecked', async () => {
    let checks = 0;
    const limit = createRateLimit({ points: 0, windowSeconds: 60 }, memory, () => (checks++, Promise.resolve(true)));
    let passed = 0;
    const req = { headers: { authorization: 'Bearer sk_x' }, ip: '10.1.1.1' } as unknown as Request;
    for (let i = 0; i < 100; i++) limit.middleware(req, {} as Response, () => passed++);
    assert.equal(passed, 100, 'synchronously, with no store');
    assert.equal(checks, 0);
    await limit.close();
  });

  test('two limiters in memory (two processes on PGlite would be) keep separate counts', async () => {
    const [a, b] = [createRateLimit({ points: 1, windowSeconds: 60 }, memory, isKnown), createRateLimit({ points: 1, windowSeconds: 60 }, memory, isKnown)];
    assert.ok((await send(a, { key: 'sk_viewer_alice' })).passed);
    assert.ok((await send(b, { key: 'sk_viewer_alice' })).passed);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('rate limit on PostgreSQL', () => {
  test('a store that cannot be reached lets requests through (and says so) instead of refusing them all', async () => {
    const logged = captureLogs('error');
    // Port 1 on loopback: the connection is refused at once.
    const limit = createRateLimit({ points: 1, windowSeconds: 60 }, { kind: 'postgresql', url: 'postgresql://nobody:x@127.0.0.1:1/none' }, isKnown);
    const outcomes = await times(3, () => send(limit, { key: 'sk_viewer_alice' }));
    assert.ok(outcomes.every((o) => o.passed && o.headers['ratelimit-remaining'] === undefined));
    logged.stop();
    assert.ok(
      logged.lines.some((l) => l.component === 'http' && l.level === 'error' && /rate limit store failed/.test(String(l.msg))),
      JSON.stringify(logged.lines),
    );
    await limit.close();
  });

  const postgres = databaseTargets().find((d) => d.name === 'postgresql');
  test(
    'every API process shares one budget per key (the counts are in the database)',
    { skip: postgres ? false : 'TEST_DATABASE_URL is not set' },
    async () => {
      const { settings, ...created } = await postgres!.create();
      const db = openDatabase(settings);
      // The rate_limit.requests table comes from a migration.
      await applyMigrations(db.adapter, path.join(projectRoot, 'prisma', 'migrations'));
      await db.close();
      const [a, b] = [
        createRateLimit({ points: 3, windowSeconds: 60 }, settings, isKnown),
        createRateLimit({ points: 3, windowSeconds: 60 }, settings, isKnown),
      ];
      try {
        assert.ok((await send(a, { key: 'sk_viewer_alice', ip: '10.0.0.1' })).passed);
        assert.ok((await send(b, { key: 'sk_viewer_alice', ip: '10.0.0.2' })).passed);
        const third = await send(a, { key: 'sk_viewer_alice', ip: '10.0.0.1' });
        assert.deepEqual([third.passed, third.headers['ratelimit-remaining']], [true, '0']);
        assert.equal((await send(b, { key: 'sk_viewer_alice', ip: '10.0.0.2' })).status, 429, 'the other process sees the spent budget');
        assert.ok((await send(b, { key: 'sk_viewer_bob' })).passed);
      } finally {
        await Promise.all([a.close(), b.close()]);
        await created.drop();
      }
    },
  );
});
