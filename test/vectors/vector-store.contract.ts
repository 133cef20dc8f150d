// ONE contract for every VectorStore adapter (like Apollo Server's integration suite run against
// every transport): the embedded store always, Qdrant when QDRANT_URL is set.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mulberry32 } from '../../src/demo/random.js';
import { ConflictError } from '../../src/errors/domain-errors.js';
import type { CollectionSpec, Point, StoredPoint, VectorName, VectorStore } from '../../src/vectors/vector-store.js';

export const SPEC: CollectionSpec = {
  vectors: {
    text: { size: 8, distance: 'Cosine' },
    lexical: { size: 2, distance: 'Euclid' },
    behaviour: { size: 3, distance: 'Euclid' },
    combined: { size: 11, distance: 'Euclid' },
  },
  indexedFields: { segmentId: 'keyword', country: 'keyword', spend: 'float' },
};

const COUNTRIES = ['DE', 'FR', 'GB'];

export function makePoints(n: number, seed = 1, idOffset = 0): Point[] {
  const rng = mulberry32(seed);
  const vec = (d: number) => Float32Array.from({ length: d }, () => rng() * 2 - 1);
  return Array.from({ length: n }, (_, i) => {
    const text = vec(8);
    const behaviour = vec(3);
    return {
      id: idOffset + i + 1,
      vectors: { text, lexical: Float32Array.from([text[0]!, text[1]!]), behaviour, combined: Float32Array.from([...text, ...behaviour]) },
      payload: { customerId: `c${idOffset + i + 1}`, country: COUNTRIES[i % 3]!, spend: i * 10, segmentId: null },
    };
  });
}

function cosine(a: Float32Array, b: Float32Array) {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function euclid(a: Float32Array, b: Float32Array) {
  return Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));
}

/** The right answer, by brute force over the test's own points. */
function bruteForce(points: Point[], using: VectorName, query: Float32Array, keep: (p: Point) => boolean = () => true) {
  const cos = SPEC.vectors[using].distance === 'Cosine';
  return points
    .filter(keep)
    .map((p) => ({ id: p.id, score: cos ? cosine(p.vectors[using], query) : euclid(p.vectors[using], query) }))
    .sort((a, b) => (cos ? b.score - a.score : a.score - b.score) || a.id - b.id);
}

export function vectorStoreContract(adapter: string, open: () => Promise<VectorStore>): void {
  describe(`VectorStore contract: ${adapter}`, () => {
    let store: VectorStore;
    const name = `contract_${adapter.replace(/\W/g, '_')}_${Date.now()}`;
    const points = makePoints(300);

    before(async () => {
      store = await open();
      await store.ensureCollection(name, SPEC);
      await store.ensureCollection(name, SPEC); // idempotent
      for (let i = 0; i < points.length; i += 128) await store.upsert(name, points.slice(i, i + 128));
    });
    after(async () => {
      await store.deleteCollection(name);
      await store.close();
    });

    test('collections exist once created; counts and retrieval round-trip payloads and vectors', async () => {
      assert.equal(await store.collectionExists(name), true);
      assert.equal(await store.collectionExists(`${name}_missing`), false);
      assert.equal(await store.count(name), 300);
      const [p7] = await store.retrieve(name, [7], true);
      assert.deepEqual(p7!.payload, points[6]!.payload);
      assert.ok(Math.abs(cosine(p7!.vectors!.text!, points[6]!.vectors.text) - 1) < 1e-6, 'cosine vectors keep their direction');
      assert.ok(euclid(p7!.vectors!.behaviour!, points[6]!.vectors.behaviour) < 1e-6, 'euclid vectors are stored as given');
      assert.deepEqual(
        (await store.retrieve(name, [1, 99999, 2])).map((p) => p.id),
        [1, 2],
      );
    });

    for (const using of ['text', 'behaviour', 'combined'] as const) {
      test(`search on "${using}" returns the true nearest neighbours, nearest first, with Qdrant's scores`, async () => {
        const query = makePoints(1, 99)[0]!.vectors[using];
        const hits = await store.search(name, { using, vector: query, limit: 10 });
        const expected = bruteForce(points, using, query).slice(0, 10);
        assert.deepEqual(
          hits.map((h) => h.id),
          expected.map((e) => e.id),
        );
        hits.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]!.score) < 1e-4, `score ${h.score} vs ${expected[i]!.score}`));
        const page2 = await store.search(name, { using, vector: query, limit: 5, offset: 5 });
        assert.deepEqual(
          page2.map((h) => h.id),
          expected.slice(5, 10).map((e) => e.id),
        );
      });
    }

    test('filters: must, must_not, any, range', async () => {
      const query = makePoints(1, 42)[0]!.vectors.text;
      const hits = await store.search(name, {
        using: 'text',
        vector: query,
        limit: 20,
        filter: {
          must: [
            { key: 'country', match: { any: ['DE', 'FR'] } },
            { key: 'spend', range: { gte: 500, lt: 2500 } },
          ],
          must_not: [{ key: 'country', match: { value: 'FR' } }],
        },
      });
      const expected = bruteForce(
        points,
        'text',
        query,
        (p) => p.payload.country === 'DE' && (p.payload.spend as number) >= 500 && (p.payload.spend as number) < 2500,
      ).slice(0, 20);
      assert.deepEqual(
        hits.map((h) => h.id),
        expected.map((e) => e.id),
      );
      assert.equal(await store.count(name, { must: [{ key: 'country', match: { value: 'GB' } }] }), 100);
      // has_id: only these points (an audience limited to customers chosen in the database).
      const allowed = [7, 8, 9, 40, 41, 250];
      const only = await store.search(name, {
        using: 'text',
        vector: query,
        limit: 20,
        filter: { must: [{ has_id: allowed }], must_not: [{ key: 'country', match: { value: 'FR' } }] },
      });
      assert.deepEqual(
        only.map((h) => h.id),
        bruteForce(points, 'text', query, (p) => allowed.includes(p.id) && p.payload.country !== 'FR').map((e) => e.id),
      );
      assert.equal(await store.count(name, { must: [{ has_id: allowed }] }), allowed.filter((id) => points.some((p) => p.id === id)).length);
    });

    test('recommend (average_vector) searches from 2·avg(positive) − avg(negative) and leaves the examples out', async () => {
      const positive = [3, 4, 5];
      const negative = [10];
      const hits = await store.recommend(name, { using: 'text', positive, negative, strategy: 'average_vector', limit: 10 });
      const unit = (v: Float32Array) => {
        const n = Math.hypot(...v);
        return v.map((x) => x / n);
      };
      const avg = (ids: number[]) => {
        const out = new Float32Array(8);
        for (const id of ids) unit(points[id - 1]!.vectors.text).forEach((x, j) => (out[j]! += x / ids.length));
        return out;
      };
      const pos = avg(positive);
      const neg = avg(negative);
      const query = pos.map((x, j) => 2 * x - neg[j]!);
      const expected = bruteForce(points, 'text', query, (p) => ![...positive, ...negative].includes(p.id)).slice(0, 10);
      assert.deepEqual(
        hits.map((h) => h.id),
        expected.map((e) => e.id),
      );
    });

    test('recommend (best_score) ranks by the nearest positive example', async () => {
      const positive = [20, 40];
      const hits = await store.recommend(name, { using: 'text', positive, strategy: 'best_score', limit: 10 });
      const expected = points
        .filter((p) => !positive.includes(p.id))
        .map((p) => ({ id: p.id, score: Math.max(...positive.map((id) => cosine(p.vectors.text, points[id - 1]!.vectors.text))) }))
        .sort((a, b) => b.score - a.score || a.id - b.id)
        .slice(0, 10);
      assert.deepEqual(
        hits.map((h) => h.id),
        expected.map((e) => e.id),
      );
    });

    test('setPayload merges per-point payloads in one batch; filters see them at once', async () => {
      await store.setPayload(name, [
        { ids: [1, 2, 3], payload: { segmentId: 'seg-a' } },
        { ids: [4, 5], payload: { segmentId: 'seg-b', provisional: true } },
      ]);
      assert.equal(await store.count(name, { must: [{ key: 'segmentId', match: { value: 'seg-a' } }] }), 3);
      const [p4] = await store.retrieve(name, [4]);
      assert.deepEqual(p4!.payload, { ...points[3]!.payload, segmentId: 'seg-b', provisional: true });
    });

    test('scroll visits every point once, in id order and in batches, honouring a filter', async () => {
      const seen: number[] = [];
      let batches = 0;
      for await (const batch of store.scroll(name, { batchSize: 64 })) {
        batches++;
        seen.push(...batch.map((p) => p.id));
      }
      assert.equal(batches, Math.ceil(300 / 64));
      assert.deepEqual(
        seen,
        points.map((p) => p.id),
      );
      const gb: number[] = [];
      for await (const batch of store.scroll(name, { batchSize: 50, filter: { must: [{ key: 'country', match: { value: 'GB' } }] }, withVectors: true })) {
        assert.ok(batch.every((p) => p.vectors?.combined?.length === 11));
        gb.push(...batch.map((p) => p.id));
      }
      assert.equal(gb.length, 100);
      // Only the named vectors asked for (a segmentation run reads one of them).
      const [first] = (
        await store
          .scroll(name, { batchSize: 10, withVectors: ['behaviour'] })
          [Symbol.asyncIterator]()
          .next()
      ).value as StoredPoint[];
      assert.deepEqual(Object.keys(first!.vectors ?? {}), ['behaviour']);
      assert.deepEqual(Array.from(first!.vectors!.behaviour!), Array.from(points[0]!.vectors.behaviour));
    });

    test('upsert replaces a point; delete removes points', async () => {
      const replacement = { ...makePoints(1, 7, 0)[0]!, id: 300, payload: { customerId: 'c300', country: 'DE', spend: 1, segmentId: null } };
      await store.upsert(name, [replacement]);
      assert.equal(await store.count(name), 300);
      const hits = await store.search(name, { using: 'behaviour', vector: replacement.vectors.behaviour, limit: 1 });
      assert.equal(hits[0]!.id, 300);
      assert.ok(hits[0]!.score < 1e-5);
      await store.delete(name, [299, 300]);
      assert.equal(await store.count(name), 298);
      assert.deepEqual(await store.retrieve(name, [299, 300]), []);
    });

    test('prepare: searches answer as before while it runs and after, writes during it included; an unknown collection is not found', async () => {
      const prepared = `${name}_prepared`;
      const own = makePoints(600, 11);
      await store.ensureCollection(prepared, SPEC);
      for (let i = 0; i < own.length; i += 150) await store.upsert(prepared, own.slice(i, i + 150));
      const rng = mulberry32(5);
      const queries = Array.from({ length: 5 }, () => Float32Array.from({ length: 11 }, () => rng() * 2 - 1));
      const top = async () =>
        Promise.all(queries.map(async (q) => (await store.search(prepared, { using: 'combined', vector: q, limit: 5 })).map((h) => h.id)));
      const truth = (pts: Point[]) =>
        queries.map((q) =>
          bruteForce(pts, 'combined', q)
            .slice(0, 5)
            .map((h) => h.id),
        );
      const running = store.prepare(prepared);
      // While it runs: a point moved among those an index build reads first, one among those it reads last; one deleted.
      const moved = { ...own[3]!, vectors: { ...own[3]!.vectors, combined: Float32Array.from(queries[0]!) } };
      const late = { ...own[590]!, vectors: { ...own[590]!.vectors, combined: Float32Array.from(queries[1]!) } };
      await store.upsert(prepared, [moved, late]);
      await store.delete(prepared, [own[10]!.id]);
      const now = own.map((p) => (p.id === moved.id ? moved : p.id === late.id ? late : p)).filter((p) => p.id !== own[10]!.id);
      assert.deepEqual(await top(), truth(now));
      await running;
      assert.deepEqual(await top(), truth(now));
      assert.equal((await store.search(prepared, { using: 'combined', vector: queries[0]!, limit: 1 }))[0]!.id, moved.id);
      assert.equal((await store.search(prepared, { using: 'combined', vector: queries[1]!, limit: 1 }))[0]!.id, late.id);
      await store.deleteCollection(prepared);
      await assert.rejects(store.prepare(`${name}_missing`), /does not exist|not found/i);
    });

    test('an existing collection with other vector sizes is refused with what to do, and left as it was', async () => {
      const wider = { ...SPEC, vectors: { ...SPEC.vectors, lexical: { size: 3, distance: 'Euclid' as const } } };
      const before = await store.count(name);
      await assert.rejects(
        store.ensureCollection(name, wider),
        (e: Error) => e instanceof ConflictError && /lexical .*2\/Euclid.*embed into a new one/.test(e.message),
      );
      assert.equal(await store.count(name), before);
    });

    test('aliases point at a collection and move atomically', async () => {
      const other = `${name}_v2`;
      await store.ensureCollection(other, SPEC);
      try {
        await store.setAlias(`${name}_live`, name);
        assert.equal(await store.resolveAlias(`${name}_live`), name);
        await store.setAlias(`${name}_live`, other);
        assert.equal(await store.resolveAlias(`${name}_live`), other);
        assert.equal(await store.resolveAlias(`${name}_none`), undefined);
      } finally {
        await store.deleteCollection(other);
      }
    });

    test('wrong vector sizes are refused', async () => {
      const bad = {
        ...makePoints(1, 3, 1000)[0]!,
        vectors: { text: new Float32Array(3), lexical: new Float32Array(2), behaviour: new Float32Array(3), combined: new Float32Array(11) },
      };
      await assert.rejects(store.upsert(name, [bad]));
    });
  });
}
