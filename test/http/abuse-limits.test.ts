// Per-key rate limits and the request deadline, over HTTP against the running server, on both
// databases (on PostgreSQL the counts are in the database, shared by every API process).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createServices } from '../../src/app/services.js';
import { startServer } from '../../src/http/app.js';
import { rawGraphQL, startTestApp, testSettings, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';

const LIMIT = 5;

for (const target of databaseTargets()) {
  describe(`abuse limits on ${target.name}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(target, { RATE_LIMIT_PER_MINUTE: String(LIMIT), REQUEST_DEADLINE_MS: '1' });
      await app.services.ingest.upsert(
        'customers',
        Array.from({ length: 300 }, (_, i) => ({ id: `c${i}`, country: i % 2 ? 'DE' : 'FR' })),
      );
    });
    after(() => app.close());

    test('a key over its budget gets 429 RATE_LIMITED with Retry-After, and nothing runs; other keys are unaffected', async () => {
      const ask = (key: string) => rawGraphQL(app.server.url, '{ shopStats { customers } }', undefined, key);
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT; i++) statuses.push((await ask(app.keys.viewer)).status);
      assert.ok(
        statuses.every((s) => s === 200),
        statuses.join(','),
      );
      const res = await fetch(app.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.keys.viewer}` },
        body: JSON.stringify({ query: 'mutation { deleteCustomer(id: "c1") { deleted } }' }),
      });
      assert.equal(res.status, 429);
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      const body = (await res.json()) as { errors: { extensions: { code: string; retryAfterSeconds: number } }[] };
      assert.equal(body.errors[0]!.extensions.code, 'RATE_LIMITED');
      assert.equal(body.errors[0]!.extensions.retryAfterSeconds, retryAfter);
      // Another key has its own budget; the refused request did nothing.
      const other = await ask(app.keys.marketer);
      assert.equal(other.status, 200);
      assert.equal(await app.services.db.prisma.customer.count({ where: { externalId: 'c1' } }), 1);
      // No key at all is counted by address, so it cannot slip past either.
      const anonymous = await Promise.all(Array.from({ length: LIMIT + 1 }, () => rawGraphQL(app.server.url, '{ __typename }')));
      assert.ok(anonymous.some((r) => r.status === 429 && r.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED'));
      // Nor by making keys up: an unknown key is charged to the address, whose budget is spent.
      const madeUp = await rawGraphQL(app.server.url, '{ __typename }', undefined, `sk_made_up_${Date.now()}`);
      assert.equal(madeUp.status, 429);
      // Nor by claiming another address: no proxy is trusted, so X-Forwarded-For is not read.
      const forwarded = await fetch(app.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      assert.equal(forwarded.status, 429);
      // The CSV export is charged to the same budget: the spent key gets 429 there too, before any audience is read.
      const csv = await fetch(`${new URL(app.server.url).origin}/audiences/1/members.csv`, { headers: { authorization: `Bearer ${app.keys.viewer}` } });
      assert.equal(csv.status, 429);
      assert.equal(((await csv.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code, 'RATE_LIMITED');
    });

    test('fields not resolved by the deadline fail with DEADLINE_EXCEEDED; the server answers, never a 500', async () => {
      const r = await rawGraphQL(app.server.url, '{ shopStats { customers orders } jobs { id status } health { status } }', undefined, app.keys.admin);
      assert.equal(r.status, 200);
      const codes = new Set(r.body.errors?.map((e) => e.extensions?.code));
      assert.deepEqual([...codes], ['DEADLINE_EXCEEDED'], JSON.stringify(r.body.errors?.slice(0, 2)));
      assert.match(r.body.errors![0]!.message, /deadline/);
    });
  });
}

test('behind a trusted proxy, requests without a key are limited per client address (X-Forwarded-For)', async () => {
  const settings = testSettings({ kind: 'pglite', dir: 'memory://' }, { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
  assert.equal(settings.http.trustProxy, 'loopback');
  assert.equal(testSettings({ kind: 'pglite', dir: 'memory://' }, { TRUST_PROXY: '1' }).http.trustProxy, 1);
  const services = await createServices(settings);
  const server = await startServer(services);
  try {
    const from = (address: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body: JSON.stringify({ query: '{ __typename }' }),
      }).then((r) => r.status);
    assert.deepEqual([await from('203.0.113.1'), await from('203.0.113.1'), await from('203.0.113.1')], [200, 200, 429]);
    // Another client behind the same proxy has its own budget.
    assert.equal(await from('203.0.113.2'), 200);
  } finally {
    await server.stop();
    await services.close();
  }
});

test('the limits are on by default and can be switched off', async () => {
  const settings = testSettings({ kind: 'pglite', dir: 'memory://' });
  assert.deepEqual([settings.http.rateLimit.points, settings.http.rateLimit.windowSeconds, settings.http.deadlineMs], [30_000, 60, 30_000]);
  const off = testSettings({ kind: 'pglite', dir: 'memory://' }, { RATE_LIMIT_PER_MINUTE: '0' });
  const services = await createServices(off);
  const server = await startServer(services);
  try {
    const answers = await Promise.all(Array.from({ length: 40 }, () => rawGraphQL(server.url, '{ __typename }')));
    assert.ok(answers.every((a) => a.status === 200));
  } finally {
    await server.stop();
    await services.close();
  }
});
