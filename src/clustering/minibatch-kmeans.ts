// Mini-batch k-means (Sculley 2010, as scikit-learn's MiniBatchKMeans): k-means++ on a sample, then
// centres follow random mini-batches with per-centre learning rates 1/count. For very large N, where
// full Lloyd passes cost too much; accuracy within a few per cent of inertia.
import { defaultKernels } from './default-kernels.js';
import { rowNorms, type DistanceKernels } from './kernels.js';
import { kmeansPlusPlus, type KMeansResult } from './kmeans.js';
import { subset, type Matrix } from './matrix.js';
import { sampleIndices, seededRng } from './random.js';

export interface MiniBatchOptions {
  k: number;
  seed: number;
  batchSize?: number;
  /** Passes over the data, in mini-batches. */
  epochs?: number;
  /** Rows used for k-means++ seeding. */
  initSize?: number;
  nInit?: number;
  kernels?: DistanceKernels;
}

export async function miniBatchKMeans(x: Matrix, options: MiniBatchOptions): Promise<KMeansResult> {
  const { k, seed } = options;
  const kernels = options.kernels ?? (await defaultKernels());
  const rng = seededRng(seed);
  const batchSize = options.batchSize ?? 2048;
  const initSample = subset(x, sampleIndices(x.rows, Math.min(x.rows, options.initSize ?? Math.max(3 * batchSize, 10 * k)), rng));
  // Several seedings on the sample; keep the one with the lowest sample inertia.
  const initNorms = rowNorms(initSample);
  let centroids = await kmeansPlusPlus(kernels, initSample, k, rng, initNorms);
  let bestInertia = await inertiaOf(kernels, initSample, centroids, initNorms);
  for (let i = 1; i < (options.nInit ?? 3); i++) {
    const candidate = await kmeansPlusPlus(kernels, initSample, k, rng, initNorms);
    const inertia = await inertiaOf(kernels, initSample, candidate, initNorms);
    if (inertia < bestInertia) {
      bestInertia = inertia;
      centroids = candidate;
    }
  }
  const { dim, data } = x;
  const counts = new Float64Array(k);
  const steps = Math.ceil(((options.epochs ?? 3) * x.rows) / batchSize);
  const batchLabels = new Int32Array(batchSize);
  const batchDistances = new Float64Array(batchSize);
  for (let step = 0; step < steps; step++) {
    const indices = Array.from({ length: batchSize }, () => Math.floor(rng() * x.rows));
    const batch = subset(x, indices);
    batchLabels.fill(-1);
    await kernels.assign(batch, centroids, batchLabels, batchDistances, rowNorms(batch));
    for (let b = 0; b < batchSize; b++) {
      const c = batchLabels[b]!;
      counts[c]!++;
      const eta = 1 / counts[c]!;
      const off = indices[b]! * dim;
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = centroids[c * dim + j]! * (1 - eta) + data[off + j]! * eta;
    }
  }
  const labels = new Int32Array(x.rows).fill(-1);
  const distances = new Float64Array(x.rows);
  await kernels.assign(x, centroids, labels, distances, rowNorms(x));
  let inertia = 0;
  for (let i = 0; i < x.rows; i++) inertia += distances[i]!;
  return { k, centroids, labels, distances, inertia, iterations: steps };
}

async function inertiaOf(kernels: DistanceKernels, x: Matrix, centroids: Float32Array, norms: Float64Array): Promise<number> {
  const labels = new Int32Array(x.rows).fill(-1);
  const distances = new Float64Array(x.rows);
  await kernels.assign(x, centroids, labels, distances, norms);
  return distances.reduce((s, d) => s + d, 0);
}
