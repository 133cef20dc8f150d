// Seeded randomness for clustering: a run is reproducible from its seed.
import { mulberry32, type Rng } from '../shared/seeded-random.js';

export type { Rng };

/** A seeded generator; seed 0 is remapped so that it is not a degenerate stream. */
export function seededRng(seed: number): Rng {
  return mulberry32(seed >>> 0 || 0x9e3779b9);
}

/** `count` distinct indices from [0, n), in ascending order (partial Fisher–Yates). */
export function sampleIndices(n: number, count: number, rng: Rng): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return Array.from(pool.subarray(0, count)).sort((a, b) => a - b);
}
