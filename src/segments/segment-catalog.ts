// Reading segmentation results: runs, segments, members (keyset-paginated, so cursors stay valid
// while new customers are assigned), flows between runs and each segment's trend.
import type { PrismaClient } from '../db/database.js';
import { InputError, NotFoundError } from '../errors/domain-errors.js';

export type MemberOrder = 'DISTANCE' | 'MONETARY' | 'RECENCY' | 'FREQUENCY' | 'CLV' | 'CHURN_RISK';

export interface MemberFilter {
  outlier?: boolean;
  provisional?: boolean;
  country?: string;
  minMonetary?: number;
  maxMonetary?: number;
  minFrequency?: number;
  maxRecencyDays?: number;
  minChurnRisk?: number;
  maxChurnRisk?: number;
  minClv?: number;
}

export interface MemberPage {
  rows: { customerId: number; distance: number; outlier: boolean; provisional: boolean; recencyDays: number | null; frequency: number; monetary: number; churnRisk: number | null; clv: number | null; cursor: string }[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

export interface Flow {
  fromSegmentId: number | null;
  toSegmentId: number | null;
  customers: number;
}

/**
 * Sort column and direction; a nullable column's empty values (recency of a customer who never
 * bought, the value of one without history) come last, and stand as EMPTY in a cursor.
 */
const ORDER = {
  DISTANCE: { column: 'distance', desc: false, nullable: false },
  MONETARY: { column: 'monetary', desc: true, nullable: false },
  RECENCY: { column: 'recencyDays', desc: false, nullable: true },
  FREQUENCY: { column: 'frequency', desc: true, nullable: false },
  CLV: { column: 'clv', desc: true, nullable: true },
  CHURN_RISK: { column: 'churnRisk', desc: true, nullable: true },
} as const;
const EMPTY = 1e12;

export const MAX_PAGE_SIZE = 500;

export class SegmentCatalog {
  constructor(private readonly prisma: PrismaClient) {}

  activeRun() {
    return this.prisma.segmentationRun.findFirst({ where: { active: true } });
  }

  async run(id: number) {
    const run = await this.prisma.segmentationRun.findUnique({ where: { id } });
    if (!run) throw new NotFoundError(`No segmentation run ${id}.`);
    return run;
  }

  runs(limit = 50) {
    return this.prisma.segmentationRun.findMany({ orderBy: { id: 'desc' }, take: limit });
  }

  /** Segments of a run (the active run when none is named), largest first. */
  async segments(runId?: number) {
    const run = runId === undefined ? await this.activeRun() : await this.run(runId);
    if (!run) return [];
    return this.prisma.segment.findMany({ where: { runId: run.id }, orderBy: [{ size: 'desc' }, { index: 'asc' }] });
  }

  async segment(id: number) {
    const segment = await this.prisma.segment.findUnique({ where: { id } });
    if (!segment) throw new NotFoundError(`No segment ${id}.`);
    return segment;
  }

  async members(segmentId: number, options: { first: number; after?: string; orderBy: MemberOrder; filter?: MemberFilter }): Promise<MemberPage> {
    if (options.first < 0 || options.first > MAX_PAGE_SIZE) {
      throw new InputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, [{ index: -1, field: 'first', message: `must be between 0 and ${MAX_PAGE_SIZE}` }]);
    }
    const order = ORDER[options.orderBy];
    const f = options.filter ?? {};
    const where = {
      segmentId,
      ...(f.outlier !== undefined ? { outlier: f.outlier } : {}),
      ...(f.provisional !== undefined ? { provisional: f.provisional } : {}),
      ...(f.country !== undefined ? { customer: { country: f.country } } : {}),
      monetary: { ...(f.minMonetary !== undefined ? { gte: f.minMonetary } : {}), ...(f.maxMonetary !== undefined ? { lte: f.maxMonetary } : {}) },
      ...(f.minFrequency !== undefined ? { frequency: { gte: f.minFrequency } } : {}),
      ...(f.maxRecencyDays !== undefined ? { recencyDays: { lte: f.maxRecencyDays } } : {}),
      ...(f.minChurnRisk !== undefined || f.maxChurnRisk !== undefined ? { churnRisk: { ...(f.minChurnRisk !== undefined ? { gte: f.minChurnRisk } : {}), ...(f.maxChurnRisk !== undefined ? { lte: f.maxChurnRisk } : {}) } } : {}),
      ...(f.minClv !== undefined ? { clv: { gte: f.minClv } } : {}),
    };
    let keyset = {};
    if (options.after) {
      const [orderBy, value, customerId] = decodeCursor(options.after);
      if (orderBy !== options.orderBy) throw new InputError('cursor belongs to another ordering', [{ index: -1, field: 'after', message: 'belongs to another orderBy' }]);
      const v = order.nullable && value === EMPTY ? null : value;
      const beyond = order.desc ? { lt: v } : { gt: v };
      keyset =
        v === null
          ? { [order.column]: null, customerId: { gt: customerId } }
          : {
              OR: [
                { [order.column]: beyond },
                ...(order.nullable ? [{ [order.column]: null }] : []),
                { [order.column]: v, customerId: { gt: customerId } },
              ],
            };
    }
    const rows = await this.prisma.membership.findMany({
      where: { AND: [where, keyset] },
      orderBy: [order.nullable ? { [order.column]: { sort: order.desc ? 'desc' : 'asc', nulls: 'last' } } : { [order.column]: order.desc ? 'desc' : 'asc' }, { customerId: 'asc' }],
      take: options.first + 1,
    });
    const page = rows.slice(0, options.first);
    return {
      rows: page.map((m) => {
        const raw = m[order.column] as number | null;
        return { ...m, cursor: encodeCursor([options.orderBy, raw ?? EMPTY, m.customerId]) };
      }),
      hasNextPage: rows.length > options.first,
      totalCount: () => this.prisma.membership.count({ where }),
    };
  }

  /** How customers moved between the segments of two runs (null: not in that run). */
  async migration(fromRunId: number, toRunId: number): Promise<Flow[]> {
    await this.run(fromRunId);
    await this.run(toRunId);
    const rows = await this.prisma.$queryRawUnsafe<{ from_segment: number | null; to_segment: number | null; customers: number }[]>(
      `SELECT a.segment_id AS from_segment, b.segment_id AS to_segment, count(*)::int AS customers
       FROM (SELECT customer_id, segment_id FROM membership WHERE run_id = $1) a
       FULL OUTER JOIN (SELECT customer_id, segment_id FROM membership WHERE run_id = $2) b ON a.customer_id = b.customer_id
       GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
      fromRunId,
      toRunId,
    );
    return rows.map((r) => ({ fromSegmentId: r.from_segment, toSegmentId: r.to_segment, customers: r.customers }));
  }
}

export function encodeCursor(value: unknown[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor(cursor: string): [string, number, number] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 3 && typeof parsed[1] === 'number' && typeof parsed[2] === 'number') return parsed as [string, number, number];
  } catch {
    // fall through
  }
  throw new InputError('invalid cursor', [{ index: -1, field: 'after', message: 'is not a cursor this API gave out' }]);
}
