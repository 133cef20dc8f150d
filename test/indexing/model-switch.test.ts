// A change of model re-embeds into a new collection; readers (the `customers` alias) keep the old
// one until the new one is complete.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServices, type AppServices } from '../../src/app/services.js';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { TransformersEmbedder } from '../../src/embedding/transformers/transformers-embedder.js';
import { collectionName, CUSTOMERS_ALIAS, CustomerIndexer } from '../../src/indexing/customer-indexer.js';
import { testSettings } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { TINY_BERT, writeTinyBert } from '../support/tiny-bert.js';

const never = new AbortController().signal;

for (const target of databaseTargets()) {
  describe(`switching models on ${target.name}`, () => {
    let services: AppServices;
    let drop: () => Promise<void>;
    before(async () => {
      const db = await target.create();
      drop = db.drop;
      services = await createServices(testSettings(db.settings));
      await loadDemoShop(services.ingest, { customers: 160, seed: 4 }, path.join(services.settings.dataDir, 'demo'));
    });
    after(async () => {
      await services.close();
      await drop();
    });

    test('the new model fills its own collection and the alias moves only when it is complete', async () => {
      const first = await (await services.indexer()).run({ signal: never, progress: () => {} });
      assert.equal(await services.vectors.resolveAlias(CUSTOMERS_ALIAS), first.collection);

      const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'switch-')), 'tiny-bert');
      writeTinyBert(dir);
      const tiny = await TransformersEmbedder.load(dir, {
        modelId: 'tiny-bert-v1',
        dimensions: TINY_BERT.hidden,
        maxTokens: TINY_BERT.maxPositions,
        pooling: 'mean',
      });
      const second = new CustomerIndexer(services.db.prisma, tiny, services.vectors, { batchSize: 40 });
      const aliasDuringRun: (string | undefined)[] = [];
      const report = await second.run({
        signal: never,
        progress: (processed, total) => {
          if (processed > 0 && total !== undefined && processed < total)
            void services.vectors.resolveAlias(CUSTOMERS_ALIAS).then((a) => aliasDuringRun.push(a));
        },
      });
      await tiny.dispose();
      assert.equal(report.collection, collectionName('tiny-bert-v1'));
      assert.notEqual(report.collection, first.collection);
      assert.ok(aliasDuringRun.length > 0 && aliasDuringRun.every((a) => a === first.collection), 'readers stayed on the old model while the new one filled');
      assert.equal(report.aliasSwitched, true);
      assert.equal(await services.vectors.resolveAlias(CUSTOMERS_ALIAS), report.collection);
      assert.equal(await services.vectors.count(report.collection), 160);
      assert.equal(await services.vectors.count(first.collection), 160, 'the old collection is kept for rollback');
      const [point] = await services.vectors.retrieve(report.collection, [1], true);
      assert.equal(point!.payload.modelId, 'tiny-bert-v1');
      assert.equal(point!.vectors!.text!.length, TINY_BERT.hidden);
      const indexes = await services.db.prisma.vectorIndex.findMany({ orderBy: { id: 'asc' } });
      assert.deepEqual(
        indexes.map((i) => [i.modelId, i.status]),
        [
          [first.modelId, 'READY'],
          ['tiny-bert-v1', 'READY'],
        ],
      );
    });
  });
}
