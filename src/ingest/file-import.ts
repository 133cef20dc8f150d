// `npm run import -- <file>`: streams a CSV/JSONL file of one entity into the database in batches.
// Memory stays flat (one batch at a time, written before the next is read). Each batch is one
// transaction, and a checkpoint after each lets an interrupted import resume where it stopped;
// since writes are idempotent upserts, re-running a finished import changes nothing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BatchResult, BatchWriter } from './batch-writer.js';
import { BatchValidationError } from './errors.js';
import { openRowSource } from './file-source.js';
import { ENTITIES, type Entity } from './records.js';

export interface FileImportOptions {
  file: string;
  entity?: Entity;
  batchSize?: number;
  /** Where checkpoints live (data/imports). */
  checkpointDir: string;
  /** Ignore any checkpoint and start from the first row. */
  restart?: boolean;
  /** Drop invalid records (reported with their line) instead of stopping at the first bad batch. */
  skipInvalid?: boolean;
  onProgress?: (p: { bytesRead: number; totalBytes: number; records: number }) => void;
}

export interface FileImportReport {
  entity: Entity;
  records: number;
  resumedAfter: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: { line: number; field: string; message: string }[];
  seconds: number;
}

export function entityFromFileName(file: string): Entity | undefined {
  const base = path.basename(file).toLowerCase();
  return ENTITIES.find((e) => base.startsWith(e) || base.startsWith(e.replace(/s$/, '')));
}

interface Checkpoint {
  key: string;
  file: string;
  entity: Entity;
  recordsCommitted: number;
}

export async function importFile(writer: BatchWriter, options: FileImportOptions): Promise<FileImportReport> {
  const started = performance.now();
  const file = path.resolve(options.file);
  const entity = options.entity ?? entityFromFileName(file);
  if (!entity) throw new Error(`Cannot tell which entity ${file} holds; pass --entity (${ENTITIES.join(', ')}).`);
  const batchSize = options.batchSize ?? 5000;
  const source = openRowSource(file);
  const stat = fs.statSync(file);
  const key = createHash('sha256').update(`${file}\0${stat.size}\0${stat.mtimeMs}\0${entity}`).digest('hex').slice(0, 16);
  const checkpointFile = path.join(options.checkpointDir, `${key}.json`);
  const previous = options.restart ? undefined : readCheckpoint(checkpointFile, key);
  const resumeAfter = previous?.recordsCommitted ?? 0;

  const report: FileImportReport = {
    entity,
    records: 0,
    resumedAfter: resumeAfter,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: [],
    seconds: 0,
  };
  let batch: { line: number; record: Record<string, unknown> }[] = [];
  let recordIndex = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const rows = dedupeById(batch);
    const result = await writeBatch(writer, entity, rows, options.skipInvalid ?? false, report);
    report.created += result.created;
    report.updated += result.updated;
    report.unchanged += result.unchanged;
    batch = [];
    writeCheckpoint(checkpointFile, { key, file, entity, recordsCommitted: recordIndex });
  };

  const records = entity === 'orders' ? groupOrderLines(source.rows(), source.format) : plainRecords(source.rows());
  for await (const item of records) {
    recordIndex++;
    if (recordIndex <= resumeAfter) continue;
    batch.push(item);
    report.records++;
    if (batch.length >= batchSize) await flush();
    options.onProgress?.({ bytesRead: source.bytesRead(), totalBytes: source.totalBytes, records: recordIndex });
  }
  await flush();
  options.onProgress?.({ bytesRead: source.totalBytes, totalBytes: source.totalBytes, records: recordIndex });
  fs.rmSync(checkpointFile, { force: true }); // finished: a re-run starts afresh (and changes nothing)
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

async function writeBatch(
  writer: BatchWriter,
  entity: Entity,
  rows: { line: number; record: Record<string, unknown> }[],
  skipInvalid: boolean,
  report: FileImportReport,
): Promise<BatchResult> {
  try {
    return await writer.upsert(
      entity,
      rows.map((r) => r.record),
      'records',
      // A file is a bulk load: the embed job after it covers its customers, not live updates.
      { live: false },
    );
  } catch (error) {
    if (!(error instanceof BatchValidationError)) throw error;
    const lineOf = (index: number) => rows[index]?.line ?? -1;
    const described = error.issues.map((i) => ({ line: lineOf(i.index), field: i.field.replace(/^records\[\d+\]\.?/, ''), message: i.message }));
    if (!skipInvalid) {
      const lines = described.slice(0, 20).map((d) => `  line ${d.line}: ${d.field} ${d.message}`);
      throw new Error(`${error.totalIssues} invalid record(s); this batch was not written:\n${lines.join('\n')}`, { cause: error });
    }
    // Re-validate record by record so every bad one is found, then write the good ones.
    const bad = new Set<number>();
    rows.forEach((row, index) => {
      try {
        writer.validate(entity, [row.record]);
      } catch (e) {
        if (!(e instanceof BatchValidationError)) throw e;
        bad.add(index);
        for (const issue of e.issues) {
          report.skipped.push({ line: row.line, field: issue.field.replace(/^records\[\d+\]\.?/, ''), message: issue.message });
        }
      }
    });
    if (bad.size === 0) throw error; // e.g. unknown references: not a per-record format problem
    return writeBatch(
      writer,
      entity,
      rows.filter((_, i) => !bad.has(i)),
      skipInvalid,
      report,
    );
  }
}

/** A file may correct itself: a later record with the same id wins within a batch. */
function dedupeById<T extends { record: Record<string, unknown> }>(rows: T[]): T[] {
  const last = new Map<unknown, number>();
  rows.forEach((r, i) => last.set(r.record.id ?? `#${i}`, i));
  return rows.length === last.size ? rows : rows.filter((r, i) => last.get(r.record.id ?? `#${i}`) === i);
}

async function* plainRecords(rows: AsyncIterable<{ line: number; row: Record<string, unknown> }>) {
  for await (const { line, row } of rows) yield { line, record: row };
}

/**
 * Orders in CSV come one line item per row (columns id, customerId, placedAt, status, productId,
 * quantity, unitPrice, returned); consecutive rows with the same id form one order. JSONL orders
 * carry their `items` array already.
 */
async function* groupOrderLines(rows: AsyncIterable<{ line: number; row: Record<string, unknown> }>, format: string) {
  if (format !== 'csv') {
    yield* plainRecords(rows);
    return;
  }
  let current: { line: number; record: Record<string, unknown> & { items: Record<string, unknown>[] } } | undefined;
  for await (const { line, row } of rows) {
    const { productId, quantity, unitPrice, returned, ...order } = row;
    const item = { productId, quantity, unitPrice, returned };
    if (current && current.record.id === order.id) {
      current.record.items.push(item);
      continue;
    }
    if (current) yield current;
    current = { line, record: { ...order, items: [item] } };
  }
  if (current) yield current;
}

function readCheckpoint(file: string, key: string): Checkpoint | undefined {
  try {
    const checkpoint = JSON.parse(fs.readFileSync(file, 'utf8')) as Checkpoint;
    return checkpoint.key === key ? checkpoint : undefined;
  } catch {
    return undefined;
  }
}

function writeCheckpoint(file: string, checkpoint: Checkpoint): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(checkpoint));
  fs.renameSync(tmp, file); // atomic: a kill mid-write leaves the previous checkpoint
}
