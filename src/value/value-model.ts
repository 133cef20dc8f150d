// Predicted value and churn risk of a shop's customers: BG/NBD (will they buy again, how often) and
// Gamma–Gamma (how much per purchase), fitted on the shop's own history, and their product, the
// customer lifetime value over a horizon. Like the commercial tools, it says when the data are not
// enough instead of answering from a fit that means nothing: each gate below has its reason, and the
// API returns the reason in place of numbers.
import { BgNbd, variantName, type BgNbdParams } from './bg-nbd.js';
import { chooseChurnModel, type ChurnChoice } from './churn-model.js';
import { chooseForecastModel, ruleOfThumb, type ForecastChoice } from './forecast-model.js';
import { GammaGamma, type GammaGammaParams } from './gamma-gamma.js';
import type { Fit } from './maximum-likelihood.js';
import { poissonMedian } from './propensity/poisson-regression.js';
import { PurchaseCountModel } from './propensity/purchase-count-model.js';
import { PropensityModel, type Reason } from './propensity/propensity-model.js';
import { epochDay, type PurchaseEvents } from './propensity/purchase-features.js';
import { choosePurchaseModel, type PurchaseModelSelection } from './purchase-model-choice.js';
import type { CustomerHistory, PurchaseHistory } from './purchase-history.js';

/** Gates (Klaviyo asks for 500 customers with orders and 180 days of history; a smaller shop can still learn from 100 and 90). */
export const MIN_CUSTOMERS = 100;
/** Customers who came back: what the dropout and rate parameters are learnt from. */
export const MIN_REPEAT_CUSTOMERS = 20;
export const MIN_HISTORY_DAYS = 90;

/** Defaults of the API's arguments: a year ahead, 1 % a month discount (lifetimes' defaults). */
export const DEFAULT_HORIZON_DAYS = 365;
export const DEFAULT_MONTHLY_DISCOUNT = 0.01;
/** A customer whose churn risk is above this counts as at risk in a segment's share (more likely to stay away than to buy). */
export const AT_RISK_ABOVE = 0.5;
const MONTH_DAYS = 30;

export type ValueStatus = 'FITTED' | 'INSUFFICIENT_DATA' | 'NOT_CONVERGED';

/** What is stored with a segmentation run. */
export interface ValueModelState {
  status: ValueStatus;
  /** Why there are no predictions (or no spend predictions); null when all is well. */
  reason: string | null;
  asOf: string;
  customers: number;
  repeatCustomers: number;
  historyDays: number;
  futureOrders: number;
  bgNbd: (BgNbdParams & { logLikelihood: number; iterations: number; penalizer?: number }) | null;
  /** How the model and its penalty were chosen; null when the history was too short to hold a window out. */
  selection?: PurchaseModelSelection | null;
  /** Absent (with `spendReason`) when spend cannot be modelled though purchases can. */
  gammaGamma: (GammaGammaParams & { logLikelihood: number; iterations: number; customers: number }) | null;
  spendReason: string | null;
  /** Which model gives churn risk and why (churn-model.ts); absent for runs made before the choice. */
  churn?: ChurnChoice | null;
  /** Which model forecasts purchases and why (forecast-model.ts); absent for runs made before the choice (BG/NBD's). */
  forecast?: ForecastChoice | null;
}

/** A customer's churn risk from the serving model: the chance of no purchase in the next `horizonDays`. */
export interface ChurnRisk {
  risk: number;
  horizonDays: number;
  /** The features that move it most (the learnt model only). */
  reasons: Reason[];
}

export interface CustomerValue {
  pAlive: number;
  /** 1 − pAlive: what runs made before the churn model serve (newer runs serve `churn()`'s risk). */
  churnRisk: number;
  expectedPurchases: number;
  /** P(at least one purchase over the horizon). */
  purchaseProbability: number;
  /** The median number of purchases over the horizon (the forecast with the least absolute error); null unless asked for. */
  likelyPurchases: number | null;
  /** Null when spend cannot be modelled (spendReason). */
  expectedSpendPerPurchase: number | null;
  expectedSpend: number | null;
  clv: number | null;
}

export class ValueModel {
  private readonly propensity: PropensityModel | null;
  private readonly counts: PurchaseCountModel | null;

  private constructor(
    readonly state: ValueModelState,
    private readonly purchases: BgNbd | null,
    private readonly spend: GammaGamma | null,
  ) {
    this.propensity = state.churn?.serving === 'PROPENSITY' ? new PropensityModel(state.churn.propensity) : null;
    this.counts = state.forecast?.serving === 'LEARNT' ? new PurchaseCountModel(state.forecast.learnt) : null;
  }

  static fromState(state: ValueModelState): ValueModel {
    return new ValueModel(state, state.bgNbd ? new BgNbd(state.bgNbd) : null, state.gammaGamma ? new GammaGamma(state.gammaGamma) : null);
  }

  /**
   * Fits both models on the shop's history, behind the gates; with the customers' purchase `events`,
   * also the churn model (churn-model.ts), whichever way the gates went.
   */
  static fit(history: PurchaseHistory, events?: readonly PurchaseEvents[]): ValueModel {
    const model = ValueModel.fitValue(history);
    if (!events) return model;
    const bgNbd = { fitted: model.fitted, penalizer: model.state.bgNbd?.penalizer ?? 0, variant: model.state.bgNbd?.variant ?? 'BG' };
    const churn = chooseChurnModel(events, epochDay(history.asOf), history.validation, bgNbd);
    const forecast = model.fitted ? chooseForecastModel(events, epochDay(history.asOf), bgNbd) : null;
    return ValueModel.fromState({ ...model.state, churn, forecast });
  }

  private static fitValue(history: PurchaseHistory): ValueModel {
    const customers = history.customers;
    const repeat = customers.filter((c) => c.frequency > 0);
    const historyDays = history.firstDay ? Math.round((history.asOf.getTime() - history.firstDay.getTime()) / 86_400_000) : 0;
    const base = {
      asOf: history.asOf.toISOString(),
      customers: customers.length,
      repeatCustomers: repeat.length,
      historyDays,
      futureOrders: history.futureOrders,
      bgNbd: null,
      gammaGamma: null,
      spendReason: null,
    };
    const future = history.futureOrders > 0 ? ` (${history.futureOrders} order(s) dated in the future were left out)` : '';
    const short: string[] = [];
    if (customers.length < MIN_CUSTOMERS) short.push(`${customers.length} customers with completed orders (at least ${MIN_CUSTOMERS} needed)`);
    if (repeat.length < MIN_REPEAT_CUSTOMERS)
      short.push(`${repeat.length} customers who bought again on another day (at least ${MIN_REPEAT_CUSTOMERS} needed)`);
    if (historyDays < MIN_HISTORY_DAYS) short.push(`${historyDays} days of order history (at least ${MIN_HISTORY_DAYS} needed)`);
    if (short.length > 0) {
      return new ValueModel(
        { ...base, status: 'INSUFFICIENT_DATA', reason: `Not enough data to predict value and churn: ${short.join('; ')}${future}.` },
        null,
        null,
      );
    }
    const selection = history.validation
      ? choosePurchaseModel(history.validation, { minCustomers: MIN_CUSTOMERS, minRepeatCustomers: MIN_REPEAT_CUSTOMERS })
      : null;
    const penalizer = selection?.penalizer ?? 0;
    const variant = selection?.variant ?? 'BG';
    const fitted = BgNbd.fit(customers, { penalizer, variant });
    if (!fitted.fit.converged) {
      return new ValueModel(
        {
          ...base,
          status: 'NOT_CONVERGED',
          reason: `The purchase model (${variantName(variant)}) did not converge on this shop's history (${describe(fitted.fit)}); no predictions until more history is in${future}.`,
        },
        null,
        null,
      );
    }
    const bgNbd = { ...fitted.model.params, logLikelihood: fitted.fit.logLikelihood, iterations: fitted.fit.iterations, penalizer };
    const spenders = repeat.filter((c) => c.monetary > 0);
    let gammaGamma: ValueModelState['gammaGamma'] = null;
    let spendReason: string | null = null;
    let spend: GammaGamma | null = null;
    if (spenders.length < MIN_REPEAT_CUSTOMERS) {
      spendReason = `${spenders.length} repeat customers with a positive order value (at least ${MIN_REPEAT_CUSTOMERS} needed to model spend)`;
    } else {
      const gg = GammaGamma.fit(spenders);
      if (!gg.fit.converged || gg.model.params.q <= 1) spendReason = `the spend model did not converge (${describe(gg.fit)})`;
      else {
        spend = gg.model;
        gammaGamma = { ...gg.model.params, logLikelihood: gg.fit.logLikelihood, iterations: gg.fit.iterations, customers: spenders.length };
      }
    }
    const state: ValueModelState = {
      ...base,
      status: 'FITTED',
      bgNbd,
      selection,
      gammaGamma,
      spendReason: spendReason ? `No spend or lifetime value: ${spendReason}.` : null,
      reason: future ? `Fitted${future}.` : null,
    };
    return new ValueModel(state, fitted.model, spend);
  }

  get fitted(): boolean {
    return this.purchases !== null;
  }

  /**
   * The customer's churn risk from the model chosen for this shop; `events` are their purchases (the
   * learnt model reads their rhythm, as of the epoch day `at` when given, else as of the fit). Null for
   * runs made before the choice, and when the serving model has nothing to say of this customer.
   */
  churn(c: CustomerHistory, events: PurchaseEvents | undefined, at?: number): ChurnRisk | null {
    const choice = this.state.churn;
    if (!choice) return null;
    if (choice.serving === 'PROPENSITY') {
      const p = events && this.propensity?.predict(events, 2, at);
      return p ? { risk: 1 - p.probability, horizonDays: choice.horizonDays, reasons: p.reasons } : null;
    }
    if (choice.serving === 'BG_NBD' && this.purchases) {
      const p = this.purchases.purchaseProbability(choice.horizonDays, c);
      return Number.isFinite(p) ? { risk: 1 - p, horizonDays: choice.horizonDays, reasons: [] } : null;
    }
    return null;
  }

  /**
   * Purchase days a day the learnt count model forecasts for the customer (their `events`), when it
   * serves the shop's forecasts; stored with the run's predictions (customer_value.purchase_rate), so
   * any horizon is read without the events. Null otherwise.
   */
  purchaseRate(events: PurchaseEvents | undefined, at?: number): number | null {
    const expected = events && this.counts?.expected(events, at);
    return expected === undefined || expected === null ? null : expected / this.counts!.state.horizonDays;
  }

  /**
   * A customer's predictions over `horizonDays`, CLV discounted at `monthlyDiscount` per 30 days
   * (lifetimes' customer_lifetime_value: the purchases expected in each month times the expected
   * value of a purchase, discounted). Null when the model is not fitted.
   */
  predict(
    c: CustomerHistory,
    horizonDays = DEFAULT_HORIZON_DAYS,
    monthlyDiscount = DEFAULT_MONTHLY_DISCOUNT,
    // The median walks the distribution term by term: asked for per customer, not in segment loops.
    // `rate`: the stored purchaseRate() of the customer, read when the learnt model serves forecasts.
    { likely = false, rate = null }: { likely?: boolean; rate?: number | null } = {},
  ): CustomerValue | null {
    const bg = this.purchases;
    if (!bg) return null;
    const pAlive = bg.pAlive(c);
    // Purchases up to a day: from the model chosen for the shop's forecasts (forecast-model.ts). The
    // learnt model and the rule of thumb give a rate over the days they were chosen on; a customer the
    // learnt model could not score (no stored rate) is forecast by BG/NBD.
    const serving = this.state.forecast?.serving;
    const perDay = serving === 'LEARNT' ? rate : serving === 'RATE' ? ruleOfThumb(c, 1) : null;
    const chosenOn = this.state.forecast?.horizonDays ?? 0;
    // Past those days, a quarter's rate held steady for a year would claim more than anything measured:
    // the quarter's forecast goes on along BG/NBD's curve for this customer (its slowing as customers
    // drop out), or steadily where that curve is flat at zero.
    const quarter = perDay !== null && horizonDays > chosenOn ? bg.expectedPurchases(chosenOn, c) : 0;
    const upTo = (days: number) => {
      if (perDay === null) return bg.expectedPurchases(days, c);
      if (days <= chosenOn || quarter <= 1e-9) return perDay * days;
      return perDay * chosenOn * (bg.expectedPurchases(days, c) / quarter);
    };
    const expectedPurchases = upTo(horizonDays);
    // The learnt count model's own chance of at least one purchase (Poisson), so that it agrees with its median.
    const purchaseProbability = serving === 'LEARNT' && perDay !== null ? 1 - Math.exp(-expectedPurchases) : bg.purchaseProbability(horizonDays, c);
    // A fit can sit where a customer's terms overflow; such a customer gets no numbers, never NaN.
    if (!Number.isFinite(pAlive) || !Number.isFinite(expectedPurchases) || expectedPurchases < 0 || !Number.isFinite(purchaseProbability)) return null;
    const spendOf = this.spend ? this.spend.expectedSpend(c.frequency, c.monetary) : null;
    const perPurchase = spendOf !== null && Number.isFinite(spendOf) ? spendOf : null;
    let clv: number | null = null;
    if (perPurchase !== null) {
      clv = 0;
      let before = 0;
      for (let day = Math.min(MONTH_DAYS, horizonDays); ; day = Math.min(day + MONTH_DAYS, horizonDays)) {
        const purchases = upTo(day);
        clv += ((purchases - before) * perPurchase) / (1 + monthlyDiscount) ** (day / MONTH_DAYS);
        before = purchases;
        if (day >= horizonDays) break;
      }
      if (!Number.isFinite(clv)) clv = null;
    }
    return {
      pAlive,
      churnRisk: 1 - pAlive,
      expectedPurchases,
      purchaseProbability,
      likelyPurchases: !likely
        ? null
        : perDay === null
          ? bg.medianPurchases(horizonDays, c)
          : serving === 'LEARNT'
            ? poissonMedian(expectedPurchases)
            : expectedPurchases,
      expectedSpendPerPurchase: perPurchase,
      expectedSpend: perPurchase === null ? null : perPurchase * expectedPurchases,
      clv,
    };
  }
}

function describe(fit: Fit): string {
  return `gradient ${fit.gradient.toExponential(1)} after ${fit.iterations} steps`;
}
