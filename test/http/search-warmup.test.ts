// A serving process prepares its search indexes at start (services.prepareSearch, called by `serve`):
// /readyz names the searchIndex check and turns ready when the indexes are built; searches answer
// throughout (exactly while an index is being built), and through the prepared index afterwards. An
// embed job builds them too, before readers move to its collection, and keeps them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gql } from 'graphql-request';
import { loadDemoShop } from '../../src/demo/demo-shop.js';
import { captureLogs } from '../../src/observability/log.js';
import { startTestApp, type TestApp } from '../support/app.js';
import type { DatabaseTarget } from '../support/databases.js';

const idle = { signal: new AbortController().signal, progress: () => {} };
let app: TestApp;
/** The index files the embed job left beside its collection's snapshot. */
let keptByTheJob: string[] = [];
let dataDir: string;

before(async () => {
  // One process embeds the shop; a second one starts over the same files (database and vectors)
  // without the search indexes the job kept: the start that has to build them. Indexes from 50
  // points on, so that the 300-customer shop has them.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'search-warmup-'));
  const target: DatabaseTarget = {
    name: 'pglite',
    create: async () => ({ settings: { kind: 'pglite', dir: path.join(dataDir, 'pglite') }, drop: async () => {} }),
  };
  const env = { VECTOR_EXACT_SEARCH_LIMIT: '50', DATA_DIR: dataDir };
  const first = await startTestApp(target, env);
  await loadDemoShop(first.services.ingest, { customers: 300, seed: 4 }, path.join(dataDir, 'demo'));
  await (await first.services.indexer()).run(idle);
  // Read before the close (which would keep indexes built by anyone): the job itself kept these.
  const vectors = path.join(dataDir, 'vectors');
  const collections = fs.readdirSync(vectors, { withFileTypes: true }).filter((d) => d.isDirectory());
  keptByTheJob = collections.flatMap((c) => fs.readdirSync(path.join(vectors, c.name)).filter((f) => f.startsWith('index'))).sort();
  await first.close();
  for (const c of collections)
    for (const file of fs.readdirSync(path.join(vectors, c.name)).filter((f) => f.startsWith('index'))) fs.rmSync(path.join(vectors, c.name, file));
  app = await startTestApp(target, env);
});
after(async () => {
  await app.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('an embed job builds its collection’s search indexes before readers move to it, and keeps them on disk', () => {
  assert.deepEqual(keptByTheJob, ['index-behaviour.hnsw', 'index-combined.hnsw', 'index-lexical.hnsw', 'index-text.hnsw', 'index.json']);
});

test('readiness waits for the search indexes; searches answer while they are built and after', async () => {
  const someone = (await app.services.db.prisma.customer.findFirstOrThrow({ orderBy: { id: 'asc' } })).externalId;
  const similar = async () =>
    (
      await app.client.request<{ customer: { similarCustomers: { customer: { id: string } }[] } }>(
        gql`
          query ($id: ID!) {
            customer(id: $id) {
              similarCustomers(limit: 5) {
                customer {
                  id
                }
              }
            }
          }
        `,
        { id: someone },
      )
    ).customer.similarCustomers.map((s) => s.customer.id);

  const logs = captureLogs();
  const states: { ok: boolean; detail?: string }[] = [];
  let finished = false;
  // After the indexes, the server's own first request (as `serve` passes it), still before ready.
  let duringWarmUp: { ok: boolean; detail?: string } | undefined;
  const preparing = app.services
    .prepareSearch(async () => {
      duringWarmUp = (await app.services.readiness()).checks.find((c) => c.name === 'searchIndex');
      await app.server.warmUp();
    })
    .then(() => (finished = true));
  const during: string[][] = [];
  while (!finished) {
    states.push((await app.services.readiness()).checks.find((c) => c.name === 'searchIndex')!);
    during.push(await similar());
  }
  await preparing;
  const ready = await fetch(new URL('/readyz', app.server.url));
  assert.equal(ready.status, 200);
  const body = (await ready.json()) as { checks: { name: string; ok: boolean }[] };
  assert.deepEqual(
    body.checks.find((c) => c.name === 'searchIndex'),
    { name: 'searchIndex', ok: true, ms: 0 },
  );
  const afterwards = await similar();
  assert.equal(afterwards.length, 5);
  for (const answer of during) assert.equal(answer.length, 5);
  // Whenever a probe came while the indexes were being built, it said not ready, and what was under way.
  for (const state of states.filter((x) => !x.ok)) assert.match(state.detail ?? '', /preparing the search indexes|building the \w+ index of|warming up/);
  assert.deepEqual(duringWarmUp, { name: 'searchIndex', ok: false, ms: 0, detail: 'warming up the request path' });
  const warmUp = logs.lines.find((l) => l.requestId === 'warm-up' && l.component === 'http');
  assert.ok(warmUp, 'the warm-up request went through the HTTP path');
  assert.equal(warmUp.status, 200);
  // Its query through Apollo (segments, similar, recommended, lookalike) answered without an error.
  assert.ok(!logs.lines.some((l) => /warm-up (query|request)/.test(String(l.msg))), 'the warm-up query answered');
  assert.ok(
    logs.lines.some((l) => /search indexes of .* ready/.test(String(l.msg))),
    'the time it took is logged',
  );
  logs.stop();
});
