// The value models of a segmentation run: fitted on the shop's whole order history when the run is
// made, and the run's members' histories and default-horizon predictions, which the run stores in its
// one transaction (segments/run/segment-runs).
import type { PrismaClient } from '../db/database.js';
import { readPurchases } from './purchase-history.js';
import { fitInWorker } from './fit-worker.js';
import type { CustomerHistory } from './purchase-history.js';
import type { PurchaseEvents } from './propensity/purchase-features.js';
import type { ValueModel, ValueModelState } from './value-model.js';

export interface CustomerValueRow {
  customer_id: number;
  frequency: number;
  recency: number;
  age: number;
  monetary: number;
  p_alive: number | null;
  expected_purchases: number | null;
  expected_spend: number | null;
  clv: number | null;
  /** The serving churn model's risk of no purchase in the next CHURN_HORIZON_DAYS. */
  churn_risk: number | null;
  /** Its reasons (the learnt model's strongest features), as stored in customer_value.churn_reasons. */
  churn_reasons: { feature: string; effect: string; contribution: number }[] | null;
  /** The learnt count model's purchase days a day, when it serves the shop's forecasts. */
  purchase_rate: number | null;
}

export interface RunValue {
  state: ValueModelState;
  rows: CustomerValueRow[];
}

/**
 * Fits on every customer's history; rows for the members (`ids`) who have one. `signal` stops the fit
 * (a run that fails or is cancelled while the fit is still going).
 */
export async function fitRunValue(prisma: PrismaClient, ids: readonly number[], signal?: AbortSignal): Promise<RunValue> {
  const { history, events } = await readPurchases(prisma);
  const model = await fitInWorker(history, events, signal);
  const members = new Set(ids);
  const eventsOf = new Map(events.map((e) => [e.customerId, e]));
  const rows: CustomerValueRow[] = [];
  for (const c of history.customers) {
    if (members.has(c.customerId)) rows.push(valueRow(model, c, eventsOf.get(c.customerId)));
  }
  return { state: model.state, rows };
}

/**
 * A customer's stored predictions at the default horizon, from the run's fitted models. `at` (an epoch
 * day): the learnt models read their purchases as of then, not as of the fit (live updates).
 */
export function valueRow(model: ValueModel, c: CustomerHistory, events: PurchaseEvents | undefined, at?: number): CustomerValueRow {
  const rate = model.purchaseRate(events, at);
  const v = model.predict(c, undefined, undefined, { rate });
  const churn = model.churn(c, events, at);
  return {
    customer_id: c.customerId,
    frequency: c.frequency,
    recency: c.recency,
    age: c.age,
    monetary: c.monetary,
    p_alive: v?.pAlive ?? null,
    expected_purchases: v?.expectedPurchases ?? null,
    expected_spend: v?.expectedSpend ?? null,
    clv: v?.clv ?? null,
    churn_risk: churn?.risk ?? null,
    churn_reasons: churn ? churn.reasons.map((r) => ({ feature: r.feature, effect: r.effect, contribution: r.contribution })) : null,
    purchase_rate: rate,
  };
}
