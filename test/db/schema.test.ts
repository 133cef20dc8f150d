// The migrated database must be exactly what the generated client expects: every model a table,
// every scalar field a column of the right type and nullability, every id/unique/index and foreign
// key in place, and every model writable and readable through the client.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadSettings } from '../../src/config/settings.js';
import { openDatabase, Prisma, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { databaseTargets } from '../support/databases.js';
import { columnOf, loadDmmf, tableOf, type DmmfField } from '../support/dmmf.js';

const dmmf = loadDmmf();
const models = dmmf.datamodel.models;
const byName = new Map(models.map((m) => [m.name, m]));

function expectedType(field: DmmfField): string {
  if (field.kind === 'enum') {
    const e = dmmf.datamodel.enums.find((en) => en.name === field.type)!;
    return `enum:${e.dbName ?? e.name}`;
  }
  const native = field.nativeType;
  if (field.isList) return `${expectedType({ ...field, isList: false })}[]`;
  switch (field.type) {
    case 'Bytes':
      return 'bytea';
    case 'Int':
      return 'integer';
    case 'BigInt':
      return 'bigint';
    case 'String':
      return native?.[0] === 'Uuid' ? 'uuid' : 'text';
    case 'Boolean':
      return 'boolean';
    case 'Float':
      return native?.[0] === 'Real' ? 'real' : 'double precision';
    case 'Json':
      return 'jsonb';
    case 'DateTime':
      return native?.[0] === 'Timestamptz' ? `timestamp with time zone(${native[1][0] ?? 6})` : 'timestamp without time zone(3)';
    case 'Decimal':
      return native ? `numeric(${native[1].join(',')})` : 'numeric(65,30)';
    default:
      throw new Error(`no mapping for ${field.type}`);
  }
}

const ON_DELETE: Record<string, string> = { c: 'Cascade', r: 'Restrict', n: 'SetNull', a: 'NoAction', d: 'SetDefault' };

for (const target of databaseTargets()) {
  describe(`migrated schema matches prisma/schema.prisma on ${target.name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    before(async () => {
      const created = await target.create();
      drop = created.drop;
      db = openDatabase(created.settings);
      await applyMigrations(db.adapter, loadSettings().migrationsDir);
    });
    after(async () => {
      await db.close();
      await drop();
    });

    test('tables and columns: names, types, nullability, defaults', async () => {
      const columns = await db.prisma.$queryRaw<
        {
          table_name: string;
          column_name: string;
          data_type: string;
          udt_name: string;
          is_nullable: string;
          column_default: string | null;
          numeric_precision: number | null;
          numeric_scale: number | null;
          datetime_precision: number | null;
        }[]
      >`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
                numeric_precision, numeric_scale, datetime_precision
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'`;
      const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
      const expected = new Set<string>();
      for (const model of models) {
        for (const field of model.fields.filter((f) => f.kind !== 'object')) {
          const key = `${tableOf(model)}.${columnOf(field)}`;
          expected.add(key);
          const column = actual.get(key);
          assert.ok(column, `column ${key} (${model.name}.${field.name}) is missing`);
          let type: string = column.data_type;
          if (type === 'USER-DEFINED') type = `enum:${column.udt_name}`;
          if (type === 'ARRAY') type = `${{ _text: 'text', _int4: 'integer' }[column.udt_name] ?? column.udt_name}[]`;
          if (type === 'numeric') type = `numeric(${column.numeric_precision},${column.numeric_scale})`;
          if (type.startsWith('timestamp')) type = `${type}(${column.datetime_precision})`;
          assert.equal(type, expectedType(field), `type of ${key}`);
          // Prisma makes scalar-list columns nullable in SQL (the client never writes NULL).
          assert.equal(column.is_nullable === 'NO', field.isRequired && !field.isList, `nullability of ${key}`);
          assert.equal(column.column_default !== null, field.hasDefaultValue, `default of ${key}`);
        }
      }
      assert.deepEqual(
        [...actual.keys()].filter((k) => !expected.has(k)),
        [],
        'columns the client does not know',
      );
    });

    test('enums carry the same values', async () => {
      for (const e of dmmf.datamodel.enums) {
        // The type name is an identifier (not a bindable value), taken from our own schema.
        const rows = await db.prisma.$queryRaw<{ v: string }[]>`SELECT unnest(enum_range(NULL::${Prisma.raw(`"${e.dbName ?? e.name}"`)}))::text AS v`;
        assert.deepEqual(
          rows.map((r) => r.v),
          e.values.map((v) => v.name),
        );
      }
    });

    test('primary keys, unique constraints and indexes', async () => {
      const indexes = await db.prisma.$queryRaw<
        { table_name: string; is_unique: boolean; is_primary: boolean; columns: string }[]
      >`SELECT t.relname AS table_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
                array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS columns
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND t.relname <> '_prisma_migrations' AND ix.indpred IS NULL`;
      const signature = (table: string, kind: string, columns: string) => `${table}:${kind}:${columns}`;
      const actual = indexes.map((i) => signature(i.table_name, i.is_primary ? 'id' : i.is_unique ? 'unique' : 'normal', i.columns)).sort();
      const expected = dmmf.datamodel.indexes
        .map((index) => {
          const model = byName.get(index.model)!;
          const cols = index.fields.map((f) => columnOf(model.fields.find((mf) => mf.name === f.name)!)).join(',');
          return signature(tableOf(model), index.type, cols);
        })
        .sort();
      assert.deepEqual(actual, expected);
      // The partial indexes Prisma cannot express, each named in its migration.
      const partial = await db.prisma.$queryRaw<{ name: string; definition: string }[]>`SELECT c.relname AS name, pg_get_indexdef(ix.indexrelid) AS definition
         FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND ix.indpred IS NOT NULL`;
      assert.deepEqual(
        partial.map((p) => p.name),
        ['job_live_lock_key'],
      );
      assert.match(partial[0]!.definition, /UNIQUE INDEX job_live_lock_key ON .*job USING btree \(lock_key\) WHERE \(status = ANY/);
    });

    test('foreign keys with their delete rules', async () => {
      const fks = await db.prisma.$queryRaw<
        { table_name: string; columns: string; ref_table: string; ref_columns: string; on_delete: string }[]
      >`SELECT t.relname AS table_name, r.relname AS ref_table, c.confdeltype::text AS on_delete,
                array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS columns,
                array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS ref_columns
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND n.nspname = current_schema()`;
      const actual = fks.map((f) => `${f.table_name}(${f.columns})->${f.ref_table}(${f.ref_columns}) ${ON_DELETE[f.on_delete]}`).sort();
      const expected = models
        .flatMap((model) =>
          model.fields
            .filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0)
            .map((f) => {
              const ref = byName.get(f.type)!;
              const cols = f.relationFromFields!.map((n) => columnOf(model.fields.find((x) => x.name === n)!)).join(',');
              const refCols = f.relationToFields!.map((n) => columnOf(ref.fields.find((x) => x.name === n)!)).join(',');
              // Prisma's defaults: Restrict for a required relation, SetNull for an optional one.
              const onDelete = f.relationOnDelete ?? (f.isRequired ? 'Restrict' : 'SetNull');
              return `${tableOf(model)}(${cols})->${tableOf(ref)}(${refCols}) ${onDelete}`;
            }),
        )
        .sort();
      assert.deepEqual(actual, expected);
    });

    test('every model can be written and read back through the client', async () => {
      const p = db.prisma;
      const at = new Date('2026-03-04T05:06:07.089Z');
      const customer = await p.customer.create({
        data: { externalId: 'schema-c1', country: 'Ireland', signupAt: at, attributes: { vip: true, tags: ['a'] } },
      });
      const product = await p.product.create({
        data: { externalId: 'schema-p1', title: 'Tea pot 茶壶', category: 'kitchen', price: new Prisma.Decimal('12.3456') },
      });
      const order = await p.order.create({
        data: {
          externalId: 'schema-o1',
          customerId: customer.id,
          placedAt: at,
          status: 'RETURNED',
          items: { create: [{ line: 0, productId: product.id, quantity: 3, unitPrice: new Prisma.Decimal('0.0010'), returned: true }] },
        },
      });
      const search = await p.searchQuery.create({ data: { externalId: 'schema-s1', customerId: customer.id, text: '茶壶 teapot', searchedAt: at } });
      const review = await p.review.create({
        data: { externalId: 'schema-r1', customerId: customer.id, productId: product.id, rating: 5, text: '很好', language: 'zh', reviewedAt: at },
      });

      const c = await p.customer.findUniqueOrThrow({
        where: { externalId: 'schema-c1' },
        include: { orders: { include: { items: true } }, searches: true, reviews: true },
      });
      assert.deepEqual([c.country, c.signupAt?.toISOString(), c.attributes], ['Ireland', at.toISOString(), { vip: true, tags: ['a'] }]);
      assert.equal(c.orders[0]!.id, order.id);
      assert.equal(c.orders[0]!.status, 'RETURNED');
      assert.equal(c.orders[0]!.items[0]!.unitPrice.toString(), '0.001');
      assert.equal(c.orders[0]!.items[0]!.returned, true);
      assert.equal(c.searches[0]!.id, search.id);
      assert.equal(c.reviews[0]!.id, review.id);
      const pr = await p.product.findUniqueOrThrow({ where: { id: product.id } });
      assert.equal(pr.title, 'Tea pot 茶壶');
      assert.equal(pr.price?.toString(), '12.3456');

      const index = await p.vectorIndex.create({
        data: { collection: 'schema-col', modelId: 'm', textDimensions: 512, features: ['a', 'b'], scaler: { medians: [1, 2] }, behaviourWeight: 0.75 },
      });
      await p.customerVector.create({ data: { customerId: customer.id, indexId: index.id, textHash: 't', pointHash: 'p' } });
      const vi = await p.vectorIndex.findUniqueOrThrow({ where: { collection: 'schema-col' }, include: { vectors: true } });
      assert.deepEqual([vi.status, vi.behaviourWeight, vi.features, vi.vectors[0]!.customerId], ['BUILDING', 0.75, ['a', 'b'], customer.id]);

      const run = await p.segmentationRun.create({ data: { collection: 'schema-col', modelId: 'm', vectorName: 'combined', parameters: { seed: 1 } } });
      const centroid = new Uint8Array(new Float32Array([0.5, -1.25]).buffer);
      const segment = await p.segment.create({
        data: {
          runId: run.id,
          lineageId: 'L1',
          index: 0,
          autoName: 'Champions · tea',
          autoDescription: 'd',
          tags: ['vip', '茶'],
          size: 1,
          share: 1,
          centroid,
          stats: { medianSpend: 10 },
          topCategories: ['kitchen'],
          keywords: ['tea'],
          representatives: ['schema-c1'],
          outlierDistance: 2.5,
        },
      });
      await p.membership.create({ data: { runId: run.id, customerId: customer.id, segmentId: segment.id, distance: 0.5 } });
      const readRun = await p.segmentationRun.findUniqueOrThrow({ where: { id: run.id }, include: { segments: { include: { memberships: true } } } });
      assert.deepEqual([readRun.status, readRun.active], ['RUNNING', false]);
      const readSegment = readRun.segments[0]!;
      assert.deepEqual(readSegment.tags, ['vip', '茶']);
      assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(readSegment.centroid).buffer)), [0.5, -1.25]);
      assert.deepEqual(
        [readSegment.memberships[0]!.distance, readSegment.memberships[0]!.outlier, readSegment.memberships[0]!.provisional],
        [0.5, false, false],
      );

      const key = await p.apiKey.create({ data: { name: 'ops', role: 'MARKETER', prefix: 'sk_abc', hash: 'h1' } });
      await p.auditEntry.create({
        data: { actor: 'ops', role: 'ADMIN', action: 'relabelSegment', target: 'segment:1', before: { label: null }, after: { label: 'VIP' } },
      });
      const audience = await p.audience.create({
        data: {
          name: 'a',
          parameters: { size: 1 },
          size: 1,
          createdBy: 'ops',
          versions: {
            create: [
              { version: 1, size: 1, heldBack: 0, added: 1, removed: 0, unchanged: 0, members: { create: [{ rank: 0, customerId: customer.id, score: 0.9 }] } },
            ],
          },
        },
      });
      assert.equal((await p.apiKey.findUniqueOrThrow({ where: { hash: 'h1' } })).role, key.role);
      assert.deepEqual((await p.auditEntry.findFirstOrThrow()).after, { label: 'VIP' });
      assert.equal(
        (await p.audienceVersion.findUniqueOrThrow({ where: { audienceId_version: { audienceId: audience.id, version: 1 } }, include: { members: true } }))
          .members[0]!.score,
        0.9,
      );

      const job = await p.job.create({ data: { id: randomUUID(), kind: 'embedCustomers', lockKey: 'schema-lock', parameters: { onlyChanged: true } } });
      const readJob = await p.job.findUniqueOrThrow({ where: { id: job.id } });
      assert.deepEqual([readJob.status, readJob.processed, readJob.parameters, readJob.cancelRequested], ['QUEUED', 0, { onlyChanged: true }, false]);
      // One live job per lock; finished ones do not count.
      await assert.rejects(p.job.create({ data: { id: randomUUID(), kind: 'embedCustomers', lockKey: 'schema-lock' } }));
      await p.job.update({ where: { id: job.id }, data: { status: 'FAILED' } });
      await p.job.create({ data: { id: randomUUID(), kind: 'embedCustomers', lockKey: 'schema-lock' } });
    });

    test('every unique constraint holds', async () => {
      const p = db.prisma;
      const customer = await p.customer.create({ data: { externalId: 'u-c1' } });
      const product = await p.product.create({ data: { externalId: 'u-p1', title: 't' } });
      const order = await p.order.create({ data: { externalId: 'u-o1', customerId: customer.id, placedAt: new Date() } });
      await p.orderItem.create({ data: { orderId: order.id, line: 0, productId: product.id, quantity: 1, unitPrice: 1 } });
      await p.searchQuery.create({ data: { externalId: 'u-s1', customerId: customer.id, text: 'x', searchedAt: new Date() } });
      await p.review.create({ data: { externalId: 'u-r1', customerId: customer.id, rating: 1, text: 'x', language: 'en', reviewedAt: new Date() } });
      await p.vectorIndex.create({ data: { collection: 'u-col', modelId: 'm', textDimensions: 1, features: [], scaler: {}, behaviourWeight: 1 } });

      const duplicates: Record<string, () => Promise<unknown>> = {
        'Customer:externalId': () => p.customer.create({ data: { externalId: 'u-c1' } }),
        'Product:externalId': () => p.product.create({ data: { externalId: 'u-p1', title: 'other' } }),
        'Order:externalId': () => p.order.create({ data: { externalId: 'u-o1', customerId: customer.id, placedAt: new Date() } }),
        'OrderItem:orderId,line': () => p.orderItem.create({ data: { orderId: order.id, line: 0, productId: product.id, quantity: 2, unitPrice: 2 } }),
        'SearchQuery:externalId': () => p.searchQuery.create({ data: { externalId: 'u-s1', customerId: customer.id, text: 'y', searchedAt: new Date() } }),
        'Review:externalId': () =>
          p.review.create({ data: { externalId: 'u-r1', customerId: customer.id, rating: 2, text: 'y', language: 'en', reviewedAt: new Date() } }),
        'Segment:runId,index': async () => {
          const run = await p.segmentationRun.create({ data: { collection: 'c', modelId: 'm', vectorName: 'combined', parameters: {} } });
          const seg = {
            runId: run.id,
            lineageId: 'x',
            index: 0,
            autoName: 'a',
            autoDescription: 'a',
            size: 1,
            share: 1,
            centroid: new Uint8Array(4),
            stats: {},
            topCategories: [],
            keywords: [],
            representatives: [],
            outlierDistance: 1,
          };
          await p.segment.create({ data: seg });
          return p.segment.create({ data: seg });
        },
        'ApiKey:hash': async () => {
          await p.apiKey.create({ data: { name: 'a', role: 'VIEWER', prefix: 'x', hash: 'same' } });
          return p.apiKey.create({ data: { name: 'b', role: 'ADMIN', prefix: 'y', hash: 'same' } });
        },
        'Delivery:audienceId,version,destinationId': async () => {
          const audience = await p.audience.create({
            data: {
              name: 'u-a',
              parameters: {},
              size: 0,
              createdBy: 'ops',
              versions: { create: [{ version: 1, size: 0, heldBack: 0, added: 0, removed: 0, unchanged: 0 }] },
            },
          });
          const destination = await p.destination.create({ data: { name: 'u-d', kind: 'FILE', config: {}, createdBy: 'ops' } });
          const delivery = { audienceId: audience.id, version: 1, destinationId: destination.id };
          await p.delivery.create({ data: delivery });
          return p.delivery.create({ data: delivery });
        },
        'VectorIndex:collection': () =>
          p.vectorIndex.create({ data: { collection: 'u-col', modelId: 'm', textDimensions: 1, features: [], scaler: {}, behaviourWeight: 1 } }),
      };
      // Every unique index of the model must have a case above, so a new one cannot go untested.
      const uniques = dmmf.datamodel.indexes.filter((i) => i.type === 'unique').map((i) => `${i.model}:${i.fields.map((f) => f.name).join(',')}`);
      assert.deepEqual(Object.keys(duplicates).sort(), uniques.sort());
      for (const [name, insert] of Object.entries(duplicates)) {
        await assert.rejects(insert(), (e: unknown) => (e as { code?: string }).code === 'P2002', `${name} accepted a duplicate`);
      }
    });
  });
}
