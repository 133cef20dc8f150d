// The value models of a segmentation run: fitted on the shop's whole order history when the run is
// made, and the run's members' histories and default-horizon predictions, which the run stores in its
// one transaction (segments/run/segment-runs).
import type { PrismaClient } from '../db/database.js';
import { readPurchaseHistory } from './purchase-history.js';
import { fitInWorker } from './fit-worker.js';
import type { ValueModelState } from './value-model.js';

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
}

export interface RunValue {
  state: ValueModelState;
  rows: CustomerValueRow[];
}

/** Fits on every customer's history; rows for the members (`ids`) who have one. */
export async function fitRunValue(prisma: PrismaClient, ids: readonly number[]): Promise<RunValue> {
  const history = await readPurchaseHistory(prisma);
  const model = await fitInWorker(history);
  const members = new Set(ids);
  const rows: CustomerValueRow[] = [];
  for (const c of history.customers) {
    if (!members.has(c.customerId)) continue;
    const v = model.predict(c);
    rows.push({
      customer_id: c.customerId,
      frequency: c.frequency,
      recency: c.recency,
      age: c.age,
      monetary: c.monetary,
      p_alive: v?.pAlive ?? null,
      expected_purchases: v?.expectedPurchases ?? null,
      expected_spend: v?.expectedSpend ?? null,
      clv: v?.clv ?? null,
    });
  }
  return { state: model.state, rows };
}
