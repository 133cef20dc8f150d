// Domain records (JSON columns already read: db/json-columns.ts) → GraphQL objects. Internal row ids stay inside: customers are known by the shop's id.
import { InputError } from '../errors/domain-errors.js';
import type { BehaviourStats as Stats } from '../segments/naming/segment-namer.js';
import { type Customer } from './types/customer.js';
import { AudienceKind, type Audience, type AudienceVersion } from './types/audience.js';
import type { AudienceVersion as DomainVersion, SavedAudience } from '../audiences/saved-audiences.js';
import { type ClusterMetrics, toRunStatus, type RunStatus, type Segment, type SegmentationRun } from './types/segment.js';

type SegmentRow = {
  id: number;
  runId: number;
  lineageId: string;
  autoName: string;
  autoDescription: string;
  label: string | null;
  description: string | null;
  tags: string[];
  size: number;
  share: number;
  stats: { medians: Stats; means: Stats; archetype: string };
  topCategories: { category: string; share: number }[];
  keywords: string[];
  representatives: string[];
  silhouette: number | null;
  outlierDistance: number;
  matchedSegmentId: number | null;
};

export function toSegment(row: SegmentRow): Segment {
  const { stats } = row;
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
    topCategories: row.topCategories,
    keywords: row.keywords,
    quality: row.silhouette,
    outlierDistance: row.outlierDistance,
    representativeIds: row.representatives,
    matchedSegmentId: row.matchedSegmentId,
  };
}

export function toCustomer(row: {
  id: number;
  externalId: string;
  country: string | null;
  signupAt: Date | null;
  attributes: Record<string, unknown>;
  marketingConsent: boolean | null;
  suppressedAt: Date | null;
  suppressionReason: string | null;
}): Customer {
  return {
    id: row.externalId,
    internalId: row.id,
    country: row.country,
    signupAt: row.signupAt,
    attributes: row.attributes,
    marketingConsent: row.marketingConsent,
    suppressedAt: row.suppressedAt,
    suppressionReason: row.suppressionReason,
  };
}

type RunRow = {
  id: number;
  status: `${RunStatus}`;
  active: boolean;
  k: number | null;
  algorithm: string | null;
  kRule: string | null;
  vectorName: string;
  modelId: string;
  parameters: Record<string, unknown>;
  metrics: ClusterMetrics | null;
  triedK: ClusterMetrics[];
  timings: Record<string, number> | null;
  customerCount: number | null;
  previousRunId: number | null;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
};

export function toRun(row: RunRow): SegmentationRun {
  const metric = (x: ClusterMetrics): ClusterMetrics => ({
    ...x,
    embeddingSilhouette: x.embeddingSilhouette ?? null,
    eigengap: x.eigengap ?? null,
    smallestShare: x.smallestShare ?? null,
  });
  return {
    id: String(row.id),
    status: toRunStatus(row.status),
    active: row.active,
    k: row.k,
    algorithm: row.algorithm,
    kRule: row.kRule,
    vector: row.vectorName,
    modelId: row.modelId,
    parameters: row.parameters,
    metrics: row.metrics && metric(row.metrics),
    triedK: row.triedK.map(metric),
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

export function toAudience(a: SavedAudience): Audience {
  return { ...a, id: String(a.id), kind: a.kind === 'FILTER' ? AudienceKind.FILTER : AudienceKind.LOOKALIKE, csvPath: `/audiences/${a.id}/members.csv` };
}

export function toVersion(v: DomainVersion): AudienceVersion {
  return { ...v, jobId: v.jobId, csvPath: `/audiences/${v.audienceId}/members.csv?version=${v.version}` };
}
