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
 * Every intact record, in order, read a frame at a time (a snapshot of a million customers is several
 * gigabytes: never wholly in memory, and past what one read of a file may return); a torn tail (a write
 * a kill interrupted) is cut off the file once the records before it have been read, and `onTorn` is
 * told where the log now ends and how many bytes were dropped. Each body is its own buffer, aligned
 * for a Float32Array view.
 */
export function* readRecords(file: string, onTorn?: (endsAt: number, dropped: number, kept: number) => void): Generator<LogRecord> {
  if (!fs.existsSync(file)) return;
  const fd = fs.openSync(file, 'r');
  let offset = 0;
  let kept = 0;
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    const lead = Buffer.alloc(12);
    while (offset + 12 <= size) {
      readAt(fd, lead, offset);
      if (!lead.subarray(0, 4).equals(MAGIC)) break;
      const headerLength = lead.readUInt32LE(4);
      const bodyLength = lead.readUInt32LE(8);
      const end = offset + 12 + headerLength + bodyLength + HASH_BYTES;
      if (end > size) break;
      const header = readAt(fd, Buffer.alloc(headerLength), offset + 12);
      const body = readAt(fd, Buffer.allocUnsafeSlow(bodyLength), offset + 12 + headerLength);
      const hash = readAt(fd, Buffer.alloc(HASH_BYTES), end - HASH_BYTES);
      if (!createHash('sha256').update(header).update(body).digest().equals(hash)) break;
      offset = end;
      kept++;
      yield { header: JSON.parse(header.toString('utf8')) as Record<string, unknown>, body };
    }
  } finally {
    fs.closeSync(fd);
  }
  if (offset < size) {
    fs.truncateSync(file, offset);
    onTorn?.(offset, size - offset, kept);
  }
}

function readAt(fd: number, into: Buffer, position: number): Buffer {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
  return into;
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
