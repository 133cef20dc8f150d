// L2-regularised logistic regression: scikit-learn's LogisticRegression(penalty='l2', C) objective —
// C·Σ log-loss + ½‖w‖², the intercept not penalised — fitted by Newton's method (glm.ts); test/value
// holds it to scikit-learn's coefficients.
import { fitGlm, linearPredictor, type Family, type GlmState } from './glm.js';

export interface LogisticRegressionOptions {
  /** Inverse of the penalty's strength, as scikit-learn's C; Infinity: no penalty. */
  c?: number;
  maxIterations?: number;
  /** Stop when the largest Newton step on a coefficient is below this. */
  tolerance?: number;
}

export type LogisticRegressionState = GlmState;

const BERNOULLI: Family = {
  mean: (eta) => sigmoid(eta),
  variance: (mu) => mu * (1 - mu),
  // The base rate's log-odds.
  start: (rate) => {
    const base = Math.min(1 - 1e-6, Math.max(1e-6, rate));
    return Math.log(base / (1 - base));
  },
};

export class LogisticRegression {
  constructor(readonly state: LogisticRegressionState) {}

  /** Rows of features and their 0/1 labels; `weights` per row (default 1). */
  static fit(
    rows: readonly Float64Array[],
    labels: ArrayLike<number>,
    options: LogisticRegressionOptions = {},
    weights?: ArrayLike<number>,
  ): LogisticRegression {
    // C·Σ loss + ½‖w‖² has the minimiser of Σ loss + ½ (1/C) ‖w‖².
    const lambda = options.c === undefined ? 1 : options.c === Infinity ? 0 : 1 / options.c;
    return new LogisticRegression(fitGlm(BERNOULLI, rows, labels, { lambda, maxIterations: options.maxIterations, tolerance: options.tolerance }, weights));
  }

  /** The log-odds of a row. */
  decision(row: ArrayLike<number>): number {
    return linearPredictor(this.state, row);
  }

  probability(row: ArrayLike<number>): number {
    return sigmoid(this.decision(row));
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
