// The distance work of clustering — nearest centre of every row, and distances from rows to a few
// points — behind one small interface, so the same k-means, k-means++ and silhouette run on either
// implementation: `onnx` (onnxruntime's MLAS GEMM, multi-threaded; the default) or `typescript`
// (plain loops; the reference the tests hold the other to). At the real dimension (527) the loops
// were 56–65× slower than the GEMM on this 2-core machine (bench:segment prints the ratio).
import type { Matrix } from './matrix.js';

export interface DistanceKernels {
  readonly name: 'onnx' | 'typescript';
  /**
   * Nearest of the k centres (k × dim) for every row, by squared Euclidean distance: labels and
   * distances written in place (ties go to the lower centre). Returns how many labels changed.
   * `norms` are the rows' squared norms (rowNorms).
   */
  assign(x: Matrix, centroids: Float32Array, labels: Int32Array, distances: Float64Array, norms: Float64Array): Promise<number>;
  /** Squared distances from every row to each of `points` (m × dim): n × m, row-major, ≥ 0. */
  toPoints(x: Matrix, points: Float32Array, norms: Float64Array): Promise<Float32Array>;
  /** Sum of the rows of each label (k × dim; Lloyd's centre update). */
  sumsByLabel(x: Matrix, labels: Int32Array, k: number): Promise<Float64Array>;
  /** assign, then sumsByLabel of the new labels, in one pass over the rows where a kernel can. */
  assignAndSum(
    x: Matrix,
    centroids: Float32Array,
    labels: Int32Array,
    distances: Float64Array,
    norms: Float64Array,
  ): Promise<{ changed: number; sums: Float64Array }>;
}

/** Squared norm of every row. */
export function rowNorms(x: Matrix): Float64Array {
  return squaredNorms(x.data.subarray(0, x.rows * x.dim), x.dim);
}

export function squaredNorms(points: Float32Array, dim: number): Float64Array {
  const m = points.length / dim;
  const out = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += points[c * dim + j]! ** 2;
    out[c] = s;
  }
  return out;
}
