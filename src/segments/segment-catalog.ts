// Reading segmentation results: runs, segments, members (keyset-paginated, so cursors stay valid
// while new customers are assigned), flows between runs and each segment's trend.
import type { PrismaClient } from '../db/database.js';
import { runRecord, segmentRecord, type RunRecord, type SegmentRecord } from '../db/json-columns.js';
import { NotFoundError } from '../errors/domain-errors.js';
import { decodeCursor, pageSize, toPage, type Page } from '../shared/paging.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import type { CustomerProfiles } from '../profiles/customer-profiles.js';
import { assignProspect, type ProspectProfile } from './segment-assigner.js';

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

export interface Member {
  customerId: number;
  distance: number;
  outlier: boolean;
  provisional: boolean;
  recencyDays: number | null;
  frequency: number;
  monetary: number;
  churnRisk: number | null;
  clv: number | null;
}

export interface MemberPage extends Page<Member> {
  /** Members that pass the filter: counted only when asked for. */
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

export class SegmentCatalog {
  constructor(private readonly prisma: PrismaClient) {}

  async activeRun(): Promise<RunRecord | null> {
    const run = await this.prisma.segmentationRun.findFirst({ where: { active: true } });
    return run && runRecord(run);
  }

  async run(id: number): Promise<RunRecord> {
    const run = await this.prisma.segmentationRun.findUnique({ where: { id } });
    if (!run) throw new NotFoundError(`No segmentation run ${id}.`);
    return runRecord(run);
  }

  async runs(limit = 50): Promise<RunRecord[]> {
    return (await this.prisma.segmentationRun.findMany({ orderBy: { id: 'desc' }, take: limit })).map(runRecord);
  }

  /** Segments of a run (the active run when none is named), largest first. */
  async segments(runId?: number) {
    const run = runId === undefined ? await this.activeRun() : await this.run(runId);
    if (!run) return [];
    return (await this.prisma.segment.findMany({ where: { runId: run.id }, omit: { centroid: true }, orderBy: [{ size: 'desc' }, { index: 'asc' }] })).map(
      segmentRecord,
    );
  }

  async segmentsByIds(ids: readonly number[]): Promise<SegmentRecord[]> {
    return (await this.prisma.segment.findMany({ where: { id: { in: [...ids] } }, omit: { centroid: true } })).map(segmentRecord);
  }

  async runsByIds(ids: readonly number[]): Promise<RunRecord[]> {
    return (await this.prisma.segmentationRun.findMany({ where: { id: { in: [...ids] } } })).map(runRecord);
  }

  /** The customers' memberships in the active run (none before the first run). */
  async activeMemberships(customerIds: readonly number[]) {
    const run = await this.prisma.segmentationRun.findFirst({ where: { active: true }, select: { id: true } });
    if (!run) return [];
    return this.prisma.membership.findMany({ where: { runId: run.id, customerId: { in: [...customerIds] } } });
  }

  /** The nearest active segment for a shopper not in the shop (segment-assigner.ts). */
  async assignProspect(embedder: TextEmbedder, profiles: CustomerProfiles, prospect: ProspectProfile) {
    const assigned = await assignProspect(this.prisma, embedder, profiles, prospect);
    return { ...assigned, segment: segmentRecord(assigned.segment) };
  }

  /**
   * Sets a segment's human name, description and tags (null clears, undefined keeps); they follow the
   * segment into later runs through identity matching. Returns the segment before and after.
   */
  async relabel(id: number, labels: { label?: string | null; description?: string | null; tags?: string[] }) {
    const before = await this.segment(id);
    const after = await this.prisma.segment.update({
      where: { id },
      data: { label: labels.label, description: labels.description, ...(labels.tags ? { tags: labels.tags } : {}) },
      omit: { centroid: true },
    });
    return { before, after: segmentRecord(after) };
  }

  async segment(id: number) {
    const segment = await this.prisma.segment.findUnique({ where: { id }, omit: { centroid: true } });
    if (!segment) throw new NotFoundError(`No segment ${id}.`);
    return segmentRecord(segment);
  }

  async members(segmentId: number, options: { first: number; after?: string; orderBy: MemberOrder; filter?: MemberFilter }): Promise<MemberPage> {
    pageSize(options.first);
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
      ...(f.minChurnRisk !== undefined || f.maxChurnRisk !== undefined
        ? { churnRisk: { ...(f.minChurnRisk !== undefined ? { gte: f.minChurnRisk } : {}), ...(f.maxChurnRisk !== undefined ? { lte: f.maxChurnRisk } : {}) } }
        : {}),
      ...(f.minClv !== undefined ? { clv: { gte: f.minClv } } : {}),
    };
    let keyset = {};
    if (options.after) {
      const [, value, customerId] = decodeCursor(options.after, options.orderBy);
      const v = order.nullable && value === EMPTY ? null : value;
      const beyond = order.desc ? { lt: v } : { gt: v };
      keyset =
        v === null
          ? { [order.column]: null, customerId: { gt: customerId } }
          : {
              OR: [{ [order.column]: beyond }, ...(order.nullable ? [{ [order.column]: null }] : []), { [order.column]: v, customerId: { gt: customerId } }],
            };
    }
    const rows = await this.prisma.membership.findMany({
      where: { AND: [where, keyset] },
      orderBy: [
        order.nullable ? { [order.column]: { sort: order.desc ? 'desc' : 'asc', nulls: 'last' } } : { [order.column]: order.desc ? 'desc' : 'asc' },
        { customerId: 'asc' },
      ],
      take: options.first + 1,
    });
    return {
      ...toPage(rows, options.first, (m) => [options.orderBy, m[order.column] ?? EMPTY, m.customerId]),
      totalCount: () => this.prisma.membership.count({ where }),
    };
  }

  /** How customers moved between the segments of two runs (null: not in that run). */
  async migration(fromRunId: number, toRunId: number): Promise<Flow[]> {
    await this.run(fromRunId);
    await this.run(toRunId);
    const rows = await this.prisma.$queryRaw<
      { from_segment: number | null; to_segment: number | null; customers: number }[]
    >`SELECT a.segment_id AS from_segment, b.segment_id AS to_segment, count(*)::int AS customers
       FROM (SELECT customer_id, segment_id FROM membership WHERE run_id = ${fromRunId}) a
       FULL OUTER JOIN (SELECT customer_id, segment_id FROM membership WHERE run_id = ${toRunId}) b ON a.customer_id = b.customer_id
       GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`;
    return rows.map((r) => ({ fromSegmentId: r.from_segment, toSegmentId: r.to_segment, customers: r.customers }));
  }
}
