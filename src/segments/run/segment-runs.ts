// Where segmentation runs live in the database, and the only code that writes them. `activate` is
// the run's one transaction: the segments, every membership (set-based INSERTs), the migration flows
// (one GROUP BY over the two runs' memberships), the switch of the active run, the run record. A
// failure before its commit leaves the previous run active and nothing of the new one but the run row,
// which `fail` marks FAILED or CANCELLED.
import { randomUUID } from 'node:crypto';
import type { ClusteringResult } from '../../clustering/choose-k.js';
import type { Prisma, PrismaClient } from '../../db/database.js';
import { toJson } from '../../db/json-columns.js';
import type { Projection } from '../../projection/pca-projection.js';
import type { DescribedSegment, Description } from './describe-segments.js';
import type { RunParameters } from './run-options.js';
import type { RunValue } from '../../value/shop-value.js';

/** Rows per membership INSERT (one JSON document each). */
const MEMBERSHIP_CHUNK = 20_000;

export interface PreviousSegment {
  id: number;
  lineageId: string;
  label: string | null;
  description: string | null;
  tags: string[];
  centroid: Uint8Array;
}

export interface PreviousRun {
  id: number;
  collection: string;
  vectorName: string;
  segments: PreviousSegment[];
}

export interface Activation {
  runId: number;
  ids: number[];
  labels: Int32Array;
  description: Description;
  /** The 2-D map, two floats a row. */
  map: Float32Array;
  clustering: Pick<ClusteringResult, 'chosenK' | 'ruleK' | 'algorithm' | 'rule' | 'tried'>;
  projection: Projection;
  previous: PreviousRun | null;
  /** For each described segment, the index of the previous segment it continues, or -1. */
  previousOf: number[];
  similarity: (number | null)[];
  /** The value models fitted for this run, and its members' values. */
  value: RunValue;
}

export interface Flow {
  from: number | null;
  to: number;
  customers: number;
}

export class SegmentRuns {
  constructor(private readonly prisma: PrismaClient) {}

  async start(collection: string, modelId: string, parameters: RunParameters, views: object | null): Promise<number> {
    const run = await this.prisma.segmentationRun.create({
      data: { collection, modelId, vectorName: parameters.vector, parameters: { ...parameters, views } },
      select: { id: true },
    });
    return run.id;
  }

  previousActive(): Promise<PreviousRun | null> {
    return this.prisma.segmentationRun.findFirst({
      where: { active: true },
      select: {
        id: true,
        collection: true,
        vectorName: true,
        segments: { orderBy: { index: 'asc' }, select: { id: true, lineageId: true, label: true, description: true, tags: true, centroid: true } },
      },
    });
  }

  /** The customers of each of a run's segments (for matching segments across vector spaces). */
  async membersBySegment(runId: number): Promise<Map<number, Set<number>>> {
    const out = new Map<number, Set<number>>();
    for (const m of await this.prisma.membership.findMany({ where: { runId, provisional: false }, select: { customerId: true, segmentId: true } })) {
      let set = out.get(m.segmentId);
      if (!set) out.set(m.segmentId, (set = new Set()));
      set.add(m.customerId);
    }
    return out;
  }

  /** Writes the run and makes it the active one, all or nothing. Returns the new segments' ids by index. */
  async activate(a: Activation): Promise<number[]> {
    const { segments, behaviour, distances, population } = a.description;
    return this.prisma.$transaction(
      async (tx) => {
        const created: number[] = [];
        for (const d of segments) {
          const old = a.previousOf[d.index]! >= 0 ? a.previous!.segments[a.previousOf[d.index]!]! : undefined;
          const row = await tx.segment.create({ data: segmentRow(a.runId, d, old, a.similarity[d.index] ?? null), select: { id: true } });
          created.push(row.id);
        }
        // A member's churn risk and value ride on their membership row (what segment pages sort and
        // band by), written with it rather than by an UPDATE joining the two tables afterwards, which
        // rewrote every membership row of the run a second time.
        const valueOf = new Map(a.value.rows.map((v) => [v.customer_id, v]));
        for (let start = 0; start < a.ids.length; start += MEMBERSHIP_CHUNK) {
          const rows = [];
          for (let r = start; r < Math.min(a.ids.length, start + MEMBERSHIP_CHUNK); r++) {
            const c = a.labels[r]!;
            const b = behaviour[r];
            const v = valueOf.get(a.ids[r]!);
            rows.push({
              customer_id: a.ids[r]!,
              segment_id: created[c]!,
              distance: distances[r]!,
              outlier: distances[r]! > segments[c]!.outlierDistance,
              recency_days: b?.recencyDays ?? null,
              frequency: b?.frequency ?? 0,
              monetary: b?.monetary ?? 0,
              map_x: a.map[2 * r]!,
              map_y: a.map[2 * r + 1]!,
              churn_risk: v?.churn_risk ?? null,
              clv: v?.clv ?? null,
            });
          }
          await tx.$executeRaw`INSERT INTO membership (run_id, customer_id, segment_id, distance, outlier, recency_days, frequency, monetary, map_x, map_y, churn_risk, clv)
             SELECT ${a.runId}, x.customer_id, x.segment_id, x.distance, x.outlier, x.recency_days, x.frequency, x.monetary, x.map_x, x.map_y, x.churn_risk, x.clv
             FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
               AS x(customer_id int, segment_id int, distance float8, outlier boolean, recency_days float8, frequency int, monetary float8, map_x float4, map_y float4,
                    churn_risk float8, clv float8)`;
        }
        for (let start = 0; start < a.value.rows.length; start += MEMBERSHIP_CHUNK) {
          await tx.$executeRaw`
            INSERT INTO customer_value (run_id, customer_id, frequency, recency, age, monetary, p_alive, expected_purchases, expected_spend, clv, churn_risk, churn_reasons, purchase_rate)
            SELECT ${a.runId}, v.customer_id, v.frequency, v.recency, v.age, v.monetary, v.p_alive, v.expected_purchases, v.expected_spend, v.clv, v.churn_risk, v.churn_reasons, v.purchase_rate
            FROM jsonb_to_recordset(${JSON.stringify(a.value.rows.slice(start, start + MEMBERSHIP_CHUNK))}::jsonb)
              AS v(customer_id int, frequency int, recency float8, age float8, monetary float8, p_alive float8, expected_purchases float8, expected_spend float8, clv float8, churn_risk float8, churn_reasons jsonb, purchase_rate float8)`;
        }
        // Statistics for what this transaction wrote, before joining on it: nothing has analysed these
        // rows yet (autovacuum sees them only after the commit; PGlite has none), and without them the
        // planner took the 100,000 new memberships for a few hundred and joined them with the previous
        // run's by scanning it once per member — the second segmentation of a 100,000-customer shop
        // sat in the flows query below for over ten minutes (issue 26).
        await tx.$executeRaw`ANALYZE membership, customer_value`;
        // Who moved where: every member of this run, from their (non-provisional) segment in the previous one.
        const flows = a.previous
          ? await tx.$queryRaw<Flow[]>`SELECT prev.segment_id AS "from", cur.segment_id AS "to", count(*)::int AS customers
               FROM membership cur
               LEFT JOIN membership prev ON prev.run_id = ${a.previous.id} AND prev.customer_id = cur.customer_id AND NOT prev.provisional
               WHERE cur.run_id = ${a.runId}
               GROUP BY 1, 2
               ORDER BY 1 NULLS FIRST, 2`
          : undefined;
        await tx.segmentationRun.updateMany({ where: { active: true }, data: { active: false } });
        // The metrics of the fit the rule chose; `k` below is the segments actually made (see ruleK).
        const chosen = a.clustering.tried.find((m) => m.k === a.clustering.ruleK)!;
        await tx.segmentationRun.update({
          where: { id: a.runId },
          data: {
            status: 'SUCCEEDED',
            active: true,
            k: a.clustering.chosenK,
            algorithm: a.clustering.algorithm,
            kRule: a.clustering.rule,
            metrics: toJson({ ...chosen, population }),
            triedK: toJson(a.clustering.tried),
            customerCount: a.ids.length,
            valueModel: toJson(a.value.state),
            projection: toJson(a.projection),
            previousRunId: a.previous?.id ?? null,
            migration: flows?.map((f) => ({ from: f.from, to: f.to, customers: Number(f.customers) })),
            finishedAt: new Date(),
          },
        });
        return created;
      },
      { maxWait: 60_000, timeout: 30 * 60_000 },
    );
  }

  async recordTimings(runId: number, timings: Record<string, number>): Promise<void> {
    await this.prisma.segmentationRun.update({ where: { id: runId }, data: { timings } });
  }

  /** Runs left RUNNING by a process that died (nothing is running them now): FAILED, with why. */
  async failAbandoned(reason: string, lockKey: string): Promise<number> {
    // One statement: a segmentation job that starts meanwhile (and its run) is not touched.
    return this.prisma.$executeRaw`
      UPDATE segmentation_run SET status = 'FAILED', error = ${reason}, finished_at = CURRENT_TIMESTAMP
      WHERE status = 'RUNNING'
        AND NOT EXISTS (SELECT 1 FROM job WHERE lock_key = ${lockKey} AND status IN ('QUEUED', 'RUNNING'))`;
  }

  async fail(runId: number, cancelled: boolean, error: unknown, timings: Record<string, number>): Promise<void> {
    await this.prisma.segmentationRun.update({
      where: { id: runId },
      data: { status: cancelled ? 'CANCELLED' : 'FAILED', error: error instanceof Error ? error.message : String(error), finishedAt: new Date(), timings },
    });
  }
}

function segmentRow(runId: number, d: DescribedSegment, old: PreviousSegment | undefined, similarity: number | null): Prisma.SegmentUncheckedCreateInput {
  return {
    runId,
    // A matched segment continues its lineage and keeps what people gave it.
    lineageId: old?.lineageId ?? randomUUID(),
    index: d.index,
    autoName: d.autoName,
    autoDescription: d.autoDescription,
    label: old?.label ?? null,
    description: old?.description ?? null,
    tags: old?.tags ?? [],
    size: d.size,
    share: d.share,
    centroid: toBytes(d.centroid),
    stats: toJson(d.stats),
    topCategories: d.topCategories,
    keywords: d.keywords,
    representatives: d.representatives,
    silhouette: d.silhouette,
    outlierDistance: d.outlierDistance,
    matchedSegmentId: old?.id ?? null,
    matchSimilarity: similarity,
  };
}

/** A centroid as stored: float32 little-endian bytes. */
export function toBytes(v: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer);
}

export function toFloats(bytes: Uint8Array): Float32Array {
  return new Float32Array(Uint8Array.from(bytes).buffer);
}
