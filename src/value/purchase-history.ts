// What the value models read of each customer, from the orders: repeat purchases, recency and age in
// days, and the mean value of their repeat purchases. As `lifetimes`' summary_data_from_transaction_data
// with daily periods: several orders on one day are one purchase (a split basket is not a return
// visit). Only completed orders count; returned lines count nothing towards a purchase's value.
// Orders dated after `now` (a clock or an import gone wrong) are left out and counted, not believed.
import type { PrismaClient } from '../db/database.js';
import type { RepeatHistory } from './bg-nbd.js';

export interface CustomerHistory extends RepeatHistory {
  customerId: number;
  /** Mean value of the repeat purchases (0 without repeats). */
  monetary: number;
}

export interface PurchaseHistory {
  customers: CustomerHistory[];
  /** The end of the observation: the last order's day (a shop's data may end long before today). */
  asOf: Date;
  /** First and last purchase day in the shop. */
  firstDay: Date | null;
  /** Orders dated after `now`, left out. */
  futureOrders: number;
}

const DAY = 86_400_000;

export async function readPurchaseHistory(prisma: PrismaClient, options: { until?: Date; now?: Date } = {}): Promise<PurchaseHistory> {
  const now = options.now ?? new Date();
  // A whole day: a customer's last purchase day counts in full for recency, so it must for age too.
  const cut = options.until && options.until < now ? options.until : now;
  const until = options.until ? new Date(Math.floor(cut.getTime() / DAY) * DAY) : cut;
  const [future] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "order" WHERE placed_at > ${now}`;
  const rows = await prisma.$queryRaw<{ customer_id: number; days: bigint; first_day: Date; last_day: Date; repeat_value: number | null }[]>`
    WITH purchase AS (
      SELECT o.customer_id, date_trunc('day', o.placed_at, 'UTC') AS day,
             sum(CASE WHEN i.returned THEN 0 ELSE i.quantity * i.unit_price END)::float8 AS value
      FROM "order" o JOIN order_item i ON i.order_id = o.id
      WHERE o.status = 'COMPLETED' AND o.placed_at < ${until}
      GROUP BY 1, 2
    ), numbered AS (
      SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY day) AS n FROM purchase
    )
    SELECT customer_id, count(*) AS days, min(day) AS first_day, max(day) AS last_day, avg(value) FILTER (WHERE n > 1) AS repeat_value
    FROM numbered GROUP BY customer_id ORDER BY customer_id`;
  let last = 0;
  let first = Infinity;
  for (const r of rows) {
    last = Math.max(last, r.last_day.getTime());
    first = Math.min(first, r.first_day.getTime());
  }
  // The observation ends at the end of the last purchase day seen (or at `until` when given).
  const end = options.until ? Math.min(until.getTime(), last + DAY) : last + DAY;
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
  return { customers, asOf: new Date(end), firstDay: rows.length > 0 ? new Date(first) : null, futureOrders: Number(future?.n ?? 0) };
}
