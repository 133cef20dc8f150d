// Which buy-till-you-die model forecasts a shop's purchases, and with what penalty, chosen on the
// shop's own last quarter: every candidate is fitted on the history before the window and scored on
// the purchases inside it.
//   - Penalty, per model: the absolute error of the median forecast decides (the likelihood alone
//     always prefers no penalty, edge optimum included; unseen purchases can tell), and a penalty is
//     used only when it lowers that error by more than two standard errors of the paired differences.
//   - Model: BG/NBD, the literature's default, unless MBG/NBD forecasts the window better by more than
//     two standard errors, scored by the log-probability each gave to the number of purchases each
//     customer then made. The median's error cannot choose here: most customers' median is 0 under
//     both, and what differs — whether a one-off buyer of long ago is gone — is in the probabilities.
import { deviation, mean } from 'd3-array';
import { BgNbd, variantName, type PurchaseModelVariant, type RepeatHistory } from './bg-nbd.js';
import { MAX_VALIDATION_CUSTOMERS, type ValidationHistory, type ValidationWindow } from './purchase-history.js';
import { everyKth } from '../shared/thinning.js';

/** The penalties tried (lifetimes' penalizer_coef, decades from none to 0.1). */
export const PENALIZERS = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1] as const;
export const VARIANTS: readonly PurchaseModelVariant[] = ['BG', 'MBG'];

export interface PenaltyCandidate {
  variant: PurchaseModelVariant;
  penalizer: number;
  /** Mean absolute error of the median forecast; null: the fit did not converge. */
  mae: number | null;
  /** Standard error of its paired difference from the same model without penalty (null for none itself). */
  standardError: number | null;
}

/** A model at its chosen penalty, scored on the window. */
export interface VariantScore {
  variant: PurchaseModelVariant;
  penalizer: number;
  mae: number;
  /** Mean log-probability given to each customer's purchases in the window (higher is better). */
  logScore: number;
}

export interface PurchaseModelSelection {
  days: number;
  customers: number;
  candidates: PenaltyCandidate[];
  /** Each model that converged, at its chosen penalty. */
  variants: VariantScore[];
  /** The customer's repeat purchases ÷ days since their first × the window: the bar to clear. */
  naiveMae: number;
  variant: PurchaseModelVariant;
  penalizer: number;
  why: string;
}

/** Null when the window holds too few customers (or repeat customers) to judge, or no fit converged. */
export function choosePurchaseModel(
  window: ValidationWindow,
  { minCustomers, minRepeatCustomers }: { minCustomers: number; minRepeatCustomers: number },
): PurchaseModelSelection | null {
  const customers = everyKth(window.customers, MAX_VALIDATION_CUSTOMERS);
  if (customers.length < minCustomers || customers.filter((c) => c.frequency > 0).length < minRepeatCustomers) return null;
  const naiveMae = mean(customers, (c) => Math.abs((c.age > 0 ? (c.frequency / c.age) * window.days : 0) - c.actual))!;
  const candidates: PenaltyCandidate[] = [];
  const variants: (VariantScore & { logs: Float64Array })[] = [];
  for (const variant of VARIANTS) {
    const fits = PENALIZERS.map((penalizer) => {
      const { model, fit } = BgNbd.fit(customers, { penalizer, variant });
      const errors = fit.converged ? Float64Array.from(customers, (c) => Math.abs(model.medianPurchases(window.days, c) - c.actual)) : null;
      return { penalizer, model, errors };
    });
    const none = fits[0]!.errors;
    const scored = fits.map(({ penalizer, errors }) => ({
      variant,
      penalizer,
      mae: errors ? mean(errors)! : null,
      standardError: errors && none && penalizer > 0 ? deviation(errors.map((e, i) => e - none[i]!))! / Math.sqrt(errors.length) : null,
    }));
    candidates.push(...scored);
    const chosen = choosePenalty(scored);
    if (chosen === null) continue;
    const model = fits.find((f) => f.penalizer === chosen.penalizer)!.model;
    const logs = Float64Array.from(customers, (c) => logProbabilityOf(model, window.days, c));
    variants.push({ variant, penalizer: chosen.penalizer, mae: chosen.mae, logScore: mean(logs)!, logs });
  }
  if (variants.length === 0) return null;
  const bg = variants.find((v) => v.variant === 'BG');
  const mbg = variants.find((v) => v.variant === 'MBG');
  let chosen = (bg ?? mbg)!;
  let why: string;
  const said = (v: VariantScore) => `${variantName(v.variant)} log score ${v.logScore.toFixed(4)}, median's error ${v.mae.toFixed(3)}`;
  if (bg && mbg) {
    const gain = mbg.logScore - bg.logScore;
    const se = deviation(mbg.logs.map((l, i) => l - bg.logs[i]!))! / Math.sqrt(customers.length);
    if (gain > 2 * se) {
      chosen = mbg;
      why = `MBG/NBD forecast the last ${window.days} days better than BG/NBD by ${(gain / se).toFixed(1)} standard errors (${said(mbg)}; ${said(bg)}): it can tell that a one-off buyer has left.`;
    } else why = `BG/NBD serves: MBG/NBD did not forecast the last ${window.days} days better by more than two standard errors (${said(bg)}; ${said(mbg)}).`;
  } else why = `${variantName(chosen.variant)} serves: the other model did not converge on the history before the last ${window.days} days.`;
  return {
    days: window.days,
    customers: customers.length,
    candidates,
    variants: variants.map(({ logs: _, ...v }) => v),
    naiveMae,
    variant: chosen.variant,
    penalizer: chosen.penalizer,
    why,
  };
}

/**
 * No penalty (the maximum-likelihood fit) unless a penalty lowers the error by more than two standard
 * errors of the paired differences: a gain within noise is not a reason to move off the MLE. Without
 * a converged unpenalised fit, the least error.
 */
function choosePenalty(scored: readonly Omit<PenaltyCandidate, 'variant'>[]): { penalizer: number; mae: number } | null {
  const base = scored[0]!;
  let best: { penalizer: number; mae: number } | null = null;
  if (base.mae !== null) {
    best = { penalizer: 0, mae: base.mae };
    for (const c of scored) {
      if (c.mae !== null && c.standardError !== null && c.mae < best.mae && base.mae - c.mae > 2 * c.standardError)
        best = { penalizer: c.penalizer, mae: c.mae };
    }
  } else {
    for (const c of scored) if (c.mae !== null && (best === null || c.mae < best.mae)) best = { penalizer: c.penalizer, mae: c.mae };
  }
  return best;
}

/** log P(the customer made `actual` purchases in the `days`), floored so that one surprise cannot be −∞. */
function logProbabilityOf(model: BgNbd, days: number, c: RepeatHistory & Pick<ValidationHistory, 'actual'>): number {
  let n = 0;
  for (const p of model.purchaseProbabilities(days, c)) {
    if (n === c.actual) return Math.log(Math.max(p, 1e-300));
    n++;
  }
  return Math.log(1e-300);
}
