// Seeded randomness for clustering: a run is reproducible from its seed.
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
