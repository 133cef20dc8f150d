// Importer for the UCI Online Retail data set (../shared/datasets/online-retail, see its SOURCE.md).
// Two streaming passes over the gzipped CSV:
//   1. small aggregates: each customer's main country and first purchase; each product's most
//      common description and median price; each invoice's customer and line count;
//   2. the invoice lines, each invoice emitted as one order as soon as all its lines were seen
//      (one invoice in the file is split in two runs, so contiguity is not assumed).
// Rows without a CustomerID cannot belong to a shopper: they are skipped and counted. Cancellation
// invoices (InvoiceNo "C…") become CANCELLED orders with positive quantities. Idempotent: ids are
// the data set's own (CustomerID, StockCode, InvoiceNo), so a second import changes nothing.
import { median } from 'd3-array';
import type { BatchWriter } from './batch-writer.js';
import { openRowSource } from './file-source.js';
import { categorise } from './online-retail-categories.js';
import type { CustomerRecord, OrderRecord, ProductRecord } from './records.js';

export interface OnlineRetailReport {
  rows: number;
  rowsWithoutCustomer: number;
  /** Lines of a shopper's invoice that no order can hold (zero or wrong-signed quantity). */
  rowsInvalid: number;
  /** Lines dated at or after `before`, when given. */
  rowsAfterCutoff: number;
  customers: number;
  products: number;
  orders: number;
  cancelledOrders: number;
  orderLines: number;
  written: Record<'customers' | 'products' | 'orders', { created: number; updated: number; unchanged: number }>;
  seconds: number;
}

export interface OnlineRetailOptions {
  file: string;
  /** Only lines dated before this instant (a calibration period for backtests); later lines are counted and skipped. */
  before?: Date;
  /** Orders per transaction. */
  batchSize?: number;
  onProgress?: (p: { pass: 1 | 2; bytesRead: number; totalBytes: number }) => void;
}

interface Row {
  InvoiceNo: string;
  StockCode: string;
  Description: string;
  Quantity: string;
  InvoiceDate: string;
  UnitPrice: string;
  CustomerID: string;
  Country: string;
}

export async function importOnlineRetail(writer: BatchWriter, options: OnlineRetailOptions): Promise<OnlineRetailReport> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 2000;
  const customers = new Map<string, { countries: Map<string, number>; first: Date }>();
  const products = new Map<string, { descriptions: Map<string, number>; prices: number[] }>();
  const invoices = new Map<string, { lines: number }>();
  const report: OnlineRetailReport = {
    rows: 0,
    rowsWithoutCustomer: 0,
    rowsInvalid: 0,
    rowsAfterCutoff: 0,
    customers: 0,
    products: 0,
    orders: 0,
    cancelledOrders: 0,
    orderLines: 0,
    written: {
      customers: { created: 0, updated: 0, unchanged: 0 },
      products: { created: 0, updated: 0, unchanged: 0 },
      orders: { created: 0, updated: 0, unchanged: 0 },
    },
    seconds: 0,
  };

  // Pass 1: aggregates.
  const pass1 = openRowSource(options.file);
  for await (const { row } of pass1.rows()) {
    // csv-parse with a header row gives string fields only, under the header's names; each field is
    // checked where it is used (a missing one is a skipped line), so a per-row schema would only cost.
    const r = row as unknown as Row;
    report.rows++;
    if (options.before && r.InvoiceDate && londonTimeToDate(r.InvoiceDate) >= options.before) {
      report.rowsAfterCutoff++;
      continue;
    }
    const product = products.get(r.StockCode) ?? { descriptions: new Map<string, number>(), prices: [] as number[] };
    products.set(r.StockCode, product);
    const description = r.Description.trim();
    if (description) product.descriptions.set(description, (product.descriptions.get(description) ?? 0) + 1);
    const price = Number(r.UnitPrice);
    if (price > 0 && !r.InvoiceNo.startsWith('C')) product.prices.push(price);

    const customerId = normaliseCustomerId(r.CustomerID);
    if (!customerId) {
      report.rowsWithoutCustomer++;
      continue;
    }
    if (!isUsableLine(r)) {
      report.rowsInvalid++;
      continue;
    }
    const at = londonTimeToDate(r.InvoiceDate);
    const customer = customers.get(customerId) ?? { countries: new Map(), first: at };
    customers.set(customerId, customer);
    customer.countries.set(r.Country, (customer.countries.get(r.Country) ?? 0) + 1);
    if (at < customer.first) customer.first = at;
    const invoice = invoices.get(r.InvoiceNo) ?? { lines: 0 };
    invoices.set(r.InvoiceNo, invoice);
    invoice.lines++;
    if (report.rows % 5000 === 0) options.onProgress?.({ pass: 1, bytesRead: pass1.bytesRead(), totalBytes: pass1.totalBytes });
  }
  options.onProgress?.({ pass: 1, bytesRead: pass1.totalBytes, totalBytes: pass1.totalBytes });

  const customerRecords: CustomerRecord[] = [...customers].map(([id, c]) => ({
    id,
    country: mostCommon(c.countries),
    signupAt: c.first,
    attributes: { source: 'online-retail' },
  }));
  const productRecords: ProductRecord[] = [...products].map(([id, p]) => {
    const title = mostCommon(p.descriptions) ?? id;
    return { id, title, category: categorise(id, title), price: median(p.prices) };
  });
  report.customers = customerRecords.length;
  report.products = productRecords.length;
  await writeInChunks(writer, 'customers', customerRecords, 5000, report.written.customers);
  await writeInChunks(writer, 'products', productRecords, 5000, report.written.products);

  // Pass 2: orders, emitted when complete.
  const open = new Map<string, OrderRecord>();
  let pending: OrderRecord[] = [];
  const flush = async () => {
    await writeInChunks(writer, 'orders', pending, batchSize, report.written.orders);
    pending = [];
  };
  const pass2 = openRowSource(options.file);
  let seen = 0;
  for await (const { row } of pass2.rows()) {
    const r = row as unknown as Row; // as in pass 1
    const customerId = normaliseCustomerId(r.CustomerID);
    if (!customerId || !isUsableLine(r)) continue;
    if (options.before && londonTimeToDate(r.InvoiceDate) >= options.before) continue;
    const cancelled = r.InvoiceNo.startsWith('C');
    let order = open.get(r.InvoiceNo);
    if (!order) {
      order = {
        id: r.InvoiceNo,
        customerId,
        placedAt: londonTimeToDate(r.InvoiceDate),
        status: cancelled ? 'CANCELLED' : 'COMPLETED',
        items: [],
      };
      open.set(r.InvoiceNo, order);
    }
    order.items.push({ productId: r.StockCode, quantity: Math.abs(Number(r.Quantity)), unitPrice: Number(r.UnitPrice) });
    if (order.items.length === invoices.get(r.InvoiceNo)!.lines) {
      open.delete(r.InvoiceNo);
      pending.push(order);
      report.orders++;
      report.orderLines += order.items.length;
      if (cancelled) report.cancelledOrders++;
      if (pending.length >= batchSize) await flush();
    }
    if (++seen % 5000 === 0) options.onProgress?.({ pass: 2, bytesRead: pass2.bytesRead(), totalBytes: pass2.totalBytes });
  }
  await flush();
  options.onProgress?.({ pass: 2, bytesRead: pass2.totalBytes, totalBytes: pass2.totalBytes });
  if (open.size > 0) throw new Error(`Internal error: ${open.size} invoices left incomplete after the second pass.`);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

async function writeInChunks<E extends 'customers' | 'products' | 'orders'>(
  writer: BatchWriter,
  entity: E,
  records: readonly object[],
  size: number,
  into: { created: number; updated: number; unchanged: number },
): Promise<void> {
  for (let i = 0; i < records.length; i += size) {
    const result = await writer.upsert(entity, records.slice(i, i + size));
    into.created += result.created;
    into.updated += result.updated;
    into.unchanged += result.unchanged;
  }
}

/** CustomerID is written as a float ("17850.0"). */
function normaliseCustomerId(raw: string): string | undefined {
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed.replace(/\.0+$/, '');
}

/** A shopper's line must have a quantity whose sign matches the invoice kind, and a price ≥ 0. */
function isUsableLine(r: Row): boolean {
  const q = Number(r.Quantity);
  const p = Number(r.UnitPrice);
  if (!Number.isInteger(q) || q === 0 || !(p >= 0)) return false;
  return r.InvoiceNo.startsWith('C') ? q < 0 : q > 0;
}

function mostCommon(counts: Map<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && value < best)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

const londonOffsetFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'shortOffset' });

/** "2010-12-01 08:26:00" in UK local time (GMT or BST) → the instant it names. */
export function londonTimeToDate(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) throw new Error(`Unreadable InvoiceDate "${text}"`);
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  const zone = londonOffsetFormat.formatToParts(new Date(asUtc)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = /GMT([+-]\d+)/.exec(zone);
  return new Date(asUtc - (offset ? Number(offset[1]) * 3_600_000 : 0));
}
