// Idempotent batch upserts. Each batch is validated whole, then written in ONE transaction with one
// set-based statement per table (jsonb_to_recordset): 10,000 orders cost a handful of round trips
// instead of tens of thousands of Prisma upserts. A record replaces what was stored under its id;
// rows whose content did not change are left alone (their updated_at stays), and reported unchanged.
// The customers a batch changed go on the change feed in the same transaction (live updates).
import { Prisma, type PrismaClient } from '../db/database.js';
import { recordChanges } from './change-feed.js';
import type { FieldIssue } from '../errors/domain-errors.js';
import { BatchValidationError, fieldPath } from './errors.js';
import {
  detectLanguage,
  RECORD_SCHEMAS,
  type CustomerRecord,
  type Entity,
  type OrderRecord,
  type ProductRecord,
  type RecordsByEntity,
  type ReviewRecord,
  type SearchRecord,
} from './records.js';

export interface BatchResult {
  entity: Entity;
  received: number;
  created: number;
  updated: number;
  unchanged: number;
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** Issues reported back to the caller at most; the count says how many there were in all. */
const MAX_REPORTED_ISSUES = 100;

export class BatchWriter {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly maxBatchSize: number,
    /** Called after a batch that changed customers has committed (live updates wake on it). */
    private readonly onCommitted?: () => void,
  ) {}

  /** Validates every record; throws BatchValidationError listing each bad field. */
  validate<E extends Entity>(entity: E, records: readonly unknown[], root = 'records'): RecordsByEntity[E][] {
    if (records.length > this.maxBatchSize) {
      throw new BatchValidationError([{ index: -1, field: root, message: `holds ${records.length} records; at most ${this.maxBatchSize} per call` }]);
    }
    const schema = RECORD_SCHEMAS[entity];
    const issues: FieldIssue[] = [];
    const valid: RecordsByEntity[E][] = [];
    const seen = new Map<string, number>();
    records.forEach((raw, index) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          issues.push({ index, field: fieldPath(root, index, issue.path), message: issue.message });
        }
        return;
      }
      const record = parsed.data as RecordsByEntity[E];
      const first = seen.get(record.id);
      if (first !== undefined) {
        issues.push({ index, field: fieldPath(root, index, ['id']), message: `repeats the id of ${root}[${first}]` });
      } else seen.set(record.id, index);
      valid.push(record);
    });
    if (issues.length > 0) throw new BatchValidationError(issues.slice(0, MAX_REPORTED_ISSUES), issues.length);
    return valid;
  }

  /**
   * Validates and writes a batch atomically: all of it lands, or none of it. `live: false` (bulk loads:
   * file imports, demo shops, which an embed job follows) leaves the change feed out.
   */
  async upsert<E extends Entity>(entity: E, raw: readonly unknown[], root = 'records', { live = true }: { live?: boolean } = {}): Promise<BatchResult> {
    const records = this.validate(entity, raw, root);
    if (records.length === 0) return { entity, received: 0, created: 0, updated: 0, unchanged: 0 };
    const { result, customers } = await this.prisma.$transaction(
      async (tx) => {
        const { created, updated, customers } = await WRITERS[entity](tx, records, root);
        if (live) await recordChanges(tx, customers);
        return { result: { entity, received: records.length, created, updated, unchanged: records.length - created - updated }, customers };
      },
      { maxWait: 60_000, timeout: 10 * 60_000 },
    );
    if (live && customers.length > 0) this.onCommitted?.();
    return result;
  }
}

interface WriteCounts {
  created: number;
  updated: number;
  /** Customers whose data the batch changed (internal ids): what the change feed records. */
  customers: number[];
}

type Writer<R> = (tx: Tx, records: R[], root: string) => Promise<WriteCounts>;

const WRITERS: { [E in Entity]: Writer<RecordsByEntity[E]> } = {
  customers: writeCustomers,
  products: writeProducts,
  orders: writeOrders,
  searches: writeSearches,
  reviews: writeReviews,
};

/** Counts from the rows a statement returned; their `customer_id`s are the customers changed (none for products). */
function countReturned(rows: { created: boolean; customer_id?: number }[]): WriteCounts {
  const created = rows.filter((r) => r.created).length;
  return { created, updated: rows.length - created, customers: rows.flatMap((r) => (r.customer_id === undefined ? [] : [r.customer_id])) };
}

async function writeCustomers(tx: Tx, records: CustomerRecord[]): Promise<WriteCounts> {
  const rows = records.map((r) => ({
    external_id: r.id,
    country: r.country ?? null,
    signup_at: r.signupAt ?? null,
    attributes: r.attributes ?? {},
    marketing_consent: r.marketingConsent ?? null,
  }));
  // Consent left out of a record keeps what the customer had: a batch that does not carry it (most
  // shops' nightly export) never wipes a recorded opt-out.
  return countReturned(
    await tx.$queryRaw<{ created: boolean; customer_id: number }[]>`INSERT INTO customer AS t (external_id, country, signup_at, attributes, marketing_consent)
       SELECT x.external_id, x.country, x.signup_at, x.attributes, x.marketing_consent
       FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(external_id text, country text, signup_at timestamptz, attributes jsonb, marketing_consent boolean)
       ON CONFLICT (external_id) DO UPDATE
         SET country = EXCLUDED.country, signup_at = EXCLUDED.signup_at, attributes = EXCLUDED.attributes,
             marketing_consent = COALESCE(EXCLUDED.marketing_consent, t.marketing_consent), updated_at = now()
         WHERE (t.country, t.signup_at, t.attributes, t.marketing_consent)
           IS DISTINCT FROM (EXCLUDED.country, EXCLUDED.signup_at, EXCLUDED.attributes, COALESCE(EXCLUDED.marketing_consent, t.marketing_consent))
       RETURNING (xmax = 0) AS created, t.id AS customer_id`,
  );
}

async function writeProducts(tx: Tx, records: ProductRecord[]): Promise<WriteCounts> {
  const rows = records.map((r) => ({
    external_id: r.id,
    title: r.title,
    category: r.category ?? null,
    price: r.price ?? null,
  }));
  // A product's new title reaches its buyers' vectors with the next embed job, not through the change
  // feed: one renamed best-seller would otherwise queue most of the shop.
  return countReturned(
    await tx.$queryRaw<{ created: boolean }[]>`INSERT INTO product AS t (external_id, title, category, price)
       SELECT x.external_id, x.title, x.category, x.price
       FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(external_id text, title text, category text, price numeric)
       ON CONFLICT (external_id) DO UPDATE
         SET title = EXCLUDED.title, category = EXCLUDED.category, price = EXCLUDED.price, updated_at = now()
         WHERE (t.title, t.category, t.price) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.category, EXCLUDED.price)
       RETURNING (xmax = 0) AS created`,
  );
}

async function writeOrders(tx: Tx, records: OrderRecord[], root: string): Promise<WriteCounts> {
  rejectIfAny([
    ...(await unknownReferences(tx, 'customer', records, (r) => [[r.customerId, ['customerId']]], root)),
    ...(await unknownReferences(tx, 'product', records, (r) => r.items.map((item, i) => [item.productId, ['items', i, 'productId']] as const), root)),
  ]);
  const orderRows = records.map((r) => ({
    external_id: r.id,
    customer_external_id: r.customerId,
    placed_at: r.placedAt,
    status: r.status ?? 'COMPLETED',
    item_count: r.items.length,
  }));
  const orderJson = JSON.stringify(orderRows);
  // An order moved to another customer changes the one it leaves too.
  const before = new Map(
    (
      await tx.$queryRaw<{ external_id: string; customer_id: number }[]>`SELECT o.external_id, o.customer_id FROM "order" o
         JOIN jsonb_to_recordset(${orderJson}::jsonb) AS x(external_id text) ON o.external_id = x.external_id`
    ).map((o) => [o.external_id, o.customer_id]),
  );
  const changedOrders = await tx.$queryRaw<
    { external_id: string; created: boolean; customer_id: number }[]
  >`INSERT INTO "order" AS t (external_id, customer_id, placed_at, status)
     SELECT x.external_id, c.id, x.placed_at, x.status::order_status
     FROM jsonb_to_recordset(${orderJson}::jsonb) AS x(external_id text, customer_external_id text, placed_at timestamptz, status text)
     JOIN customer c ON c.external_id = x.customer_external_id
     ON CONFLICT (external_id) DO UPDATE
       SET customer_id = EXCLUDED.customer_id, placed_at = EXCLUDED.placed_at, status = EXCLUDED.status, updated_at = now()
       WHERE (t.customer_id, t.placed_at, t.status) IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.placed_at, EXCLUDED.status)
     RETURNING external_id, (xmax = 0) AS created, t.customer_id`;
  const itemRows = records.flatMap((r) =>
    r.items.map((item, line) => ({
      order_external_id: r.id,
      line,
      product_external_id: item.productId,
      quantity: item.quantity,
      unit_price: item.unitPrice,
      returned: item.returned ?? false,
    })),
  );
  const changedItems = await tx.$queryRaw<{ order_id: number }[]>`INSERT INTO order_item AS t (order_id, line, product_id, quantity, unit_price, returned)
     SELECT o.id, x.line, p.id, x.quantity, x.unit_price, x.returned
     FROM jsonb_to_recordset(${JSON.stringify(itemRows)}::jsonb)
       AS x(order_external_id text, line int, product_external_id text, quantity int, unit_price numeric, returned boolean)
     JOIN "order" o ON o.external_id = x.order_external_id
     JOIN product p ON p.external_id = x.product_external_id
     ON CONFLICT (order_id, line) DO UPDATE
       SET product_id = EXCLUDED.product_id, quantity = EXCLUDED.quantity, unit_price = EXCLUDED.unit_price, returned = EXCLUDED.returned
       WHERE (t.product_id, t.quantity, t.unit_price, t.returned)
         IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.quantity, EXCLUDED.unit_price, EXCLUDED.returned)
     RETURNING order_id`;
  // An order that now has fewer lines than before loses the surplus ones.
  const droppedItems = await tx.$queryRaw<{ order_id: number }[]>`DELETE FROM order_item oi
     USING "order" o, jsonb_to_recordset(${orderJson}::jsonb) AS x(external_id text, item_count int)
     WHERE o.external_id = x.external_id AND oi.order_id = o.id AND oi.line >= x.item_count
     RETURNING oi.order_id`;
  const created = new Set(changedOrders.filter((o) => o.created).map((o) => o.external_id));
  const updated = new Set(changedOrders.filter((o) => !o.created).map((o) => o.external_id));
  const customers = changedOrders.map((o) => o.customer_id);
  for (const o of changedOrders) {
    const previous = before.get(o.external_id);
    if (previous !== undefined && previous !== o.customer_id) customers.push(previous);
  }
  const itemOrderIds = [...new Set([...changedItems, ...droppedItems].map((r) => r.order_id))];
  if (itemOrderIds.length > 0) {
    const touched = await tx.$queryRaw<
      { external_id: string; customer_id: number }[]
    >`SELECT external_id, customer_id FROM "order" WHERE id IN (SELECT value::int FROM jsonb_array_elements_text(${JSON.stringify(itemOrderIds)}::jsonb))`;
    for (const { external_id, customer_id } of touched) {
      if (!created.has(external_id)) updated.add(external_id);
      customers.push(customer_id);
    }
  }
  return { created: created.size, updated: updated.size, customers };
}

async function writeSearches(tx: Tx, records: SearchRecord[], root: string): Promise<WriteCounts> {
  rejectIfAny(await unknownReferences(tx, 'customer', records, (r) => [[r.customerId, ['customerId']]], root));
  const rows = records.map((r) => ({
    external_id: r.id,
    customer_external_id: r.customerId,
    text: r.text,
    searched_at: r.searchedAt,
  }));
  return countReturned(
    await tx.$queryRaw<{ created: boolean; customer_id: number }[]>`INSERT INTO search_query AS t (external_id, customer_id, text, searched_at)
       SELECT x.external_id, c.id, x.text, x.searched_at
       FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(external_id text, customer_external_id text, text text, searched_at timestamptz)
       JOIN customer c ON c.external_id = x.customer_external_id
       ON CONFLICT (external_id) DO UPDATE
         SET customer_id = EXCLUDED.customer_id, text = EXCLUDED.text, searched_at = EXCLUDED.searched_at
         WHERE (t.customer_id, t.text, t.searched_at) IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.text, EXCLUDED.searched_at)
       RETURNING (xmax = 0) AS created, t.customer_id`,
  );
}

async function writeReviews(tx: Tx, records: ReviewRecord[], root: string): Promise<WriteCounts> {
  rejectIfAny([
    ...(await unknownReferences(tx, 'customer', records, (r) => [[r.customerId, ['customerId']]], root)),
    ...(await unknownReferences(tx, 'product', records, (r) => (r.productId ? [[r.productId, ['productId']]] : []), root)),
  ]);
  const rows = records.map((r) => ({
    external_id: r.id,
    customer_external_id: r.customerId,
    product_external_id: r.productId ?? null,
    rating: r.rating,
    text: r.text,
    language: r.language ?? detectLanguage(r.text),
    reviewed_at: r.reviewedAt,
  }));
  return countReturned(
    await tx.$queryRaw<
      { created: boolean; customer_id: number }[]
    >`INSERT INTO review AS t (external_id, customer_id, product_id, rating, text, language, reviewed_at)
       SELECT x.external_id, c.id, p.id, x.rating, x.text, x.language, x.reviewed_at
       FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(external_id text, customer_external_id text, product_external_id text,
                                               rating int, text text, language text, reviewed_at timestamptz)
       JOIN customer c ON c.external_id = x.customer_external_id
       LEFT JOIN product p ON p.external_id = x.product_external_id
       ON CONFLICT (external_id) DO UPDATE
         SET customer_id = EXCLUDED.customer_id, product_id = EXCLUDED.product_id, rating = EXCLUDED.rating,
             text = EXCLUDED.text, language = EXCLUDED.language, reviewed_at = EXCLUDED.reviewed_at
         WHERE (t.customer_id, t.product_id, t.rating, t.text, t.language, t.reviewed_at)
           IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.product_id, EXCLUDED.rating, EXCLUDED.text, EXCLUDED.language, EXCLUDED.reviewed_at)
       RETURNING (xmax = 0) AS created, t.customer_id`,
  );
}

/**
 * The fields of records that point at a customer or product that does not exist. Checked inside
 * the transaction, so a reference cannot vanish between the check and the write.
 */
async function unknownReferences<R>(
  tx: Tx,
  table: 'customer' | 'product',
  records: R[],
  refsOf: (record: R) => ReadonlyArray<readonly [string, readonly (string | number)[]]>,
  root: string,
): Promise<FieldIssue[]> {
  const ids = [...new Set(records.flatMap((r) => refsOf(r).map(([id]) => id)))];
  if (ids.length === 0) return [];
  // `table` is one of two literal names (its type says which), never the caller's input.
  const missing = await tx.$queryRaw<{ id: string }[]>`
    SELECT x.id FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS x(id)
    WHERE NOT EXISTS (SELECT 1 FROM ${Prisma.raw(table)} t WHERE t.external_id = x.id)`;
  if (missing.length === 0) return [];
  const unknown = new Set(missing.map((m) => m.id));
  const issues: FieldIssue[] = [];
  records.forEach((record, index) => {
    for (const [id, path] of refsOf(record)) {
      if (unknown.has(id)) issues.push({ index, field: fieldPath(root, index, path), message: `names unknown ${table} "${id}"` });
    }
  });
  return issues;
}

function rejectIfAny(issues: FieldIssue[]): void {
  if (issues.length === 0) return;
  issues.sort((a, b) => a.index - b.index);
  throw new BatchValidationError(issues.slice(0, MAX_REPORTED_ISSUES), issues.length);
}
