// L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted least squares):
// the objective is scikit-learn's LogisticRegression(penalty='l2', C) — C·Σ log-loss + ½‖w‖², the
// intercept not penalised — so test/value holds it to scikit-learn's coefficients. Why not a library:
// the npm ones fit by fixed-step gradient descent with no penalty (ml-logistic-regression), which does
// not reach the optimum a reference can be checked against; with a dozen features Newton converges in
// a handful of steps, each one small linear solve (ml-matrix's Cholesky).
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

export interface LogisticRegressionOptions {
  /** Inverse of the penalty's strength, as scikit-learn's C; Infinity: no penalty. */
  c?: number;
  maxIterations?: number;
  /** Stop when the largest Newton step on a coefficient is below this. */
  tolerance?: number;
}

export interface LogisticRegressionState {
  coef: number[];
  intercept: number;
  iterations: number;
  converged: boolean;
}

export class LogisticRegression {
  constructor(readonly state: LogisticRegressionState) {}

  /** Rows of features and their 0/1 labels; `weights` per row (default 1). */
  static fit(
    rows: readonly Float64Array[],
    labels: ArrayLike<number>,
    options: LogisticRegressionOptions = {},
    weights?: ArrayLike<number>,
  ): LogisticRegression {
    const n = rows.length;
    const p = rows[0]?.length ?? 0;
    if (n === 0) throw new RangeError('logistic regression needs at least one row');
    const lambda = options.c === undefined ? 1 : options.c === Infinity ? 0 : 1 / options.c;
    const maxIterations = options.maxIterations ?? 100;
    const tolerance = options.tolerance ?? 1e-10;
    // β = [w_1 … w_p, b]. Start at the base rate's log-odds.
    const beta = new Float64Array(p + 1);
    let positives = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights?.[i] ?? 1;
      positives += w * labels[i]!;
      total += w;
    }
    const base = Math.min(1 - 1e-6, Math.max(1e-6, positives / total));
    beta[p] = Math.log(base / (1 - base));
    let iterations = 0;
    let converged = false;
    for (; iterations < maxIterations && !converged; iterations++) {
      const gradient = new Float64Array(p + 1);
      // The lower triangle, row-major, in a plain array: this loop runs rows × (p + 1)² times.
      const h = new Float64Array((p + 1) * (p + 1));
      for (let i = 0; i < n; i++) {
        const x = rows[i]!;
        const w = weights?.[i] ?? 1;
        let z = beta[p];
        for (let j = 0; j < p; j++) z += beta[j]! * x[j]!;
        const prob = sigmoid(z);
        const r = w * (prob - labels[i]!);
        const s = w * prob * (1 - prob);
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
    return new LogisticRegression({ coef: Array.from(beta.subarray(0, p)), intercept: beta[p], iterations, converged });
  }

  /** The log-odds of a row. */
  decision(row: ArrayLike<number>): number {
    let z = this.state.intercept;
    for (let j = 0; j < this.state.coef.length; j++) z += this.state.coef[j]! * row[j]!;
    return z;
  }

  probability(row: ArrayLike<number>): number {
    return sigmoid(this.decision(row));
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
