// Automatic k. Every k in the range is fitted (k-means++, restarts, same seed) and scored; the rule:
//   among the k whose smallest segment holds at least `minSegmentShare` of the customers, the highest
//   silhouette wins; a smaller k within SILHOUETTE_TIE of the best is preferred (parsimony: the same
//   separation with fewer segments is easier to use).
// The default range starts at 4: on real, weakly clustered data (Online Retail's 4,372 customers)
// the highest silhouette over 2–20 was k = 2 — two segments with nearly the same keywords, nothing a
// marketer can act on — while planted segments (the demo shop's 8 personas) are found inside 4–16 as
// before. Both ends and the share are per-run parameters.
// Davies–Bouldin, Calinski–Harabasz and inertia are computed and stored for every k, for people to see.
// Large inputs are fitted on a seeded sample to choose k (the final fit on all rows starts from that
// fit's centres); silhouette always uses a seeded sample of at
// most `silhouetteSample` rows (exact when the data is smaller), with one distance matrix for all k.
import { kmeans, type KMeansResult } from './kmeans.js';
import { subset, type Matrix } from './matrix.js';
import { defaultKernels } from './default-kernels.js';
import type { DistanceKernels } from './kernels.js';
import { centroidMetrics, DistanceMatrix, silhouette, type ClusterMetrics } from './metrics.js';
import { miniBatchKMeans } from './minibatch-kmeans.js';
import { sampleIndices, seededRng } from './random.js';

export const SILHOUETTE_TIE = 0.005;

/** Most segments a run may make: beyond this a segmentation stops being a list people read, and the
 * API's cost limits price an unpaginated list of segments at this many. */
export const MAX_SEGMENTS = 64;

/** The clustering defaults, shared by the algorithm and the run record. */
export const CLUSTERING_DEFAULTS = {
  kRange: [4, 16] as [number, number],
  /** A k whose smallest segment is below this share of the customers is passed over (unless every k is). */
  minSegmentShare: 0.01,
  nInit: 4,
  seed: 42,
} as const;

export function kRule(minSegmentShare: number): string {
  return `highest silhouette among k whose smallest segment holds ≥ ${(minSegmentShare * 100).toFixed(1)} % of customers; a smaller k within ${SILHOUETTE_TIE} of the best wins`;
}

export interface ClusteringOptions {
  seed: number;
  /** Forces k; otherwise chosen from kRange. */
  k?: number;
  kRange?: [number, number];
  /** See CLUSTERING_DEFAULTS.minSegmentShare. */
  minSegmentShare?: number;
  nInit?: number;
  /** Rows used to choose k when there are more. */
  fitSample?: number;
  silhouetteSample?: number;
  /** From this many rows on, the final fit uses mini-batch k-means (bounded work per step). */
  miniBatchFrom?: number;
  onProgress?: (done: number, total: number, message: string) => void;
  /** Default: defaultKernels(). */
  kernels?: DistanceKernels;
}

export interface ClusteringResult {
  result: KMeansResult;
  chosenK: number;
  tried: ClusterMetrics[];
  rule: string;
  algorithm: 'kmeans' | 'minibatch-kmeans';
}

export async function cluster(x: Matrix, options: ClusteringOptions): Promise<ClusteringResult> {
  const rng = seededRng(options.seed ^ 0x5bd1e995);
  // The default range shrinks for tiny inputs (a shop of 4 customers still gets 2 or 3 segments);
  // a range asked for explicitly is kept as asked.
  const [kMin, kMax] = options.k
    ? [options.k, options.k]
    : (options.kRange ?? [Math.max(2, Math.min(CLUSTERING_DEFAULTS.kRange[0], x.rows - 1)), CLUSTERING_DEFAULTS.kRange[1]]);
  const minShare = options.minSegmentShare ?? CLUSTERING_DEFAULTS.minSegmentShare;
  const maxK = Math.min(kMax, x.rows - 1);
  if (kMin < 2 && !options.k) throw new RangeError('kRange must start at 2 or more');
  if (kMax > MAX_SEGMENTS) throw new RangeError(`at most ${MAX_SEGMENTS} segments (asked for ${kMax})`);
  if (maxK < kMin) throw new RangeError(`need more than ${kMin} customers to make ${kMin} segments (have ${x.rows})`);
  const fitRows = x.rows > (options.fitSample ?? 20_000) ? sampleIndices(x.rows, options.fitSample ?? 20_000, rng) : undefined;
  const fitData = fitRows ? subset(x, fitRows) : x;
  const silRows = sampleIndices(fitData.rows, Math.min(fitData.rows, options.silhouetteSample ?? 3000), rng);
  const silData = subset(fitData, silRows);
  const kernels = options.kernels ?? (await defaultKernels());
  const distances = await DistanceMatrix.of(silData, kernels);
  const nInit = options.nInit ?? CLUSTERING_DEFAULTS.nInit;

  const tried: ClusterMetrics[] = [];
  const fits = new Map<number, KMeansResult>();
  const total = maxK - kMin + 2;
  for (let k = kMin; k <= maxK; k++) {
    options.onProgress?.(k - kMin, total, `trying k = ${k}`);
    const fit = await kmeans(fitData, { k, seed: options.seed + k, nInit, kernels });
    fits.set(k, fit);
    const silLabels = silRows.map((r) => fit.labels[r]!);
    const sizes = new Int32Array(k);
    for (const label of fit.labels) sizes[label] = sizes[label]! + 1;
    const smallestShare = Math.min(...sizes) / fitData.rows;
    tried.push({ k, silhouette: silhouette(distances, silLabels, k), smallestShare, ...centroidMetrics(fitData, fit.labels, k) });
  }
  const eligible = tried.filter((t) => (t.smallestShare ?? 1) >= minShare);
  const candidates = eligible.length > 0 ? eligible : tried;
  const best = Math.max(...candidates.map((t) => t.silhouette));
  const chosenK = candidates.find((t) => t.silhouette >= best - SILHOUETTE_TIE)!.k;

  options.onProgress?.(total - 1, total, `fitting k = ${chosenK} on all ${x.rows} rows`);
  // Large inputs: the final fit starts from the sample fit's centres (Lloyd converges in a few passes).
  // Mini-batch only from `miniBatchFrom` rows: bench:segment found full passes faster and better at 1M.
  const miniBatch = x.rows >= (options.miniBatchFrom ?? 5_000_000);
  const result = fitRows === undefined
    ? fits.get(chosenK)!
    : miniBatch
      ? await miniBatchKMeans(x, { k: chosenK, seed: options.seed + chosenK, kernels })
      : await kmeans(x, { k: chosenK, seed: options.seed + chosenK, init: fits.get(chosenK)!.centroids, kernels });
  return { result, chosenK, tried, rule: options.k ? 'forced' : kRule(minShare), algorithm: miniBatch && fitRows ? 'minibatch-kmeans' : 'kmeans' };
}
