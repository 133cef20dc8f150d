// The response cache over HTTP against the running server, on PGlite and on PostgreSQL: a repeated
// read is answered without touching the database; a mutation, a write by anyone else (another
// connection, another process) and an erasure are seen by the next read; keys never share answers.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { LISTENER_NAME } from '../../src/db/change-notifications.js';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { responseCacheLookups } from '../../src/observability/metrics.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { until } from '../support/until.js';

const SEGMENTS = '{ segments { id name size } }';

async function post(app: TestApp, query: string, key = app.keys.admin, headers: Record<string, string> = {}) {
  const res = await fetch(app.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] };
  // Kept on the server only: no browser or proxy may keep a GraphQL answer.
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return { cached: res.headers.get('age') !== null, body };
}

const labelOf = (r: { body: { data?: Record<string, unknown> } }, id: number) =>
  (r.body.data!.segments as { id: string; name: string }[]).find((s) => Number(s.id) === id)!.name;

for (const target of databaseTargets()) {
  describe(`response cache (${target.name})`, () => {
    let app: TestApp;
    let queries = 0;
    before(async () => {
      app = await startTestApp(target);
      const idle = { signal: new AbortController().signal, progress: () => {} };
      await loadDemoShop(app.services.ingest, { customers: 150, seed: 3 }, path.join(app.services.settings.dataDir, 'demo'));
      await (await app.services.indexer()).run(idle);
      await app.services.segments.run(idle, { k: 3, seed: 1 });
      app.services.db.onQuery(() => queries++);
    });
    after(() => app.close());

    /** The segments list, waiting out notifications of earlier writes until two answers in a row agree. */
    const settled = () =>
      until('a cached segments list', async () => {
        await post(app, SEGMENTS);
        const again = await post(app, SEGMENTS);
        return again.cached ? again : undefined;
      });

    test('a repeated read is answered from the cache, without a database query', async () => {
      const first = await settled();
      const before = queries;
      const hits = async () => (await responseCacheLookups.get()).values.find((v) => v.labels.result === 'hit')?.value ?? 0;
      const hitsBefore = await hits();
      const second = await post(app, SEGMENTS);
      assert.equal(second.cached, true);
      assert.equal(queries, before, 'no database query for a cached answer');
      assert.equal(await hits(), hitsBefore + 1, 'counted as a hit');
      assert.deepEqual(second.body, first.body);
      // `Cache-Control: no-cache` asks afresh.
      const fresh = await post(app, SEGMENTS, app.keys.admin, { 'cache-control': 'no-cache' });
      assert.equal(fresh.cached, false);
      assert.ok(queries > before);
      assert.deepEqual(fresh.body, first.body);
    });

    test('answers are kept per key', async () => {
      await settled();
      const viewer = await post(app, SEGMENTS, app.keys.viewer);
      assert.equal(viewer.cached, false, "the viewer's first request is not the admin's answer");
      assert.equal((await post(app, SEGMENTS, app.keys.viewer)).cached, true);
    });

    test('a mutation is seen by the very next read', async () => {
      const { body } = await settled();
      const id = (body.data!.segments as { id: string }[])[0]!.id;
      const relabel = await post(app, `mutation { relabelSegment(id: "${id}", name: "Renamed by a mutation") { name } }`);
      assert.equal(relabel.body.errors, undefined);
      const next = await post(app, SEGMENTS);
      assert.equal(next.cached, false);
      assert.equal((next.body.data!.segments as { id: string; name: string }[]).find((s) => s.id === id)!.name, 'Renamed by a mutation');
    });

    test('a write from another connection is seen once it commits', async () => {
      const { body } = await settled();
      const id = Number((body.data!.segments as { id: string }[])[0]!.id);
      const settings = app.services.settings.database;
      if (settings.kind === 'postgresql') {
        // Another process's connection: the server learns of it only by the database's notification.
        const other = new pg.Client({ connectionString: settings.url });
        await other.connect();
        try {
          await other.query(`UPDATE segment SET label = 'Renamed elsewhere' WHERE id = $1`, [id]);
        } finally {
          await other.end();
        }
      } else {
        // PGlite has one session: a write that is no GraphQL mutation (a job's, a live round's).
        await app.services.db.prisma.$executeRaw`UPDATE segment SET label = 'Renamed elsewhere' WHERE id = ${id}`;
      }
      const seen = await until(
        'the write to show',
        async () => {
          const r = await post(app, SEGMENTS);
          return labelOf(r, id) === 'Renamed elsewhere' ? r : undefined;
        },
        2000,
      );
      assert.equal(seen.cached, false);
    });

    if (target.name === 'postgresql') {
      test('a write while the listening connection is down is seen all the same', async () => {
        const { body } = await settled();
        const id = Number((body.data!.segments as { id: string }[])[0]!.id);
        const settings = app.services.settings.database as { kind: 'postgresql'; url: string };
        const other = new pg.Client({ connectionString: settings.url });
        await other.connect();
        try {
          const ended = await other.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
            [LISTENER_NAME],
          );
          assert.equal(ended.rowCount, 1, 'one listening connection');
          await other.query(`UPDATE segment SET label = 'Renamed while nobody listened' WHERE id = $1`, [id]);
        } finally {
          await other.end();
        }
        await until('the write to show', async () => (labelOf(await post(app, SEGMENTS), id) === 'Renamed while nobody listened' ? true : undefined), 5000);
        // Listening again: answers are kept again.
        await settled();
      });
    }

    test('an erased customer is gone from the next read', async () => {
      await settled();
      const [customer] = await app.services.db.prisma.customer.findMany({ take: 1, orderBy: { id: 'asc' }, select: { externalId: true } });
      const read = `{ customer(id: "${customer!.externalId}") { id } }`;
      await post(app, read);
      assert.equal((await post(app, read)).cached, true);
      const erased = await post(app, `mutation { deleteCustomer(id: "${customer!.externalId}") { id } }`);
      assert.equal(erased.body.errors, undefined);
      const after = await post(app, read);
      assert.equal(after.cached, false);
      assert.equal(after.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    });

    test('jobs, health and other reads outside the cache are always answered afresh', async () => {
      await post(app, '{ jobs { id status } }');
      assert.equal((await post(app, '{ jobs { id status } }')).cached, false);
      // A lookalike's cursors name a computation its own cache holds: its pages are not kept here.
      const [seed] = await app.services.db.prisma.customer.findMany({ take: 1, orderBy: { id: 'desc' }, select: { externalId: true } });
      const lookalike = `{ lookalikeAudience(seeds: ["${seed!.externalId}"], size: 10) { members(first: 5) { edges { cursor } } } }`;
      assert.equal((await post(app, lookalike)).body.errors, undefined);
      assert.equal((await post(app, lookalike)).cached, false);
      assert.equal((await post(app, `{ health { status } ${SEGMENTS.slice(1, -1)} }`)).cached, false);
    });
  });
}

describe('response cache off', () => {
  test('RESPONSE_CACHE_MB=0 answers every read afresh', async () => {
    const app = await startTestApp(databaseTargets()[0]!, { RESPONSE_CACHE_MB: '0' });
    try {
      await post(app, SEGMENTS);
      assert.equal((await post(app, SEGMENTS)).cached, false);
    } finally {
      await app.close();
    }
  });
});
