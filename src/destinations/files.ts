// File deliveries: a version as files another system picks up (SFTP, an object-store sync):
//   <root>/<directory>/audience-<id>/v<version>.<csv|jsonl>          every member
//   <root>/<directory>/audience-<id>/v<version>-added.<csv|jsonl>    new since the version before
//   <root>/<directory>/audience-<id>/v<version>-removed.<csv|jsonl>  gone since the version before
//   <root>/<directory>/audience-<id>/v<version>.json                 counts; written last
// Each file is written under a temporary name and renamed into place, and the manifest comes last, so
// a pick-up that waits for the manifest never reads half a file.
import fs from 'node:fs';
import path from 'node:path';
import type { FileFormat } from './destination.js';

export interface FileMember {
  rank: number;
  externalId: string;
  score: number | null;
}

export const CSV_HEADER = 'rank,customer_id,score';

export function csvLine(m: FileMember): string {
  const id = /[",\n\r]/.test(m.externalId) ? `"${m.externalId.replace(/"/g, '""')}"` : m.externalId;
  return `${m.rank + 1},${id},${m.score === null ? '' : m.score.toFixed(6)}`;
}

function jsonLine(m: FileMember): string {
  return JSON.stringify({ rank: m.rank + 1, customerId: m.externalId, score: m.score });
}

/** Writes the pages to `file` atomically; returns the number of members written. */
export async function writeMembers(file: string, format: FileFormat, pages: AsyncIterable<FileMember[]>): Promise<number> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.partial`;
  const out = await fs.promises.open(temporary, 'w');
  let count = 0;
  try {
    if (format === 'CSV') await out.write(`${CSV_HEADER}\n`);
    for await (const page of pages) {
      if (page.length === 0) continue;
      await out.write(page.map(format === 'CSV' ? csvLine : jsonLine).join('\n') + '\n');
      count += page.length;
    }
    await out.sync();
  } finally {
    await out.close();
  }
  await fs.promises.rename(temporary, file);
  return count;
}

export async function writeManifest(file: string, manifest: object): Promise<void> {
  const temporary = `${file}.${process.pid}.partial`;
  await fs.promises.writeFile(temporary, JSON.stringify(manifest, null, 2) + '\n');
  await fs.promises.rename(temporary, file);
}
