// Will a customer buy within the horizon? Learnt from the shop's own past, as the commercial tools do
// (Klaviyo's churn risk, Segment's predictions), instead of assumed from a model of how customers
// drop out: BG/NBD on Online Retail finds no dropout at all and ranks buyers no better than their
// purchase count (issue 27's table). Each earlier cut-off of the shop's history is a lesson — the
// customers' features as of that day (purchase-features.ts) and whether they bought in the following
// horizon — and an L2 logistic regression learns from all of them at once.
//
// Validation before serving: the same fit is made on the cut-offs whose outcomes were known a full
// horizon before the last one (nothing of the validation window leaks in) and scored on the last
// window the shop has outcomes for — ROC-AUC, log loss, calibration error — which is what a marketer
// would have seen had they used it then. The served fit then learns from every window, the last one
// included (the most recent behaviour is the best guide to the next quarter).
import { FEATURE_WORDS, PURCHASE_FEATURES, purchaseDaysWithin, purchaseFeatures, type PurchaseEvents, type PurchaseFeature } from './purchase-features.js';
import { everyKth } from '../../shared/thinning.js';
import { LogisticRegression, type LogisticRegressionState } from './logistic-regression.js';
import { calibrationError, calibrationTable, logLoss, rocAuc, type CalibrationBin } from './scores.js';

export interface PropensityOptions {
  /** Days ahead the probability speaks of. */
  horizonDays: number;
  /** Days between training cut-offs. */
  stepDays?: number;
  /** Most cut-offs learnt from (the newest ones). */
  maxWindows?: number;
  /** History the shop must have before a cut-off for it to teach anything. */
  minHistoryDays?: number;
  /** Inverse penalty (scikit-learn's C) on standardised features. */
  c?: number;
}

export const PROPENSITY_DEFAULTS = { stepDays: 30, maxWindows: 12, minHistoryDays: 60, c: 1 } as const;
/** Rows and each outcome's count a fit needs: fewer, and the model would learn one shop's accidents. */
export const MIN_TRAINING_ROWS = 100;
/**
 * Customers a cut-off's rows come from at most (every k-th beyond, in the events' order): twelve
 * cut-offs of a million customers would be twelve million rows (gigabytes in the fit), while a dozen
 * coefficients are pinned down long before this (bench:propensity's shops, 3,370 and 23,570
 * customers, are within it).
 */
export const MAX_TRAINING_CUSTOMERS = 50_000;
export const MIN_OUTCOMES = 10;

export interface PropensityValidation {
  /** The validation window's first day (ISO date). */
  cutoff: string;
  customers: number;
  /** Share of them who bought in the window. */
  baseRate: number;
  auc: number;
  logLoss: number;
  calibrationError: number;
  /** Predicted against observed by tenth of the probability: what a calibration chart draws. */
  calibration: CalibrationBin[];
  /** The cut-offs the validation fit learnt from. */
  windows: number;
}

/** What a model learnt from the shop's earlier cut-offs stores (this one, and the count model's). */
export interface LearntFromCutoffs<M> {
  status: 'FITTED' | 'INSUFFICIENT_DATA';
  reason: string | null;
  horizonDays: number;
  /** The first day not seen (ISO date): predictions speak of [asOf, asOf + horizon). */
  asOf: string;
  /** PURCHASE_FEATURES when it was fitted (names, as stored). */
  features: string[];
  /** Standardisation of the features, from the training rows. */
  mean: number[];
  scale: number[];
  model: M | null;
  /** Training cut-offs of the served fit (ISO dates) and its rows. */
  windows: string[];
  rows: number;
}

export interface PropensityState extends LearntFromCutoffs<LogisticRegressionState> {
  validation: PropensityValidation | null;
}

export interface Reason {
  feature: PurchaseFeature;
  words: string;
  /** Whether this feature raises or lowers the customer's chance against the average customer's. */
  effect: 'raises' | 'lowers';
  /** Its contribution to the log-odds. */
  contribution: number;
}

export interface Propensity {
  probability: number;
  reasons: Reason[];
}

const DAY = 86_400_000;
export const isoDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

export class PropensityModel {
  private readonly model: LogisticRegression | null;

  constructor(readonly state: PropensityState) {
    this.model = state.model ? new LogisticRegression(state.model) : null;
  }

  /**
   * Fits on the customers' purchases before `asOf` (an epoch day): training rows at cut-offs
   * asOf − horizon, − step, − 2·step, … (each with its outcome inside the history).
   */
  static fit(events: readonly PurchaseEvents[], asOf: number, options: PropensityOptions): PropensityModel {
    const o = { ...PROPENSITY_DEFAULTS, ...options };
    const h = o.horizonDays;
    const firstDay = firstPurchaseDay(events, asOf);
    const base: PropensityState = {
      status: 'INSUFFICIENT_DATA',
      reason: null,
      horizonDays: h,
      asOf: isoDay(asOf),
      features: [...PURCHASE_FEATURES],
      mean: [],
      scale: [],
      model: null,
      windows: [],
      rows: 0,
      validation: null,
    };
    const cutoffsBefore = (last: number) => trainingCutoffs(firstDay, last, o);
    const served = cutoffsBefore(asOf - h);
    const learners = everyKth(events, MAX_TRAINING_CUSTOMERS);
    const training = rowsAt(learners, served, h);
    const short = shortOf(training, `${Number.isFinite(firstDay) ? Math.max(0, asOf - firstDay) : 0} days of history`, o.minHistoryDays + h);
    if (short) return new PropensityModel({ ...base, reason: short });

    // Validation: learnt from the cut-offs a full horizon before the last window, scored on it.
    let validation: PropensityValidation | null = null;
    const validationCutoffs = cutoffsBefore(asOf - 2 * h);
    const validationTraining = rowsAt(learners, validationCutoffs, h);
    const window = rowsAt(events, [asOf - h], h);
    if (!shortOf(validationTraining, '', 0) && !shortOf(window, '', 0)) {
      const fitted = fitStandardised(validationTraining, o.c);
      const p = window.rows.map((r) => fitted.model.probability(fitted.standardise(r)));
      validation = {
        cutoff: isoDay(asOf - h),
        customers: window.rows.length,
        baseRate: window.labels.reduce((s, y) => s + y, 0) / window.labels.length,
        auc: rocAuc(p, window.labels),
        logLoss: logLoss(p, window.labels),
        calibrationError: calibrationError(p, window.labels),
        calibration: calibrationTable(p, window.labels),
        windows: validationCutoffs.length,
      };
    }
    const fitted = fitStandardised(training, o.c);
    return new PropensityModel({
      ...base,
      status: 'FITTED',
      reason: validation ? null : `Too little history to hold a window out and validate (${validationCutoffs.length} earlier cut-off(s)); served unvalidated.`,
      mean: fitted.mean,
      scale: fitted.scale,
      model: fitted.model.state,
      windows: served.map(isoDay),
      rows: training.rows.length,
      validation,
    });
  }

  get fitted(): boolean {
    return this.model !== null;
  }

  /**
   * The chance the customer buys in [asOf, asOf + horizon), and the two features that move it most;
   * null without a purchase or a model. `at` (an epoch day): their features as of then instead (a
   * customer whose purchases reached past the fit, placed again by live updates).
   */
  predict(e: PurchaseEvents, reasons = 2, at?: number): Propensity | null {
    if (!this.model) return null;
    const z = standardisedFeatures(this.state, e, at);
    if (!z) return null;
    const probability = this.model.probability(z);
    if (!Number.isFinite(probability)) return null;
    const contributions = this.state.features.map((feature, j) => ({ feature: feature as PurchaseFeature, contribution: this.model!.state.coef[j]! * z[j]! }));
    contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return {
      probability,
      reasons: contributions.slice(0, reasons).map((c) => ({
        feature: c.feature,
        words: FEATURE_WORDS[c.feature] ?? c.feature,
        effect: c.contribution >= 0 ? 'raises' : 'lowers',
        contribution: c.contribution,
      })),
    };
  }
}

export interface Rows {
  rows: Float64Array[];
  labels: number[];
  counts: number[];
}

/**
 * Every customer who had bought before each cut-off: their features then, whether they bought in the
 * horizon after, and on how many days.
 */
export function rowsAt(events: readonly PurchaseEvents[], cutoffs: readonly number[], horizon: number): Rows {
  const rows: Float64Array[] = [];
  const labels: number[] = [];
  const counts: number[] = [];
  for (const t of cutoffs) {
    for (const e of events) {
      const row = purchaseFeatures(e, t, horizon);
      if (!row) continue;
      rows.push(row);
      const n = purchaseDaysWithin(e, t, horizon);
      labels.push(n > 0 ? 1 : 0);
      counts.push(n);
    }
  }
  return { rows, labels, counts };
}

/** The customer's features as of the model's `asOf` (or the epoch day `at`), standardised as it was trained; null without a purchase before it. */
export function standardisedFeatures(state: LearntFromCutoffs<unknown>, e: PurchaseEvents, at?: number): Float64Array | null {
  const row = purchaseFeatures(e, at ?? Date.parse(state.asOf) / DAY, state.horizonDays);
  return row && row.map((x, j) => (x - state.mean[j]!) / state.scale[j]!);
}

/** The first purchase day before `asOf` of any customer (Infinity when none). */
export function firstPurchaseDay(events: readonly PurchaseEvents[], asOf: number): number {
  let first = Infinity;
  for (const e of events) if (e.days.length > 0 && e.days[0]! < asOf) first = Math.min(first, e.days[0]!);
  return first;
}

/** Training cut-offs: `last`, then every `stepDays` back while the shop had `minHistoryDays` before it, at most `maxWindows`. */
export function trainingCutoffs(firstDay: number, last: number, o: { stepDays: number; maxWindows: number; minHistoryDays: number }): number[] {
  const out: number[] = [];
  for (let t = last; t - firstDay >= o.minHistoryDays && out.length < o.maxWindows; t -= o.stepDays) out.push(t);
  return out;
}

/** Each feature's mean and standard deviation over the rows (1 where it never varies), and the map onto them. */
export function fitScaler(rows: readonly Float64Array[]) {
  const p = rows[0]!.length;
  const mean = new Array<number>(p).fill(0);
  const scale = new Array<number>(p).fill(0);
  for (const row of rows) for (let j = 0; j < p; j++) mean[j] = mean[j]! + row[j]! / rows.length;
  for (const row of rows) for (let j = 0; j < p; j++) scale[j] = scale[j]! + (row[j]! - mean[j]!) ** 2 / rows.length;
  // A feature that never varies (every customer under a year old) is left at 0 after centring.
  for (let j = 0; j < p; j++) scale[j] = scale[j]! > 1e-12 ? Math.sqrt(scale[j]!) : 1;
  const standardise = (row: Float64Array) => row.map((x, j) => (x - mean[j]!) / scale[j]!);
  return { mean, scale, standardise };
}

export function shortOf(r: Rows, history: string, needDays: number): string | null {
  const positives = r.labels.reduce((s, y) => s + y, 0);
  const negatives = r.labels.length - positives;
  if (r.rows.length >= MIN_TRAINING_ROWS && positives >= MIN_OUTCOMES && negatives >= MIN_OUTCOMES) return null;
  return (
    `Not enough history to learn who buys again: ${r.rows.length} training rows, ${positives} who bought and ${negatives} who did not` +
    ` (at least ${MIN_TRAINING_ROWS} rows and ${MIN_OUTCOMES} of each needed${history ? `; ${history}, ${needDays} needed for one window` : ''}).`
  );
}

function fitStandardised(r: Rows, c: number) {
  const scaler = fitScaler(r.rows);
  const model = LogisticRegression.fit(r.rows.map(scaler.standardise), r.labels, { c });
  return { model, ...scaler };
}
