// Truncated SVD of a sparse matrix by randomised range finding (Halko, Martinsson & Tropp 2011, as
// scikit-learn's TruncatedSVD(algorithm='randomized')): Y = X Ω with a seeded Gaussian Ω of
// k + oversamples columns, power iterations with re-orthonormalisation, B = Qᵀ X, and the small
// eigenproblem of B Bᵀ (ml-matrix) for the top k singular triplets. X is read row by row and never
// densified, so n documents × 40,000 terms cost n × (k + oversamples) floats, not n × 40,000.
// No centring (LSA), like TruncatedSVD; signs fixed so each component's largest entry is positive.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { seededRng } from '../clustering/random.js';
import type { SparseRow } from './tfidf.js';

export interface SvdOptions {
  components: number;
  oversamples?: number;
  powerIterations?: number;
  seed?: number;
}

export interface SvdResult {
  /** Term-major: componentsT[term * k + c] (the layout a sparse row's projection reads). */
  componentsT: Float32Array;
  singularValues: number[];
  /** Share of the total sum of squares of X that each component explains. */
  explainedShare: number[];
  k: number;
}

export function randomizedSvd(rows: readonly SparseRow[], columns: number, options: SvdOptions): SvdResult {
  const n = rows.length;
  const k = Math.min(options.components, n, columns);
  const l = Math.min(k + (options.oversamples ?? 10), n, columns);
  // No documents or no terms (a shop without words): nothing to find.
  if (k <= 0) return { componentsT: new Float32Array(0), singularValues: [], explainedShare: [], k: 0 };
  const rng = seededRng(options.seed ?? 0);
  const gauss = () => {
    const u = Math.max(rng(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  let omega: Float64Array = new Float64Array(columns * l);
  for (let i = 0; i < omega.length; i++) omega[i] = gauss();

  let y: Float64Array = timesDense(rows, omega, l, n);
  for (let q = 0; q < (options.powerIterations ?? 5); q++) {
    orthonormalise(y, n, l);
    omega = transposeTimes(rows, y, l, columns);
    orthonormalise(omega, columns, l);
    y = timesDense(rows, omega, l, n);
  }
  orthonormalise(y, n, l);
  const bT = transposeTimes(rows, y, l, columns); // (Qᵀ X)ᵀ: columns × l

  // B Bᵀ (l × l) = bTᵀ bT; its eigenpairs are U and σ².
  const gram = new Float64Array(l * l);
  for (let j = 0; j < columns; j++) {
    const row = j * l;
    for (let a = 0; a < l; a++) {
      const va = bT[row + a]!;
      if (va === 0) continue;
      for (let b = a; b < l; b++) gram[a * l + b] = gram[a * l + b]! + va * bT[row + b]!;
    }
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) gram[a * l + b] = gram[b * l + a]!;
  const eig = new EigenvalueDecomposition(new Matrix(Array.from({ length: l }, (_, a) => Array.from(gram.subarray(a * l, (a + 1) * l)))), {
    assumeSymmetric: true,
  });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const order = values
    .map((v, i) => [v, i] as const)
    .sort((p, q) => q[0] - p[0])
    .slice(0, k);

  let total = 0;
  for (const r of rows) for (const v of r.values) total += v * v;
  const componentsT = new Float32Array(columns * k);
  const singularValues: number[] = [];
  const largestSigma = Math.sqrt(Math.max(order[0]?.[0] ?? 0, 0));
  order.forEach(([lambda, i], c) => {
    // Components past the data's rank: reported as 0 and left at zero, so no document projects on noise.
    const sigma = Math.sqrt(Math.max(lambda, 0)) >= NEGLIGIBLE * largestSigma ? Math.sqrt(Math.max(lambda, 0)) : 0;
    singularValues.push(sigma);
    if (sigma === 0) return;
    // v_c = Bᵀ u_c / σ_c
    let largest = 0;
    for (let j = 0; j < columns; j++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += bT[j * l + a]! * vectors.get(a, i);
      s /= sigma;
      componentsT[j * k + c] = s;
      if (Math.abs(s) > Math.abs(largest)) largest = s;
    }
    if (largest < 0) for (let j = 0; j < columns; j++) componentsT[j * k + c] = -componentsT[j * k + c]!;
  });
  return { componentsT, singularValues, explainedShare: singularValues.map((s) => (total > 0 ? (s * s) / total : 0)), k };
}

/** A sparse row times the term-major components: its k coordinates. */
export function projectRow(row: SparseRow, componentsT: Float32Array, k: number, out = new Float32Array(k)): Float32Array {
  out.fill(0);
  for (let i = 0; i < row.indices.length; i++) {
    const base = row.indices[i]! * k;
    const v = row.values[i]!;
    for (let c = 0; c < k; c++) out[c] = out[c]! + v * componentsT[base + c]!;
  }
  return out;
}

/** X (n × columns, sparse rows) times a dense columns × l matrix → n × l. */
function timesDense(rows: readonly SparseRow[], dense: Float64Array, l: number, n: number): Float64Array {
  const out = new Float64Array(n * l);
  rows.forEach((r, i) => {
    const o = i * l;
    for (let t = 0; t < r.indices.length; t++) {
      const base = r.indices[t]! * l;
      const v = r.values[t]!;
      for (let a = 0; a < l; a++) out[o + a] = out[o + a]! + v * dense[base + a]!;
    }
  });
  return out;
}

/** Xᵀ times a dense n × l matrix → columns × l. */
function transposeTimes(rows: readonly SparseRow[], dense: Float64Array, l: number, columns: number): Float64Array {
  const out = new Float64Array(columns * l);
  rows.forEach((r, i) => {
    const o = i * l;
    for (let t = 0; t < r.indices.length; t++) {
      const base = r.indices[t]! * l;
      const v = r.values[t]!;
      for (let a = 0; a < l; a++) out[base + a] = out[base + a]! + v * dense[o + a]!;
    }
  });
  return out;
}

/**
 * A column whose squared norm outside the earlier columns' span is below this share of its own is
 * dependent. Rounding in the Gram matrix is ~l·ε ≈ 1e-14 of it; 1e-12 stays clear of that noise.
 */
const DEPENDENT = 1e-12;
/** Singular values below this share of the largest are the basis's rounding, not the data's. */
const NEGLIGIBLE = 1e-6;

/**
 * Orthonormal columns of an m × l row-major matrix, in place: Cholesky QR twice (CholeskyQR2, as
 * stable as Householder for the well-conditioned bases a power iteration makes, and two passes of
 * m·l² work instead of Gram–Schmidt's column-by-column sweeps over memory).
 */
function orthonormalise(a: Float64Array, m: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    const g = new Float64Array(l * l);
    for (let i = 0; i < m; i++) {
      const o = i * l;
      for (let p = 0; p < l; p++) {
        const v = a[o + p]!;
        if (v === 0) continue;
        for (let q = p; q < l; q++) g[p * l + q] = g[p * l + q]! + v * a[o + q]!;
      }
    }
    // Cholesky: g = Rᵀ R (upper R). A column (almost) in the span of the ones before it — the data
    // has lower rank than the basis (few or repeated documents) — has no direction of its own: it is
    // zeroed, not divided by a tiny pivot, which would blow rounding noise up into a unit column.
    const r = new Float64Array(l * l);
    const dead = new Uint8Array(l);
    for (let p = 0; p < l; p++) {
      const own = g[p * l + p]!;
      let d = own;
      for (let s = 0; s < p; s++) d -= r[s * l + p]! ** 2;
      if (!(own > 0) || d <= DEPENDENT * own) {
        dead[p] = 1;
        r[p * l + p] = 1;
        continue;
      }
      const diag = Math.sqrt(d);
      r[p * l + p] = diag;
      for (let q = p + 1; q < l; q++) {
        let v = g[p * l + q]!;
        for (let s = 0; s < p; s++) v -= r[s * l + p]! * r[s * l + q]!;
        r[p * l + q] = v / diag;
      }
    }
    // a ← a R⁻¹, row by row (forward substitution against upper-triangular R).
    for (let i = 0; i < m; i++) {
      const o = i * l;
      for (let q = 0; q < l; q++) {
        if (dead[q]) {
          a[o + q] = 0;
          continue;
        }
        let v = a[o + q]!;
        for (let s = 0; s < q; s++) v -= a[o + s]! * r[s * l + q]!;
        a[o + q] = v / r[q * l + q]!;
      }
    }
  }
}
