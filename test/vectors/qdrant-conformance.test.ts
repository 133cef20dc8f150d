// The Qdrant adapter against Qdrant's published API: the whole vector-store contract suite runs through
// the adapter to a double that checks every request (and every answer it gives) against the OpenAPI
// document of the server series docker-compose pins (1.19.x), then the recording is checked here:
// no request outside the document, every adapter operation exercised. What this cannot show — that a
// real server behaves as the document says — test/vectors/qdrant-store.test.ts shows wherever
// QDRANT_URL names a server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { QdrantVectorStore } from '../../src/vectors/qdrant/qdrant-store.js';
import { QDRANT_OPENAPI, QdrantDouble } from '../support/qdrant-double.js';
import { vectorStoreContract } from './vector-store.contract.js';

const available = fs.existsSync(QDRANT_OPENAPI);
const double = new QdrantDouble();

describe('Qdrant adapter conformance to the OpenAPI document (v1.19.x)', { skip: available ? false : `no ${QDRANT_OPENAPI}` }, () => {
  before(async () => {
    await double.start();
  });
  after(() => double.stop());

  // With the cluster settings of docker-compose's qdrant-cluster profile, so they are checked too.
  vectorStoreContract(
    'qdrant adapter → OpenAPI-checked double',
    async () => new QdrantVectorStore({ url: double.url, retries: 0, shards: 6, replicationFactor: 2, writeConsistencyFactor: 2 }),
  );

  test('the check itself: requests outside the document are caught', async () => {
    const before = double.requests.length;
    const post = (path: string, body: unknown) =>
      fetch(`${double.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post('/collections/x/points/query', { query: [1, 2], limit: 'ten', using: 3 });
    await post('/collections/x/points/count?exact=maybe', { filter: { must: [{ key: 'a', match: { valu: 1 } }] } });
    await post('/collections/x/points/nearest', {});
    const flagged = double.requests.slice(before);
    assert.equal(flagged.length, 3);
    assert.match(flagged[0]!.requestErrors.join(' '), /limit|using/);
    assert.ok(flagged[1]!.requestErrors.length > 0, 'an unknown query parameter and a malformed condition');
    assert.match(flagged[2]!.requestErrors.join(' '), /not in the OpenAPI document/);
    double.requests.splice(before); // the adapter's own requests are judged below
  });

  test('every request the adapter sent is in the document, with parameters and body that validate; every answer it relied on too', () => {
    assert.ok(double.requests.length > 50, `${double.requests.length} requests recorded`);
    console.log(
      `# ${double.requests.length} adapter requests checked against the document (${new Set(double.requests.map((r) => r.operationId)).size} operations)`,
    );
    const bad = double.requests.filter((r) => r.requestErrors.length > 0 || r.responseErrors.length > 0);
    assert.deepEqual(
      bad.map((r) => `${r.method} ${r.path}: ${[...r.requestErrors, ...r.responseErrors].join(' | ')}`),
      [],
    );
    const created = double.requests.find((r) => r.operationId === 'create_collection')!;
    assert.deepEqual([created.body?.shard_number, created.body?.replication_factor, created.body?.write_consistency_factor], [6, 2, 2]);
    // Every operation the adapter uses was exercised (so none escaped the check).
    const used = new Set(double.requests.map((r) => r.operationId));
    for (const op of [
      'collection_exists',
      'get_collection',
      'create_collection',
      'delete_collection',
      'create_field_index',
      'get_collections_aliases',
      'update_aliases',
      'upsert_points',
      'delete_points',
      'get_points',
      'scroll_points',
      'query_points',
      'count_points',
      'batch_update',
    ]) {
      assert.ok(used.has(op), `${op} was not exercised`);
    }
  });
});
