// Segmentation runs, as steps that are measured (the run's `timings`) and tested alone:
//   1. load      one named vector of the active collection into a shared float32 matrix (run/load-vectors)
//   2. cluster   automatic or forced k, silhouettes and the 2-D map, in a worker thread (clustering/)
//   3. describe  behaviour, keywords, names of every segment (run/describe-segments)
//   4. match     each segment to the previous active run's, so human labels survive (run/match-previous)
//   value        the value models (BG/NBD, Gamma–Gamma, the learnt churn model) refitted on the shop's
//                history (value/), from step 1 on, beside steps 2–4
//   5. activate  ONE transaction: segments, memberships, values, flows, the active switch (run/segment-runs)
//   6. payloads  segment ids onto the vectors, after the commit: a filter aid; the database stays the
//                source of truth.
// A run that fails or is cancelled before step 5 commits leaves the previous run active and nothing of
// itself but a FAILED/CANCELLED run row.
import { clusterInWorker } from './run/cluster-worker.js';
import type { PrismaClient } from '../db/database.js';
import { refreshStatistics } from '../db/statistics.js';
import { readProjection, readViewBalance } from '../db/json-columns.js';
import { InputError } from '../errors/domain-errors.js';
import { projectOne } from '../projection/pca-projection.js';
import { activeCollection, nearestCentroid } from '../customer-vectors/customer-space.js';
import { throwIfCancelled, type JobControl } from '../jobs/job-control.js';
import type { CustomerProfiles } from '../profiles/customer-profiles.js';
import type { WrittenBatch } from '../indexing/customer-indexer.js';
import type { PayloadUpdate, VectorName, VectorStore } from '../vectors/vector-store.js';
import { describeSegments, type Description } from './run/describe-segments.js';
import { loadVectors } from './run/load-vectors.js';
import { matchPrevious } from './run/match-previous.js';
import { resolveRunParameters, type SegmentationOptions } from './run/run-options.js';
import { SegmentRuns, toFloats } from './run/segment-runs.js';
import { fitRunValue } from '../value/shop-value.js';

export type { SegmentationOptions } from './run/run-options.js';

export interface SegmentationReport {
  runId: number;
  k: number;
  customers: number;
  matched: number;
  seconds: number;
}

/** The lock every segmentation job takes: one run at a time. */
export const SEGMENTATION_LOCK = 'segmentation';

const DAY = 86_400_000;

export class SegmentationService {
  private readonly runs: SegmentRuns;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: VectorStore,
    /** Profiles need the model's token counter to cut texts the same way the embed job did. */
    private readonly profiles: () => Promise<CustomerProfiles>,
  ) {
    this.runs = new SegmentRuns(prisma);
  }

  activeCollection(): Promise<string> {
    return activeCollection(this.store);
  }

  /**
   * Marks FAILED the runs a dead process left RUNNING, unless a segmentation job is live (the one lock
   * SEGMENTATION_LOCK allows a single run at a time), in one statement. The previous run stays active.
   */
  failAbandonedRuns(reason: string): Promise<number> {
    return this.runs.failAbandoned(reason, SEGMENTATION_LOCK);
  }

  async run(control: JobControl, options: SegmentationOptions = {}): Promise<SegmentationReport> {
    const started = performance.now();
    const timings: Record<string, number> = {};
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const result = await work();
      timings[name] = Number(((performance.now() - t) / 1000).toFixed(3));
      throwIfCancelled(control.signal);
      return result;
    };
    const collection = await this.activeCollection();
    const parameters = resolveRunParameters(options, await this.store.count(collection));
    await refreshStatistics(this.prisma);
    const index = await this.prisma.vectorIndex.findUnique({ where: { collection }, select: { modelId: true, views: true } });
    // Which views count in `combined`, and why one does not (a shop without text segments on behaviour).
    const balance = index && readViewBalance(index.views, `vector_index of ${collection}`);
    const views = balance
      ? Object.fromEntries(Object.entries(balance).map(([v, s]) => [v, s.note ? { weight: s.weight, note: s.note } : { weight: s.weight }]))
      : null;
    const runId = await this.runs.start(collection, index?.modelId ?? 'unknown', parameters, views);
    // Stops the value models' fit when a step before it fails (a cancellation stops it through `control`).
    const valueStop = new AbortController();
    try {
      const loaded = await step('loadVectors', () => loadVectors(this.store, collection, parameters.vector, control));
      const { x, ids } = loaded;
      if (x.rows < 3) throw new InputError(`Only ${x.rows} customers have vectors; segmentation needs at least 3.`);
      // The value models need only the orders and who the members are, so they are fitted (in a worker
      // thread of their own, after reading the orders) while the clusters are computed in another and
      // then described on this one: on two cores this took the value step, 37–39 s at 100,000
      // customers, off the run's path (bench:scale). The run is then CPU-bound on both cores: reading
      // the members' behaviour here too (tried) made the clustering as much slower as it saved.
      const fitStarted = performance.now();
      const valueFit = fitRunValue(this.prisma, ids, AbortSignal.any([control.signal, valueStop.signal])).then((v) => {
        timings.valueFit = Number(((performance.now() - fitStarted) / 1000).toFixed(3));
        return v;
      });
      valueFit.catch(() => {}); // awaited below; a step failing first must not leave it unhandled
      const { clustering, segmentSilhouettes, projection, map } = await step('cluster', () =>
        clusterInWorker(
          x,
          {
            seed: parameters.seed,
            k: parameters.k ?? undefined,
            kRange: parameters.kRange,
            minSegmentShare: parameters.minSegmentShare,
            nInit: parameters.nInit,
            algorithm: parameters.algorithm,
          },
          (done, steps, message) => control.progress(done, steps, message),
          control.signal,
        ),
      );
      const k = clustering.chosenK;
      const description = await step('describe', async () =>
        describeSegments(await this.profiles(), loaded, clustering.result, k, segmentSilhouettes, parameters.seed, control),
      );
      const previous = await this.runs.previousActive();
      const match = await step('match', () =>
        matchPrevious(this.runs, previous, description.segments, ids, { collection, vector: parameters.vector, dim: x.dim }),
      );
      control.progress(0, 1, 'fitting value and churn models');
      // `value`: what the run still waited for the fit here; `valueFit`: the fit's own time.
      const value = await step('value', () => valueFit);
      control.progress(0, 1, 'writing segments');
      const segmentIds = await step('activate', () =>
        this.runs.activate({
          runId,
          ids,
          labels: clustering.result.labels,
          description,
          map,
          clustering,
          projection,
          previous,
          ...match,
          value,
        }),
      );
      await step('payloads', () => this.store.setPayload(collection, payloadUpdates(runId, ids, description, segmentIds)));
      await this.runs.recordTimings(runId, timings);
      control.progress(1, 1, 'done');
      return { runId, k, customers: x.rows, matched: match.previousOf.filter((p) => p >= 0).length, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      valueStop.abort();
      await this.runs.fail(runId, control.signal.aborted, error, timings);
      throw error;
    }
  }

  /**
   * Between runs: customers embedded after the active run join its nearest segment at once, flagged
   * provisional (and outlier when beyond the segment's stored distance); members whose point `moved`
   * (new orders, words) are placed again — in the nearest segment, provisional if that is another one
   * than the run gave them. Their RFM columns follow. The run's live revision counts each change, so
   * caches of its members know to read again. `written`: the points as the indexer has just written
   * them, placed as handed over (not read back from the store).
   */
  async assignProvisional(collection: string, written: WrittenBatch, moved: ReadonlySet<number> = new Set()): Promise<number> {
    const customerIds = [...written.points.keys()];
    const run = await this.prisma.segmentationRun.findFirst({ where: { active: true, collection }, include: { segments: true } });
    if (!run || customerIds.length === 0) return 0;
    const current = new Map(
      (
        await this.prisma.membership.findMany({
          where: { runId: run.id, customerId: { in: customerIds } },
          select: { customerId: true, segmentId: true, provisional: true },
        })
      ).map((m) => [m.customerId, m]),
    );
    const placed = customerIds.filter((id) => !current.has(id) || moved.has(id));
    if (placed.length === 0) return 0;
    // Recency counts to the shop's latest order now: an embed job's parts read behaviour as of the
    // job's start, and an order since then would otherwise make it stale or negative.
    const asOf = await (await this.profiles()).asOf();
    const shift = (asOf.getTime() - written.asOf.getTime()) / DAY;
    const points = placed.map((id) => ({ id, ...written.points.get(id)! }));
    const centroids = run.segments.map((s) => toFloats(s.centroid));
    const projection = readProjection(run.projection, `segmentation_run ${run.id}`);
    const rows = points.map((p) => {
      const v = p.vectors[run.vectorName as VectorName];
      const nearest = nearestCentroid(v, centroids);
      const segment = run.segments[nearest.index]!;
      const [mapX, mapY] = projection ? projectOne(v, projection) : [null, null];
      const b = p.behaviour;
      const before = current.get(p.id);
      return {
        customer_id: p.id,
        segment_id: segment.id,
        distance: nearest.distance,
        outlier: nearest.distance > segment.outlierDistance,
        // A member keeps the run's word for them while the nearest segment is still theirs.
        provisional: !before || before.segmentId !== segment.id || before.provisional,
        map_x: mapX,
        map_y: mapY,
        recency_days: b.recencyDays === null ? null : Math.max(0, b.recencyDays + shift),
        frequency: b.frequency,
        monetary: b.monetary,
      };
    });
    await this.prisma.$transaction([
      // Customers forgotten meanwhile are left out (the join), not an error.
      this.prisma
        .$executeRaw`INSERT INTO membership (run_id, customer_id, segment_id, distance, outlier, provisional, map_x, map_y, recency_days, frequency, monetary)
        SELECT ${run.id}, x.customer_id, x.segment_id, x.distance, x.outlier, x.provisional, x.map_x, x.map_y, x.recency_days, x.frequency, x.monetary
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS x(customer_id int, segment_id int, distance float8, outlier boolean, provisional boolean, map_x float4, map_y float4, recency_days float8, frequency int, monetary float8)
        JOIN customer c ON c.id = x.customer_id
        ON CONFLICT (run_id, customer_id) DO UPDATE SET segment_id = EXCLUDED.segment_id, distance = EXCLUDED.distance, outlier = EXCLUDED.outlier,
          provisional = EXCLUDED.provisional, map_x = EXCLUDED.map_x, map_y = EXCLUDED.map_y, recency_days = EXCLUDED.recency_days,
          frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary`,
      this.prisma.$executeRaw`UPDATE segmentation_run SET live_revision = live_revision + 1 WHERE id = ${run.id}`,
    ]);
    await this.store.setPayload(
      collection,
      rows.map((r) => ({
        ids: [r.customer_id],
        payload: { segmentId: String(r.segment_id), runId: String(run.id), provisional: r.provisional, outlier: r.outlier },
      })),
    );
    return rows.length;
  }
}

/** Segment ids onto the vectors (filters such as lookalikes within a segment), outliers flagged. */
function payloadUpdates(runId: number, ids: number[], description: Description, segmentIds: number[]): PayloadUpdate[] {
  return description.segments.flatMap((d) => {
    const payload = { segmentId: String(segmentIds[d.index]), runId: String(runId), provisional: false };
    const inliers: number[] = [];
    const outliers: number[] = [];
    for (const r of d.rows) (description.distances[r]! > d.outlierDistance ? outliers : inliers).push(ids[r]!);
    return [
      { ids: inliers, payload: { ...payload, outlier: false } },
      { ids: outliers, payload: { ...payload, outlier: true } },
    ].filter((u) => u.ids.length);
  });
}
