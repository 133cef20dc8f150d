// How well probabilities of a 0/1 outcome rank and how well they are calibrated: what the propensity
// model is validated on before it serves, and what bench:value reports. Checked against scikit-learn's
// roc_auc_score and log_loss in test/value.

/** Area under the ROC curve (ties count one half): the chance a random buyer ranks above a random non-buyer. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Mid-ranks of tied scores.
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let t = i; t <= j; t++) ranks[order[t]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i]) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean negative log-likelihood of the labels (probabilities clipped to [1e-15, 1 − 1e-15], as scikit-learn). */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probabilities[i]!));
    s -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return s / probabilities.length;
}

/**
 * Expected calibration error over `bins` equal-width bins of the probability: Σ (bin share) × |mean
 * predicted − share that happened|. 0.05 means a customer told "60 %" buys at 55–65 % on average.
 */
export function calibrationError(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  return calibrationTable(probabilities, labels, bins).reduce((s, b) => s + (b.count / probabilities.length) * Math.abs(b.predicted - b.observed), 0);
}

export interface CalibrationBin {
  from: number;
  to: number;
  count: number;
  predicted: number;
  observed: number;
}

/** The reliability table behind calibrationError (empty bins left out): what a calibration chart draws. */
export function calibrationTable(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const b = Math.min(bins - 1, Math.floor(probabilities[i]! * bins));
    count[b]!++;
    predicted[b] = predicted[b]! + probabilities[i]!;
    observed[b] = observed[b]! + (labels[i] ? 1 : 0);
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    out.push({ from: b / bins, to: (b + 1) / bins, count: count[b]!, predicted: predicted[b]! / count[b]!, observed: observed[b]! / count[b]! });
  }
  return out;
}

/** Share of each decile of customers (by score, highest first) for whom the outcome happened. */
export function decileRates(scores: ArrayLike<number>, labels: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const out: number[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * order.length) / 10);
    const to = Math.floor(((d + 1) * order.length) / 10);
    let hits = 0;
    for (let i = from; i < to; i++) hits += labels[order[i]!] ? 1 : 0;
    out.push(to > from ? hits / (to - from) : NaN);
  }
  return out;
}
