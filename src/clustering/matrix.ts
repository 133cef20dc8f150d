// Vectors as one flat Float32Array (row-major): no object per point, so a million rows cost exactly
// rows × dim × 4 bytes.

export interface Matrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

export function matrixFrom(vectors: readonly Float32Array[]): Matrix {
  const dim = vectors[0]?.length ?? 0;
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => data.set(v, i * dim));
  return { rows: vectors.length, dim, data };
}

export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim);
}

export function squaredDistance(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) {
    const d = a[aOffset + j]! - b[bOffset + j]!;
    s += d * d;
  }
  return s;
}

/** Rows picked by index (e.g. a sample), copied into a new matrix. */
export function subset(m: Matrix, indices: readonly number[]): Matrix {
  const data = new Float32Array(indices.length * m.dim);
  indices.forEach((r, i) => data.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), i * m.dim));
  return { rows: indices.length, dim: m.dim, data };
}
