// Vocabulary drift: when what customers write is no longer read by the lexical fit, the embed job
// starts a new generation of the collection (a new fit), fills it, and only then moves the alias;
// the old generation is never mixed with the new fit, and forgetting a customer reaches both.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gql } from 'graphql-request';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { mulberry32 } from '../../src/demo/random.js';
import { collectionName, CUSTOMERS_ALIAS, LEXICAL_DRIFT, type EmbedReport } from '../../src/indexing/customer-indexer.js';
import { LexicalModel } from '../../src/lexical/lexical-model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';

const EMBED = gql`
  mutation {
    embedCustomers {
      id
    }
  }
`;
const JOB = gql`
  query ($id: ID!) {
    job(id: $id) {
      status
      error
      result
    }
  }
`;
/** Words no demo persona uses: the new line of goods the shop starts to sell. */
const NEW_WORDS = [
  'kayak',
  'paddle',
  'drysuit',
  'neoprene',
  'carabiner',
  'harness',
  'belay',
  'chalk',
  'crampon',
  'ice axe',
  'bivvy',
  'headlamp',
  'whitewater',
  'spraydeck',
  'bouldering',
];

async function embed(app: TestApp): Promise<EmbedReport> {
  const { embedCustomers } = await app.client.request<{ embedCustomers: { id: string } }>(EMBED);
  for (;;) {
    const { job } = await app.client.request<{ job: { status: string; error: string | null; result: EmbedReport } }>(JOB, { id: embedCustomers.id });
    if (job.status !== 'QUEUED' && job.status !== 'RUNNING') {
      assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
      return job.result;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const target of databaseTargets()) {
  describe(`lexical refit on vocabulary drift, ${target.name}`, () => {
    let app: TestApp;
    const first = collectionName('use-lite-en-0.2.0');
    const second = collectionName('use-lite-en-0.2.0', 2);
    before(async () => {
      app = await startTestApp(target);
      await loadDemoShop(app.services.ingest, { customers: 240, seed: 5 }, path.join(app.services.settings.dataDir, 'demo'));
    });
    after(() => app.close());

    test('the same words: the fit is kept, its coverage reported', async () => {
      const built = await embed(app);
      assert.deepEqual([built.collection, built.refitted, built.lexicalCoverage], [first, false, undefined]);
      const again = await embed(app);
      assert.equal(again.refitted, false);
      assert.equal(again.collection, first);
      assert.ok(again.lexicalCoverage!.documents >= 200, `${again.lexicalCoverage!.documents} customers with words`);
      assert.ok(Math.abs(again.lexicalCoverage!.fitted - again.lexicalCoverage!.now) < LEXICAL_DRIFT / 2, JSON.stringify(again.lexicalCoverage));
    });

    test('new words: a new generation with a new fit, the alias moved when complete, the old one untouched', async () => {
      const rng = mulberry32(9);
      const pick = () => NEW_WORDS[Math.floor(rng() * NEW_WORDS.length)]!;
      const ids = Array.from({ length: 480 }, (_, i) => `outdoor-${i}`);
      await app.services.ingest.upsert(
        'customers',
        ids.map((id) => ({ id, country: 'Norway' })),
      );
      await app.services.ingest.upsert(
        'searches',
        ids.map((id, i) => ({ id: `s-${i}`, customerId: id, text: `${pick()} ${pick()} ${pick()}`, searchedAt: new Date('2026-11-01T00:00:00Z') })),
      );
      await app.services.ingest.upsert(
        'reviews',
        ids.map((id, i) => ({
          id: `r-${i}`,
          customerId: id,
          rating: 5,
          text: `Great ${pick()}, and the ${pick()} with ${pick()} is better`,
          reviewedAt: new Date('2026-11-02T00:00:00Z'),
        })),
      );
      const oldPoints = await app.services.vectors.count(first);

      const report = await embed(app);
      assert.equal(report.refitted, true, JSON.stringify(report.lexicalCoverage));
      assert.ok(report.lexicalCoverage!.fitted - report.lexicalCoverage!.now >= LEXICAL_DRIFT, JSON.stringify(report.lexicalCoverage));
      assert.equal(report.collection, second);
      assert.equal(report.written, 720, 'every customer is written into the new generation');
      assert.ok(report.embedded <= 480 * 2, `${report.embedded} texts met the model: the demo customers' came from the cache`);
      assert.equal(await app.services.vectors.resolveAlias(CUSTOMERS_ALIAS), second);
      assert.equal(await app.services.vectors.count(first), oldPoints, 'the old generation is left as it was');

      const [oldIndex, newIndex] = await Promise.all(
        [first, second].map((collection) => app.services.db.prisma.vectorIndex.findUniqueOrThrow({ where: { collection } })),
      );
      const [oldFit, newFit] = [LexicalModel.fromBytes(oldIndex!.lexical!), LexicalModel.fromBytes(newIndex!.lexical!)];
      const outdoor = NEW_WORDS.join(' ');
      assert.ok(newFit.wordCoverage([outdoor]) > 0.8 && oldFit.wordCoverage([outdoor]) < 0.2, 'the new fit reads the new words; the old one did not');
      const customer = await app.services.db.prisma.customer.findUniqueOrThrow({ where: { externalId: 'outdoor-0' } });
      const [point] = await app.services.vectors.retrieve(second, [customer.id], true);
      assert.ok(
        point!.vectors!.lexical!.some((x) => x !== 0),
        'a new customer has a lexical view in the new generation',
      );

      const steady = await embed(app);
      assert.deepEqual([steady.collection, steady.refitted, steady.written], [second, false, 0]);
    });

    test('forgetting a customer removes them from every generation', async () => {
      const customer = await app.services.db.prisma.customer.findFirstOrThrow({
        where: { externalId: { not: { startsWith: 'outdoor-' } } },
        orderBy: { id: 'asc' },
      });
      assert.equal((await app.services.vectors.retrieve(first, [customer.id])).length, 1);
      await app.client.request(
        gql`
          mutation ($id: ID!) {
            deleteCustomer(id: $id) {
              id
            }
          }
        `,
        { id: customer.externalId },
      );
      for (const collection of [first, second]) assert.deepEqual(await app.services.vectors.retrieve(collection, [customer.id]), [], collection);
    });
  });
}
