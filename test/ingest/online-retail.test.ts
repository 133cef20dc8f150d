// The real data set, imported twice on every database: counts match SOURCE.md and an independent
// count of the file, money adds up, and the second import changes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse';
import { createServices, type AppServices } from '../../src/app/services.js';
import { loadSettings } from '../../src/config/settings.js';
import { categorise } from '../../src/ingest/online-retail-categories.js';
import { importOnlineRetail, londonTimeToDate, type OnlineRetailReport } from '../../src/ingest/online-retail.js';
import { testSettings } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';

const file = loadSettings().onlineRetailPath;

/** Straight from the file, without the importer's code: what the database must end up holding. */
async function countFile() {
  const invoices = new Set<string>();
  const cancelled = new Set<string>();
  let lines = 0;
  let net = 0;
  const parser = fs
    .createReadStream(file)
    .pipe(zlib.createGunzip())
    .pipe(parse({ from_line: 2 }));
  for await (const [invoice, , , quantity, , price, customer] of parser as AsyncIterable<string[]>) {
    if (!customer) continue;
    invoices.add(invoice!);
    if (invoice!.startsWith('C')) cancelled.add(invoice!);
    lines++;
    net += Number(quantity) * Number(price);
  }
  return { orders: invoices.size, cancelled: cancelled.size, lines, net };
}

test('UK local times become instants (GMT in winter, BST in summer)', () => {
  assert.equal(londonTimeToDate('2010-12-01 08:26:00').toISOString(), '2010-12-01T08:26:00.000Z');
  assert.equal(londonTimeToDate('2011-06-15 10:00:00').toISOString(), '2011-06-15T09:00:00.000Z');
});

test('categories come from the description; non-product codes are marked', () => {
  assert.equal(categorise('85123A', 'WHITE HANGING HEART T-LIGHT HOLDER'), 'candles & lights');
  assert.equal(categorise('22086', "PAPER CHAIN KIT 50'S CHRISTMAS"), 'christmas');
  assert.equal(categorise('POST', 'POSTAGE'), 'non-product');
  assert.equal(categorise('BANK CHARGES', 'Bank Charges'), 'non-product');
});

for (const target of databaseTargets()) {
  describe(`Online Retail import on ${target.name}`, () => {
    let services: AppServices;
    let drop: () => Promise<void>;
    let first: OnlineRetailReport;
    const tableCounts = async () => {
      const p = services.db.prisma;
      return [await p.customer.count(), await p.product.count(), await p.order.count(), await p.orderItem.count()];
    };

    before(async () => {
      assert.ok(fs.existsSync(file), `data set missing at ${file} (ONLINE_RETAIL_PATH)`);
      const db = await target.create();
      drop = db.drop;
      services = await createServices(testSettings(db.settings));
      first = await importOnlineRetail(services.ingest, { file });
    });
    after(async () => {
      await services.close();
      await drop();
    });

    test('counts match SOURCE.md and the file', async () => {
      const expected = await countFile();
      assert.equal(first.rows, 541_909);
      assert.equal(first.rowsWithoutCustomer, 135_080);
      assert.equal(first.customers, 4_372);
      assert.equal(first.products, 4_070);
      assert.equal(first.orders, expected.orders);
      assert.equal(first.cancelledOrders, expected.cancelled);
      assert.equal(first.orderLines, expected.lines);
      assert.deepEqual(await tableCounts(), [4_372, 4_070, expected.orders, expected.lines]);
      const [netRow] = await services.db.prisma.$queryRaw<
        { net: string }[]
      >`SELECT sum(CASE WHEN o.status = 'CANCELLED' THEN -1 ELSE 1 END * i.quantity * i.unit_price)::text AS net
         FROM order_item i JOIN "order" o ON o.id = i.order_id`;
      assert.ok(Math.abs(Number(netRow!.net) - expected.net) < 0.01, `net spend ${netRow!.net} vs ${expected.net}`);
      // SOURCE.md: customer 12346 bought 74,215 units and cancelled them: nets to zero.
      const [spendRow] = await services.db.prisma.$queryRaw<
        { spend: string }[]
      >`SELECT sum(CASE WHEN o.status = 'CANCELLED' THEN -1 ELSE 1 END * i.quantity * i.unit_price)::text AS spend
         FROM order_item i JOIN "order" o ON o.id = i.order_id JOIN customer c ON c.id = o.customer_id WHERE c.external_id = '12346'`;
      assert.equal(Number(spendRow!.spend), 0);
    });

    test('importing again leaves the same rows, all unchanged', async () => {
      const before = await tableCounts();
      const second = await importOnlineRetail(services.ingest, { file });
      assert.deepEqual(await tableCounts(), before);
      for (const entity of ['customers', 'products', 'orders'] as const) {
        assert.deepEqual(second.written[entity], { created: 0, updated: 0, unchanged: first.written[entity].created }, entity);
      }
    });
  });
}
