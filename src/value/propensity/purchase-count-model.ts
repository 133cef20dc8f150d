// How many days will a customer buy on over the horizon? Learnt from the shop's own past like the
// propensity (propensity-model.ts): at each earlier cut-off, the customers' features then and the
// number of days they bought on in the horizon after; a Poisson regression learns from all of them.
// Where BG/NBD assumes how customers buy and drop out, this learns the shop's rates as they were —
// which wins where the next quarter resembles the past ones (CDNOW) and loses where it does not (a
// season the history has not seen): forecast-model.ts chooses per shop on its last window.
import { everyKth } from '../../shared/thinning.js';
import { PURCHASE_FEATURES, type PurchaseEvents } from './purchase-features.js';
import { PoissonRegression, type PoissonRegressionState } from './poisson-regression.js';
import {
  MAX_TRAINING_CUSTOMERS,
  PROPENSITY_DEFAULTS,
  firstPurchaseDay,
  fitScaler,
  isoDay,
  rowsAt,
  shortOf,
  standardisedFeatures,
  trainingCutoffs,
  type LearntFromCutoffs,
  type Rows,
} from './propensity-model.js';

/** scikit-learn's alpha on standardised features: light, a dozen coefficients and thousands of rows. */
export const COUNT_ALPHA = 1e-4;

export type PurchaseCountState = LearntFromCutoffs<PoissonRegressionState>;

export class PurchaseCountModel {
  private readonly model: PoissonRegression | null;

  constructor(readonly state: PurchaseCountState) {
    this.model = state.model ? new PoissonRegression(state.model) : null;
  }

  /**
   * Fits on the purchases before `asOf` (an epoch day): training rows at cut-offs asOf − horizon,
   * − step, … (each with its whole horizon before `asOf`), to forecast from `asOf` on.
   */
  static fit(events: readonly PurchaseEvents[], asOf: number, horizonDays: number): PurchaseCountModel {
    const firstDay = firstPurchaseDay(events, asOf);
    const cutoffs = trainingCutoffs(firstDay, asOf - horizonDays, PROPENSITY_DEFAULTS);
    const training = rowsAt(everyKth(events, MAX_TRAINING_CUSTOMERS), cutoffs, horizonDays);
    const base: PurchaseCountState = {
      status: 'INSUFFICIENT_DATA',
      reason: shortOf(training, '', 0),
      horizonDays,
      asOf: isoDay(asOf),
      features: [...PURCHASE_FEATURES],
      mean: [],
      scale: [],
      model: null,
      windows: cutoffs.map(isoDay),
      rows: training.rows.length,
    };
    if (base.reason) return new PurchaseCountModel(base);
    const fitted = fitCounts(training);
    if (!fitted.model.state.converged) return new PurchaseCountModel({ ...base, reason: 'The count regression did not converge.' });
    return new PurchaseCountModel({ ...base, status: 'FITTED', mean: fitted.mean, scale: fitted.scale, model: fitted.model.state });
  }

  get fitted(): boolean {
    return this.model !== null;
  }

  /** Expected purchase days in [asOf, asOf + horizon) for the customer; null without a purchase before asOf or a model. */
  expected(e: PurchaseEvents, at?: number): number | null {
    const z = this.model && standardisedFeatures(this.state, e, at);
    if (!z) return null;
    const mean = this.model.mean(z);
    return Number.isFinite(mean) ? mean : null;
  }
}

function fitCounts(r: Rows) {
  const scaler = fitScaler(r.rows);
  const model = PoissonRegression.fit(r.rows.map(scaler.standardise), r.counts, { alpha: COUNT_ALPHA });
  return { model, ...scaler };
}
