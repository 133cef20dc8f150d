// Step 4 of a run: which of the previous active run's segments each new segment continues (so human
// labels survive). Same vector space: centroid cosine; another model or vector: member overlap, for
// which the previous run's memberships are read (only then).
import { matchByCentroids, matchByMembers, type MatchResult } from '../identity.js';
import type { DescribedSegment } from './describe-segments.js';
import { toFloats, type PreviousRun, type SegmentRuns } from './segment-runs.js';

/** Centroid cosine (or member Jaccard) at which a new segment is the same as an old one. */
export const MATCH_THRESHOLD = { 'centroid-cosine': 0.8, 'member-jaccard': 0.3 } as const;

export async function matchPrevious(
  runs: SegmentRuns,
  previous: PreviousRun | null,
  segments: DescribedSegment[],
  ids: number[],
  space: { collection: string; vector: string; dim: number },
): Promise<Pick<MatchResult, 'previousOf' | 'similarity'>> {
  if (!previous || previous.segments.length === 0) return { previousOf: segments.map(() => -1), similarity: segments.map(() => null) };
  const sameSpace = previous.collection === space.collection && previous.vectorName === space.vector && previous.segments[0]!.centroid.length === space.dim * 4;
  if (sameSpace) {
    return matchByCentroids(
      segments.map((d) => d.centroid),
      previous.segments.map((s) => toFloats(s.centroid)),
      MATCH_THRESHOLD['centroid-cosine'],
    );
  }
  const members = await runs.membersBySegment(previous.id);
  return matchByMembers(
    segments.map((d) => new Set(d.rows.map((r) => ids[r]!))),
    previous.segments.map((s) => members.get(s.id) ?? new Set()),
    MATCH_THRESHOLD['member-jaccard'],
  );
}
