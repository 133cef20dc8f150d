// Which model tells a marketer who is slipping away, chosen per shop on its own last window. Two
// candidates: the learnt purchase propensity (propensity/), and the buy-till-you-die model's
// probability of at least one purchase over the same days (BG/NBD or MBG/NBD, whichever
// purchase-model-choice.ts chose for the shop; the kind BG_NBD names both). Both are fitted on the history before the shop's last VALIDATION_DAYS
// and scored on who bought inside them; the one that ranked the buyers better (ROC-AUC; log loss breaks
// a tie) serves, and the run records both scores and why. Ranking decides because that is what churn
// risk is used for — ordering members, the at-risk filters, win-back seeds — and because the learnt
// model's calibration there is not the served model's: the served fit also learns from the newest
// window, which the validation fit must not see. (Log loss was the first rule; on Online Retail it
// chose BG/NBD, whose probabilities happened to sit better in the validation window, though the learnt
// model ranked better there, 0.758 against 0.743 — README "Value, churn risk".)
// Churn risk is then one thing whatever serves: the chance the customer does not buy in the next
// CHURN_HORIZON_DAYS. (BG/NBD's 1 − P(alive) was near 0 for every customer of a shop where the fit finds
// no dropout — Online Retail — and a filter on it selected by noise.)
import { BgNbd, variantName, type PurchaseModelVariant } from './bg-nbd.js';
import { PropensityModel, type PropensityState, type Reason } from './propensity/propensity-model.js';
import type { PurchaseEvents } from './propensity/purchase-features.js';
import { calibrationError, calibrationTable, logLoss, rocAuc, type CalibrationBin } from './propensity/scores.js';
import { MAX_VALIDATION_CUSTOMERS, VALIDATION_DAYS, type ValidationWindow } from './purchase-history.js';
import { everyKth } from '../shared/thinning.js';

/** The days churn risk speaks of: a quarter, the window both candidates are validated on. */
export const CHURN_HORIZON_DAYS = VALIDATION_DAYS;

export type ChurnModelKind = 'PROPENSITY' | 'BG_NBD';

export interface WindowScore {
  auc: number;
  logLoss: number;
  calibrationError: number;
  calibration: CalibrationBin[];
}

export interface ChurnChoice {
  serving: ChurnModelKind | null;
  horizonDays: number;
  why: string;
  propensity: PropensityState;
  /** The buy-till-you-die model's score on the same window (fitted on the history before it); null when it could not be fitted there. */
  bgNbdValidation: WindowScore | null;
}

/**
 * Fits the propensity model at `asOf` (an epoch day) and chooses between it and BG/NBD (fitted already
 * when `bgNbd.fitted`, with `penalizer` as chosen on the same window) by ROC-AUC on `window`.
 */
export function chooseChurnModel(
  events: readonly PurchaseEvents[],
  asOf: number,
  window: ValidationWindow | undefined,
  bgNbd: { fitted: boolean; penalizer: number; variant: PurchaseModelVariant },
): ChurnChoice {
  const name = variantName(bgNbd.variant);
  const propensity = PropensityModel.fit(events, asOf, { horizonDays: CHURN_HORIZON_DAYS });
  const p = propensity.state;
  let bgScore: WindowScore | null = null;
  if (bgNbd.fitted && window && window.customers.length > 0) {
    // Every k-th customer on a large shop, as the penalty's choice does: one more fit must stay cheap.
    const customers = everyKth(window.customers, MAX_VALIDATION_CUSTOMERS);
    const { model, fit } = BgNbd.fit(customers, { penalizer: bgNbd.penalizer, variant: bgNbd.variant });
    if (fit.converged) {
      const probabilities = customers.map((c) => model.purchaseProbability(window.days, c));
      const labels = customers.map((c) => (c.actual > 0 ? 1 : 0));
      if (probabilities.every(Number.isFinite)) bgScore = score(probabilities, labels);
    }
  }
  const base = { horizonDays: CHURN_HORIZON_DAYS, propensity: p, bgNbdValidation: bgScore };
  const fmt = (s: WindowScore) => `ROC-AUC ${s.auc.toFixed(3)}, log loss ${s.logLoss.toFixed(3)}, calibration error ${s.calibrationError.toFixed(3)}`;
  const v = p.validation;
  const window_ = v ? `on the last ${CHURN_HORIZON_DAYS} days before ${p.asOf} (${v.customers} customers)` : '';
  if (p.status === 'FITTED' && v && bgScore) {
    const learnt: WindowScore = v;
    const learntWins = learnt.auc > bgScore.auc || (learnt.auc === bgScore.auc && learnt.logLoss <= bgScore.logLoss);
    return learntWins
      ? { ...base, serving: 'PROPENSITY', why: `The learnt model ranked who bought ${window_} better: ${fmt(learnt)}; ${name} ${fmt(bgScore)}.` }
      : { ...base, serving: 'BG_NBD', why: `${name} ranked who bought ${window_} better: ${fmt(bgScore)}; the learnt model ${fmt(learnt)}.` };
  }
  if (p.status === 'FITTED' && v)
    return { ...base, serving: 'PROPENSITY', why: `${name} could not be scored on the last window; the learnt model there: ${fmt(v)}.` };
  if (bgNbd.fitted) return { ...base, serving: 'BG_NBD', why: `${name} serves: the learnt model was not validated (${p.reason ?? 'no window'}).` };
  if (p.status === 'FITTED')
    return { ...base, serving: 'PROPENSITY', why: `The learnt model serves unvalidated: ${name} was not fitted. ${p.reason ?? ''}`.trim() };
  return { ...base, serving: null, why: p.reason ?? 'Neither model could be fitted.' };
}

/** Null when the window cannot score (everyone bought, or nobody did: no ranking to judge). */
function score(probabilities: number[], labels: number[]): WindowScore | null {
  const s = {
    auc: rocAuc(probabilities, labels),
    logLoss: logLoss(probabilities, labels),
    calibrationError: calibrationError(probabilities, labels),
    calibration: calibrationTable(probabilities, labels),
  };
  return Number.isFinite(s.auc) && Number.isFinite(s.logLoss) && Number.isFinite(s.calibrationError) ? s : null;
}

/** A reason in words: "days since the last purchase lowers the chance of buying". */
export function reasonInWords(r: Pick<Reason, 'words' | 'effect'>): string {
  return `${r.words} ${r.effect} the chance of buying`;
}
