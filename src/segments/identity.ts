// Stable segment identity across runs. New segments are matched one-to-one to the previous active
// run's segments by optimal assignment (Hungarian) on centroid cosine similarity when both runs live in
// the same vector space, or on member overlap (Jaccard) when they do not (another model or vector).
// A pair below the threshold is no match: that segment is new, and keeps no label.
import { minimumCostAssignment } from '../clustering/hungarian.js';

export interface MatchResult {
  /** For each new segment, the index of its previous segment, or -1. */
  previousOf: number[];
  similarity: (number | null)[];
  method: 'centroid-cosine' | 'member-jaccard';
}

export function matchByCentroids(next: Float32Array[], previous: Float32Array[], threshold: number): MatchResult {
  const sim = next.map((a) => previous.map((b) => cosine(a, b)));
  return fromSimilarity(sim, threshold, 'centroid-cosine');
}

export function matchByMembers(next: Set<number>[], previous: Set<number>[], threshold: number): MatchResult {
  const sim = next.map((a) =>
    previous.map((b) => {
      let both = 0;
      for (const x of a) if (b.has(x)) both++;
      return both / (a.size + b.size - both || 1);
    }),
  );
  return fromSimilarity(sim, threshold, 'member-jaccard');
}

function fromSimilarity(sim: number[][], threshold: number, method: MatchResult['method']): MatchResult {
  if (sim.length === 0 || sim[0]!.length === 0) return { previousOf: sim.map(() => -1), similarity: sim.map(() => null), method };
  // A pair below the threshold can never be a match, so it brings the assignment nothing: otherwise
  // the optimum could spend a segment on it and leave two pairs above the threshold unmatched
  // ([[0.80, 0.79], [0.99, 0.80]] at 0.8 matched one segment instead of two).
  const assignment = minimumCostAssignment(sim.map((row) => row.map((s) => (s >= threshold ? -s : 0))));
  const previousOf = assignment.map((j, i) => (j >= 0 && sim[i]![j]! >= threshold ? j : -1));
  return { previousOf, similarity: previousOf.map((j, i) => (j >= 0 ? sim[i]![j]! : null)), method };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
