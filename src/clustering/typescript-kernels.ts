// The distance kernels as plain loops: the reference the ONNX kernels are tested against, and the
// fallback where onnxruntime cannot load.
import { squaredNorms, type DistanceKernels } from './kernels.js';
import type { Matrix } from './matrix.js';

export const typescriptKernels: DistanceKernels = {
  name: 'typescript',

  async assign(x, centroids, labels, distances, norms) {
    return assignRows(x, centroids, labels, distances, norms);
  },

  async toPoints(x, points, norms) {
    const { rows, dim, data } = x;
    const m = points.length / dim;
    const pNorms = squaredNorms(points, dim);
    const out = new Float32Array(rows * m);
    for (let i = 0; i < rows; i++) {
      for (let c = 0; c < m; c++) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += data[i * dim + j]! * points[c * dim + j]!;
        out[i * m + c] = Math.max(0, norms[i]! - 2 * dot + pNorms[c]!);
      }
    }
    return out;
  },

  async assignAndSum(x, centroids, labels, distances, norms) {
    const changed = assignRows(x, centroids, labels, distances, norms);
    return { changed, sums: await this.sumsByLabel(x, labels, centroids.length / x.dim) };
  },

  async sumsByLabel(x, labels, k) {
    const { rows, dim, data } = x;
    const sums = new Float64Array(k * dim);
    for (let i = 0; i < rows; i++) {
      const off = i * dim;
      const coff = labels[i]! * dim;
      for (let j = 0; j < dim; j++) sums[coff + j]! += data[off + j]!;
    }
    return sums;
  },
};

/** Nearest centre of every row (‖x‖² − 2x·c + ‖c‖²); returns how many labels changed. */
export function assignRows(x: Matrix, centroids: Float32Array, labels: Int32Array, distances: Float64Array, norms: Float64Array): number {
  const { rows, dim, data } = x;
  const k = centroids.length / dim;
  const cNorms = squaredNorms(centroids, dim);
  let changed = 0;
  for (let i = 0; i < rows; i++) {
    const off = i * dim;
    let best = -1;
    let bestDist = Infinity;
    for (let c = 0; c < k; c++) {
      const coff = c * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += data[off + j]! * centroids[coff + j]!;
      const d = norms[i]! - 2 * dot + cNorms[c]!;
      if (d < bestDist) {
        bestDist = d;
        best = c;
      }
    }
    if (labels[i] !== best) changed++;
    labels[i] = best;
    distances[i] = Math.max(0, bestDist);
  }
  return changed;
}
