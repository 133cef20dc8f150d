// Live updates over HTTP against the running server, on both databases: a change accepted through the
// API reaches the customer's vectors, segment and value without a job (new orders, new words, a new
// customer); bulk loads stay off the feed; a round that fails leaves its changes queued and the next
// one covers them (nothing accepted is lost); a customer forgotten with changes waiting is no error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChangeFeed } from '../../src/ingest/change-feed.js';
import { LiveUpdates } from '../../src/live/live-updates.js';
import { nearestCentroid } from '../../src/customer-vectors/customer-space.js';
import { toFloats } from '../../src/segments/run/segment-runs.js';
import type { VectorName } from '../../src/vectors/vector-store.js';
import { rawGraphQL, startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { until } from '../support/until.js';
import { loadValueShop } from '../support/value-shop.js';

const idle = { signal: new AbortController().signal, progress: () => {} };
const CUSTOMER = `{ id segment { id } provisional pendingChanges vectorsUpdatedAt value { repeatPurchases recencyDays ageDays churnRisk expectedPurchases reason } }`;

interface CustomerState {
  id: string;
  segment: { id: string } | null;
  provisional: boolean;
  pendingChanges: number;
  vectorsUpdatedAt: string | null;
  value: {
    repeatPurchases: number | null;
    recencyDays: number | null;
    ageDays: number | null;
    churnRisk: number | null;
    expectedPurchases: number | null;
    reason: string | null;
  };
}

for (const target of databaseTargets()) {
  describe(`live updates on ${target.name}`, () => {
    let app: TestApp;
    const gql = async (query: string, variables?: Record<string, unknown>) => {
      const res = await rawGraphQL(app.server.url, query, variables, app.keys.admin);
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      return res.body.data!;
    };
    const customer = async (id: string) => (await gql(`query ($id: ID!) { customer(id: $id) ${CUSTOMER} }`, { id })).customer as CustomerState;
    const feedRows = () => app.services.db.prisma.customerChange.count();

    before(async () => {
      app = await startTestApp(target, { LIVE_UPDATES: 'true', LIVE_POLL_MS: '50' });
      await loadValueShop(app.services.ingest, { customers: 300, seed: 5 });
      await (await app.services.indexer()).run(idle);
      await app.services.segments.run(idle, { k: 3, seed: 1 });
    });
    after(() => app.close());

    test('a bulk load leaves the feed empty; a new order reaches the customer’s vectors, segment and value', async () => {
      assert.equal(await feedRows(), 0, 'bulk loads are covered by the embed job, not the feed');
      const before = await customer('s7');
      assert.ok(before.segment && before.vectorsUpdatedAt && before.value.repeatPurchases !== null);
      const membership = () =>
        app.services.db.prisma.membership.findFirstOrThrow({
          where: { customer: { externalId: 's7' }, run: { active: true } },
          select: { frequency: true, monetary: true, recencyDays: true },
        });
      const rfmBefore = await membership();
      assert.equal(before.pendingChanges, 0);
      const accepted = Date.now();
      await gql('mutation ($r: [OrderInput!]!) { upsertOrders(records: $r) { created } }', {
        r: [{ id: 'live-1', customerId: 's7', placedAt: '2024-07-03T10:00:00Z', items: [{ productId: 'p0-1', quantity: 3, unitPrice: 25 }] }],
      });
      const after = await until('the order in s7’s value', async () => {
        const c = await customer('s7');
        return c.pendingChanges === 0 && c.value.repeatPurchases === before.value.repeatPurchases! + 1 ? c : undefined;
      });
      assert.ok(Date.parse(after.vectorsUpdatedAt!) >= accepted - 1000, 'the point was written again');
      assert.equal(after.value.recencyDays, after.value.ageDays, 'the new purchase is the last one, on the last day observed');
      assert.ok(after.value.ageDays! > before.value.ageDays!, 'observed up to the new purchase');
      assert.ok(after.segment, 'still placed in a segment of the active run');
      assert.equal(after.value.reason, null);
      assert.ok(Number.isFinite(after.value.churnRisk) && Number.isFinite(after.value.expectedPurchases));
      // The membership's RFM columns (segment medians, member lists) follow, from the behaviour the round wrote.
      const rfmAfter = await membership();
      assert.equal(rfmAfter.frequency, rfmBefore.frequency + 1);
      assert.ok(Math.abs(rfmAfter.monetary - rfmBefore.monetary - 75) < 1e-6, `monetary ${rfmBefore.monetary} → ${rfmAfter.monetary}`);
      assert.equal(rfmAfter.recencyDays, 0, 'the new order is the shop’s latest');
      // Placed by the point the round wrote: the stored point's nearest centre and distance are the membership's.
      const prisma = app.services.db.prisma;
      const run = await prisma.segmentationRun.findFirstOrThrow({ where: { active: true }, include: { segments: { orderBy: { index: 'asc' } } } });
      const member = await prisma.membership.findFirstOrThrow({ where: { runId: run.id, customer: { externalId: 's7' } } });
      const [point] = await app.services.vectors.retrieve(run.collection, [member.customerId], true);
      const nearest = nearestCentroid(
        point!.vectors![run.vectorName as VectorName]!,
        run.segments.map((g) => toFloats(g.centroid)),
      );
      assert.equal(run.segments[nearest.index]!.id, member.segmentId);
      assert.ok(Math.abs(nearest.distance - member.distance) < 1e-5, `stored point ${nearest.distance}, membership ${member.distance}`);
      assert.equal(await feedRows(), 0, 'the feed row was deleted once covered');
    });

    test('new words change the customer’s text vector; a new customer is placed, provisional, with a value', async () => {
      const collection = (await app.services.vectors.resolveAlias('customers'))!;
      const [old] = await app.services.vectors.retrieve(collection, [(await app.services.customers.byExternalId('s11')).id], true);
      await gql('mutation ($r: [ReviewInput!]!) { upsertReviews(records: $r) { created } }', {
        r: [
          {
            id: 'live-r1',
            customerId: 's11',
            productId: 'p1-0',
            rating: 5,
            text: 'Wonderful trail shoes, light and grippy on wet rock',
            reviewedAt: '2024-07-02T09:00:00Z',
          },
        ],
      });
      await until('s11’s new words in its vectors', async () => {
        const [now] = await app.services.vectors.retrieve(collection, [old!.id], true);
        const changed = now!.vectors!.text!.some((x, i) => Math.abs(x - old!.vectors!.text![i]!) > 1e-6);
        return changed && (await customer('s11')).pendingChanges === 0 ? true : undefined;
      });

      await gql('mutation ($r: [CustomerInput!]!) { upsertCustomers(records: $r) { created } }', { r: [{ id: 'live-new', country: 'GB' }] });
      await gql('mutation ($r: [OrderInput!]!) { upsertOrders(records: $r) { created } }', {
        r: [
          { id: 'live-n1', customerId: 'live-new', placedAt: '2024-05-01T10:00:00Z', items: [{ productId: 'p2-0', quantity: 1, unitPrice: 12 }] },
          { id: 'live-n2', customerId: 'live-new', placedAt: '2024-06-20T10:00:00Z', items: [{ productId: 'p2-1', quantity: 2, unitPrice: 9 }] },
        ],
      });
      const fresh = await until('the new customer placed and valued', async () => {
        const c = await customer('live-new');
        return c.segment && c.value.repeatPurchases !== null && c.pendingChanges === 0 ? c : undefined;
      });
      assert.equal(fresh.provisional, true);
      assert.equal(fresh.value.repeatPurchases, 1);
      assert.equal(fresh.value.recencyDays, 50);
      assert.ok(Number.isFinite(fresh.value.expectedPurchases));
      const similar = (await gql('{ customer(id: "live-new") { similarCustomers(limit: 5) { customer { id } } } }')).customer as {
        similarCustomers: unknown[];
      };
      assert.equal(similar.similarCustomers.length, 5);
    });

    test('a refused batch records nothing; a round that fails leaves its changes queued, and the next covers them', async () => {
      const refused = await rawGraphQL(
        app.server.url,
        'mutation ($r: [OrderInput!]!) { upsertOrders(records: $r) { created } }',
        { r: [{ id: 'live-bad', customerId: 'nobody', placedAt: '2024-07-01T00:00:00Z', items: [{ productId: 'p0-0', quantity: 1, unitPrice: 1 }] }] },
        app.keys.admin,
      );
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(await feedRows(), 0);

      // The process's own loop stopped, as if it had died: an accepted change waits on the feed.
      await app.services.live.stop();
      try {
        const before = await customer('s21');
        await gql('mutation ($r: [OrderInput!]!) { upsertOrders(records: $r) { created } }', {
          r: [{ id: 'live-2', customerId: 's21', placedAt: '2024-07-04T10:00:00Z', items: [{ productId: 'p0-2', quantity: 1, unitPrice: 40 }] }],
        });
        const waiting = await customer('s21');
        assert.equal(waiting.pendingChanges, 1);
        // Read together (one batched lookup for the list), each customer keeps their own count.
        const both = (await gql('{ a: customer(id: "s21") { pendingChanges } b: customer(id: "s22") { pendingChanges vectorsUpdatedAt } }')) as {
          a: { pendingChanges: number };
          b: { pendingChanges: number; vectorsUpdatedAt: string | null };
        };
        assert.deepEqual([both.a.pendingChanges, both.b.pendingChanges], [1, 0]);
        assert.ok(both.b.vectorsUpdatedAt);
        assert.equal(waiting.value.repeatPurchases, before.value.repeatPurchases, 'not reflected yet');

        // A round that fails after writing the vectors (between the steps): its rows stay.
        const feed = new ChangeFeed(app.services.db.prisma);
        const indexer = await app.services.indexer();
        const failing = new LiveUpdates(
          feed,
          {
            vectors: (ids) => indexer.refresh(ids),
            values: () => Promise.reject(new Error('injected: the process died here')),
          },
          { pollMs: 50, window: 100 },
        );
        await assert.rejects(failing.round(), /injected/);
        assert.equal((await customer('s21')).pendingChanges, 1, 'the change is still queued');

        // The next process (here: a fresh loop) covers it.
        const next = new LiveUpdates(
          feed,
          { vectors: (ids) => indexer.refresh(ids), values: (ids) => app.services.values.refresh(ids) },
          { pollMs: 50, window: 100 },
        );
        const round = await next.round();
        assert.equal(round.customers, 1);
        const covered = await customer('s21');
        assert.equal(covered.pendingChanges, 0);
        assert.equal(covered.value.repeatPurchases, before.value.repeatPurchases! + 1);
      } finally {
        app.services.live.start();
      }
    });

    test('a customer forgotten with a change waiting is no error for the next round', async () => {
      await app.services.live.stop();
      try {
        await gql('mutation ($r: [SearchInput!]!) { upsertSearches(records: $r) { created } }', {
          r: [{ id: 'live-s1', customerId: 's33', text: 'waterproof hiking jacket', searchedAt: '2024-07-02T08:00:00Z' }],
        });
        assert.equal(await feedRows(), 1);
        await gql('mutation { deleteCustomer(id: "s33") { id } }');
        assert.equal(await feedRows(), 0, 'the feed rows went with the customer');
      } finally {
        app.services.live.start();
      }
      await gql('mutation ($r: [SearchInput!]!) { upsertSearches(records: $r) { created } }', {
        r: [{ id: 'live-s2', customerId: 's34', text: 'waterproof hiking jacket', searchedAt: '2024-07-02T08:00:00Z' }],
      });
      await until('s34 covered', async () => ((await customer('s34')).pendingChanges === 0 ? true : undefined));
    });
  });
}
