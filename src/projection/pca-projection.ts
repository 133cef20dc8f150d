// The 2-D map of a run: PCA fitted on a seeded sample (of the segments' means, when the run's labels
// are given), then every customer projected with the stored mean and axes. Fitting on a sample keeps the cost flat in the number of customers; storing the axes
// lets customers assigned between runs land on the same map without refitting.
//
// The covariance is accumulated here in one flat Float64Array (ml-pca's own covariance over arrays of
// arrays took 4 s for 2,000 × 520 on this machine, this loop 0.5 s); ml-pca does the eigen-decomposition
// of that covariance. test/projection/pca-projection.test.ts checks the axes against ml-pca's full fit.
import { PCA } from 'ml-pca';
import type { Matrix } from '../clustering/matrix.js';
import { sampleIndices, seededRng } from '../clustering/random.js';

export interface Projection {
  method: 'pca';
  /** Column means of the fitted sample. */
  mean: number[];
  /** Two unit axes, each of the vector's dimension. */
  axes: [number[], number[]];
  /** Share of the sample's total variance along each axis. */
  explainedVariance: [number, number];
  sampleSize: number;
}

export const PROJECTION_SAMPLE = 3000;

/**
 * `labels` (each row's segment): the axes are those along which the segments' means spread most — PCA
 * of the sample with each row replaced by its segment's mean — so the map shows the segments apart even
 * when most of the customers' variance lies in directions that do not separate them (the words' many
 * dimensions); every customer is still placed by their own vector. Without labels, plain PCA.
 */
export function fitProjection(x: Matrix, options: { seed?: number; sampleSize?: number; labels?: ArrayLike<number> } = {}): Projection {
  const { dim } = x;
  const rows = sampleIndices(x.rows, Math.min(x.rows, options.sampleSize ?? PROJECTION_SAMPLE), seededRng((options.seed ?? 42) ^ 0x5bd1e995));
  const n = rows.length;
  const mean = new Float64Array(dim);
  for (const r of rows) for (let j = 0; j < dim; j++) mean[j] = mean[j]! + x.data[r * dim + j]! / n;
  const segmentMeans = options.labels && segmentMeansOf(x, rows, options.labels);
  // Upper triangle of the sample covariance (of the rows, or of their segments' means).
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (const r of rows) {
    const source = segmentMeans ? segmentMeans.get(options.labels![r]!)! : x.data.subarray(r * dim, (r + 1) * dim);
    for (let j = 0; j < dim; j++) centred[j] = source[j]! - mean[j]!;
    for (let a = 0; a < dim; a++) {
      const ca = centred[a]!;
      const o = a * dim;
      for (let b = a; b < dim; b++) cov[o + b] = cov[o + b]! + ca * centred[b]!;
    }
  }
  const denominator = Math.max(1, n - 1);
  const covariance = Array.from({ length: dim }, (_, a) =>
    Array.from({ length: dim }, (_, b) => (a <= b ? cov[a * dim + b]! : cov[b * dim + a]!) / denominator),
  );
  const pca = new PCA(covariance, { isCovarianceMatrix: true });
  const vectors = pca.getEigenvectors();
  const explained = pca.getExplainedVariance();
  const axis = (c: number) => (c < vectors.columns ? orient(vectors.getColumn(c)) : new Array<number>(dim).fill(0));
  return {
    method: 'pca',
    mean: Array.from(mean),
    axes: [axis(0), axis(1)],
    explainedVariance: [explained[0] ?? 0, explained[1] ?? 0],
    sampleSize: n,
  };
}

function segmentMeansOf(x: Matrix, rows: readonly number[], labels: ArrayLike<number>): Map<number, Float64Array> {
  const sums = new Map<number, { sum: Float64Array; n: number }>();
  for (const r of rows) {
    const label = labels[r]!;
    const entry = sums.get(label) ?? { sum: new Float64Array(x.dim), n: 0 };
    for (let j = 0; j < x.dim; j++) entry.sum[j] = entry.sum[j]! + x.data[r * x.dim + j]!;
    entry.n++;
    sums.set(label, entry);
  }
  return new Map([...sums].map(([label, { sum, n }]) => [label, sum.map((v) => v / n)]));
}

/** x, y of every row, interleaved. */
export function project(x: Matrix, projection: Projection): Float32Array {
  const out = new Float32Array(x.rows * 2);
  const { mean, axes } = projection;
  const [a0, a1] = axes;
  for (let r = 0; r < x.rows; r++) {
    const o = r * x.dim;
    let p0 = 0;
    let p1 = 0;
    for (let j = 0; j < x.dim; j++) {
      const c = x.data[o + j]! - mean[j]!;
      p0 += c * a0[j]!;
      p1 += c * a1[j]!;
    }
    out[2 * r] = p0;
    out[2 * r + 1] = p1;
  }
  return out;
}

export function projectOne(vector: ArrayLike<number>, projection: Projection): [number, number] {
  const p = project({ rows: 1, dim: vector.length, data: Float32Array.from(vector) }, projection);
  return [p[0]!, p[1]!];
}

/** An eigenvector's sign is arbitrary: fix it (largest component positive) so maps of reruns agree. */
function orient(v: number[]): number[] {
  let largest = 0;
  for (const c of v) if (Math.abs(c) > Math.abs(largest)) largest = c;
  return largest < 0 ? v.map((c) => -c) : v;
}
