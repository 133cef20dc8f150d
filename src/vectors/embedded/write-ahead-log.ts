// Append-only log of framed records. Each record is checksummed; replay stops at the first frame
// that is short or does not verify (a process killed mid-append), and the file is cut back to the
// last good frame so later appends follow valid data.
//
// Frame: "SWAL" | u32 header length | u32 body length | header (JSON) | body (bytes) | sha256(header+body)
import { createHash } from 'node:crypto';
import fs from 'node:fs';

const MAGIC = Buffer.from('SWAL');
const HASH_BYTES = 32;

export interface LogRecord {
  header: Record<string, unknown>;
  body: Buffer;
}

export function encodeRecord(record: LogRecord): Buffer {
  const header = Buffer.from(JSON.stringify(record.header));
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32LE(header.length, 0);
  lengths.writeUInt32LE(record.body.length, 4);
  const hash = createHash('sha256').update(header).update(record.body).digest();
  return Buffer.concat([MAGIC, lengths, header, record.body, hash]);
}

/** Appends records and makes them durable before returning. */
export function appendRecords(file: string, records: LogRecord[]): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, Buffer.concat(records.map(encodeRecord)));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Every intact record, in order; a torn tail (a write a kill interrupted) is cut off the file, and
 * `onTorn` is told where the log now ends and how many bytes were dropped.
 */
export function readRecords(file: string, onTorn?: (endsAt: number, dropped: number, kept: number) => void): LogRecord[] {
  if (!fs.existsSync(file)) return [];
  const data = fs.readFileSync(file);
  const records: LogRecord[] = [];
  let offset = 0;
  while (offset + 12 <= data.length) {
    if (!data.subarray(offset, offset + 4).equals(MAGIC)) break;
    const headerLength = data.readUInt32LE(offset + 4);
    const bodyLength = data.readUInt32LE(offset + 8);
    const end = offset + 12 + headerLength + bodyLength + HASH_BYTES;
    if (end > data.length) break;
    const header = data.subarray(offset + 12, offset + 12 + headerLength);
    const body = data.subarray(offset + 12 + headerLength, end - HASH_BYTES);
    const hash = createHash('sha256').update(header).update(body).digest();
    if (!hash.equals(data.subarray(end - HASH_BYTES, end))) break;
    records.push({ header: JSON.parse(header.toString('utf8')) as Record<string, unknown>, body: Buffer.from(body) });
    offset = end;
  }
  if (offset < data.length) {
    fs.truncateSync(file, offset);
    onTorn?.(offset, data.length - offset, records.length);
  }
  return records;
}

/** Replaces a file's content atomically: write a temporary file, fsync, rename over. */
export function writeFileAtomically(file: string, data: Buffer | Buffer[]): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const chunk of Array.isArray(data) ? data : [data]) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
