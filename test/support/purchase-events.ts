// Real shops as purchase events (src/value/propensity/purchase-features.ts), read in place from
// ../shared: CDNOW (read in tests: 70,000 lines, seconds) and Online Retail (541,909 lines: benches).
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { projectRoot } from '../../src/config/settings.js';
import { openRowSource } from '../../src/ingest/file-source.js';
import { londonTimeToDate } from '../../src/ingest/online-retail.js';
import { epochDay, type PurchaseEvents } from '../../src/value/propensity/purchase-features.js';

export const CDNOW_PATH = path.resolve(projectRoot, process.env.CDNOW_PATH ?? '../shared/datasets/cdnow/CDNOW_master.txt.gz');

type ByCustomer = Map<string, Map<number, number>>;

function add(raw: ByCustomer, id: string, day: number, spend: number): void {
  if (!raw.has(id)) raw.set(id, new Map());
  const m = raw.get(id)!;
  m.set(day, (m.get(day) ?? 0) + spend);
}

function toEvents(raw: ByCustomer): PurchaseEvents[] {
  let id = 0;
  return [...raw.values()].map((byDay) => {
    const days = Int32Array.from([...byDay.keys()].sort((a, b) => a - b));
    return { customerId: id++, days, spend: Float64Array.from(days, (d) => byDay.get(d)!) };
  });
}

/** CDNOW's lines, the header left out: `customer_id date(YYYYMMDD) cds dollars`. */
export async function* cdnowLines(file = CDNOW_PATH): AsyncGenerator<{ id: string; date: string; cds: number; dollars: number }> {
  const lines = readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()) });
  for await (const line of lines) {
    const [id, date, cds, dollars] = line.trim().split(/\s+/);
    if (id && date && /^\d{8}$/.test(date)) yield { id, date, cds: Number(cds), dollars: Number(dollars) };
  }
}

/** CDNOW's 23,570 customers. */
export async function readCdnow(file = CDNOW_PATH): Promise<PurchaseEvents[]> {
  const raw: ByCustomer = new Map();
  for await (const { id, date, dollars } of cdnowLines(file))
    add(raw, id, epochDay(Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8))), dollars);
  return toEvents(raw);
}

/** Online Retail's customers (lines without a customer, cancellations and returns left out). */
export async function readOnlineRetailEvents(file: string): Promise<PurchaseEvents[]> {
  const raw: ByCustomer = new Map();
  for await (const { row } of openRowSource(file).rows()) {
    const r = row as Record<string, string>;
    const id = r.CustomerID?.replace(/\.0$/, '');
    if (!id || !r.InvoiceDate || (r.InvoiceNo ?? '').startsWith('C') || Number(r.Quantity) <= 0) continue;
    add(raw, id, epochDay(londonTimeToDate(r.InvoiceDate)), Number(r.Quantity) * Number(r.UnitPrice));
  }
  return toEvents(raw);
}
