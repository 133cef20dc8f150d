// Database rows → GraphQL objects. Internal row ids stay inside: customers are known by the shop's id.
import { InputError } from '../errors/domain-errors.js';
import type { BehaviourStats as Stats } from '../segments/naming/segment-namer.js';
import { Customer } from './types/customer.js';
import { ClusterMetrics, RunStatus, Segment, SegmentationRun } from './types/segment.js';

type SegmentRow = {
  id: number; runId: number; lineageId: string; autoName: string; autoDescription: string; label: string | null; description: string | null;
  tags: string[]; size: number; share: number; stats: unknown; topCategories: unknown; keywords: unknown; representatives: unknown;
  silhouette: number | null; outlierDistance: number; matchedSegmentId: number | null;
};

export function toSegment(row: SegmentRow): Segment {
  const stats = row.stats as { medians: Stats; means: Stats; archetype: string };
  return {
    id: String(row.id),
    runId: String(row.runId),
    runIdNumber: row.runId,
    lineageId: row.lineageId,
    name: row.label ?? row.autoName,
    automaticName: row.autoName,
    description: row.description ?? row.autoDescription,
    automaticDescription: row.autoDescription,
    label: row.label,
    tags: row.tags,
    size: row.size,
    share: row.share,
    archetype: stats.archetype,
    medians: stats.medians,
    means: stats.means,
    topCategories: row.topCategories as { category: string; share: number }[],
    keywords: row.keywords as string[],
    quality: row.silhouette,
    outlierDistance: row.outlierDistance,
    representativeIds: row.representatives as string[],
    matchedSegmentId: row.matchedSegmentId,
  };
}

export function toCustomer(row: { id: number; externalId: string; country: string | null; signupAt: Date | null; attributes: unknown }): Customer {
  return { id: row.externalId, internalId: row.id, country: row.country, signupAt: row.signupAt, attributes: (row.attributes ?? {}) as Record<string, unknown> };
}

type RunRow = {
  id: number; status: string; active: boolean; k: number | null; algorithm: string | null; kRule: string | null; vectorName: string; modelId: string;
  parameters: unknown; metrics: unknown; triedK: unknown; timings: unknown; customerCount: number | null; previousRunId: number | null;
  startedAt: Date; finishedAt: Date | null; error: string | null;
};

export function toRun(row: RunRow): SegmentationRun {
  const metric = (m: unknown): ClusterMetrics | null => {
    if (!m || typeof m !== 'object') return null;
    const x = m as ClusterMetrics;
    return { k: x.k, silhouette: x.silhouette, daviesBouldin: x.daviesBouldin, calinskiHarabasz: x.calinskiHarabasz, inertia: x.inertia, embeddingSilhouette: x.embeddingSilhouette ?? null, smallestShare: x.smallestShare ?? null };
  };
  return {
    id: String(row.id),
    status: row.status as RunStatus,
    active: row.active,
    k: row.k,
    algorithm: row.algorithm,
    kRule: row.kRule,
    vector: row.vectorName,
    modelId: row.modelId,
    parameters: row.parameters,
    metrics: metric(row.metrics),
    triedK: ((row.triedK as unknown[]) ?? []).map(metric).filter((m): m is ClusterMetrics => m !== null),
    timings: row.timings,
    customerCount: row.customerCount,
    previousRunId: row.previousRunId === null ? null : String(row.previousRunId),
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    error: row.error,
  };
}

/** An ID argument that must be a positive integer (runs, segments, audiences). */
export function numericId(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InputError(`${field} must be a numeric id`, [{ index: -1, field, message: 'must be a numeric id' }]);
  return n;
}
