// Bulk import from files: streaming, idempotent, resumable after a crash, with line-numbered errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServices, type AppServices } from '../../src/app/services.js';
import { projectRoot } from '../../src/config/settings.js';
import { writeDemoFiles } from '../../src/demo/demo-shop.js';
import { BatchWriter } from '../../src/ingest/batch-writer.js';
import { importFile } from '../../src/ingest/file-import.js';
import { ENTITIES } from '../../src/ingest/records.js';
import { testSettings } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';

const CUSTOMERS = 300;

for (const target of databaseTargets()) {
  describe(`file import on ${target.name}`, () => {
    let services: AppServices;
    let drop: () => Promise<void>;
    let dir: string;
    const checkpointDir = () => path.join(services.settings.dataDir, 'imports');
    const counts = async () => {
      const p = services.db.prisma;
      return {
        customers: await p.customer.count(),
        products: await p.product.count(),
        orders: await p.order.count(),
        orderItems: await p.orderItem.count(),
        searches: await p.searchQuery.count(),
        reviews: await p.review.count(),
      };
    };

    before(async () => {
      const db = await target.create();
      drop = db.drop;
      services = await createServices(testSettings(db.settings));
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-files-'));
      await writeDemoFiles({ customers: CUSTOMERS, seed: 7 }, dir);
    });
    after(async () => {
      await services.close();
      await drop();
    });

    test('JSONL files of every entity import in order, and a second import changes nothing', async () => {
      const expected: Record<string, number> = {};
      for (const entity of ['products', 'customers', 'orders', 'searches', 'reviews'] as const) {
        const file = path.join(dir, `${entity}.jsonl`);
        expected[entity] = fs.readFileSync(file, 'utf8').trim().split('\n').length;
        const report = await importFile(services.ingest, { file, checkpointDir: checkpointDir(), batchSize: 250 });
        assert.equal(report.entity, entity);
        assert.equal(report.created, expected[entity]);
      }
      const first = await counts();
      assert.equal(first.customers, CUSTOMERS);
      assert.equal(first.orders, expected.orders);
      for (const entity of ENTITIES) {
        const report = await importFile(services.ingest, { file: path.join(dir, `${entity}.jsonl`), checkpointDir: checkpointDir() });
        assert.equal(report.unchanged, report.records, `${entity} re-import`);
      }
      assert.deepEqual(await counts(), first);
    });

    test('an import killed mid-way resumes after the last committed batch and ends complete', async () => {
      const file = path.join(os.tmpdir(), `customers-resume-${target.name}.csv`);
      const rows = Array.from({ length: 1000 }, (_, i) => `r${i},Spain,2025-01-0${1 + (i % 9)}T00:00:00Z,"{""n"":${i}}"`);
      fs.writeFileSync(file, `id,country,signupAt,attributes\n${rows.join('\n')}\n`);
      // A writer that dies on its fourth batch, as a killed process would.
      let calls = 0;
      const dying = new BatchWriter(services.db.prisma, 10_000);
      const realUpsert = dying.upsert.bind(dying);
      dying.upsert = async (...args: Parameters<BatchWriter['upsert']>) => {
        if (++calls === 4) throw new Error('killed');
        return realUpsert(...args);
      };
      await assert.rejects(importFile(dying, { file, checkpointDir: checkpointDir(), batchSize: 100 }), /killed/);
      assert.equal(await services.db.prisma.customer.count({ where: { externalId: { startsWith: 'r' } } }), 300);

      const resumed = await importFile(services.ingest, { file, checkpointDir: checkpointDir(), batchSize: 100 });
      assert.equal(resumed.resumedAfter, 300);
      assert.equal(resumed.records, 700);
      assert.equal(resumed.created, 700);
      const stored = await services.db.prisma.customer.findUniqueOrThrow({ where: { externalId: 'r999' } });
      assert.deepEqual(stored.attributes, { n: 999 });
      assert.equal(await services.db.prisma.customer.count({ where: { externalId: { startsWith: 'r' } } }), 1000);
    });

    test('CSV orders group their line rows; a bad row is reported with its line number', async () => {
      const file = path.join(os.tmpdir(), `orders-${target.name}.csv`);
      const product = (await services.db.prisma.product.findFirstOrThrow()).externalId;
      fs.writeFileSync(
        file,
        [
          'id,customerId,placedAt,status,productId,quantity,unitPrice,returned',
          `csv-o1,c000001,2026-01-01T10:00:00Z,COMPLETED,${product},2,3.5,false`,
          `csv-o1,c000001,2026-01-01T10:00:00Z,COMPLETED,${product},1,3.5,true`,
          `csv-o2,c000002,2026-01-02T10:00:00Z,,${product},1,9,`,
        ].join('\n') + '\n',
      );
      const report = await importFile(services.ingest, { file, entity: 'orders', checkpointDir: checkpointDir() });
      assert.equal(report.records, 2);
      const o1 = await services.db.prisma.order.findUniqueOrThrow({ where: { externalId: 'csv-o1' }, include: { items: { orderBy: { line: 'asc' } } } });
      assert.deepEqual(
        o1.items.map((i) => [i.quantity, i.returned]),
        [
          [2, false],
          [1, true],
        ],
      );

      const bad = path.join(os.tmpdir(), `products-bad-${target.name}.csv`);
      fs.writeFileSync(bad, 'id,title,category,price\nbad-1,Fine,misc,2\nbad-2,,misc,2\nbad-3,Also fine,misc,-1\n');
      await assert.rejects(
        importFile(services.ingest, { file: bad, checkpointDir: checkpointDir() }),
        (e: Error) => /line 3: title must not be empty/.test(e.message) && /line 4: price must not be negative/.test(e.message),
      );
      assert.equal(await services.db.prisma.product.count({ where: { externalId: { startsWith: 'bad-' } } }), 0);
      const skipping = await importFile(services.ingest, { file: bad, checkpointDir: checkpointDir(), skipInvalid: true, restart: true });
      assert.equal(skipping.created, 1);
      assert.deepEqual(
        skipping.skipped.map((s) => s.line),
        [3, 4],
      );
    });
  });
}

test('the import CLI shows progress and reports what it did', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-import-'));
  const file = path.join(dir, 'products.csv');
  fs.writeFileSync(file, 'id,title,category,price\ncli-1,Lamp,home,20\ncli-2,Mug,kitchen,4.5\n');
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, PGLITE_DIR: path.join(dir, 'pglite') };
  delete env.DATABASE_URL;
  const run = () => spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli.js'), 'import', file], { env, encoding: 'utf8' });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /import products\.csv: 100%/);
  assert.match(first.stdout, /products: 2 records .* 2 created, 0 updated, 0 unchanged/);
  const second = run();
  assert.match(second.stdout, /0 created, 0 updated, 2 unchanged/);
});
