// Vectors as one flat Float32Array (row-major): no object per point, so a million rows cost exactly
// rows × dim × 4 bytes.

export interface Matrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

/** Rows picked by index (e.g. a sample), copied into a new matrix. */
export function subset(m: Matrix, indices: readonly number[]): Matrix {
  const data = new Float32Array(indices.length * m.dim);
  indices.forEach((r, i) => data.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), i * m.dim));
  return { rows: indices.length, dim: m.dim, data };
}
