// The change feed: which customers accepted writes have touched since live updates last covered
// them. A row is written in the same transaction as the write (so an acknowledged write always has
// one, and a rolled-back one never does) and deleted only after the customer's vectors, segment and
// value have been brought up to date — a process that dies in between leaves the row for the next.
import type { PrismaClient } from '../db/database.js';

type Client = Pick<PrismaClient, '$queryRaw' | '$executeRaw'>;

/** A customer with changes waiting, and the newest of them seen (rows up to it are covered together). */
export interface PendingChange {
  customerId: number;
  /** The highest sequence number of this customer's rows read. */
  through: bigint;
  /** When the oldest of those rows was written (how long the customer has waited). */
  since: Date;
}

/** Records that these customers changed: one row each, inside the caller's transaction. */
export async function recordChanges(tx: Client, customerIds: Iterable<number>): Promise<void> {
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return;
  await tx.$executeRaw`INSERT INTO customer_change (customer_id)
     SELECT value::int FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)`;
}

export class ChangeFeed {
  constructor(private readonly prisma: Client) {}

  /**
   * Customers with changes waiting, oldest first: the `window` oldest rows, one entry per customer.
   * Reading a window (not the whole table) keeps a poll cheap behind a bulk import's backlog.
   */
  async pending(window: number): Promise<PendingChange[]> {
    const rows = await this.prisma.$queryRaw<{ customer_id: number; through: bigint; since: Date }[]>`
      SELECT customer_id, max(seq) AS through, min(changed_at) AS since
      FROM (SELECT seq, customer_id, changed_at FROM customer_change ORDER BY seq LIMIT ${window}) AS w
      GROUP BY customer_id ORDER BY min(seq)`;
    return rows.map((r) => ({ customerId: r.customer_id, through: BigInt(r.through), since: r.since }));
  }

  /**
   * Deletes what `covered` covered: each customer's rows up to the sequence read. A change written
   * while they were processed has a higher number and stays for the next round.
   */
  async acknowledge(covered: readonly PendingChange[]): Promise<void> {
    if (covered.length === 0) return;
    const json = JSON.stringify(covered.map((c) => ({ customer_id: c.customerId, through: c.through.toString() })));
    await this.prisma.$executeRaw`DELETE FROM customer_change c
       USING jsonb_to_recordset(${json}::jsonb) AS r(customer_id int, through bigint)
       WHERE c.customer_id = r.customer_id AND c.seq <= r.through`;
  }
}
