// The segmentation run's steps, each on its own (the whole run through GraphQL is segmentation.test.ts):
// parameters resolved once, vectors loaded by name into shared memory, the activation repository's
// SQL (memberships, migration flows by GROUP BY, the active switch, all or nothing).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLUSTERING_DEFAULTS } from '../../src/clustering/choose-k.js';
import { projectRoot } from '../../src/config/settings.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { InputError } from '../../src/errors/domain-errors.js';
import type { DescribedSegment, Description } from '../../src/segments/run/describe-segments.js';
import { loadVectors } from '../../src/segments/run/load-vectors.js';
import { resolveRunParameters } from '../../src/segments/run/run-options.js';
import { SegmentRuns, toBytes, toFloats, type Activation } from '../../src/segments/run/segment-runs.js';
import { EmbeddedVectorStore } from '../../src/vectors/embedded/embedded-store.js';
import { databaseTargets } from '../support/databases.js';
import { makePoints, SPEC } from '../vectors/vector-store.contract.js';
import { failActivations } from '../support/activation-fault.js';

test('run parameters: defaults filled once, the default range shrinks for tiny shops, k is checked', () => {
  assert.deepEqual(resolveRunParameters({}, 1000), {
    k: null,
    kRange: CLUSTERING_DEFAULTS.kRange,
    minSegmentShare: CLUSTERING_DEFAULTS.minSegmentShare,
    seed: CLUSTERING_DEFAULTS.seed,
    vector: 'combined',
    nInit: CLUSTERING_DEFAULTS.nInit,
    algorithm: 'spectral',
  });
  assert.deepEqual(resolveRunParameters({}, 3).kRange, [2, CLUSTERING_DEFAULTS.kRange[1]]);
  assert.deepEqual(resolveRunParameters({ kRange: [5, 6], k: 3, vector: 'text', seed: 9 }, 1000), {
    k: 3,
    kRange: [5, 6],
    minSegmentShare: CLUSTERING_DEFAULTS.minSegmentShare,
    seed: 9,
    vector: 'text',
    nInit: CLUSTERING_DEFAULTS.nInit,
    algorithm: 'spectral',
  });
  assert.throws(() => resolveRunParameters({ k: 1 }, 1000), InputError);
  assert.throws(
    () => resolveRunParameters({ k: 10 }, 10),
    (e: Error) => e instanceof InputError && /between 2 and 9/.test(e.message),
  );
  assert.throws(() => resolveRunParameters({ k: 65 }, 10_000), /between 2 and 64/);
});

describe('loading vectors', () => {
  const store = new EmbeddedVectorStore();
  const points = makePoints(4500, 3);
  before(async () => {
    await store.ensureCollection('load', SPEC);
    await store.upsert('load', points);
  });

  test('one named vector, every point once in id order, into one shared float32 matrix', async () => {
    const seen: number[] = [];
    const loaded = await loadVectors(store, 'load', 'behaviour', { signal: new AbortController().signal, progress: (done) => seen.push(done) });
    assert.equal(loaded.x.rows, 4500);
    assert.equal(loaded.x.dim, 3);
    assert.ok(loaded.x.data.buffer instanceof SharedArrayBuffer, 'the worker reads it without a copy');
    assert.deepEqual(
      loaded.ids,
      points.map((p) => p.id),
    );
    assert.deepEqual(loaded.externalIds.slice(0, 2), ['c1', 'c2']);
    assert.deepEqual(Array.from(loaded.x.data.subarray(3 * 4499)), Array.from(points[4499]!.vectors.behaviour));
    assert.deepEqual(seen, [0, 2000, 4000, 4500]);
  });

  test('a cancelled run stops loading', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(loadVectors(store, 'load', 'combined', { signal: controller.signal, progress: () => {} }), /cancel/i);
  });
});

for (const target of databaseTargets()) {
  describe(`the activation repository on ${target.name}`, () => {
    let db: Database;
    let drop: () => Promise<void>;
    let runs: SegmentRuns;
    const customers: number[] = [];

    before(async () => {
      const created = await target.create();
      drop = created.drop;
      db = openDatabase(created.settings);
      await applyMigrations(db.adapter, path.join(projectRoot, 'prisma', 'migrations'));
      for (let i = 0; i < 6; i++) customers.push((await db.prisma.customer.create({ data: { externalId: `x${i}` } })).id);
      runs = new SegmentRuns(db.prisma);
    });
    after(async () => {
      await db.close();
      await drop();
    });

    const segment = (index: number, rows: number[]): DescribedSegment => ({
      index,
      rows,
      autoName: `S${index}`,
      autoDescription: '',
      size: rows.length,
      share: rows.length / 6,
      centroid: Float32Array.of(index, 0.5),
      stats: { medians: {}, means: {}, archetype: 'Regulars' } as DescribedSegment['stats'],
      topCategories: [],
      keywords: [],
      representatives: [],
      silhouette: null,
      outlierDistance: 1.5,
    });
    const activation = (runId: number, ids: number[], labels: number[], previous: Activation['previous'], previousOf: number[]): Activation => {
      const k = Math.max(...labels) + 1;
      const description: Description = {
        segments: Array.from({ length: k }, (_, c) =>
          segment(
            c,
            labels.flatMap((l, r) => (l === c ? [r] : [])),
          ),
        ),
        population: { medians: {}, means: {} } as Description['population'],
        behaviour: ids.map((_, r) => ({ recencyDays: r, frequency: r + 1, monetary: 10 * r }) as Description['behaviour'][number]),
        distances: Float64Array.from(ids, (_, r) => r * 0.5),
      };
      return {
        runId,
        ids,
        labels: Int32Array.from(labels),
        description,
        map: new Float32Array(ids.length * 2),
        projection: { mean: [], axes: [], explained: [] } as unknown as Activation['projection'],
        clustering: { chosenK: k, ruleK: k, algorithm: 'kmeans', rule: 'forced', tried: [{ k, silhouette: 0.5 } as Activation['clustering']['tried'][number]] },
        previous,
        previousOf,
        similarity: previousOf.map((p) => (p >= 0 ? 0.9 : null)),
        // Values for all but the last customer (one without order history).
        value: {
          state: { status: 'FITTED', reason: null } as Activation['value']['state'],
          rows: ids.slice(0, -1).map((id, r) => ({
            customer_id: id,
            frequency: r,
            recency: r,
            age: 10 + r,
            monetary: 5,
            p_alive: 1 - r / 10,
            expected_purchases: r,
            expected_spend: 2 * r,
            clv: 100 - r,
            // The churn model's risk, stored and copied onto the memberships (not derived from p_alive).
            churn_risk: r / 20,
            churn_reasons: [{ feature: 'daysSinceLast', effect: 'lowers', contribution: -r }],
            purchase_rate: r / 100,
          })),
        },
      };
    };
    const parameters = resolveRunParameters({ k: 2 }, 6);

    test('writes segments and memberships, switches the active run and counts the flows by SQL', async () => {
      const first = await runs.start('c', 'm', parameters, null);
      const firstIds = await runs.activate(activation(first, customers.slice(0, 5), [0, 0, 1, 1, 1], null, []));
      assert.equal(firstIds.length, 2);
      const members = await db.prisma.membership.findMany({ where: { runId: first }, orderBy: { customerId: 'asc' } });
      assert.deepEqual(
        members.map((m) => [m.segmentId, m.outlier, m.frequency]),
        [
          [firstIds[0], false, 1],
          [firstIds[0], false, 2],
          [firstIds[1], false, 3],
          [firstIds[1], false, 4],
          [firstIds[1], true, 5],
        ],
      );
      // The run's values, in the same transaction: on the memberships too (for ordering), null where none.
      assert.deepEqual(
        members.map((m) => [m.churnRisk === null ? null : Number(m.churnRisk.toFixed(6)), m.clv]),
        [
          [0, 100],
          [0.05, 99],
          [0.1, 98],
          [0.15, 97],
          [null, null],
        ],
      );
      assert.equal(await db.prisma.customerValue.count({ where: { runId: first } }), 4);
      const stored = await db.prisma.customerValue.findFirstOrThrow({ where: { runId: first, customerId: customers[2] } });
      assert.equal(stored.churnRisk, 0.1);
      assert.deepEqual(stored.churnReasons, [{ feature: 'daysSinceLast', effect: 'lowers', contribution: -2 }]);
      assert.equal(stored.purchaseRate, 0.02);
      assert.equal(((await db.prisma.segmentationRun.findUniqueOrThrow({ where: { id: first } })).valueModel as { status: string }).status, 'FITTED');
      await db.prisma.segment.update({ where: { id: firstIds[1] }, data: { label: 'kept' } });

      const previous = await runs.previousActive();
      assert.equal(previous?.id, first);
      assert.deepEqual(Array.from(toFloats(previous.segments[1]!.centroid)), [1, 0.5]);
      const second = await runs.start('c', 'm', parameters, null);
      // Customer 6 is new; customer 3 moves from segment 1 to segment 0.
      const secondIds = await runs.activate(activation(second, customers, [1, 1, 0, 1, 1, 0], previous, [1, 0]));
      const run = await db.prisma.segmentationRun.findUniqueOrThrow({ where: { id: second }, include: { segments: { orderBy: { index: 'asc' } } } });
      assert.deepEqual([run.active, run.status, run.previousRunId, run.customerCount], [true, 'SUCCEEDED', first, 6]);
      assert.equal((await db.prisma.segmentationRun.findUniqueOrThrow({ where: { id: first } })).active, false);
      assert.equal(run.segments[0]!.label, 'kept', 'segment 0 continues the labelled segment');
      assert.equal(run.segments[0]!.lineageId, previous.segments[1]!.lineageId);
      assert.deepEqual(
        run.migration,
        [
          { from: firstIds[0], to: secondIds[1]!, customers: 2 },
          { from: firstIds[1], to: secondIds[0]!, customers: 1 },
          { from: firstIds[1], to: secondIds[1]!, customers: 2 },
          { from: null, to: secondIds[0]!, customers: 1 },
        ].sort((a, b) => (a.from ?? -1) - (b.from ?? -1) || a.to - b.to),
      );
    });

    test('a failure before the commit writes nothing and keeps the active run', async () => {
      const active = await runs.previousActive();
      const counts = async () => [await db.prisma.segment.count(), await db.prisma.membership.count(), await db.prisma.customerValue.count()];
      const before = await counts();
      const third = await runs.start('c', 'm', parameters, null);
      const restore = await failActivations(db.prisma);
      try {
        await assert.rejects(runs.activate(activation(third, customers, [0, 1, 0, 1, 0, 1], active, [0, 1])), /injected/);
      } finally {
        await restore();
      }
      await runs.fail(third, false, new Error('injected'), { cluster: 1 });
      assert.deepEqual(await counts(), before);
      assert.equal((await runs.previousActive())!.id, active!.id);
      const failed = await db.prisma.segmentationRun.findUniqueOrThrow({ where: { id: third } });
      assert.deepEqual([failed.status, failed.active, failed.error], ['FAILED', false, 'injected']);
    });

    test('centroids round-trip as float32 bytes', () => {
      const v = Float32Array.of(1.5, -2.25, 3e-8);
      assert.deepEqual(Array.from(toFloats(toBytes(v.subarray(1)))), [-2.25, Float32Array.of(3e-8)[0]]);
    });
  });
}
