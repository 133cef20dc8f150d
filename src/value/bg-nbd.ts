// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a customer
// buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they leave for good with probability
// p ~ Beta(a, b). From each customer's repeat purchases x, the age of their last purchase t_x and their
// own age T (days since their first purchase), it gives the probability that they are still alive
// and how many purchases to expect over the next t days. Formulas as in `lifetimes`
// (BetaGeoFitter), whose likelihood scipy fits in the reference test.
//
// MBG/NBD (Batislam, Denizel & Filiztekin 2007; lifetimes' ModifiedBetaGeoFitter) is the same story
// with one more chance to leave: right after the first purchase. BG/NBD cannot lose a customer who
// never came back (P(alive) = 1 whatever their age), so on a shop of many one-off buyers — Online
// Retail — it ranked who buys next worse than chance by P(alive); MBG/NBD can find that dropout. Every
// prediction is BG/NBD's with the customer's chances to leave survived, m, in place of x: m = x for
// BG/NBD, x + 1 for MBG/NBD (the posterior dropout is Beta(a, b + m)); only the likelihood differs.
import { maximiseLikelihood, type Fit } from './maximum-likelihood.js';
import { gammaln, hyp2f1 } from './special.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
  /** MBG: dropout also possible right after the first purchase (MBG/NBD). Absent: BG/NBD. */
  variant?: PurchaseModelVariant;
}

/** BG: BG/NBD; MBG: MBG/NBD. */
export type PurchaseModelVariant = 'BG' | 'MBG';

/** The model's name as the API and the run's notes say it. */
export function variantName(variant: PurchaseModelVariant | undefined): string {
  return variant === 'MBG' ? 'MBG/NBD' : 'BG/NBD';
}

/** What the models read of a customer (time in days). */
export interface RepeatHistory {
  /** Repeat purchases: days with an order, after the first. */
  frequency: number;
  /** Days from the first purchase to the last. */
  recency: number;
  /** Days from the first purchase to the end of the observation. */
  age: number;
}

export class BgNbd {
  constructor(readonly params: BgNbdParams) {}

  /**
   * Maximum likelihood over the customers' histories (customers with one purchase included, x = 0),
   * optionally penalised as `lifetimes` does (penalizer_coef: penalizer·Σθ² added to the mean negative
   * log-likelihood, with time rescaled so that the oldest customer is 10 units old, α then scaled
   * back), so that a penalty means what it means there. On real shops the unpenalised optimum can lie
   * on the edge where a → 0 and b → ∞ (nobody ever leaves: seen on Online Retail); a penalty pulls it
   * back inside. Unpenalised, the rescaling changes nothing but α's unit.
   */
  static fit(
    customers: readonly RepeatHistory[],
    { penalizer = 0, variant = 'BG' }: { penalizer?: number; variant?: PurchaseModelVariant } = {},
  ): { model: BgNbd; fit: Fit } {
    const ll = variant === 'MBG' ? mbgLogLikelihood : logLikelihood;
    const oldest = customers.reduce((m, c) => Math.max(m, c.age), 0);
    const scale = oldest > 0 ? 10 / oldest : 1;
    const scaled = new IndexedHistories(customers, scale);
    // Start where the data are: α near the mean age per purchase, r = a = b = 1.
    const fit = maximiseLikelihood(
      ([r, alpha, a, b]) => -ll({ r: r!, alpha: alpha!, a: a!, b: b! }, scaled),
      [1, Math.max(scale, customers.reduce((s, c) => s + c.age * scale, 0) / customers.length), 1, 1],
      customers.length,
      { penalizer },
    );
    const [r, scaledAlpha, a, b] = fit.params as [number, number, number, number];
    const params: BgNbdParams = { r, alpha: scaledAlpha / scale, a, b, ...(variant === 'MBG' ? { variant } : {}) };
    // The log-likelihood in days (rescaling time shifts it by −Σx·log(scale)), as scipy's reference reports it.
    const days = new IndexedHistories(customers, 1);
    return { model: new BgNbd(params), fit: { ...fit, params: [r, params.alpha, a, b], logLikelihood: ll(params, days) } };
  }

  get name(): string {
    return variantName(this.params.variant);
  }

  /** Chances to leave the customer has survived: their repeat purchases, and the first for MBG/NBD. */
  private survived(c: RepeatHistory): number {
    return c.frequency + (this.params.variant === 'MBG' ? 1 : 0);
  }

  /** P(alive | x, t_x, T). BG/NBD: 1 for a customer who never came back (it cannot tell them gone). */
  pAlive(c: RepeatHistory): number {
    const { r, alpha, a, b } = this.params;
    const m = this.survived(c);
    if (m === 0) return 1;
    const logDiv = (r + c.frequency) * Math.log((alpha + c.age) / (alpha + c.recency)) + Math.log(a / (b + m - 1));
    return 1 / (1 + Math.exp(logDiv));
  }

  /**
   * E[purchases in the next t days | x, t_x, T]: the closed form (for a + b < 1 and x = 0 its
   * hypergeometric term has c < 0, reached by Gauss's contiguous relation), or, should that not be
   * finite, the mean of purchaseProbabilities summed to a negligible tail.
   */
  expectedPurchases(t: number, c: RepeatHistory): number {
    if (t <= 0) return 0;
    const closed = this.expectedPurchasesClosedForm(t, c);
    if (Number.isFinite(closed) && closed >= 0) return closed;
    let mean = 0;
    let mass = 0;
    let n = 0;
    for (const p of this.purchaseProbabilities(t, c)) {
      mean += n * p;
      mass += p;
      if (1 - mass < 1e-12 || n >= 100_000) break;
      n++;
    }
    return mean;
  }

  private expectedPurchasesClosedForm(t: number, c: RepeatHistory): number {
    const { r, alpha, a, b } = this.params;
    const x = c.frequency;
    const m = this.survived(c);
    const A = r + x;
    const B = b + m;
    const C = a + b + m - 1;
    const z = t / (alpha + c.age + t);
    const lnShrink = (r + x) * Math.log((alpha + c.age) / (alpha + t + c.age));
    let second: number;
    if (C > 0) {
      let lnHyp = Math.log(hyp2f1(A, B, C, z));
      // Euler's transformation when the series overflows (large x): the same value, finite.
      if (!Number.isFinite(lnHyp)) lnHyp = Math.log(hyp2f1(C - A, C - B, C, z)) + (C - A - B) * Math.log(1 - z);
      second = 1 - Math.exp(lnHyp + lnShrink);
    } else {
      // Only m = 0 with a + b < 1 lands here (m ≥ 1 gives C ≥ a + b > 0); the function may be negative.
      second = 1 - hyp2f1NegativeC(A, B, C, z) * Math.exp(lnShrink);
    }
    const first = (a + b + m - 1) / (a - 1);
    const denominator = 1 + (m > 0 ? (a / (b + m - 1)) * ((alpha + c.age) / (alpha + c.recency)) ** (r + x) : 0);
    return (first * second) / denominator;
  }

  /**
   * P(n purchases in the next t days | x, t_x, T) for n = 0, 1, 2, … Alive at T (P(alive)), the
   * customer's rate is Gamma(r + x, α + T) and their dropout Beta(a, b + m) a posteriori; they buy at
   * that rate and may leave after each purchase, so n purchases means n arrivals by t and then either
   * leaving (after the n-th) or staying with no further arrival: with N ~ NegBin(r + x, t/(α+T+t)),
   * P(n | alive) = E[p(1−p)^(n−1)]·P(N ≥ n) + E[(1−p)^n]·P(N = n). Its mean is expectedPurchases (a
   * test holds this); its median is the forecast that minimises absolute error, which the mean is not
   * when most customers buy nothing and a few buy a lot.
   */
  *purchaseProbabilities(t: number, c: RepeatHistory): Generator<number, void, undefined> {
    const { r, alpha, a, b } = this.params;
    const alive = this.pAlive(c);
    const shape = r + c.frequency;
    const beta = alpha + c.age;
    const b1 = b + this.survived(c);
    // Term to term by ratios (one log and a few products a term, not nine log-gammas):
    // NegBin: P(N = n) = P(N = n − 1)·(shape + n − 1)/n·t/(β + t), in logs (P(N = 0) may underflow);
    // Beta moments: E[(1−p)^n] = E[(1−p)^(n−1)]·(b1 + n − 1)/(a + b1 + n − 1),
    // E[p(1−p)^(n−1)] = a/(a + b1) at n = 1, then ·(b1 + n − 2)/(a + b1 + n − 1).
    const lnQ = Math.log(t / (beta + t));
    let lnNb = shape * Math.log(beta / (beta + t));
    let stay = 1;
    let leave = 0;
    let below = 0; // P(N < n)
    for (let n = 0; ; n++) {
      if (n > 0) {
        lnNb += Math.log((shape + n - 1) / n) + lnQ;
        stay *= (b1 + n - 1) / (a + b1 + n - 1);
        leave = n === 1 ? a / (a + b1) : (leave * (b1 + n - 2)) / (a + b1 + n - 1);
      }
      const pN = t > 0 ? Math.exp(lnNb) : n === 0 ? 1 : 0;
      yield alive * (leave * Math.max(0, 1 - below) + stay * pN) + (n === 0 ? 1 - alive : 0);
      below += pN;
    }
  }

  /** P(at least one purchase in the next t days | x, t_x, T): what a campaign's reach is planned on. */
  purchaseProbability(t: number, c: RepeatHistory): number {
    const { r, alpha } = this.params;
    const alive = this.pAlive(c);
    const beta = alpha + c.age;
    return alive * (1 - (beta / (beta + t)) ** (r + c.frequency));
  }

  /** The median number of purchases in the next t days: the smallest n with P(X ≤ n) ≥ ½. */
  medianPurchases(t: number, c: RepeatHistory): number {
    let cumulative = 0;
    let n = 0;
    for (const p of this.purchaseProbabilities(t, c)) {
      cumulative += p;
      // The series sums to 1; rounding may leave it a hair short far out in the tail.
      if (cumulative >= 0.5 - 1e-12 || n >= 1_000_000) return n;
      n++;
    }
    return n;
  }
}

/**
 * ₂F₁(a, b; c; z) for −1 < c < 0 (stdlib's covers c > 0): Gauss's contiguous relation (DLMF 15.5.18)
 * from c + 1 and c + 2, both positive. NaN at c = 0 or c ≤ −1, where the caller sums the series.
 */
function hyp2f1NegativeC(a: number, b: number, c: number, z: number): number {
  if (!(c > -1 && c < 0)) return Number.NaN;
  const d = c + 1;
  return -(d * (d - 1 - (2 * d - a - b - 1) * z) * hyp2f1(a, b, d, z) + (d - a) * (d - b) * z * hyp2f1(a, b, d + 1, z)) / (d * (d - 1) * (z - 1));
}

/**
 * The customers' histories with each distinct value stored once and every customer pointing at theirs.
 * A likelihood evaluation then takes its log-gammas once per distinct purchase count and its logs once
 * per distinct age — a few hundred of each on a shop of any size, where per customer they were 92 % of
 * a 100,000-customer fit's time (the optimiser evaluates the sum ~100 times per fit, several fits per
 * run). lifetimes condenses the data into weighted combinations for the same reason; here each
 * customer's terms are the same numbers added in the same order, so the sum is unchanged to the bit.
 */
export class IndexedHistories {
  /** Distinct repeat-purchase counts, and each customer's index into them. */
  readonly counts: Float64Array;
  readonly countOf: Uint32Array;
  /** Distinct times (recencies and ages together, × scale), and each customer's indexes into them. */
  readonly times: Float64Array;
  readonly recencyOf: Uint32Array;
  readonly ageOf: Uint32Array;

  constructor(customers: readonly RepeatHistory[], scale: number) {
    const counts = new Map<number, number>();
    const times = new Map<number, number>();
    const indexOf = (m: Map<number, number>, v: number) => {
      let i = m.get(v);
      if (i === undefined) m.set(v, (i = m.size));
      return i;
    };
    this.countOf = Uint32Array.from(customers, (c) => indexOf(counts, c.frequency));
    this.recencyOf = Uint32Array.from(customers, (c) => indexOf(times, c.recency * scale));
    this.ageOf = Uint32Array.from(customers, (c) => indexOf(times, c.age * scale));
    this.counts = Float64Array.from(counts.keys());
    this.times = Float64Array.from(times.keys());
  }

  get length(): number {
    return this.countOf.length;
  }

  /** log(α + t) for every distinct time. */
  logTimes(alpha: number): Float64Array {
    return this.times.map((t) => Math.log(alpha + t));
  }
}

/** The BG/NBD log-likelihood summed over customers (lifetimes' BetaGeoFitter._negative_log_likelihood, negated). */
export function logLikelihood(p: BgNbdParams, h: IndexedHistories): number {
  const { r, alpha, a, b } = p;
  const common = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b);
  const { counts } = h;
  const gR = counts.map((x) => gammaln(r + x));
  const gB = counts.map((x) => gammaln(b + x));
  const gAB = counts.map((x) => gammaln(a + b + x));
  const logB = counts.map((x) => (x > 0 ? Math.log(b + x - 1) : 0));
  const logT = h.logTimes(alpha);
  const logA = Math.log(a);
  let sum = 0;
  for (let i = 0; i < h.length; i++) {
    const k = h.countOf[i]!;
    const xi = counts[k]!;
    const a1 = gR[k]! + common + gB[k]! - gAB[k]!;
    const a3 = -(r + xi) * logT[h.ageOf[i]!]!;
    if (xi > 0) {
      const a4 = logA - logB[k]! - (r + xi) * logT[h.recencyOf[i]!]!;
      const m = Math.max(a3, a4);
      sum += a1 + m + Math.log(Math.exp(a3 - m) + Math.exp(a4 - m));
    } else sum += a1 + a3;
  }
  return sum;
}

/**
 * The MBG/NBD log-likelihood summed over customers (lifetimes' ModifiedBetaGeoFitter
 * _negative_log_likelihood, negated): alive through all x + 1 chances to leave and no purchase since
 * t_x, or gone after the last purchase.
 */
export function mbgLogLikelihood(p: BgNbdParams, h: IndexedHistories): number {
  const { r, alpha, a, b } = p;
  const common = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b);
  const { counts } = h;
  const gR = counts.map((x) => gammaln(r + x));
  const gB = counts.map((x) => gammaln(b + x + 1));
  const gAB = counts.map((x) => gammaln(a + b + x + 1));
  const logB = counts.map((x) => Math.log(b + x));
  const logT = h.logTimes(alpha);
  const logA = Math.log(a);
  let sum = 0;
  for (let i = 0; i < h.length; i++) {
    const k = h.countOf[i]!;
    const xi = counts[k]!;
    const a12 = gR[k]! + common + gB[k]! - gAB[k]!;
    const logAge = logT[h.ageOf[i]!]!;
    const a3 = -(r + xi) * logAge;
    const a4 = logA - logB[k]! + (r + xi) * (logAge - logT[h.recencyOf[i]!]!);
    // log(1 + e^a4), stable both ways.
    sum += a12 + a3 + (a4 > 0 ? a4 + Math.log1p(Math.exp(-a4)) : Math.log1p(Math.exp(a4)));
  }
  return sum;
}
