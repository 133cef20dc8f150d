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
  const now = options.now ?? new Date();
  // A whole day: a customer's last purchase day counts in full for recency, so it must for age too.
  const cut = options.until && options.until < now ? options.until : now;
  const until = options.until ? new Date(Math.floor(cut.getTime() / DAY) * DAY) : cut;
  const [future] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "order" WHERE placed_at > ${now}`;
  // Where the observation ends decides where the validation window starts: one cheap query first
  // (over the same orders as the purchases below: completed, with lines).
  const [span] = await prisma.$queryRaw<{ first_day: Date | null; last_day: Date | null }[]>`
    SELECT min(date_trunc('day', placed_at, 'UTC')) AS first_day, max(date_trunc('day', placed_at, 'UTC')) AS last_day
    FROM "order" o WHERE status = 'COMPLETED' AND placed_at < ${until} AND EXISTS (SELECT 1 FROM order_item i WHERE i.order_id = o.id)`;
  // The observation ends at the end of the last purchase day seen (or at `until` when given).
  const last = span?.last_day?.getTime() ?? 0;
  const end = options.until ? Math.min(until.getTime(), last + DAY) : last + DAY;
  const first = span?.first_day?.getTime() ?? end;
  const validate = end - first >= (VALIDATION_DAYS + MIN_DAYS_BEFORE_VALIDATION) * DAY;
  const windowStart = new Date(end - VALIDATION_DAYS * DAY);
  const rows = await prisma.$queryRaw<
    {
      customer_id: number;
      days: bigint;
      first_day: Date;
      last_day: Date;
      repeat_value: number | null;
      days_before: bigint;
      last_before: Date | null;
    }[]
  >`
    WITH purchase AS (
      SELECT o.customer_id, date_trunc('day', o.placed_at, 'UTC') AS day,
             sum(CASE WHEN i.returned THEN 0 ELSE i.quantity * i.unit_price END)::float8 AS value
      FROM "order" o JOIN order_item i ON i.order_id = o.id
      WHERE o.status = 'COMPLETED' AND o.placed_at < ${until}
      GROUP BY 1, 2
    ), numbered AS (
      SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY day) AS n FROM purchase
    )
    SELECT customer_id, count(*) AS days, min(day) AS first_day, max(day) AS last_day, avg(value) FILTER (WHERE n > 1) AS repeat_value,
           count(*) FILTER (WHERE day < ${windowStart}) AS days_before, max(day) FILTER (WHERE day < ${windowStart}) AS last_before
    FROM numbered GROUP BY customer_id ORDER BY customer_id`;
  const customers = rows.map((r) => {
    const start = r.first_day.getTime();
    return {
      customerId: r.customer_id,
      frequency: Number(r.days) - 1,
      recency: (r.last_day.getTime() - start) / DAY,
      age: Math.max(0, (end - DAY - start) / DAY),
      monetary: r.repeat_value ?? 0,
    };
  });
  // The same summaries as of the window's start, for the customers who had bought by then.
  const validation: ValidationWindow | undefined = validate
    ? {
        days: VALIDATION_DAYS,
        customers: rows.flatMap((r) => {
          if (!r.last_before) return [];
          const start = r.first_day.getTime();
          const before = Number(r.days_before);
          return [
            {
              frequency: before - 1,
              recency: (r.last_before.getTime() - start) / DAY,
              age: Math.max(0, (windowStart.getTime() - DAY - start) / DAY),
              actual: Number(r.days) - before,
            },
          ];
        }),
      }
    : undefined;
  return {
    customers,
    ...(validation ? { validation } : {}),
    asOf: new Date(end),
    firstDay: rows.length > 0 ? new Date(first) : null,
    futureOrders: Number(future?.n ?? 0),
  };
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
  const cut = options.until && options.until < now ? options.until : now;
  const until = options.until ? new Date(Math.floor(cut.getTime() / DAY) * DAY) : cut;
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
