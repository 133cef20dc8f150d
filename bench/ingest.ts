// `npm run bench:ingest`: ingest throughput over GraphQL (real HTTP server, real client), on PGlite
// and on PostgreSQL, against a baseline measured in the same run on the same database: the plain
// Prisma way of writing the same orders (one nested upsert per order inside one transaction).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { gql } from 'graphql-request';
import { projectRoot } from '../src/config/settings.js';
import { demoCustomers, demoProducts } from '../src/demo/shop-generator.js';
import type { OrderRecord } from '../src/ingest/records.js';
import { startTestApp, type TestApp } from '../test/support/app.js';
import { databaseTargets } from '../test/support/databases.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 8000);
const BATCH = 10_000;
const BASELINE_ORDERS = Number(process.env.BENCH_BASELINE_ORDERS ?? 3000);

if (!process.env.TEST_DATABASE_URL) {
  const pg = spawnSync('bash', [path.join(projectRoot, 'scripts', 'postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pg.status === 0) process.env.TEST_DATABASE_URL = pg.stdout.trim();
  else console.warn('No PostgreSQL: benchmarking PGlite only.');
}

const mutation = (field: string, input: string) => gql`mutation ($records: [${input}!]!) { ${field}(records: $records) { received created } }`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const result = await fn();
  return [result, (performance.now() - t) / 1000];
}

async function send(app: TestApp, field: string, input: string, records: object[]): Promise<number> {
  let seconds = 0;
  for (let i = 0; i < records.length; i += BATCH) {
    const [, s] = await timed(() => app.client.request(mutation(field, input), { records: records.slice(i, i + BATCH) }));
    seconds += s;
  }
  return seconds;
}

async function prismaBaseline(app: TestApp, orders: OrderRecord[]): Promise<number> {
  const p = app.services.db.prisma;
  const customers = new Map((await p.customer.findMany({ select: { id: true, externalId: true } })).map((c) => [c.externalId, c.id]));
  const products = new Map((await p.product.findMany({ select: { id: true, externalId: true } })).map((c) => [c.externalId, c.id]));
  const [, seconds] = await timed(() =>
    p.$transaction(
      async (tx) => {
        for (const o of orders) {
          const items = o.items.map((item, line) => ({ line, productId: products.get(item.productId)!, quantity: item.quantity, unitPrice: item.unitPrice }));
          const data = { customerId: customers.get(o.customerId)!, placedAt: o.placedAt, status: o.status ?? 'COMPLETED' } as const;
          await tx.order.upsert({
            where: { externalId: `base-${o.id}` },
            create: { externalId: `base-${o.id}`, ...data, items: { create: items } },
            update: { ...data, items: { deleteMany: {}, create: items } },
          });
        }
      },
      { timeout: 600_000, maxWait: 60_000 },
    ),
  );
  return seconds;
}

const rows: string[][] = [];
for (const target of databaseTargets()) {
  const app = await startTestApp(target);
  try {
    const shop = demoCustomers({ customers: CUSTOMERS, seed: 1 }, 0, CUSTOMERS);
    await send(app, 'upsertProducts', 'ProductInput', demoProducts(1));
    const customerSeconds = await send(app, 'upsertCustomers', 'CustomerInput', shop.customers);
    const orderSeconds = await send(app, 'upsertOrders', 'OrderInput', shop.orders);
    const lines = shop.orders.reduce((n, o) => n + o.items.length, 0);
    const resendSeconds = await send(app, 'upsertOrders', 'OrderInput', shop.orders);
    const searchSeconds = await send(app, 'upsertSearches', 'SearchInput', shop.searches);
    const reviewSeconds = await send(app, 'upsertReviews', 'ReviewInput', shop.reviews);
    const baselineOrders = shop.orders.slice(0, BASELINE_ORDERS);
    const baselineSeconds = await prismaBaseline(app, baselineOrders);
    const graphqlRate = shop.orders.length / orderSeconds;
    const baselineRate = baselineOrders.length / baselineSeconds;
    const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')}/s`;
    rows.push(
      [target.name, 'customers', String(shop.customers.length), rate(shop.customers.length, customerSeconds), ''],
      [
        target.name,
        'orders (new)',
        `${shop.orders.length} (${lines} lines)`,
        `${rate(shop.orders.length, orderSeconds)} (${rate(lines, orderSeconds)} lines)`,
        '',
      ],
      [target.name, 'orders (unchanged re-send)', String(shop.orders.length), rate(shop.orders.length, resendSeconds), ''],
      [target.name, 'searches', String(shop.searches.length), rate(shop.searches.length, searchSeconds), ''],
      [target.name, 'reviews', String(shop.reviews.length), rate(shop.reviews.length, reviewSeconds), ''],
      [target.name, 'baseline: Prisma upsert per order', String(baselineOrders.length), rate(baselineOrders.length, baselineSeconds), ''],
      [target.name, 'ratio GraphQL batch ÷ Prisma per-order', '', '', `${(graphqlRate / baselineRate).toFixed(1)}×`],
    );
  } finally {
    await app.close();
  }
}

const header = ['database', 'what', 'records', 'throughput', 'ratio'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(`\nIngest throughput over GraphQL (batches of ${BATCH}, ${CUSTOMERS} demo customers)\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));
