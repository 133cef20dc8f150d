// Which model forecasts how often a customer will buy, chosen per shop on its own last window. Three
// candidates, each fitted on the history before the window's first day and scored on the purchase days
// each customer then had in it, by the mean absolute error of its point forecast (what a marketer
// planning a quarter's orders is judged on):
//   - BG_NBD: the buy-till-you-die model chosen for the shop (BG/NBD or MBG/NBD, its penalty), its
//     median forecast;
//   - LEARNT: a Poisson regression learnt from the shop's earlier windows (propensity/
//     purchase-count-model.ts), the median of its forecast;
//   - RATE: the rule of thumb, the customer's repeat purchases ÷ days since their first × the days.
// The lowest error serves; the run records all three and why. The rule of thumb is a candidate because
// it is the bar: a shop whose past does not tell its next quarter gets the rule of thumb, said so,
// rather than a model that forecast its last window worse than it.
import { mean } from 'd3-array';
import { BgNbd, variantName, type PurchaseModelVariant } from './bg-nbd.js';
import { PurchaseCountModel, type PurchaseCountState } from './propensity/purchase-count-model.js';
import { purchaseDaysWithin, repeatHistoryAt, type PurchaseEvents } from './propensity/purchase-features.js';
import { poissonMedian } from './propensity/poisson-regression.js';
import { MAX_VALIDATION_CUSTOMERS, VALIDATION_DAYS } from './purchase-history.js';
import { everyKth } from '../shared/thinning.js';

export type ForecastModelKind = 'BG_NBD' | 'LEARNT' | 'RATE';
/** Customers the window must hold to judge (as the purchase model's choice asks). */
const MIN_WINDOW_CUSTOMERS = 100;

export interface ForecastScore {
  kind: ForecastModelKind;
  /** Mean absolute error of purchase days in the window. */
  mae: number;
}

export interface ForecastChoice {
  serving: ForecastModelKind;
  /** The days the forecasts were scored on (the learnt model's horizon; value-model.ts goes past it along BG/NBD's curve). */
  horizonDays: number;
  why: string;
  /** Window customers scored (no scores: too few to judge). */
  customers: number;
  scores: ForecastScore[];
  learnt: PurchaseCountState;
}

/** The rule of thumb: repeat purchase days per day since the first, times the days. */
export function ruleOfThumb(c: { frequency: number; age: number }, days: number): number {
  return c.age > 0 ? (c.frequency / c.age) * days : 0;
}

/**
 * Fits the learnt count model at `asOf` (an epoch day) and chooses between it, the shop's BG/NBD
 * (`bgNbd`: whether it was fitted, its variant and penalty) and the rule of thumb on the last window.
 */
export function chooseForecastModel(
  events: readonly PurchaseEvents[],
  asOf: number,
  bgNbd: { fitted: boolean; penalizer: number; variant: PurchaseModelVariant },
): ForecastChoice {
  const h = VALIDATION_DAYS;
  const learnt = PurchaseCountModel.fit(events, asOf, h);
  const base = { horizonDays: h, learnt: learnt.state };
  const start = asOf - h;
  const window = everyKth(
    events.filter((e) => e.days.length > 0 && e.days[0]! < start),
    MAX_VALIDATION_CUSTOMERS,
  );
  const fallback = bgNbd.fitted ? 'BG_NBD' : 'RATE';
  if (window.length < MIN_WINDOW_CUSTOMERS)
    return {
      ...base,
      serving: fallback,
      customers: window.length,
      scores: [],
      why: `${window.length} customers before the last ${h} days: too few to compare forecasts.`,
    };
  const actual = window.map((e) => purchaseDaysWithin(e, start, h));
  const histories = window.map((e) => ({ customerId: e.customerId, ...repeatHistoryAt(e, start)! }));
  const scores: ForecastScore[] = [];
  const maeOf = (forecast: (i: number) => number) => mean(actual, (a, i) => Math.abs(forecast(i) - a))!;
  scores.push({ kind: 'RATE', mae: maeOf((i) => ruleOfThumb(histories[i]!, h)) });
  if (bgNbd.fitted) {
    const { model, fit } = BgNbd.fit(histories, { penalizer: bgNbd.penalizer, variant: bgNbd.variant });
    const medians = histories.map((c) => model.medianPurchases(h, c));
    if (fit.converged && medians.every(Number.isFinite)) scores.push({ kind: 'BG_NBD', mae: maeOf((i) => medians[i]!) });
  }
  const validation = PurchaseCountModel.fit(events, start, h);
  if (validation.fitted && learnt.fitted) {
    const forecasts = window.map((e) => validation.expected(e));
    if (forecasts.every((f) => f !== null)) scores.push({ kind: 'LEARNT', mae: maeOf((i) => poissonMedian(forecasts[i]!)) });
  }
  const best = scores.reduce((a, b) => (b.mae < a.mae ? b : a));
  const names: Record<ForecastModelKind, string> = {
    BG_NBD: variantName(bgNbd.variant),
    LEARNT: 'the learnt count model',
    RATE: 'the rule of thumb (repeat purchases ÷ days since the first)',
  };
  const listed = scores.map((s) => `${names[s.kind]} ${s.mae.toFixed(3)}`).join(', ');
  return {
    ...base,
    serving: best.kind,
    customers: window.length,
    scores,
    why: `Lowest mean absolute error of purchase days over the last ${h} days before ${learnt.state.asOf} (${window.length} customers): ${listed}.`,
  };
}
