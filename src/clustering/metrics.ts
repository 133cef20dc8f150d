// Cluster quality, as scikit-learn defines it (Euclidean): silhouette, Davies–Bouldin,
// Calinski–Harabasz and inertia. scripts/sklearn-check.py checks the numbers against scikit-learn.
import { defaultKernels } from './default-kernels.js';
import { rowNorms, type DistanceKernels } from './kernels.js';
import type { Matrix } from './matrix.js';

export interface ClusterMetrics {
  k: number;
  silhouette: number;
  daviesBouldin: number;
  calinskiHarabasz: number;
  inertia: number;
  /** The smallest segment's share of the rows (the k rule passes over k with tiny segments). */
  smallestShare?: number;
  /** Spectral runs: silhouette of the rows in the spectral embedding (one factor of their k rule). */
  embeddingSilhouette?: number;
  /** Spectral runs: the graph's relative eigengap after k (choose-k.ts: eigengapScore), the k rule's other factor. */
  eigengap?: number;
}

/** Pairwise Euclidean distances of a (sample) matrix, computed once and reused for every k. */
export class DistanceMatrix {
  private constructor(
    readonly n: number,
    readonly d: Float32Array,
  ) {}

  /** All n² distances in one kernel call (a GEMM with the ONNX kernels); the diagonal is exactly 0. */
  static async of(x: Matrix, kernels?: DistanceKernels): Promise<DistanceMatrix> {
    const k = kernels ?? (await defaultKernels());
    const squared = await k.toPoints(x, x.data, rowNorms(x));
    const n = x.rows;
    for (let i = 0; i < n; i++) {
      squared[i * n + i] = 0;
      for (let j = 0; j < n; j++) squared[i * n + j] = Math.sqrt(squared[i * n + j]!);
    }
    return new DistanceMatrix(n, squared);
  }
}

/** Mean silhouette coefficient (scikit-learn: a point alone in its cluster scores 0). */
export function silhouette(distances: DistanceMatrix, labels: ArrayLike<number>, k: number): number {
  return silhouetteSamples(distances, labels, k).reduce((s, v) => s + v, 0) / distances.n;
}

export function silhouetteSamples(distances: DistanceMatrix, labels: ArrayLike<number>, k: number): Float64Array {
  const { n, d } = distances;
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[labels[i]!]!++;
  const out = new Float64Array(n);
  const sums = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const rowOff = i * n;
    for (let j = 0; j < n; j++) sums[labels[j]!]! += d[rowOff + j]!;
    const own = labels[i]!;
    if (sizes[own]! <= 1) continue;
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    out[i] = b === Infinity ? 0 : (b - a) / Math.max(a, b);
  }
  return out;
}

/** Davies–Bouldin, Calinski–Harabasz and inertia from rows and labels (centres are the label means). */
export function centroidMetrics(x: Matrix, labels: ArrayLike<number>, k: number): Omit<ClusterMetrics, 'silhouette' | 'k'> {
  const { rows, dim, data } = x;
  const centres = new Float64Array(k * dim);
  const sizes = new Float64Array(k);
  const mean = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    const c = labels[i]!;
    sizes[c]!++;
    for (let j = 0; j < dim; j++) {
      centres[c * dim + j]! += data[i * dim + j]!;
      mean[j]! += data[i * dim + j]! / rows;
    }
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) centres[c * dim + j]! /= sizes[c]! || 1;
  const scatter = new Float64Array(k);
  let within = 0;
  for (let i = 0; i < rows; i++) {
    const c = labels[i]!;
    let s = 0;
    for (let j = 0; j < dim; j++) s += (data[i * dim + j]! - centres[c * dim + j]!) ** 2;
    within += s;
    scatter[c]! += Math.sqrt(s);
  }
  let between = 0;
  for (let c = 0; c < k; c++) {
    scatter[c]! /= sizes[c]! || 1;
    let s = 0;
    for (let j = 0; j < dim; j++) s += (centres[c * dim + j]! - mean[j]!) ** 2;
    between += sizes[c]! * s;
  }
  let db = 0;
  for (let a = 0; a < k; a++) {
    let worst = 0;
    for (let b = 0; b < k; b++) {
      if (a === b) continue;
      let s = 0;
      for (let j = 0; j < dim; j++) s += (centres[a * dim + j]! - centres[b * dim + j]!) ** 2;
      const separation = Math.sqrt(s);
      const ratio = separation === 0 ? 0 : (scatter[a]! + scatter[b]!) / separation;
      if (ratio > worst) worst = ratio;
    }
    db += worst;
  }
  return {
    daviesBouldin: db / k,
    calinskiHarabasz: within === 0 ? 1 : (between * (rows - k)) / (within * (k - 1)),
    inertia: within,
  };
}

/** Adjusted Rand index between two labelings (1 = identical partitions, ~0 = chance). */
export function adjustedRandIndex(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = a.length;
  const pairs = new Map<string, number>();
  const rowsA = new Map<number | string, number>();
  const rowsB = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}\u0000${b[i]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    rowsA.set(a[i]!, (rowsA.get(a[i]!) ?? 0) + 1);
    rowsB.set(b[i]!, (rowsB.get(b[i]!) ?? 0) + 1);
  }
  const choose2 = (m: number) => (m * (m - 1)) / 2;
  const sumPairs = [...pairs.values()].reduce((s, m) => s + choose2(m), 0);
  const sumA = [...rowsA.values()].reduce((s, m) => s + choose2(m), 0);
  const sumB = [...rowsB.values()].reduce((s, m) => s + choose2(m), 0);
  const expected = (sumA * sumB) / choose2(n);
  const max = (sumA + sumB) / 2;
  return max === expected ? 1 : (sumPairs - expected) / (max - expected);
}

/**
 * Normalised mutual information between two labelings, arithmetic normalisation (scikit-learn's
 * default): I(A; B) / ((H(A) + H(B)) / 2); 1 = identical partitions, 0 = independent.
 */
export function normalizedMutualInfo(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = a.length;
  const joint = new Map<string, { count: number; a: number | string; b: number | string }>();
  const countsA = new Map<number | string, number>();
  const countsB = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}\u0000${b[i]}`;
    const cell = joint.get(key);
    if (cell) cell.count++;
    else joint.set(key, { count: 1, a: a[i]!, b: b[i]! });
    countsA.set(a[i]!, (countsA.get(a[i]!) ?? 0) + 1);
    countsB.set(b[i]!, (countsB.get(b[i]!) ?? 0) + 1);
  }
  const entropy = (counts: Map<number | string, number>) => [...counts.values()].reduce((s, c) => s - (c / n) * Math.log(c / n), 0);
  const hA = entropy(countsA);
  const hB = entropy(countsB);
  if (hA === 0 && hB === 0) return 1;
  let mi = 0;
  for (const { count, a: x, b: y } of joint.values()) mi += (count / n) * Math.log((count * n) / (countsA.get(x)! * countsB.get(y)!));
  const denominator = (hA + hB) / 2;
  return denominator === 0 ? 0 : Math.max(0, mi / denominator);
}
