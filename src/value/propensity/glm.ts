// Generalised linear models with a canonical link, L2-penalised, fitted by Newton's method
// (iteratively reweighted least squares). With a canonical link the gradient of the negative
// log-likelihood is Σ wᵢ (μᵢ − yᵢ) xᵢ and its Hessian Σ wᵢ V(μᵢ) xᵢ xᵢᵀ, so one loop serves every
// family; the penalty ½ λ ‖w‖² leaves the intercept free, as scikit-learn's estimators do (tests hold
// both families to scikit-learn's coefficients). Why not a library: the npm ones fit by fixed-step
// gradient descent without a penalty, which does not reach an optimum a reference can check; with a
// dozen features Newton converges in a handful of steps, each one small Cholesky solve (ml-matrix).
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** A family with its canonical link: the mean from the linear predictor, and the variance at a mean. */
export interface Family {
  mean(eta: number): number;
  variance(mu: number): number;
  /** The linear predictor of the intercept-only model at this weighted mean of the targets. */
  start(meanTarget: number): number;
}

export interface GlmOptions {
  /** The penalty λ on the sum of per-row losses: Σ loss + ½ λ ‖w‖². */
  lambda: number;
  maxIterations?: number;
  /** Stop when the largest Newton step on a coefficient is below this. */
  tolerance?: number;
}

export interface GlmState {
  coef: number[];
  intercept: number;
  iterations: number;
  converged: boolean;
}

/** Rows of features, their targets, `weights` per row (default 1). */
export function fitGlm(family: Family, rows: readonly Float64Array[], targets: ArrayLike<number>, options: GlmOptions, weights?: ArrayLike<number>): GlmState {
  const n = rows.length;
  const p = rows[0]?.length ?? 0;
  if (n === 0) throw new RangeError('a regression needs at least one row');
  const { lambda, maxIterations = 100, tolerance = 1e-10 } = options;
  const beta = new Float64Array(p + 1);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights?.[i] ?? 1;
    sum += w * targets[i]!;
    total += w;
  }
  beta[p] = family.start(sum / total);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations && !converged; iterations++) {
    const gradient = new Float64Array(p + 1);
    // The lower triangle, row-major, in a plain array: this loop runs rows × (p + 1)² times.
    const h = new Float64Array((p + 1) * (p + 1));
    for (let i = 0; i < n; i++) {
      const x = rows[i]!;
      const w = weights?.[i] ?? 1;
      let eta = beta[p];
      for (let j = 0; j < p; j++) eta += beta[j]! * x[j]!;
      const mu = family.mean(eta);
      const r = w * (mu - targets[i]!);
      const s = w * family.variance(mu);
      for (let j = 0; j <= p; j++) {
        const xj = j === p ? 1 : x[j]!;
        gradient[j] = gradient[j]! + r * xj;
        const sx = s * xj;
        const base = j * (p + 1);
        for (let k = 0; k <= j; k++) h[base + k] = h[base + k]! + sx * (k === p ? 1 : x[k]!);
      }
    }
    for (let j = 0; j < p; j++) {
      gradient[j] = gradient[j]! + lambda * beta[j]!;
      h[j * (p + 1) + j] = h[j * (p + 1) + j]! + lambda;
    }
    // A tiny ridge keeps the solve defined where the data leave a direction flat (no penalty, a constant column).
    for (let j = 0; j <= p; j++) h[j * (p + 1) + j] = h[j * (p + 1) + j]! + 1e-12 * n;
    const hessian = new Matrix(p + 1, p + 1);
    for (let j = 0; j <= p; j++)
      for (let k = 0; k <= j; k++) {
        hessian.set(j, k, h[j * (p + 1) + k]!);
        hessian.set(k, j, h[j * (p + 1) + k]!);
      }
    const step = new CholeskyDecomposition(hessian).solve(Matrix.columnVector(Array.from(gradient))).getColumn(0);
    let largest = 0;
    for (let j = 0; j <= p; j++) {
      beta[j] = beta[j]! - step[j]!;
      largest = Math.max(largest, Math.abs(step[j]!));
    }
    if (!Number.isFinite(largest)) break;
    converged = largest < tolerance;
  }
  return { coef: Array.from(beta.subarray(0, p)), intercept: beta[p], iterations, converged };
}

/** The linear predictor of a row. */
export function linearPredictor(state: Pick<GlmState, 'coef' | 'intercept'>, row: ArrayLike<number>): number {
  let eta = state.intercept;
  for (let j = 0; j < state.coef.length; j++) eta += state.coef[j]! * row[j]!;
  return eta;
}
