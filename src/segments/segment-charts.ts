// What dashboards chart: the run's 2-D customer map and each segment's RFM histograms against the
// population. Both read one run's memberships once and keep them while the run's membership count is
// unchanged (customers assigned between runs change it), so a dashboard's repeated views cost a
// count(*) each rather than a scan.
import { quantileSorted } from 'd3-array';
import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../db/database.js';
import { readProjection } from '../db/json-columns.js';
import { InputError } from '../errors/domain-errors.js';
import type { Projection } from '../projection/pca-projection.js';

export interface CustomerMap {
  runId: number;
  projection: Projection | null;
  customerIds: string[];
  x: number[];
  y: number[];
  /** Internal segment id of each point. */
  segmentIds: number[];
}

export type Metric = 'recencyDays' | 'frequency' | 'monetary';

export interface Histogram {
  metric: Metric;
  scale: 'linear' | 'log';
  /** bins + 1 edges, in the metric's units; the first and last bins also hold what lies beyond them. */
  edges: number[];
  members: number[];
  population: number[];
}

interface RunColumns {
  key: string;
  segmentIds: Int32Array;
  values: Record<Metric, Float64Array>;
  /** The values present (recency is NaN for customers who never bought), sorted: for the bin range. */
  sorted: Record<Metric, number[]>;
}

export const MAX_BINS = 100;
const CACHED_RUNS = 2;

export class SegmentCharts {
  private readonly maps = new LRUCache<number, { key: string; map: CustomerMap }>({ max: CACHED_RUNS });
  private readonly columns = new LRUCache<number, RunColumns>({ max: CACHED_RUNS });

  constructor(private readonly prisma: PrismaClient) {}

  async customerMap(runId: number): Promise<CustomerMap> {
    const key = await this.version(runId);
    const cached = this.maps.get(runId);
    if (cached?.key === key) return cached.map;
    const [run, rows] = await Promise.all([
      this.prisma.segmentationRun.findUnique({ where: { id: runId }, select: { projection: true } }),
      this.prisma.$queryRaw<{ id: string; x: number; y: number; s: number }[]>`SELECT c.external_id AS id, m.map_x AS x, m.map_y AS y, m.segment_id AS s
         FROM membership m JOIN customer c ON c.id = m.customer_id
         WHERE m.run_id = ${runId} AND m.map_x IS NOT NULL ORDER BY m.customer_id`,
    ]);
    const map: CustomerMap = {
      runId,
      projection: run ? readProjection(run.projection, `segmentation_run ${runId}`) : null,
      customerIds: rows.map((r) => r.id),
      // float4 on disk: four decimals say all it holds at map scale and halve the JSON.
      x: rows.map((r) => round(r.x)),
      y: rows.map((r) => round(r.y)),
      segmentIds: rows.map((r) => r.s),
    };
    this.maps.set(runId, { key, map });
    return map;
  }

  async histograms(segment: { id: number; runId: number }, bins: number): Promise<Histogram[]> {
    if (!Number.isInteger(bins) || bins < 2 || bins > MAX_BINS) {
      throw new InputError(`bins must be between 2 and ${MAX_BINS}`, [{ index: -1, field: 'bins', message: `must be between 2 and ${MAX_BINS}` }]);
    }
    const columns = await this.runColumns(segment.runId);
    return (['recencyDays', 'frequency', 'monetary'] as const).map((metric) => {
      const values = columns.values[metric];
      const finite = columns.sorted[metric];
      const lo = Math.min(0, quantileSorted(finite, 0.01) ?? 0);
      const hi = Math.max(lo + 1, quantileSorted(finite, 0.99) ?? 0);
      // Heavy tails get log bins, except order counts small enough that log bins would fall between integers.
      const scale = metric === 'recencyDays' || (metric === 'frequency' && hi - lo <= 3 * bins) ? 'linear' : 'log';
      const forward = scale === 'log' ? (v: number) => Math.log1p(Math.max(0, v - lo)) : (v: number) => v - lo;
      const inverse = scale === 'log' ? (t: number) => Math.expm1(t) + lo : (t: number) => t + lo;
      const width = forward(hi) / bins;
      const edges = Array.from({ length: bins + 1 }, (_, i) => round(inverse(i * width)));
      const members = new Array<number>(bins).fill(0);
      const population = new Array<number>(bins).fill(0);
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (Number.isNaN(v)) continue;
        const bin = Math.min(bins - 1, Math.max(0, Math.floor(forward(v) / width)));
        population[bin]! += 1;
        if (columns.segmentIds[i] === segment.id) members[bin]! += 1;
      }
      return { metric, scale, edges, members, population };
    });
  }

  /** Changes when customers join the run or are placed again (live updates). */
  private async version(runId: number): Promise<string> {
    const rows = await this.prisma.$queryRaw<{ revision: number }[]>`SELECT live_revision AS revision FROM segmentation_run WHERE id = ${runId}`;
    return String(rows[0]?.revision ?? 0);
  }

  private async runColumns(runId: number): Promise<RunColumns> {
    const key = await this.version(runId);
    const cached = this.columns.get(runId);
    if (cached?.key === key) return cached;
    const rows = await this.prisma.membership.findMany({ where: { runId }, select: { segmentId: true, recencyDays: true, frequency: true, monetary: true } });
    const values = {
      recencyDays: Float64Array.from(rows, (r) => r.recencyDays ?? Number.NaN),
      frequency: Float64Array.from(rows, (r) => r.frequency),
      monetary: Float64Array.from(rows, (r) => r.monetary),
    };
    const sortedPresent = (v: Float64Array) => Array.from(v.filter((x) => !Number.isNaN(x)).sort());
    const columns: RunColumns = {
      key,
      segmentIds: Int32Array.from(rows, (r) => r.segmentId),
      values,
      sorted: { recencyDays: sortedPresent(values.recencyDays), frequency: sortedPresent(values.frequency), monetary: sortedPresent(values.monetary) },
    };
    this.columns.set(runId, columns);
    return columns;
  }
}

function round(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
