// Step 3 of a run: what each segment is — behaviour medians and means, top categories, keywords,
// representatives, silhouette, the outlier distance — and its automatic name (unique within the run).
// Behaviour is read for every member (SQL only, 2,000 customers a query); words for a seeded sample of
// KEYWORD_SAMPLE members a segment: reading every customer's history took most of a 100,000-customer run,
// and c-TF-IDF keywords from 2,000 members are the same words.
import { quantileSorted } from 'd3-array';
import type { KMeansResult } from '../../clustering/kmeans.js';
import { sampleIndices, seededRng } from '../../clustering/random.js';
import { throwIfCancelled, type JobControl } from '../../jobs/job-control.js';
import type { BehaviourSummary, CustomerProfiles } from '../../profiles/customer-profiles.js';
import { documentText } from '../../profiles/profile-text.js';
import { distinctKeywords } from '../naming/distinct-keywords.js';
import { rfmArchetype, segmentDescription, segmentName, uniqueNames, type BehaviourStats } from '../naming/segment-namer.js';
import type { LoadedVectors } from './load-vectors.js';

/** Members per segment whose words are read for its keywords (all of them in smaller segments). */
export const KEYWORD_SAMPLE = 2000;
/** Members farther from their centroid than this percentile of their segment's distances are outliers. */
export const OUTLIER_PERCENTILE = 0.99;
const REPRESENTATIVES = 5;
const BEHAVIOUR_BATCH = 2000;
const TEXT_BATCH = 1000;

export interface SegmentStats {
  medians: BehaviourStats;
  means: BehaviourStats;
}

export interface DescribedSegment {
  index: number;
  /** Rows of the run's matrix. */
  rows: number[];
  autoName: string;
  autoDescription: string;
  size: number;
  share: number;
  centroid: Float32Array;
  stats: SegmentStats & { archetype: string };
  topCategories: { category: string; share: number }[];
  keywords: string[];
  /** External ids of the members nearest the centroid. */
  representatives: string[];
  silhouette: number | null;
  outlierDistance: number;
}

export interface Description {
  segments: DescribedSegment[];
  /** The whole run's behaviour medians and means. */
  population: SegmentStats;
  /** Each row's behaviour (recency, orders, spend as of the run), for the memberships. */
  behaviour: (BehaviourSummary | undefined)[];
  /** Each row's Euclidean distance to its centroid. */
  distances: Float64Array;
}

export async function describeSegments(
  profiles: CustomerProfiles,
  loaded: LoadedVectors,
  fit: KMeansResult,
  k: number,
  silhouettes: (number | null)[],
  seed: number,
  control: JobControl,
): Promise<Description> {
  const { ids, externalIds, x } = loaded;
  control.progress(0, x.rows, 'describing segments');
  const asOf = await profiles.asOf();
  const members: number[][] = Array.from({ length: k }, () => []);
  fit.labels.forEach((label, row) => members[label]!.push(row));
  const keywordRows = members.map((rows, c) =>
    rows.length <= KEYWORD_SAMPLE ? rows : sampleIndices(rows.length, KEYWORD_SAMPLE, seededRng(seed ^ (c + 1))).map((i) => rows[i]!),
  );
  const textIds = keywordRows.flat().map((r) => ids[r]!);
  const work = ids.length + textIds.length;

  const byId = new Map<number, BehaviourSummary>();
  for (let i = 0; i < ids.length; i += BEHAVIOUR_BATCH) {
    throwIfCancelled(control.signal);
    for (const p of await profiles.build(ids.slice(i, i + BEHAVIOUR_BATCH), asOf, false)) byId.set(p.id, p.behaviour);
    control.progress(Math.min(ids.length, i + BEHAVIOUR_BATCH), work, 'describing segments');
  }
  const texts = new Map<number, string>();
  for (let i = 0; i < textIds.length; i += TEXT_BATCH) {
    throwIfCancelled(control.signal);
    for (const p of await profiles.build(textIds.slice(i, i + TEXT_BATCH), asOf)) texts.set(p.id, documentText(p.document));
    control.progress(ids.length + Math.min(textIds.length, i + TEXT_BATCH), work, "reading segments' words");
  }

  const behaviour = ids.map((id) => byId.get(id));
  const population = statsOf(behaviour.filter((b): b is BehaviourSummary => b !== undefined));
  const keywords = distinctKeywords(
    keywordRows.map((rows) => rows.map((r) => texts.get(ids[r]!) ?? '')),
    10,
    members.map((rows) => rows.length),
  );
  const distances = Float64Array.from(fit.distances, Math.sqrt);
  const summariesOf = members.map((rows) => rows.map((r) => behaviour[r]).filter((b): b is BehaviourSummary => b !== undefined));
  const statsBy = summariesOf.map(statsOf);
  const archetypes = statsBy.map((stats) => rfmArchetype(stats.medians, population.medians));
  // One archetype for every segment says nothing that tells them apart: names lead with the content.
  const archetypeNames = members.length < 2 || new Set(archetypes).size > 1;
  const segments = members.map((rows, c): DescribedSegment => {
    const summaries = summariesOf[c]!;
    const stats = statsBy[c]!;
    const topCategories = categoryShares(summaries);
    const facts = { size: rows.length, share: rows.length / x.rows, medians: stats.medians, topCategories, keywords: keywords[c]! };
    const archetype = archetypes[c]!;
    const sorted = [...rows].sort((a, b) => distances[a]! - distances[b]!);
    return {
      index: c,
      rows,
      autoName: segmentName(archetypeNames ? archetype : undefined, facts),
      autoDescription: segmentDescription(archetype, facts, population.medians),
      size: rows.length,
      share: rows.length / x.rows,
      centroid: fit.centroids.slice(c * x.dim, (c + 1) * x.dim),
      stats: { ...stats, archetype },
      topCategories,
      keywords: keywords[c]!,
      representatives: sorted.slice(0, REPRESENTATIVES).map((r) => externalIds[r]!),
      silhouette: silhouettes[c] ?? null,
      outlierDistance: quantile(
        sorted.map((r) => distances[r]!),
        OUTLIER_PERCENTILE,
      ),
    };
  });
  const names = uniqueNames(
    segments.map((d) => d.autoName),
    segments.map((d) => d.keywords),
  );
  segments.forEach((d, i) => (d.autoName = names[i]!));
  return { segments, population, behaviour, distances };
}

function statsOf(summaries: BehaviourSummary[]): SegmentStats {
  const fields = ['recencyDays', 'frequency', 'monetary', 'averageOrderValue', 'tenureDays', 'returnRate', 'meanRating'] as const;
  const medians = {} as Record<(typeof fields)[number], number | null>;
  const means = {} as Record<(typeof fields)[number], number | null>;
  for (const f of fields) {
    const values = summaries
      .map((s) => s[f])
      .filter((v): v is number => v !== null && Number.isFinite(v))
      .sort((a, b) => a - b);
    medians[f] = values.length ? quantile(values, 0.5) : null;
    means[f] = values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
  }
  return { medians: medians, means: means };
}

function categoryShares(summaries: BehaviourSummary[]): { category: string; share: number }[] {
  const totals = new Map<string, number>();
  for (const s of summaries) for (const [c, share] of Object.entries(s.categoryShares)) totals.set(c, (totals.get(c) ?? 0) + share / summaries.length);
  return [...totals]
    .map(([category, share]) => ({ category, share }))
    .sort((a, b) => b.share - a.share || (a.category < b.category ? -1 : 1))
    .slice(0, 5);
}

/** Quantile of sorted values (linear interpolation, d3's quantileSorted); 0 for none. */
function quantile(sorted: number[], p: number): number {
  return quantileSorted(sorted, p) ?? 0;
}
