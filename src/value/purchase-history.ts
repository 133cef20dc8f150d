// What the value models read of each customer, from the orders: repeat purchases, recency and age in
// days, and the mean value of their repeat purchases. As `lifetimes`' summary_data_from_transaction_data
// with daily periods: several orders on one day are one purchase (a split basket is not a return
// visit). Only completed orders count; returned lines count nothing towards a purchase's value.
// Orders dated after `now` (a clock or an import gone wrong) are left out and counted, not believed.
import { Prisma, type PrismaClient } from '../db/database.js';
import type { RepeatHistory } from './bg-nbd.js';
import type { PurchaseEvents } from './propensity/purchase-features.js';

export interface CustomerHistory extends RepeatHistory {
  customerId: number;
  /** Mean value of the repeat purchases (0 without repeats). */
  monetary: number;
}

/** A customer as they stood at the start of the validation window, and what they bought in it. */
export interface ValidationHistory extends RepeatHistory {
  /** Purchase days inside the window. */
  actual: number;
}

/**
 * The shop's last VALIDATION_DAYS held out of its own history: what the value model's settings are
 * chosen on (a fit on the history before the window, scored on the purchases inside it).
 */
export interface ValidationWindow {
  days: number;
  /** The customers who had bought before the window. */
  customers: ValidationHistory[];
}

export interface PurchaseHistory {
  customers: CustomerHistory[];
  /** Absent when the history is too short to hold a window out of it. */
  validation?: ValidationWindow;
  /** The end of the observation: the last order's day (a shop's data may end long before today). */
  asOf: Date;
  /** First and last purchase day in the shop. */
  firstDay: Date | null;
  /** Orders dated after `now`, left out. */
  futureOrders: number;
}

const DAY = 86_400_000;
/** A quarter: the horizon marketers plan on, and short enough to leave a year-old shop 9 months to fit on. */
export const VALIDATION_DAYS = 90;
/** Customers a validation fit uses at most (every k-th): seven penalty fits and the churn model's BG/NBD fit must not cost full ones on a large shop. */
export const MAX_VALIDATION_CUSTOMERS = 20_000;
/** History needed before the window for a fit there to mean anything (the model's own gate). */
const MIN_DAYS_BEFORE_VALIDATION = 90;

export async function readPurchaseHistory(prisma: PrismaClient, options: { until?: Date; now?: Date } = {}): Promise<PurchaseHistory> {
  return (await readPurchases(prisma, options)).history;
}

/**
 * The purchase history and the events it summarises, from ONE pass over the orders (readPurchaseEvents):
 * a segmentation needs both, and each was a scan of every order line (9–10 s of the database's one
 * thread apiece at 100,000 customers, bench:scale).
 */
export async function readPurchases(
  prisma: PrismaClient,
  options: { until?: Date; now?: Date } = {},
): Promise<{ history: PurchaseHistory; events: PurchaseEvents[] }> {
  const now = options.now ?? new Date();
  const [future] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "order" WHERE placed_at > ${now}`;
  const events = await readPurchaseEvents(prisma, { ...options, now });
  const until = options.until ? observationCut(options.until, now) : undefined;
  return { history: historyOfEvents(events, { until, futureOrders: Number(future?.n ?? 0) }), events };
}

/**
 * Each customer's summary as of the end of the observation — the end of the last purchase day seen,
 * or `until` (a whole day) when that is earlier — and, when the history is long enough, as of the start
 * of the validation window before it. `events` in customer id order, each with at least one purchase.
 */
export function historyOfEvents(events: readonly PurchaseEvents[], options: { until?: Date; futureOrders: number }): PurchaseHistory {
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (const e of events) {
    firstDay = Math.min(firstDay, e.days[0]!);
    lastDay = Math.max(lastDay, e.days[e.days.length - 1]!);
  }
  const last = events.length > 0 ? lastDay * DAY : 0;
  const end = options.until ? Math.min(options.until.getTime(), last + DAY) : last + DAY;
  const first = events.length > 0 ? firstDay * DAY : end;
  const validate = end - first >= (VALIDATION_DAYS + MIN_DAYS_BEFORE_VALIDATION) * DAY;
  const windowStart = end - VALIDATION_DAYS * DAY;
  const windowDay = windowStart / DAY;
  const customers: CustomerHistory[] = [];
  const validation: ValidationHistory[] = [];
  for (const e of events) {
    const n = e.days.length;
    const start = e.days[0]! * DAY;
    let repeatValue = 0;
    for (let i = 1; i < n; i++) repeatValue += e.spend[i]!;
    customers.push({
      customerId: e.customerId,
      frequency: n - 1,
      recency: e.days[n - 1]! - e.days[0]!,
      age: Math.max(0, (end - DAY - start) / DAY),
      monetary: n > 1 ? repeatValue / (n - 1) : 0,
    });
    if (!validate) continue;
    // The same summary as of the window's start, for the customers who had bought by then.
    let before = 0;
    while (before < n && e.days[before]! < windowDay) before++;
    if (before === 0) continue;
    validation.push({
      frequency: before - 1,
      recency: e.days[before - 1]! - e.days[0]!,
      age: Math.max(0, (windowStart - DAY - start) / DAY),
      actual: n - before,
    });
  }
  return {
    customers,
    ...(validate ? { validation: { days: VALIDATION_DAYS, customers: validation } } : {}),
    asOf: new Date(end),
    firstDay: events.length > 0 ? new Date(first) : null,
    futureOrders: options.futureOrders,
  };
}

/** `until` as the readers take it: no later than `now`, and a whole day (a last purchase day counts in full). */
function observationCut(until: Date, now: Date): Date {
  const cut = until < now ? until : now;
  return new Date(Math.floor(cut.getTime() / DAY) * DAY);
}

/**
 * Every customer's purchase days and their spend (the same purchases as readPurchaseHistory: completed
 * orders with lines, one purchase a day, returned lines worth nothing, `until` rounded down to a whole
 * day as there), in customer id order: what the learnt churn model reads. `customerIds`: only theirs.
 */
export async function readPurchaseEvents(
  prisma: PrismaClient,
  options: { until?: Date; now?: Date; customerIds?: readonly number[] } = {},
): Promise<PurchaseEvents[]> {
  const now = options.now ?? new Date();
  const until = options.until ? observationCut(options.until, now) : now;
  const only = options.customerIds
    ? Prisma.sql`AND o.customer_id IN (SELECT value::int FROM jsonb_array_elements_text(${JSON.stringify(options.customerIds)}::jsonb))`
    : Prisma.empty;
  const rows = await prisma.$queryRaw<{ customer_id: number; days: number[]; spend: number[] }[]>`
    WITH purchase AS (
      SELECT o.customer_id, (extract(epoch FROM date_trunc('day', o.placed_at, 'UTC')) / 86400)::int AS day,
             sum(CASE WHEN i.returned THEN 0 ELSE i.quantity * i.unit_price END)::float8 AS value
      FROM "order" o JOIN order_item i ON i.order_id = o.id
      WHERE o.status = 'COMPLETED' AND o.placed_at < ${until} ${only}
      GROUP BY 1, 2
    )
    SELECT customer_id, array_agg(day ORDER BY day) AS days, array_agg(value ORDER BY day) AS spend
    FROM purchase GROUP BY customer_id ORDER BY customer_id`;
  return rows.map((r) => ({ customerId: r.customer_id, days: Int32Array.from(r.days), spend: Float64Array.from(r.spend) }));
}
