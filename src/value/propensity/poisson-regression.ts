// L2-regularised Poisson regression (log link): scikit-learn's PoissonRegressor(alpha) objective —
// the mean half-deviance plus ½ α ‖w‖², the intercept not penalised — fitted by Newton's method
// (glm.ts); test/value holds it to scikit-learn's coefficients. It forecasts counts: how many days a
// customer will buy on over a horizon, learnt from the shop's earlier windows.
import { fitGlm, linearPredictor, type Family, type GlmState } from './glm.js';

export interface PoissonRegressionOptions {
  /** scikit-learn's alpha: the penalty on the mean deviance scale. */
  alpha?: number;
  maxIterations?: number;
  tolerance?: number;
}

export type PoissonRegressionState = GlmState;

/** exp(η) capped where a count forecast stops meaning anything (e^30 ≈ 10¹³), so a Newton step cannot overflow. */
const MAX_ETA = 30;

const POISSON: Family = {
  mean: (eta) => Math.exp(Math.min(MAX_ETA, eta)),
  variance: (mu) => mu,
  start: (mean) => Math.log(Math.max(1e-9, mean)),
};

export class PoissonRegression {
  constructor(readonly state: PoissonRegressionState) {}

  /** Rows of features and their counts (non-negative); `weights` per row (default 1). */
  static fit(rows: readonly Float64Array[], counts: ArrayLike<number>, options: PoissonRegressionOptions = {}, weights?: ArrayLike<number>): PoissonRegression {
    // (1/n)·Σ ½ deviance + ½ α‖w‖² has the minimiser of Σ (μ − y η) + ½ (n α) ‖w‖².
    let n = 0;
    for (let i = 0; i < rows.length; i++) n += weights?.[i] ?? 1;
    const lambda = (options.alpha ?? 1) * n;
    return new PoissonRegression(fitGlm(POISSON, rows, counts, { lambda, maxIterations: options.maxIterations, tolerance: options.tolerance }, weights));
  }

  /** The expected count for a row. */
  mean(row: ArrayLike<number>): number {
    return POISSON.mean(linearPredictor(this.state, row));
  }
}

/** The median of a Poisson distribution with mean `lambda` (the forecast with the least expected absolute error). */
export function poissonMedian(lambda: number): number {
  if (!(lambda > 0)) return 0;
  let k = 0;
  let term = Math.exp(-lambda);
  let cdf = term;
  // Beyond e^-λ underflow (λ > ~700), the normal approximation is exact enough for a median.
  if (term === 0) return Math.max(0, Math.round(lambda + 1 / 3 - 0.02 / lambda));
  while (cdf < 0.5) {
    k++;
    term *= lambda / k;
    cdf += term;
  }
  return k;
}
