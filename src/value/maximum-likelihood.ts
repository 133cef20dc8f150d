// Maximum likelihood for the value models: the negative log-likelihood minimised over log-parameters
// (every parameter is positive) by numeric.js's `uncmin` — BFGS with a line search, a kept optimiser
// rather than a hand-rolled one (fmin was tried first: its package exports nothing under Node's ES
// modules). The gradient is taken by central differences: four parameters, eight evaluations of a sum
// over customers, and no derivative of the hypergeometric terms to get wrong. The optimum is checked
// against scipy's (scripts/value-reference.py) in test/value/value-models.test.ts.
import numeric from 'numeric';

export interface Fit {
  /** The parameters at the optimum (not logged). */
  params: number[];
  /** Log-likelihood at the optimum (a sum over customers; the penalty not included). */
  logLikelihood: number;
  /** Largest |∂(−LL/n)/∂log θ| at the end: small when the optimiser stopped at an optimum. */
  gradient: number;
  converged: boolean;
  iterations: number;
}

/** Largest mean-gradient component (per customer, per log-parameter) accepted as an optimum. */
export const GRADIENT_TOLERANCE = 1e-5;

/**
 * Minimises `negLogLikelihood(θ)` (a sum over `n` customers) over θ > 0 from `initial`. The objective
 * is divided by n so that the tolerances mean the same at any shop size. `penalizer` adds
 * penalizer·Σθ² to that mean, as `lifetimes`' penalizer_coef does.
 */
export function maximiseLikelihood(
  negLogLikelihood: (params: number[]) => number,
  initial: number[],
  n: number,
  { maxIterations = 1000, penalizer = 0 }: { maxIterations?: number; penalizer?: number } = {},
): Fit {
  const f = (logs: number[]) => {
    const params = logs.map(Math.exp);
    let v = negLogLikelihood(params) / n;
    for (const p of params) v += penalizer * p * p;
    return Number.isFinite(v) ? v : 1e300;
  };
  const gradient = (logs: number[]) =>
    logs.map((_, i) => {
      const h = 1e-6;
      const up = logs.slice();
      const down = logs.slice();
      up[i]! += h;
      down[i]! -= h;
      return (f(up) - f(down)) / (2 * h);
    });
  // BFGS may stop on a short step while its Hessian estimate is stale (seen on Online Retail: gradient
  // 1.5e-5 after 75 steps); a restart from there, with a fresh estimate, finishes the job.
  let x = initial.map(Math.log);
  let iterations = 0;
  let worst = Infinity;
  for (let restart = 0; restart < 5 && worst > GRADIENT_TOLERANCE / 10; restart++) {
    const result = numeric.uncmin(f, x, 1e-12, gradient, maxIterations);
    x = result.solution;
    iterations += result.iterations;
    worst = Math.max(...gradient(x).map(Math.abs));
  }
  const value = f(x);
  const params = x.map(Math.exp);
  return {
    params,
    logLikelihood: -negLogLikelihood(params),
    gradient: worst,
    converged: value < 1e300 && worst <= GRADIENT_TOLERANCE && params.every((p) => Number.isFinite(p) && p > 0),
    iterations,
  };
}
