// Batch ingestion over real HTTP with a real GraphQL client, on every database target.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gql } from 'graphql-request';
import { databaseTargets } from '../support/databases.js';
import { graphQLErrors, rawGraphQL, startTestApp, type TestApp } from '../support/app.js';

const UPSERT = (entity: string, input: string) => gql`
  mutation ($records: [${input}!]!) { ${entity}(records: $records) { entity received created updated unchanged } }
`;
const UPSERT_CUSTOMERS = UPSERT('upsertCustomers', 'CustomerInput');
const UPSERT_PRODUCTS = UPSERT('upsertProducts', 'ProductInput');
const UPSERT_ORDERS = UPSERT('upsertOrders', 'OrderInput');
const UPSERT_SEARCHES = UPSERT('upsertSearches', 'SearchInput');
const UPSERT_REVIEWS = UPSERT('upsertReviews', 'ReviewInput');

interface Result {
  entity: string;
  received: number;
  created: number;
  updated: number;
  unchanged: number;
}

const orders = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => ({
    id: `o${i + offset}`,
    customerId: `c${(i + offset) % 50}`,
    placedAt: new Date(Date.UTC(2026, 0, 1) + (i + offset) * 60_000).toISOString(),
    items: [
      { productId: `p${i % 20}`, quantity: 1 + (i % 3), unitPrice: 9.99 },
      { productId: `p${(i + 7) % 20}`, quantity: 1, unitPrice: 1.5 },
    ],
  }));

for (const target of databaseTargets()) {
  describe(`GraphQL ingestion on ${target.name}`, () => {
    let app: TestApp;
    const counts = () => app.services.db.prisma.$transaction([app.services.db.prisma.order.count(), app.services.db.prisma.orderItem.count()]);

    before(async () => {
      app = await startTestApp(target);
      const customers = Array.from({ length: 50 }, (_, i) => ({
        id: `c${i}`,
        country: 'Germany',
        signupAt: '2025-05-01T10:00:00Z',
        attributes: { tier: i % 3 },
      }));
      const products = Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, title: `Product ${i}`, category: i % 2 ? 'toys' : 'kitchen', price: 1 + i }));
      const c = await app.client.request<{ upsertCustomers: Result }>(UPSERT_CUSTOMERS, { records: customers });
      assert.deepEqual(c.upsertCustomers, { entity: 'CUSTOMERS', received: 50, created: 50, updated: 0, unchanged: 0 });
      const p = await app.client.request<{ upsertProducts: Result }>(UPSERT_PRODUCTS, { records: products });
      assert.equal(p.upsertProducts.created, 20);
    });
    after(() => app.close());

    test('health reports the database and the applied migrations', async () => {
      const { health } = await app.client.request<{ health: { status: string; database: string; migrations: string[] } }>(gql`
        {
          health {
            status
            database
            migrations
          }
        }
      `);
      assert.equal(health.status, 'ok');
      assert.equal(health.database, target.name);
      assert.ok(health.migrations.length >= 1);
    });

    test('10,000 orders land in one call; sending them again changes nothing', async () => {
      const batch = orders(10_000);
      const first = await app.client.request<{ upsertOrders: Result }>(UPSERT_ORDERS, { records: batch });
      assert.deepEqual(first.upsertOrders, { entity: 'ORDERS', received: 10_000, created: 10_000, updated: 0, unchanged: 0 });
      assert.deepEqual(await counts(), [10_000, 20_000]);
      const again = await app.client.request<{ upsertOrders: Result }>(UPSERT_ORDERS, { records: batch });
      assert.deepEqual(again.upsertOrders, { entity: 'ORDERS', received: 10_000, created: 0, updated: 0, unchanged: 10_000 });
      assert.deepEqual(await counts(), [10_000, 20_000]);
    });

    test('one invalid record among 10,000 rejects the batch with its index and field; nothing is written', async () => {
      const before = await counts();
      const batch = orders(10_000, 20_000);
      batch[7321]!.items[1]!.quantity = 0;
      const errors = await graphQLErrors(app.client.request(UPSERT_ORDERS, { records: batch }));
      assert.equal(errors.length, 1);
      const [error] = errors;
      assert.equal(error!.extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual(error!.path, ['upsertOrders']);
      assert.equal(error!.extensions?.index, 7321);
      assert.equal(error!.extensions?.field, 'records[7321].items[1].quantity');
      assert.deepEqual(await counts(), before);
    });

    test('a reference to an unknown customer or product rejects the batch, naming each record', async () => {
      const before = await counts();
      const batch = orders(100, 50_000);
      batch[3]!.customerId = 'nobody';
      batch[60]!.items[0]!.productId = 'no-such-product';
      const [error] = await graphQLErrors(app.client.request(UPSERT_ORDERS, { records: batch }));
      assert.equal(error!.extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual((error!.extensions?.invalidRecords as { field: string }[]).map((i) => i.field).sort(), [
        'records[3].customerId',
        'records[60].items[0].productId',
      ]);
      assert.deepEqual(await counts(), before);
    });

    test('changing an order replaces it: new lines, fewer lines, new status', async () => {
      const [order] = orders(1, 70_000);
      await app.client.request(UPSERT_ORDERS, { records: [order] });
      const changed = { ...order!, status: 'RETURNED', items: [{ productId: 'p3', quantity: 5, unitPrice: 2 }] };
      const { upsertOrders } = await app.client.request<{ upsertOrders: Result }>(UPSERT_ORDERS, { records: [changed] });
      assert.deepEqual([upsertOrders.created, upsertOrders.updated, upsertOrders.unchanged], [0, 1, 0]);
      const stored = await app.services.db.prisma.order.findUniqueOrThrow({
        where: { externalId: order!.id },
        include: { items: { include: { product: true } } },
      });
      assert.equal(stored.status, 'RETURNED');
      assert.deepEqual(
        stored.items.map((i) => [i.line, i.product.externalId, i.quantity]),
        [[0, 'p3', 5]],
      );
    });

    test('duplicate ids, e-mail addresses as ids and oversized batches are refused', async () => {
      const dup = await graphQLErrors(app.client.request(UPSERT_CUSTOMERS, { records: [{ id: 'x1' }, { id: 'x2' }, { id: 'x1' }] }));
      assert.equal(dup[0]!.extensions?.field, 'records[2].id');
      const email = await graphQLErrors(app.client.request(UPSERT_CUSTOMERS, { records: [{ id: 'jane@example.com' }] }));
      assert.equal(email[0]!.extensions?.field, 'records[0].id');
      assert.match(email[0]!.message, /pseudonymous/);
      const big = await graphQLErrors(app.client.request(UPSERT_CUSTOMERS, { records: Array.from({ length: 10_001 }, (_, i) => ({ id: `big${i}` })) }));
      assert.equal(big[0]!.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(big[0]!.extensions?.field, 'records');
      assert.equal(await app.services.db.prisma.customer.count({ where: { externalId: { startsWith: 'big' } } }), 0);
    });

    test('searches and reviews: language detected when omitted, rating checked', async () => {
      const s = await app.client.request<{ upsertSearches: Result }>(UPSERT_SEARCHES, {
        records: [{ id: 's1', customerId: 'c1', text: 'running shoes', searchedAt: '2026-02-01T08:00:00Z' }],
      });
      assert.equal(s.upsertSearches.created, 1);
      const r = await app.client.request<{ upsertReviews: Result }>(UPSERT_REVIEWS, {
        records: [
          { id: 'r1', customerId: 'c1', productId: 'p1', rating: 5, text: '质量很好', reviewedAt: '2026-02-02T08:00:00Z' },
          { id: 'r2', customerId: 'c2', rating: 2, text: 'Too small', language: 'en-GB', reviewedAt: '2026-02-02T08:00:00Z' },
        ],
      });
      assert.equal(r.upsertReviews.created, 2);
      const stored = await app.services.db.prisma.review.findMany({ orderBy: { externalId: 'asc' }, where: { externalId: { in: ['r1', 'r2'] } } });
      assert.deepEqual(
        stored.map((x) => x.language),
        ['zh', 'en-GB'],
      );
      const bad = await graphQLErrors(
        app.client.request(UPSERT_REVIEWS, { records: [{ id: 'r3', customerId: 'c1', rating: 6, text: 'x', reviewedAt: '2026-02-02T08:00:00Z' }] }),
      );
      assert.deepEqual([bad[0]!.extensions?.code, bad[0]!.extensions?.field], ['BAD_USER_INPUT', 'records[0].rating']);
    });

    test('malformed requests get GraphQL-shaped errors with a code, never a 500', async () => {
      const wrongType = await rawGraphQL(
        app.server.url,
        UPSERT_ORDERS,
        { records: [{ id: 'o', customerId: 'c1', placedAt: 'not a date', items: [] }] },
        app.keys.admin,
      );
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      const unknownField = await rawGraphQL(app.server.url, '{ nope }');
      assert.equal(unknownField.status, 400);
      assert.equal(unknownField.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      const res = await fetch(app.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0]!.extensions.code, 'BAD_REQUEST');
    });
  });
}
