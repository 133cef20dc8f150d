// Streams rows out of CSV or JSONL files, gzipped or not, and says how far through the file it is
// (bytes of the file on disk, so progress is right for .gz too).
import fs from 'node:fs';
import readline from 'node:readline';
import { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { parse } from 'csv-parse';

export type FileFormat = 'csv' | 'jsonl';

export interface RowSource {
  format: FileFormat;
  totalBytes: number;
  bytesRead(): number;
  /** Rows as objects keyed by column name (CSV) or the parsed JSON objects (JSONL), with 1-based line numbers. */
  rows(): AsyncIterable<{ line: number; row: Record<string, unknown> }>;
}

export function detectFormat(file: string): FileFormat {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  throw new Error(`Cannot tell the format of ${file}: use .csv, .jsonl or .ndjson (optionally .gz).`);
}

export function openRowSource(file: string): RowSource {
  const format = detectFormat(file);
  const totalBytes = fs.statSync(file).size;
  let bytes = 0;
  const open = () => {
    const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const counted = raw.pipe(counter);
    return file.toLowerCase().endsWith('.gz') ? counted.pipe(zlib.createGunzip()) : counted;
  };
  return {
    format,
    totalBytes,
    bytesRead: () => bytes,
    rows: format === 'csv' ? () => csvRows(open()) : () => jsonlRows(open()),
  };
}

async function* csvRows(input: NodeJS.ReadableStream) {
  const parser = input.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false, info: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, unknown>; info: { lines: number } }>) {
    yield { line: info.lines, row: record };
  }
}

async function* jsonlRows(input: NodeJS.ReadableStream) {
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw new Error(`line ${line}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error(`line ${line}: expected a JSON object`);
    yield { line, row: row as Record<string, unknown> };
  }
}
