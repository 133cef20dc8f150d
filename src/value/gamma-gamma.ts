// Gamma–Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): each purchase's value is Gamma(p, ν) around a
// customer's own mean, and ν ~ Gamma(q, γ) across customers. Fitted on customers with repeat purchases
// (the mean of their repeat purchases' values, as the model intends: one purchase says too little of a
// customer's spend), it shrinks each customer's mean towards the population's by how many purchases
// back it. Formulas as in `lifetimes` (GammaGammaFitter).
import { maximiseLikelihood, type Fit } from './maximum-likelihood.js';
import { gammaln } from './special.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export class GammaGamma {
  constructor(readonly params: GammaGammaParams) {}

  /** Maximum likelihood over (repeat purchases, mean repeat value) of customers with x > 0 and value > 0. */
  static fit(customers: readonly { frequency: number; monetary: number }[]): { model: GammaGamma; fit: Fit } {
    const used = customers.filter((c) => c.frequency > 0 && c.monetary > 0);
    const x = Float64Array.from(used, (c) => c.frequency);
    const m = Float64Array.from(used, (c) => c.monetary);
    let mean = 0;
    for (const v of m) mean += v;
    mean /= Math.max(1, used.length);
    const fit = maximiseLikelihood(([p, q, v]) => -logLikelihood({ p: p!, q: q!, v: v! }, x, m), [1, 2, Math.max(1, mean)], used.length);
    const [p, q, v] = fit.params as [number, number, number];
    return { model: new GammaGamma({ p, q, v }), fit };
  }

  /** E[value of a purchase | x, mean value]; the population's mean for a customer without repeats. */
  expectedSpend(frequency: number, monetary: number): number {
    const { p, q, v } = this.params;
    const population = (p * v) / (q - 1);
    if (frequency <= 0 || !(monetary > 0)) return population;
    const w = (p * frequency) / (p * frequency + q - 1);
    return (1 - w) * population + w * monetary;
  }
}

/** The Gamma–Gamma log-likelihood summed over customers (lifetimes' GammaGammaFitter, negated). */
export function logLikelihood(params: GammaGammaParams, x: Float64Array, m: Float64Array): number {
  const { p, q, v } = params;
  const common = -gammaln(q) + q * Math.log(v);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const px = p * x[i]!;
    sum += gammaln(px + q) - gammaln(px) + common + (px - 1) * Math.log(m[i]!) + px * Math.log(x[i]!) - (px + q) * Math.log(x[i]! * m[i]! + v);
  }
  return sum;
}
