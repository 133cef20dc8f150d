// Segmentation runs: pull the active collection's vectors in batches into one flat matrix, cluster
// (automatic or forced k), describe and name every segment, match it to the previous active run so
// human labels survive, then — in ONE transaction — write the segments and memberships and switch the
// active run. A run that fails or is cancelled before that commit leaves the previous run active and
// nothing of itself but a FAILED/CANCELLED run row. Vector payloads (segment ids) are updated after
// the commit; they are a filter aid, and the database stays the source of truth.
import { randomUUID } from 'node:crypto';
import { CLUSTERING_DEFAULTS } from '../clustering/choose-k.js';
import { clusterInWorker } from '../clustering/cluster-worker.js';
import type { Matrix } from '../clustering/matrix.js';
import { sampleIndices, seededRng } from '../clustering/random.js';
import type { PrismaClient } from '../db/database.js';
import { refreshStatistics } from '../db/statistics.js';
import { InputError } from '../errors/domain-errors.js';
import { projectOne, type Projection } from '../projection/pca-projection.js';
import { activeCollection, nearestCentroid, type ViewBalance } from '../customer-vectors/customer-space.js';
import { throwIfCancelled, type JobControl } from '../jobs/job-registry.js';
import { CustomerProfiles, type BehaviourSummary } from '../profiles/customer-profiles.js';
import { documentText } from '../profiles/profile-text.js';
import type { VectorName, VectorStore } from '../vectors/vector-store.js';
import { matchByCentroids, matchByMembers } from './identity.js';
import { classKeywords } from './naming/ctfidf.js';
import { rfmArchetype, segmentDescription, segmentName, uniqueNames, type BehaviourStats } from './naming/segment-namer.js';

/** Members per segment whose words are read for its keywords (all of them in smaller segments). */
const KEYWORD_SAMPLE = 2000;

export interface SegmentationOptions {
  k?: number;
  kRange?: [number, number];
  minSegmentShare?: number;
  seed?: number;
  vector?: VectorName;
  nInit?: number;
  /** Tests only: throw inside the activation transaction, after everything was written. */
  failBeforeCommit?: boolean;
}

export interface SegmentationReport {
  runId: number;
  k: number;
  customers: number;
  matched: number;
  seconds: number;
}

/** Members farther from their centroid than this percentile of their segment's distances are outliers. */
export const OUTLIER_PERCENTILE = 0.99;
/** Centroid cosine (or member Jaccard) at which a new segment is the same as an old one. */
export const MATCH_THRESHOLD = { 'centroid-cosine': 0.8, 'member-jaccard': 0.3 } as const;
const REPRESENTATIVES = 5;

export class SegmentationService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: VectorStore,
    /** Profiles need the model's token counter to cut texts the same way the embed job did. */
    private readonly profiles: () => Promise<CustomerProfiles>,
  ) {}

  activeCollection(): Promise<string> {
    return activeCollection(this.store);
  }

  async run(control: JobControl, options: SegmentationOptions = {}): Promise<SegmentationReport> {
    const started = performance.now();
    const timings: Record<string, number> = {};
    const lap = (stage: string, since: number) => (timings[stage] = Number(((performance.now() - since) / 1000).toFixed(3)));
    const vector = options.vector ?? 'combined';
    const seed = options.seed ?? CLUSTERING_DEFAULTS.seed;
    const collection = await this.activeCollection();
    const total = await this.store.count(collection);
    await refreshStatistics(this.prisma);
    if (options.k !== undefined && (options.k < 2 || options.k > Math.max(2, total - 1))) throw new InputError(`k must be between 2 and ${Math.max(2, total - 1)}`);
    const index = await this.prisma.vectorIndex.findUnique({ where: { collection }, select: { modelId: true, views: true } });
    // Which views count in `combined`, and why one does not (a shop without text segments on behaviour).
    const views = index?.views
      ? Object.fromEntries(Object.entries(index.views as unknown as ViewBalance).map(([v, s]) => [v, s.note ? { weight: s.weight, note: s.note } : { weight: s.weight }]))
      : null;
    const run = await this.prisma.segmentationRun.create({
      data: {
        collection,
        modelId: index?.modelId ?? 'unknown',
        vectorName: vector,
        parameters: {
          k: options.k ?? null,
          kRange: options.kRange ?? CLUSTERING_DEFAULTS.kRange,
          minSegmentShare: options.minSegmentShare ?? CLUSTERING_DEFAULTS.minSegmentShare,
          seed,
          vector,
          nInit: options.nInit ?? CLUSTERING_DEFAULTS.nInit,
          views,
        },
      },
    });
    try {
      // 1. Vectors, batch by batch, into one flat matrix.
      let t = performance.now();
      control.progress(0, total, 'loading vectors');
      const ids: number[] = [];
      const externalIds: string[] = [];
      let data: Float32Array = new Float32Array(0);
      let dim = 0;
      for await (const batch of this.store.scroll(collection, { batchSize: 2000, withVectors: true })) {
        throwIfCancelled(control.signal);
        for (const p of batch) {
          const v = p.vectors![vector]!;
          if (dim === 0) {
            dim = v.length;
            // Shared memory: the clustering worker reads it without a copy.
            data = new Float32Array(new SharedArrayBuffer(total * dim * 4));
          }
          data.set(v, ids.length * dim);
          ids.push(p.id);
          externalIds.push(String(p.payload.customerId));
        }
        control.progress(ids.length, total, 'loading vectors');
      }
      const x: Matrix = { rows: ids.length, dim, data: data.subarray(0, ids.length * dim) };
      lap('loadVectors', t);
      if (x.rows < 3) throw new InputError(`Only ${x.rows} customers have vectors; segmentation needs at least 3.`);

      // 2. Clustering.
      t = performance.now();
      const { clustering, segmentSilhouettes: silhouettes, projection, map } = await clusterInWorker(
        x,
        { seed, k: options.k, kRange: options.kRange, minSegmentShare: options.minSegmentShare, nInit: options.nInit },
        (done, steps, message) => control.progress(done, steps, message),
        control.signal,
      );
      lap('cluster', t);
      throwIfCancelled(control.signal);
      const { result } = clustering;
      const k = clustering.chosenK;

      // 3. What each segment is: behaviour, content, keywords, representatives, quality.
      t = performance.now();
      control.progress(0, x.rows, 'describing segments');
      const profiles = await this.profiles();
      const asOf = await profiles.asOf();
      const members: number[][] = Array.from({ length: k }, () => []);
      result.labels.forEach((label, row) => members[label]!.push(row));
      // Behaviour of every member (SQL only); words of a seeded sample of each segment for its
      // keywords: reading every customer's history took most of a 100,000-customer run.
      const keywordRows = members.map((rows, c) =>
        rows.length <= KEYWORD_SAMPLE ? rows : sampleIndices(rows.length, KEYWORD_SAMPLE, seededRng(seed ^ (c + 1))).map((i) => rows[i]!),
      );
      const textIds = keywordRows.flat().map((r) => ids[r]!);
      const work = ids.length + textIds.length;
      const summaries = new Map<number, BehaviourSummary>();
      const texts = new Map<number, string>();
      for (let i = 0; i < ids.length; i += 2000) {
        throwIfCancelled(control.signal);
        for (const p of await profiles.build(ids.slice(i, i + 2000), asOf, false)) summaries.set(p.id, p.behaviour);
        control.progress(Math.min(ids.length, i + 2000), work, 'describing segments');
      }
      for (let i = 0; i < textIds.length; i += 1000) {
        throwIfCancelled(control.signal);
        for (const p of await profiles.build(textIds.slice(i, i + 1000), asOf)) texts.set(p.id, documentText(p.document));
        control.progress(ids.length + Math.min(textIds.length, i + 1000), work, 'reading segments\' words');
      }
      const population = statsOf(ids.map((id) => summaries.get(id)!).filter(Boolean));
      const keywords = classKeywords(keywordRows.map((rows) => rows.map((r) => texts.get(ids[r]!) ?? '')));
      const distances = Array.from(result.distances, Math.sqrt);
      const described = members.map((rows, c) => {
        const summariesOf = rows.map((r) => summaries.get(ids[r]!)!).filter(Boolean);
        const stats = statsOf(summariesOf);
        const topCategories = categoryShares(summariesOf);
        const facts = { size: rows.length, share: rows.length / x.rows, medians: stats.medians, topCategories, keywords: keywords[c]! };
        const archetype = rfmArchetype(stats.medians, population.medians);
        const sorted = [...rows].sort((a, b) => distances[a]! - distances[b]!);
        const memberDistances = sorted.map((r) => distances[r]!);
        return {
          index: c,
          rows,
          autoName: segmentName(archetype, facts),
          autoDescription: segmentDescription(archetype, facts, population.medians),
          size: rows.length,
          share: rows.length / x.rows,
          centroid: result.centroids.slice(c * dim, (c + 1) * dim),
          stats: { ...stats, archetype },
          topCategories,
          keywords: keywords[c]!,
          representatives: sorted.slice(0, REPRESENTATIVES).map((r) => externalIds[r]!),
          silhouette: silhouettes[c] ?? null,
          outlierDistance: percentile(memberDistances, OUTLIER_PERCENTILE),
        };
      });
      const names = uniqueNames(described.map((d) => d.autoName), described.map((d) => d.keywords));
      described.forEach((d, i) => (d.autoName = names[i]!));
      lap('describe', t);

      // 4. Identity: match to the previous active run.
      t = performance.now();
      const previous = await this.prisma.segmentationRun.findFirst({ where: { active: true }, include: { segments: { orderBy: { index: 'asc' } } } });
      let previousOf = described.map(() => -1);
      let similarity: (number | null)[] = described.map(() => null);
      const previousMembers = new Map<number, number>(); // customer id → previous segment id
      if (previous) {
        for (const m of await this.prisma.membership.findMany({ where: { runId: previous.id, provisional: false }, select: { customerId: true, segmentId: true } })) {
          previousMembers.set(m.customerId, m.segmentId);
        }
        const sameSpace = previous.collection === collection && previous.vectorName === vector && previous.segments[0] && previous.segments[0].centroid.length === dim * 4;
        const match = sameSpace
          ? matchByCentroids(described.map((d) => d.centroid), previous.segments.map((s) => toFloats(s.centroid)), MATCH_THRESHOLD['centroid-cosine'])
          : matchByMembers(
              described.map((d) => new Set(d.rows.map((r) => ids[r]!))),
              previous.segments.map((s) => new Set([...previousMembers].filter(([, seg]) => seg === s.id).map(([c]) => c))),
              MATCH_THRESHOLD['member-jaccard'],
            );
        previousOf = match.previousOf;
        similarity = match.similarity;
      }
      lap('match', t);
      throwIfCancelled(control.signal);

      // 5. One transaction: segments, memberships, the active switch.
      t = performance.now();
      control.progress(0, 1, 'writing segments');
      const segmentIds = await this.prisma.$transaction(
        async (tx) => {
          const created: number[] = [];
          for (const d of described) {
            const old = previousOf[d.index]! >= 0 ? previous!.segments[previousOf[d.index]!]! : undefined;
            const row = await tx.segment.create({
              data: {
                runId: run.id,
                lineageId: old?.lineageId ?? randomUUID(),
                index: d.index,
                autoName: d.autoName,
                autoDescription: d.autoDescription,
                label: old?.label ?? null,
                description: old?.description ?? null,
                tags: old?.tags ?? [],
                size: d.size,
                share: d.share,
                centroid: new Uint8Array(d.centroid.buffer.slice(d.centroid.byteOffset, d.centroid.byteOffset + d.centroid.byteLength)),
                stats: d.stats as object,
                topCategories: d.topCategories,
                keywords: d.keywords,
                representatives: d.representatives,
                silhouette: d.silhouette,
                outlierDistance: d.outlierDistance,
                matchedSegmentId: old?.id ?? null,
                matchSimilarity: similarity[d.index] ?? null,
              },
            });
            created.push(row.id);
          }
          const rows = ids.map((customerId, r) => {
            const c = result.labels[r]!;
            const b = summaries.get(customerId);
            return {
              run_id: run.id, customer_id: customerId, segment_id: created[c]!, distance: distances[r]!, outlier: distances[r]! > described[c]!.outlierDistance,
              recency_days: b?.recencyDays ?? null, frequency: b?.frequency ?? 0, monetary: b?.monetary ?? 0,
              map_x: map[2 * r]!, map_y: map[2 * r + 1]!,
            };
          });
          for (let i = 0; i < rows.length; i += 20_000) {
            await tx.$executeRawUnsafe(
              `INSERT INTO membership (run_id, customer_id, segment_id, distance, outlier, recency_days, frequency, monetary, map_x, map_y)
               SELECT x.run_id, x.customer_id, x.segment_id, x.distance, x.outlier, x.recency_days, x.frequency, x.monetary, x.map_x, x.map_y
               FROM jsonb_to_recordset($1::jsonb)
                 AS x(run_id int, customer_id int, segment_id int, distance float8, outlier boolean, recency_days float8, frequency int, monetary float8, map_x float4, map_y float4)`,
              JSON.stringify(rows.slice(i, i + 20_000)),
            );
          }
          if (options.failBeforeCommit) throw new Error('injected failure before commit');
          await tx.segmentationRun.updateMany({ where: { active: true }, data: { active: false } });
          const flows = new Map<string, number>();
          if (previous) {
            ids.forEach((customerId, r) => {
              const from = previousMembers.get(customerId);
              const key = `${from ?? 'new'}>${created[result.labels[r]!]}`;
              flows.set(key, (flows.get(key) ?? 0) + 1);
            });
          }
          const chosen = clustering.tried.find((m) => m.k === k)!;
          await tx.segmentationRun.update({
            where: { id: run.id },
            data: {
              status: 'SUCCEEDED',
              active: true,
              k,
              algorithm: clustering.algorithm,
              kRule: clustering.rule,
              metrics: { ...chosen, population } as unknown as object,
              triedK: clustering.tried as object[],
              customerCount: x.rows,
              projection: projection as unknown as object,
              previousRunId: previous?.id ?? null,
              migration: previous
                ? [...flows].map(([key, customers]) => {
                    const [from, to] = key.split('>');
                    return { from: from === 'new' ? null : Number(from), to: Number(to), customers };
                  })
                : undefined,
              finishedAt: new Date(),
            },
          });
          return created;
        },
        { maxWait: 60_000, timeout: 30 * 60_000 },
      );
      lap('activate', t);

      // 6. Segment ids onto the vectors (filters such as lookalikes within a segment).
      t = performance.now();
      const updates = described.flatMap((d) => {
        const outliers = d.rows.filter((r) => distances[r]! > d.outlierDistance).map((r) => ids[r]!);
        const inliers = d.rows.filter((r) => distances[r]! <= d.outlierDistance).map((r) => ids[r]!);
        const payload = { segmentId: String(segmentIds[d.index]), runId: String(run.id), provisional: false };
        return [{ ids: inliers, payload: { ...payload, outlier: false } }, { ids: outliers, payload: { ...payload, outlier: true } }].filter((u) => u.ids.length);
      });
      await this.store.setPayload(collection, updates);
      lap('payloads', t);
      await this.prisma.segmentationRun.update({ where: { id: run.id }, data: { timings } });
      control.progress(1, 1, 'done');
      return { runId: run.id, k, customers: x.rows, matched: previousOf.filter((p) => p >= 0).length, seconds: (performance.now() - started) / 1000 };
    } catch (error) {
      await this.prisma.segmentationRun.update({
        where: { id: run.id },
        data: { status: control.signal.aborted ? 'CANCELLED' : 'FAILED', error: error instanceof Error ? error.message : String(error), finishedAt: new Date(), timings },
      });
      throw error;
    }
  }

  /**
   * Between runs: customers embedded after the active run join its nearest segment at once,
   * flagged provisional (and outlier when beyond the segment's stored distance).
   */
  async assignProvisional(collection: string, customerIds: number[]): Promise<number> {
    const run = await this.prisma.segmentationRun.findFirst({ where: { active: true, collection }, include: { segments: true } });
    if (!run || customerIds.length === 0) return 0;
    const known = new Set(
      (await this.prisma.membership.findMany({ where: { runId: run.id, customerId: { in: customerIds } }, select: { customerId: true } })).map((m) => m.customerId),
    );
    const fresh = customerIds.filter((id) => !known.has(id));
    if (fresh.length === 0) return 0;
    const points = await this.store.retrieve(collection, fresh, true);
    const profiles = await this.profiles();
    const behaviour = new Map((await profiles.build(fresh, await profiles.asOf(), false)).map((p) => [p.id, p.behaviour]));
    const centroids = run.segments.map((s) => toFloats(s.centroid));
    const rows = points.map((p) => {
      const v = p.vectors![run.vectorName as VectorName]!;
      const nearest = nearestCentroid(v, centroids);
      const segment = run.segments[nearest.index]!;
      const [mapX, mapY] = run.projection ? projectOne(v, run.projection as unknown as Projection) : [null, null];
      return { customerId: p.id, segment, distance: nearest.distance, outlier: nearest.distance > segment.outlierDistance, mapX, mapY };
    });
    await this.prisma.membership.createMany({
      data: rows.map((r) => {
        const b = behaviour.get(r.customerId);
        return {
          runId: run.id, customerId: r.customerId, segmentId: r.segment.id, distance: r.distance, outlier: r.outlier, provisional: true, mapX: r.mapX, mapY: r.mapY,
          recencyDays: b?.recencyDays ?? null, frequency: b?.frequency ?? 0, monetary: b?.monetary ?? 0,
        };
      }),
      skipDuplicates: true,
    });
    await this.store.setPayload(
      collection,
      rows.map((r) => ({ ids: [r.customerId], payload: { segmentId: String(r.segment.id), runId: String(run.id), provisional: true, outlier: r.outlier } })),
    );
    return rows.length;
  }
}

export function toFloats(bytes: Uint8Array): Float32Array {
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

export interface SegmentStats {
  medians: BehaviourStats;
  means: BehaviourStats;
}

function statsOf(summaries: BehaviourSummary[]): SegmentStats {
  const fields = ['recencyDays', 'frequency', 'monetary', 'averageOrderValue', 'tenureDays', 'returnRate', 'meanRating'] as const;
  const medians = {} as Record<(typeof fields)[number], number | null>;
  const means = {} as Record<(typeof fields)[number], number | null>;
  for (const f of fields) {
    const values = summaries.map((s) => s[f]).filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
    medians[f] = values.length ? percentile(values, 0.5) : null;
    means[f] = values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
  }
  return { medians: medians as unknown as BehaviourStats, means: means as unknown as BehaviourStats };
}

function categoryShares(summaries: BehaviourSummary[]): { category: string; share: number }[] {
  const totals = new Map<string, number>();
  for (const s of summaries) for (const [c, share] of Object.entries(s.categoryShares)) totals.set(c, (totals.get(c) ?? 0) + share / summaries.length);
  return [...totals]
    .map(([category, share]) => ({ category, share }))
    .sort((a, b) => b.share - a.share || (a.category < b.category ? -1 : 1))
    .slice(0, 5);
}

/** Percentile of sorted values (linear interpolation). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
