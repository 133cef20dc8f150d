// Gaussian blobs with known membership, seeded.
import { mulberry32, normal } from '../../src/demo/random.js';
import type { Matrix } from '../../src/clustering/matrix.js';

export function blobs(n: number, k: number, dim: number, seed: number, spread = 0.3, separation = 3): { x: Matrix; truth: number[] } {
  const rng = mulberry32(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: dim }, () => normal(rng, 0, separation)));
  const data = new Float32Array(n * dim);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth.push(c);
    for (let j = 0; j < dim; j++) data[i * dim + j] = centres[c]![j]! + normal(rng, 0, spread);
  }
  return { x: { rows: n, dim, data }, truth };
}
