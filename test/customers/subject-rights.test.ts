// A data subject's rights over real HTTP on both databases: exportCustomer hands over everything
// stored about one customer (and is audited; the CLI gives the same document), and deleteCustomer
// leaves nothing that names them — not a lookalike's seed list, not an audit entry, not the embedded
// vector store's files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gql } from 'graphql-request';
import { projectRoot } from '../../src/config/settings.js';
import { activeCollection } from '../../src/customer-vectors/customer-space.js';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';

const idle = { signal: new AbortController().signal, progress: () => {} };

/** Every file under `dir`, concatenated. */
function filesUnder(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) parts.push(fs.readFileSync(path.join(entry.parentPath, entry.name)));
  }
  return Buffer.concat(parts);
}

interface Exported {
  customer: { id: string; marketingConsent: boolean | null };
  orders: { items: unknown[] }[];
  searches: unknown[];
  reviews: unknown[];
  segments: { activeRun: boolean; segment: { lineageId: string } }[];
  audiences: { audienceId: number; version: number; deliveries: { status: string; kind: string }[] }[];
  auditEntries: { action: string }[];
}

for (const target of databaseTargets()) {
  describe(`subject rights on ${target.name}`, () => {
    let app: TestApp;
    let subject: string;
    let others: string[];

    before(async () => {
      app = await startTestApp(target, { AUDIENCE_TICK_MS: '100' });
      await loadDemoShop(app.services.ingest, { customers: 200, seed: 5 }, path.join(app.services.settings.dataDir, 'demo'));
      await (await app.services.indexer()).run(idle);
      await app.services.segments.run(idle, { k: 3, seed: 1 });
      // A customer with orders and words: the one whose rights are exercised.
      const rows = await app.services.db.prisma.customer.findMany({
        where: { orders: { some: {} }, reviews: { some: {} } },
        orderBy: { id: 'asc' },
        take: 12,
        select: { externalId: true },
      });
      [subject, ...others] = rows.map((r) => r.externalId) as [string, ...string[]];
    });
    after(() => app.close());

    test('exportCustomer: everything stored about them, audited; the CLI gives the same', async () => {
      const marketer = app.clientWith(app.keys.marketer);
      const { saveAudience } = await marketer.request<{ saveAudience: { id: string } }>(
        gql`
          mutation ($seeds: [ID!]!) {
            saveAudience(name: "Like them", seeds: $seeds, size: 20, excludeSeeds: false) {
              id
            }
          }
        `,
        { seeds: [subject, ...others.slice(0, 5)] },
      );
      const { createFileDestination } = await app.client.request<{ createFileDestination: { id: string } }>(gql`
        mutation {
          createFileDestination(name: "drop", directory: "drop") {
            id
          }
        }
      `);
      await marketer.request(
        gql`
          mutation ($a: ID!, $d: ID!) {
            attachDestination(audienceId: $a, destinationId: $d) {
              id
            }
          }
        `,
        { a: saveAudience.id, d: createFileDestination.id },
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 0; i < 300; i++) {
        const [d] = await app.services.destinations.deliveriesOf(Number(saveAudience.id), 1);
        if (d?.status === 'DELIVERED') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      const { exportCustomer } = await app.client.request<{ exportCustomer: Exported }>(
        gql`
          query ($id: ID!) {
            exportCustomer(id: $id)
          }
        `,
        { id: subject },
      );
      const prisma = app.services.db.prisma;
      const internal = (await prisma.customer.findUniqueOrThrow({ where: { externalId: subject } })).id;
      assert.equal(exportCustomer.customer.id, subject);
      assert.equal(exportCustomer.orders.length, await prisma.order.count({ where: { customerId: internal } }));
      assert.equal(
        exportCustomer.orders.reduce((n, o) => n + o.items.length, 0),
        await prisma.orderItem.count({ where: { order: { customerId: internal } } }),
      );
      assert.equal(exportCustomer.reviews.length, await prisma.review.count({ where: { customerId: internal } }));
      assert.equal(exportCustomer.searches.length, await prisma.searchQuery.count({ where: { customerId: internal } }));
      assert.equal(exportCustomer.segments.filter((s) => s.activeRun).length, 1);
      const inAudience = exportCustomer.audiences.find((a) => a.audienceId === Number(saveAudience.id));
      assert.ok(inAudience, 'the audience they are in');
      assert.deepEqual(
        inAudience.deliveries.map((d) => [d.kind, d.status]),
        [['FILE', 'DELIVERED']],
      );
      assert.ok(
        exportCustomer.auditEntries.some((e) => e.action === 'saveAudience'),
        'the audit entry whose seeds name them',
      );
      const { auditLog } = await app.client.request<{ auditLog: { entries: { action: string; target: string }[] } }>(gql`
        {
          auditLog(first: 5, action: "exportCustomer") {
            entries {
              action
              target
            }
          }
        }
      `);
      assert.equal(auditLog.entries[0]?.target, `customer:${subject}`);

      if (target.name === 'postgresql') {
        const settings = app.services.settings.database;
        assert.equal(settings.kind, 'postgresql');
        const r = spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli.js'), 'export-customer', subject], {
          env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: settings.kind === 'postgresql' ? settings.url : '' },
          encoding: 'utf8',
        });
        assert.equal(r.status, 0, r.stderr);
        const fromCli = JSON.parse(r.stdout) as Exported;
        assert.deepEqual(
          { ...fromCli, auditEntries: [] },
          { ...JSON.parse(JSON.stringify(exportCustomer)), exportedAt: (fromCli as unknown as { exportedAt: string }).exportedAt, auditEntries: [] },
        );
        const missing = spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'src', 'cli.js'), 'export-customer', 'nobody-here'], {
          env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: settings.kind === 'postgresql' ? settings.url : '' },
          encoding: 'utf8',
        });
        assert.equal(missing.status, 2);
        assert.match(missing.stderr, /No customer nobody-here/);
      }
    });

    test('deleteCustomer leaves nothing that names them: seeds, audit entries, vector files', async () => {
      const internal = (await app.services.db.prisma.customer.findUniqueOrThrow({ where: { externalId: subject } })).id;
      const collection = await activeCollection(app.services.vectors);
      const [point] = await app.services.vectors.retrieve(collection, [internal], true);
      const text = point!.vectors!.combined!;
      const bytes = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
      const vectorsDir = path.join(app.services.settings.dataDir, 'vectors');
      assert.ok(filesUnder(vectorsDir).includes(bytes), 'the vector is on disk before (else this test could not see it go)');

      await app.client.request(
        gql`
          mutation ($id: ID!) {
            deleteCustomer(id: $id) {
              id
            }
          }
        `,
        { id: subject },
      );
      assert.ok(!filesUnder(vectorsDir).includes(bytes), 'the embedded store’s files still hold their vector');
      const audiences = await app.services.db.prisma.audience.findMany();
      assert.ok(audiences.length > 0);
      assert.ok(!JSON.stringify(audiences.map((a) => a.parameters)).includes(`"${subject}"`), 'a seed list still names them');
      const entries = await app.services.db.prisma.auditEntry.findMany();
      const text2 = JSON.stringify(entries);
      assert.ok(!text2.includes(`"${subject}"`) && !text2.includes(`customer:${subject}`), 'an audit entry still names them');
      assert.ok(entries.some((e) => e.action === 'deleteCustomer' && e.target === 'customer:[deleted]'));
      // Their neighbours' seeds are untouched.
      const lookalike = audiences.find((a) => a.kind === 'LOOKALIKE')!;
      assert.deepEqual((lookalike.parameters as { seeds: string[] }).seeds, others.slice(0, 5));
    });
  });
}
