import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConflictError } from '../../src/errors/domain-errors.js';
import { EmbeddedVectorStore } from '../../src/vectors/embedded/embedded-store.js';
import { Collection, DEFAULT_TUNING, type SearchTuning } from '../../src/vectors/embedded/collection.js';
import { makePoints, SPEC, vectorStoreContract } from './vector-store.contract.js';
import { captureLogs } from '../../src/observability/log.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'vectors-'));

/** Slices of index building that a prepare of collection `c` reported (0: nothing was built). */
async function progressOf(store: EmbeddedVectorStore): Promise<number> {
  let slices = 0;
  await store.prepare('c', () => slices++);
  return slices;
}

/** A store in `dir` whose collection `c` holds 300 points, its indexes built and kept. */
async function indexedStore(dir: string, tuning: Partial<SearchTuning>): Promise<EmbeddedVectorStore> {
  const store = new EmbeddedVectorStore({ dir, tuning });
  await store.ensureCollection('c', SPEC);
  await store.upsert('c', makePoints(300));
  assert.ok((await progressOf(store)) > 0, 'the first start builds the indexes');
  return store;
}

vectorStoreContract('embedded (on disk)', async () => new EmbeddedVectorStore({ dir: tmp() }));
vectorStoreContract(
  'embedded (HNSW index)',
  async () => new EmbeddedVectorStore({ dir: tmp(), tuning: { exactSearchLimit: 50, exactFilterShare: 0.5, hnswEf: 400 } }),
);

test('prepare builds every vector’s index a slice at a time, saying how far it has got; a small collection needs none', async () => {
  const store = new EmbeddedVectorStore({ dir: tmp(), tuning: { exactSearchLimit: 50 } });
  await store.ensureCollection('big', SPEC);
  await store.upsert('big', makePoints(700));
  const seen = new Map<string, number[]>();
  await store.prepare('big', (p) => {
    seen.set(p.vector, [...(seen.get(p.vector) ?? []), p.rows]);
    assert.equal(p.of, 700);
  });
  assert.deepEqual([...seen.keys()].sort(), Object.keys(SPEC.vectors).sort());
  for (const rows of seen.values()) assert.deepEqual(rows, [256, 512, 700]);
  // A collection deleted while its indexes are prepared: the build stops, nothing is left waiting.
  await store.ensureCollection('gone', SPEC);
  await store.upsert('gone', makePoints(2000));
  let slices = 0;
  const stopping = store.prepare('gone', () => slices++);
  await new Promise((resolve) => setImmediate(resolve));
  await store.deleteCollection('gone');
  await stopping;
  assert.ok(slices < 8, `${slices} slices of 256 rows: the build went on after the delete`);
  await store.ensureCollection('small', SPEC);
  await store.upsert('small', makePoints(20));
  let calls = 0;
  await store.prepare('small', () => calls++);
  assert.equal(calls, 0);
  await store.close();
});

test('the search indexes are kept beside the snapshot: a restart reads them, the log written after them reaches them, stale or broken ones are built again', async () => {
  const dir = tmp();
  const tuning = { exactSearchLimit: 50, hnswEf: 400 };
  const first = await indexedStore(dir, tuning);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'c', 'index.json'), 'utf8')) as { rows: number; vectors: string[] };
  assert.equal(meta.rows, 300);
  assert.deepEqual([...meta.vectors].sort(), Object.keys(SPEC.vectors).sort());
  // Written after the indexes were kept, and never folded (as if the process were killed): the log.
  const moved = makePoints(20, 7).map((p, i) => ({ ...p, id: i + 1 }));
  await first.upsert('c', [...moved, ...makePoints(60, 3, 300)]);
  await first.delete('c', [21, 22]);

  const second = new EmbeddedVectorStore({ dir, tuning });
  assert.equal(await progressOf(second), 0, 'a restart reads the kept indexes instead of building them');
  // The same answers as exact search over the same points.
  const exact = new EmbeddedVectorStore({ tuning: { exactSearchLimit: 1_000_000 } });
  await exact.ensureCollection('c', SPEC);
  await exact.upsert('c', [...makePoints(300).filter((p) => p.id > 22), ...moved, ...makePoints(60, 3, 300)]);
  for (const query of makePoints(10, 11)) {
    for (const using of ['combined', 'text'] as const) {
      const got = (await second.search('c', { using, vector: query.vectors[using], limit: 10 })).map((h) => h.id);
      const want = (await exact.search('c', { using, vector: query.vectors[using], limit: 10 })).map((h) => h.id);
      assert.deepEqual(got, want, `${using}: the kept index answers as exact search`);
      assert.ok(!got.includes(21) && !got.includes(22));
    }
  }
  // Deleted rows leave the indexes numbered unlike a snapshot: closing folds the log and keeps none.
  await second.close();
  assert.equal(fs.existsSync(path.join(dir, 'c', 'index.json')), false);
  const third = new EmbeddedVectorStore({ dir, tuning });
  assert.ok((await progressOf(third)) > 0, 'built again after the fold');
  assert.equal(await third.count('c'), 358);
  await third.close();
  assert.equal(await progressOf(new EmbeddedVectorStore({ dir, tuning })), 0, 'and kept again');

  // Kept files beside a snapshot they were not written for — same rows, same settings, other vectors —
  // are not taken: answers stay those of the points stored.
  const folder = path.join(dir, 'c');
  const old = fs.readdirSync(folder).filter((f) => f.startsWith('index'));
  const saved = new Map(old.map((f) => [f, fs.readFileSync(path.join(folder, f))]));
  const rewriting = new EmbeddedVectorStore({ dir, tuning });
  const redrawn = makePoints(30, 13, 22); // ids 23–52, new vectors
  await rewriting.upsert('c', redrawn);
  await rewriting.close();
  for (const [f, bytes] of saved) fs.writeFileSync(path.join(folder, f), bytes);
  const fifth = new EmbeddedVectorStore({ dir, tuning });
  assert.ok((await progressOf(fifth)) > 0, 'indexes of another snapshot are built again, not read');
  const [probe] = redrawn;
  assert.equal((await fifth.search('c', { using: 'combined', vector: probe!.vectors.combined, limit: 1 }))[0]!.id, probe!.id);

  // A broken index file is built again, with a warning; other build settings are not taken either.
  fs.truncateSync(path.join(dir, 'c', 'index-combined.hnsw'), 100);
  const logs = captureLogs();
  try {
    const fourth = new EmbeddedVectorStore({ dir, tuning });
    const slices = await progressOf(fourth);
    assert.ok(slices > 0 && slices <= 2, `${slices} slices: only the broken index is built again`);
    assert.ok(logs.lines.some((l) => /could not be read/.test(String(l.msg))));
  } finally {
    logs.stop();
  }
  assert.ok((await progressOf(new EmbeddedVectorStore({ dir, tuning: { ...tuning, hnswM: 8 } }))) > 0, 'indexes built with another M are not read');
});

test('kept indexes are read when first needed, not at the start: by prepare, or in the background from a search that answers exactly meanwhile', async () => {
  const dir = tmp();
  const tuning = { exactSearchLimit: 50, hnswEf: 400 };
  await (await indexedStore(dir, tuning)).close();
  const files = () => fs.readdirSync(path.join(dir, 'c')).filter((f) => f.endsWith('.hnsw'));
  assert.equal(files().length, 4);

  // A process that only reads points and writes labels (a segmentation) never reads them: the files
  // removed after its start are not missed until a prepare asks for them, which builds them again.
  const logs = captureLogs();
  try {
    const labels = new EmbeddedVectorStore({ dir, tuning });
    assert.equal(await labels.count('c'), 300);
    await labels.setPayload('c', [{ ids: [1, 2], payload: { segmentId: 3 } }]);
    const saved = new Map(files().map((f) => [f, fs.readFileSync(path.join(dir, 'c', f))]));
    for (const f of saved.keys()) fs.rmSync(path.join(dir, 'c', f));
    assert.equal(logs.lines.filter((l) => /read from disk|could not be read/.test(String(l.msg))).length, 0, 'nothing read at the start');
    assert.ok((await progressOf(labels)) > 0, 'prepare builds what it could not read');
    assert.equal(logs.lines.filter((l) => /could not be read/.test(String(l.msg))).length, 4);
    await labels.close();
  } finally {
    logs.stop();
  }

  // A search before any prepare answers by exact search and starts the read; the index then serves.
  const read = captureLogs();
  try {
    const serving = new EmbeddedVectorStore({ dir, tuning });
    const exact = new EmbeddedVectorStore({ tuning: { exactSearchLimit: 1_000_000 } });
    await exact.ensureCollection('c', SPEC);
    await exact.upsert('c', makePoints(300));
    const query = makePoints(1, 11)[0]!;
    const search = (store: EmbeddedVectorStore) => store.search('c', { using: 'combined', vector: query.vectors.combined, limit: 10 });
    assert.deepEqual(
      (await search(serving)).map((h) => h.id),
      (await search(exact)).map((h) => h.id),
    );
    for (let i = 0; i < 500 && read.lines.filter((l) => /read from disk/.test(String(l.msg))).length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(read.lines.filter((l) => /read from disk/.test(String(l.msg))).length, 4, 'all four read in the background');
    assert.deepEqual(
      (await search(serving)).map((h) => h.id),
      (await search(exact)).map((h) => h.id),
    );
    assert.equal(await progressOf(serving), 0, 'in service: nothing to build');
    await serving.close();
  } finally {
    read.stop();
  }
});

test('kept indexes never read are not lost when their files are replaced: read first, kept with the writes; files rewritten by another process are not taken', async () => {
  const dir = tmp();
  const tuning = { exactSearchLimit: 50, hnswEf: 400 };
  await (await indexedStore(dir, tuning)).close();
  // A job that writes a few customers and ends before any prepare (cancelled, failed): closing folds the
  // log, which replaces the files the unread indexes lived in.
  const job = new EmbeddedVectorStore({ dir, tuning });
  const moved = makePoints(5, 17).map((p, i) => ({ ...p, id: i + 1 }));
  await job.upsert('c', [...moved, ...makePoints(4, 19, 300)]);
  await job.close();
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'c', 'index.json'), 'utf8')) as { rows: number; vectors: string[] };
  assert.deepEqual([meta.rows, [...meta.vectors].sort()], [304, Object.keys(SPEC.vectors).sort()], 'read before the fold, kept after it');
  const next = new EmbeddedVectorStore({ dir, tuning });
  assert.equal(await progressOf(next), 0, 'the next start reads them');
  const exact = new EmbeddedVectorStore({ tuning: { exactSearchLimit: 1_000_000 } });
  await exact.ensureCollection('c', SPEC);
  await exact.upsert('c', [...makePoints(300).slice(5), ...moved, ...makePoints(4, 19, 300)]);
  for (const query of makePoints(6, 11))
    assert.deepEqual(
      (await next.search('c', { using: 'combined', vector: query.vectors.combined, limit: 10 })).map((h) => h.id),
      (await exact.search('c', { using: 'combined', vector: query.vectors.combined, limit: 10 })).map((h) => h.id),
    );
  await next.close();

  // index.json written again after this process read the snapshot (another process sharing the
  // directory): the files are not taken for this process's rows; built instead.
  const late = new EmbeddedVectorStore({ dir, tuning });
  assert.equal(await late.count('c'), 304);
  const metaFile = path.join(dir, 'c', 'index.json');
  const text = fs.readFileSync(metaFile);
  fs.rmSync(metaFile);
  fs.writeFileSync(metaFile, text);
  assert.ok((await progressOf(late)) > 0, 'built, not read');
  await late.close();
});

test('an index rewritten in place past its share is dropped, not updated row by row; searches stay exact and the first of them builds it again off the thread', async () => {
  // Built again at the first search after the drop: no quiet time to wait for here.
  const tuning = { ...DEFAULT_TUNING, exactSearchLimit: 50, hnswEf: 400, rebuildShare: 0.2, rebuildMinRows: 0, rebuildQuietMs: 0 };
  const c = new Collection(SPEC, tuning);
  c.upsert(makePoints(300));
  await c.prepare();
  const indexed = () => [...(c.finishedIndexes()?.keys() ?? [])].sort();
  const all = Object.keys(SPEC.vectors).sort();
  assert.deepEqual(indexed(), all);
  const exact = new Collection(SPEC, { ...tuning, exactSearchLimit: 1_000_000 });
  exact.upsert(makePoints(300));
  const sameAsExact = (what: string) => {
    for (const query of makePoints(8, 11))
      for (const using of ['combined', 'text'] as const) {
        const got = c.search(using, query.vectors[using], 10, 0, undefined, new Set()).map((h) => h.id);
        const want = exact.search(using, query.vectors[using], 10, 0, undefined, new Set()).map((h) => h.id);
        assert.deepEqual(got, want, `${what}, ${using}`);
      }
  };
  // A fifth of the rows rewritten (ids 1–60, new vectors): the indexes are updated and stay in service.
  const rewrite = (from: number, n: number, seed: number) => makePoints(n, seed).map((p, i) => ({ ...p, id: from + i }));
  c.upsert(rewrite(1, 60, 5));
  exact.upsert(rewrite(1, 60, 5));
  assert.deepEqual(indexed(), all, 'within the share: updated in place');
  sameAsExact('updated in place');
  // One row more than the share: every index is dropped; answers are exact ones.
  c.upsert(rewrite(61, 1, 6));
  exact.upsert(rewrite(61, 1, 6));
  assert.deepEqual(indexed(), [], 'past the share: dropped');
  c.upsert(rewrite(100, 80, 7)); // further rewrites touch no index
  exact.upsert(rewrite(100, 80, 7));
  sameAsExact('dropped: exact search');
  // That search started the build in worker threads; it comes back in service and answers as exact search.
  for (let i = 0; i < 3000 && indexed().length < all.length; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(indexed(), all, 'built again after the first search');
  sameAsExact('built again');
  c.drop();
});

test('a start replaying a log that rewrote more than the share of the kept indexes’ rows builds them again instead of updating them', async () => {
  const dir = tmp();
  const tuning = { exactSearchLimit: 50, hnswEf: 400, rebuildShare: 0.2, rebuildMinRows: 0 };
  const first = await indexedStore(dir, tuning);
  const rewritten = makePoints(100, 9).map((p, i) => ({ ...p, id: i + 1 }));
  await first.upsert('c', rewritten); // not closed: the log holds the rewrites
  const second = new EmbeddedVectorStore({ dir, tuning });
  assert.ok((await progressOf(second)) > 0, 'the kept indexes were not updated with a third of the rows: built again');
  const exact = new EmbeddedVectorStore({ tuning: { exactSearchLimit: 1_000_000 } });
  await exact.ensureCollection('c', SPEC);
  await exact.upsert('c', [...makePoints(300).slice(100), ...rewritten]);
  for (const query of makePoints(8, 11)) {
    const got = (await second.search('c', { using: 'combined', vector: query.vectors.combined, limit: 10 })).map((h) => h.id);
    const want = (await exact.search('c', { using: 'combined', vector: query.vectors.combined, limit: 10 })).map((h) => h.id);
    assert.deepEqual(got, want);
  }
  await second.close();
  assert.equal(await progressOf(new EmbeddedVectorStore({ dir, tuning })), 0, 'kept again on close');
});

test("a log of payloads only (a segmentation's labels) is not folded on close: the snapshot and the kept indexes stay, a restart replays the labels", async () => {
  const dir = tmp();
  const tuning = { exactSearchLimit: 50, hnswEf: 400 };
  const first = new EmbeddedVectorStore({ dir, tuning });
  await first.ensureCollection('c', SPEC);
  await first.upsert('c', makePoints(300));
  await first.prepare('c');
  await first.close();
  const snapshot = path.join(dir, 'c', 'snapshot.log');
  const wal = path.join(dir, 'c', 'wal.log');
  const before = fs.statSync(snapshot);
  assert.equal(fs.statSync(wal).size, 0, 'upserts are folded on close');

  const second = new EmbeddedVectorStore({ dir, tuning });
  await second.setPayload('c', [{ ids: [1, 2, 3], payload: { segmentId: 7 } }]);
  await second.close();
  const after = fs.statSync(snapshot);
  assert.deepEqual([after.ino, after.size, after.mtimeMs], [before.ino, before.size, before.mtimeMs], 'the snapshot was not rewritten');
  assert.ok(fs.statSync(wal).size > 0, 'the labels wait in the log');
  assert.ok(fs.existsSync(path.join(dir, 'c', 'index.json')), 'the kept indexes still fit the snapshot');

  const third = new EmbeddedVectorStore({ dir, tuning });
  let slices = 0;
  await third.prepare('c', () => slices++);
  assert.equal(slices, 0, 'the kept indexes are read, not built again');
  assert.deepEqual(
    (await third.retrieve('c', [1, 2, 3, 4])).map((p) => p.payload.segmentId ?? null),
    [7, 7, 7, null],
  );
  const query = makePoints(1, 11)[0]!;
  const exact = new EmbeddedVectorStore({ tuning: { exactSearchLimit: 1_000_000 } });
  await exact.ensureCollection('c', SPEC);
  await exact.upsert('c', makePoints(300));
  assert.deepEqual(
    (await third.search('c', { using: 'combined', vector: query.vectors.combined, limit: 10 })).map((h) => h.id),
    (await exact.search('c', { using: 'combined', vector: query.vectors.combined, limit: 10 })).map((h) => h.id),
  );
  // A write of rows after the labels: the next close folds everything, labels included.
  await third.upsert('c', makePoints(5, 3, 300));
  await third.close();
  assert.equal(fs.statSync(wal).size, 0);
  const fourth = new EmbeddedVectorStore({ dir, tuning });
  assert.equal((await fourth.retrieve('c', [2]))[0]!.payload.segmentId, 7);
  assert.equal(await fourth.count('c'), 305);
  // Points written and never closed (the process died): the next process's close folds them.
  await fourth.upsert('c', makePoints(5, 5, 305));
  assert.ok(fs.statSync(wal).size > 0);
  const fifth = new EmbeddedVectorStore({ dir, tuning });
  assert.equal(await fifth.count('c'), 310);
  await fifth.close();
  assert.equal(fs.statSync(wal).size, 0, 'a log of points found at the start is folded on close');
});

describe('embedded store durability', () => {
  test('survives a restart: every write is replayed, compaction keeps the state', async () => {
    const dir = tmp();
    const first = new EmbeddedVectorStore({ dir, compactBytes: 20_000 });
    await first.ensureCollection('c', SPEC);
    const points = makePoints(200);
    for (let i = 0; i < 200; i += 25) await first.upsert('c', points.slice(i, i + 25)); // crosses the compaction size
    await first.setPayload('c', [{ ids: [5], payload: { segmentId: 's1' } }]);
    await first.delete('c', [6]);
    await first.setAlias('live', 'c');
    // No close(): as if the process died right after the last write returned.
    const second = new EmbeddedVectorStore({ dir });
    assert.equal(await second.count('c'), 199);
    assert.equal((await second.retrieve('c', [5]))[0]!.payload.segmentId, 's1');
    assert.equal(await second.resolveAlias('live'), 'c');
    const [p9] = await second.retrieve('c', [9], true);
    assert.deepEqual(Array.from(p9!.vectors!.behaviour!), Array.from(points[8]!.vectors.behaviour));
  });

  test('delete with erase: the point is gone from the files on disk when it returns, others stay', async () => {
    const dir = tmp();
    const store = new EmbeddedVectorStore({ dir });
    await store.ensureCollection('c', SPEC);
    const points = makePoints(20);
    await store.upsert('c', points);
    const bytesOf = (id: number) =>
      Buffer.from(points[id - 1]!.vectors.text.buffer, points[id - 1]!.vectors.text.byteOffset, points[id - 1]!.vectors.text.byteLength);
    const onDisk = () =>
      Buffer.concat(['snapshot.log', 'wal.log'].filter((f) => fs.existsSync(path.join(dir, 'c', f))).map((f) => fs.readFileSync(path.join(dir, 'c', f))));
    await store.delete('c', [7]);
    assert.ok(onDisk().includes(bytesOf(7)), 'a plain delete leaves the earlier write in the log (this test would not see an erase otherwise)');
    await store.delete('c', [8], { erase: true });
    const files = onDisk();
    assert.ok(!files.includes(bytesOf(7)) && !files.includes(bytesOf(8)), 'an erased point is still in the files');
    assert.ok(files.includes(bytesOf(9)));
    const reopened = new EmbeddedVectorStore({ dir });
    assert.equal(await reopened.count('c'), 18);
  });

  test('a collection written before a named vector existed: readable and deletable, refused for the new layout', async () => {
    const dir = tmp();
    const first = new EmbeddedVectorStore({ dir });
    await first.ensureCollection('old', SPEC);
    await first.upsert('old', makePoints(3));
    // As an older version wrote it: no lexical vector in the spec.
    const specFile = path.join(dir, 'old', 'spec.json');
    const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as { vectors: Record<string, unknown> };
    delete spec.vectors.lexical;
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const reopened = new EmbeddedVectorStore({ dir });
    assert.equal(await reopened.count('old'), 3);
    await reopened.delete('old', [2]);
    assert.deepEqual(
      (await reopened.retrieve('old', [1, 2, 3])).map((p) => p.id),
      [1, 3],
    );
    await assert.rejects(
      reopened.ensureCollection('old', SPEC),
      (e: Error) => e instanceof ConflictError && /lexical 0\/Euclid, not 2\/Euclid: delete it or embed into a new one/.test(e.message),
    );
  });

  test('a write torn by a kill is dropped whole; the store stays readable and writable', async () => {
    const dir = tmp();
    const store = new EmbeddedVectorStore({ dir });
    await store.ensureCollection('c', SPEC);
    await store.upsert('c', makePoints(10));
    await store.upsert('c', makePoints(10, 2, 10));
    const wal = path.join(dir, 'c', 'wal.log');
    const size = fs.statSync(wal).size;
    fs.truncateSync(wal, size - 37); // the last frame loses its tail, as in a kill mid-append
    const reopened = new EmbeddedVectorStore({ dir });
    const logs = captureLogs('warn');
    try {
      assert.equal(await reopened.count('c'), 10);
    } finally {
      logs.stop();
    }
    // …and says so (a warning in the log): where the log now ends and what was dropped.
    const said = logs.lines.filter((l) => l.component === 'vectors').map((l) => String(l.msg));
    assert.equal(said.length, 1, JSON.stringify(logs.lines));
    assert.match(
      said[0]!,
      /vector collection c: the write-ahead log ended in a torn record \(\d+ bytes, from an interrupted write\); opened at the last whole record \(byte \d+, 1 records\)/,
    );
    await reopened.upsert('c', makePoints(5, 3, 100));
    const again = new EmbeddedVectorStore({ dir });
    assert.equal(await again.count('c'), 15);
  });
});
