// What a purchase-propensity model reads of a customer as of a cut-off day: their purchase days before
// it (several orders on one day are one purchase, as in purchase-history.ts) and what they spent. The
// features are the ones the literature and the commercial tools find carry the signal (recency,
// frequency, tenure, spend, the rhythm of a customer's own gaps, the last quarter, the same season a
// year ago), each on a log scale so that a wholesaler's 200 purchase days do not swamp everyone else.
// Pure functions of the events: the same code builds training rows at earlier cut-offs and the row a
// customer is scored on today, so what the model learns is what it is asked.

const DAY = 86_400_000;

/** One customer's purchases: days (whole UTC days since the epoch), ascending, one per day, and the spend of each. */
export interface PurchaseEvents {
  customerId: number;
  days: Int32Array;
  spend: Float64Array;
}

/** Days in the quarter before the cut-off counted as "recent" (the horizon marketers plan on). */
export const RECENT_DAYS = 90;
/** A year: the same window a year before is the season's covariate. */
const YEAR_DAYS = 365;

export const PURCHASE_FEATURES = [
  'purchaseDays',
  'daysSinceLast',
  'tenureDays',
  'spend',
  'meanGap',
  'gapSpread',
  'overdue',
  'recentPurchases',
  'rate',
  'sameSeasonLastYear',
  'hasYearOfHistory',
] as const;
export type PurchaseFeature = (typeof PURCHASE_FEATURES)[number];

/** Words for each feature, for the reasons a prediction gives. */
export const FEATURE_WORDS: Record<PurchaseFeature, string> = {
  purchaseDays: 'purchase days so far',
  daysSinceLast: 'days since the last purchase',
  tenureDays: 'time as a customer',
  spend: 'spend so far',
  meanGap: 'usual gap between purchases',
  gapSpread: 'how irregular the gaps are',
  overdue: 'time since the last purchase against their usual gap',
  recentPurchases: `purchases in the last ${RECENT_DAYS} days`,
  rate: 'purchases per month',
  sameSeasonLastYear: 'purchases in the same season last year',
  hasYearOfHistory: 'a year of history',
};

/** Whole UTC days since the epoch. */
export function epochDay(at: Date | number): number {
  return Math.floor((typeof at === 'number' ? at : at.getTime()) / DAY);
}

/**
 * The feature row of a customer as of `cutoff` (an epoch day; purchases on that day and after are not
 * seen), looking `horizon` days ahead (the season window is the horizon a year before); null when they
 * had not bought before the cut-off (a model of returning cannot speak of someone who never came).
 */
export function purchaseFeatures(e: PurchaseEvents, cutoff: number, horizon: number): Float64Array | null {
  let n = 0;
  while (n < e.days.length && e.days[n]! < cutoff) n++;
  if (n === 0) return null;
  const first = e.days[0]!;
  const last = e.days[n - 1]!;
  let spend = 0;
  let recent = 0;
  let season = 0;
  for (let i = 0; i < n; i++) {
    const d = e.days[i]!;
    spend += Math.max(0, e.spend[i]!);
    if (d >= cutoff - RECENT_DAYS) recent++;
    if (d >= cutoff - YEAR_DAYS && d < cutoff - YEAR_DAYS + horizon) season++;
  }
  const tenure = cutoff - first;
  const since = cutoff - last;
  // Gaps between purchase days; a customer with one purchase has none, and their "usual gap" is unknown:
  // their tenure stands in (they have gone that long without a second), so overdue reads 1.
  const gaps = n - 1;
  const meanGap = gaps > 0 ? (last - first) / gaps : tenure;
  let spread = 0;
  if (gaps > 1) {
    let s = 0;
    for (let i = 1; i < n; i++) s += (e.days[i]! - e.days[i - 1]! - meanGap) ** 2;
    spread = Math.sqrt(s / (gaps - 1));
  }
  const row = new Float64Array(PURCHASE_FEATURES.length);
  row[0] = Math.log1p(n);
  row[1] = Math.log1p(since);
  row[2] = Math.log1p(tenure);
  row[3] = Math.log1p(spend);
  row[4] = Math.log1p(meanGap);
  row[5] = Math.log1p(spread);
  row[6] = Math.log1p(Math.min(20, since / Math.max(1, meanGap)));
  row[7] = Math.log1p(recent);
  row[8] = Math.log1p((30 * n) / Math.max(1, tenure));
  row[9] = Math.log1p(season);
  row[10] = tenure >= YEAR_DAYS ? 1 : 0;
  return row;
}

/**
 * What BG/NBD reads of the same purchases as of `cutoff` (repeat purchase days, days from the first to
 * the last, days from the first to the cut-off's eve, as purchase-history.ts computes them); null
 * without a purchase before it. For comparing the two models on the same events.
 */
export function repeatHistoryAt(e: PurchaseEvents, cutoff: number): { frequency: number; recency: number; age: number } | null {
  let n = 0;
  while (n < e.days.length && e.days[n]! < cutoff) n++;
  if (n === 0) return null;
  const first = e.days[0]!;
  return { frequency: n - 1, recency: e.days[n - 1]! - first, age: Math.max(0, cutoff - 1 - first) };
}

/** Whether the customer bought on a day in [from, from + days). */
export function boughtWithin(e: PurchaseEvents, from: number, days: number): boolean {
  return purchaseDaysWithin(e, from, days) > 0;
}

/** The days in [from, from + days) the customer bought on. */
export function purchaseDaysWithin(e: PurchaseEvents, from: number, days: number): number {
  let n = 0;
  for (const d of e.days) if (d >= from && d < from + days) n++;
  return n;
}
