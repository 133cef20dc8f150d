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
import { rowNorms } from './kernels.js';
import { subset, type Matrix } from './matrix.js';
import { defaultKernels } from './default-kernels.js';
import type { DistanceKernels } from './kernels.js';
import { centroidMetrics, DistanceMatrix, silhouette, type ClusterMetrics } from './metrics.js';
import { miniBatchKMeans } from './minibatch-kmeans.js';
import { sampleIndices, seededRng } from './random.js';
import { embeddingRows, knnGraph, NEIGHBOURS, spectralEmbedding } from './spectral.js';

export const SILHOUETTE_TIE = 0.005;
/**
 * Spectral runs score each k by the silhouette of the rows in the embedding times the square root of
 * the graph's relative eigengap after k (`eigengapScore`). Chosen on the shop family's tuning half
 * (bench:quality, seeds 1–20; the hard and demo shops as constraints): silhouette alone under-split
 * shops of many personas (automatic k within ±1 of the planted number in 7 of 20, median ARI 0.745),
 * because a few merged personas can score as well as all of them; with the eigengap 12 of 20, median
 * 0.804, the hard shop (10) and the demo shop (8) unchanged or better. Either alone did worse: the
 * relative eigengap alone a median of 0.770 and a minimum of 0.242 (it reads noise among near-equal
 * eigenvalues as structure), the absolute gap 14 segments for the demo shop's 8 personas.
 */
export const EIGENGAP_POWER = 0.5;
/**
 * Eigenvalues within this of the smallest non-trivial one count as the same: below it, gaps between
 * them are numerical and graph noise, not structure. On the tuning half 0.0025–0.0075 gave medians
 * within 0.005 and the same k for the hard and demo shops; 0.01 took the demo shop to 13 segments.
 */
export const EIGENGAP_NOISE = 0.005;

/**
 * What the spectral k rule maximises: the silhouette in the embedding (negative counts as 0) × the
 * eigengap after k to EIGENGAP_POWER. A k without an eigengap (Lanczos found fewer eigenpairs than
 * k + 1) scores 0: a relative eigengap is below 1, so reading a missing one as 1 would favour that k.
 */
export function kScore(t: Pick<ClusterMetrics, 'embeddingSilhouette' | 'eigengap'>): number {
  return Math.max(0, t.embeddingSilhouette ?? 0) * (t.eigengap ?? 0) ** EIGENGAP_POWER;
}

/**
 * (λ_{k+1} − λ_k) / (λ_{k+1} − λ_2 + EIGENGAP_NOISE), λ_1 ≤ λ_2 ≤ … the normalised Laplacian's
 * eigenvalues (λ_1 = 0): how far the (k+1)-th stands above the k-th, relative to how far it stands
 * above the smallest non-trivial one. The regularised graph (spectral.ts) puts every eigenvalue of a
 * well-separated group near one floor; a clear gap after the k-th says k groups. Null when the
 * embedding holds no (k+1)-th eigenvalue.
 */
export function eigengapScore(eigenvalues: ArrayLike<number>, k: number): number | null {
  if (k >= eigenvalues.length || k < 2) return null;
  const gap = eigenvalues[k]! - eigenvalues[k - 1]!;
  return Math.max(0, gap) / (eigenvalues[k]! - eigenvalues[1]! + EIGENGAP_NOISE);
}

/** Below this many rows a neighbour graph says little: spectral runs fall back to k-means. */
export const SPECTRAL_MIN_ROWS = 100;

export type ClusteringAlgorithm = 'spectral' | 'kmeans';

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
  algorithm: 'spectral' as ClusteringAlgorithm,
} as const;

export function kRule(minSegmentShare: number, algorithm: ClusteringAlgorithm = 'kmeans'): string {
  return algorithm === 'spectral'
    ? `highest silhouette in the spectral embedding × √(relative eigengap after k) among k whose smallest segment holds ≥ ${(minSegmentShare * 100).toFixed(1)} % of customers`
    : `highest silhouette among k whose smallest segment holds ≥ ${(minSegmentShare * 100).toFixed(1)} % of customers; a smaller k within ${SILHOUETTE_TIE} of the best wins`;
}

export interface ClusteringOptions {
  seed: number;
  /** Forces k; otherwise chosen from kRange. */
  k?: number;
  kRange?: [number, number];
  /** See CLUSTERING_DEFAULTS.minSegmentShare. */
  minSegmentShare?: number;
  nInit?: number;
  /** Default CLUSTERING_DEFAULTS.algorithm; spectral needs SPECTRAL_MIN_ROWS rows, else k-means runs. */
  algorithm?: ClusteringAlgorithm;
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
  /** Segments made: `result.k`. */
  chosenK: number;
  /**
   * The k the rule chose (or the one asked for): its entry in `tried` holds the run's metrics. Spectral
   * runs can make fewer segments than that when a chosen group's centre is nearer to no row than
   * another centre is (nearestCentres drops it), so chosenK is never looked up in `tried`.
   */
  ruleK: number;
  tried: ClusterMetrics[];
  rule: string;
  algorithm: 'kmeans' | 'minibatch-kmeans' | 'spectral';
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

  const algorithm = options.algorithm ?? CLUSTERING_DEFAULTS.algorithm;
  if (algorithm === 'spectral' && fitData.rows >= SPECTRAL_MIN_ROWS) {
    return spectral(x, fitData, silRows, distances, {
      kMin,
      maxK,
      minShare,
      nInit,
      kernels,
      seed: options.seed,
      forced: Boolean(options.k),
      onProgress: options.onProgress,
    });
  }
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
  const result =
    fitRows === undefined
      ? fits.get(chosenK)!
      : miniBatch
        ? await miniBatchKMeans(x, { k: chosenK, seed: options.seed + chosenK, kernels })
        : await kmeans(x, { k: chosenK, seed: options.seed + chosenK, init: fits.get(chosenK)!.centroids, kernels });
  return {
    result,
    chosenK,
    ruleK: chosenK,
    tried,
    rule: options.k ? 'forced' : kRule(minShare),
    algorithm: miniBatch && fitRows ? 'minibatch-kmeans' : 'kmeans',
  };
}

/**
 * Spectral clustering of the fit rows for every k (spectral.ts), k chosen by kScore (the silhouette of
 * the rows in the embedding and the graph's eigengap after k), then every row — sampled or not — joins
 * the nearest centre of the chosen segments in the original space: the centres are what the service stores and what later customers
 * and prospects are assigned by, so a run's members are exactly the ones those centres claim.
 */
async function spectral(
  x: Matrix,
  fitData: Matrix,
  silRows: number[],
  distances: DistanceMatrix,
  o: {
    kMin: number;
    maxK: number;
    minShare: number;
    nInit: number;
    kernels: DistanceKernels;
    seed: number;
    forced: boolean;
    onProgress?: ClusteringOptions['onProgress'];
  },
): Promise<ClusteringResult> {
  const total = o.maxK - o.kMin + 4;
  o.onProgress?.(0, total, `linking each customer to ${NEIGHBOURS} neighbours`);
  const graph = await knnGraph(fitData, NEIGHBOURS, o.kernels);
  o.onProgress?.(1, total, 'computing the spectral embedding');
  // One eigenpair beyond the largest k: the eigengap after k needs the (k+1)-th eigenvalue.
  const embedding = spectralEmbedding(graph, o.maxK + 1, o.seed);
  const tried: ClusterMetrics[] = [];
  const fits = new Map<number, Int32Array>();
  for (let k = o.kMin; k <= o.maxK; k++) {
    o.onProgress?.(2 + k - o.kMin, total, `trying k = ${k}`);
    const rows = embeddingRows(embedding, Math.min(k, embedding.m));
    const fit = await kmeans(rows, { k, seed: o.seed + k, nInit: o.nInit, kernels: o.kernels });
    fits.set(k, fit.labels);
    const silLabels = silRows.map((r) => fit.labels[r]!);
    const sizes = new Int32Array(k);
    for (const label of fit.labels) sizes[label] = sizes[label]! + 1;
    tried.push({
      k,
      silhouette: silhouette(distances, silLabels, k),
      embeddingSilhouette: silhouette(await DistanceMatrix.of(subset(rows, silRows), o.kernels), silLabels, k),
      eigengap: eigengapScore(embedding.values, k) ?? undefined,
      smallestShare: Math.min(...sizes) / fitData.rows,
      ...centroidMetrics(fitData, fit.labels, k),
    });
  }
  const eligible = tried.filter((t) => (t.smallestShare ?? 1) >= o.minShare);
  const candidates = eligible.length > 0 ? eligible : tried;
  const chosenK = candidates.reduce((best, t) => (kScore(t) > kScore(best) ? t : best)).k;

  o.onProgress?.(total - 1, total, `assigning all ${x.rows} rows to the ${chosenK} segments' centres`);
  const result = await nearestCentres(x, fitData, fits.get(chosenK)!, chosenK, o.kernels);
  return { result, chosenK: result.k, ruleK: chosenK, tried, rule: o.forced ? 'forced' : kRule(o.minShare, 'spectral'), algorithm: 'spectral' };
}

/** Centres of the fit rows' groups, and every row of `x` assigned to its nearest (empty groups dropped). */
async function nearestCentres(x: Matrix, fitData: Matrix, fitLabels: Int32Array, k: number, kernels: DistanceKernels): Promise<KMeansResult> {
  const sums = await kernels.sumsByLabel(fitData, fitLabels, k);
  const counts = new Int32Array(k);
  for (const l of fitLabels) counts[l]!++;
  const kept = Array.from({ length: k }, (_, c) => c).filter((c) => counts[c]! > 0);
  let centroids = new Float32Array(kept.length * x.dim);
  kept.forEach((c, i) => {
    for (let j = 0; j < x.dim; j++) centroids[i * x.dim + j] = sums[c * x.dim + j]! / counts[c]!;
  });
  const labels = new Int32Array(x.rows).fill(-1);
  const distances = new Float64Array(x.rows);
  await kernels.assign(x, centroids, labels, distances, rowNorms(x));
  // A centre that claims no row at all (between two others) is dropped and the labels renumbered.
  const used = new Int32Array(kept.length);
  for (const l of labels) used[l]!++;
  if (used.some((u) => u === 0)) {
    const renumber = new Int32Array(kept.length).fill(-1);
    let next = 0;
    used.forEach((u, c) => {
      if (u > 0) renumber[c] = next++;
    });
    const compact = new Float32Array(next * x.dim);
    renumber.forEach((to, from) => {
      if (to >= 0) compact.set(centroids.subarray(from * x.dim, (from + 1) * x.dim), to * x.dim);
    });
    centroids = compact;
    for (let i = 0; i < labels.length; i++) labels[i] = renumber[labels[i]!]!;
  }
  const inertia = distances.reduce((s, d) => s + d, 0);
  return { k: centroids.length / x.dim, centroids, labels, distances, inertia, iterations: 0 };
}
