// `npm run models:download -- <name>`: fetches a sentence-transformers model in the transformers.js
// layout from the Hugging Face Hub into models/hub/<name>/, on a machine with internet access.
// Files are checked against the manifest's pinned sha256 when it has them; otherwise their sha256 is
// recorded in checksums.json on first download (trust on first use) and verified on every load.
// Never called by tests or at run time.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ModelIntegrityError, verifyModelFiles, type ModelEntry } from '../model-manifest.js';

const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
export const CHECKSUMS = 'checksums.json';

export async function downloadModel(
  entry: ModelEntry,
  dir: string,
  endpoint = process.env.HF_ENDPOINT ?? 'https://huggingface.co',
): Promise<Record<string, string>> {
  if (!entry.source.hub) throw new Error(`${entry.id} does not come from the Hub`);
  const revision = entry.source.revision ?? 'main';
  const checksums: Record<string, string> = {};
  for (const file of FILES) {
    const url = `${endpoint}/${entry.source.hub}/resolve/${revision}/${file}`;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${response.statusText}`);
    const data = Buffer.from(await response.arrayBuffer());
    const sha = createHash('sha256').update(data).digest('hex');
    const pinned = entry.files[file];
    if (pinned && pinned !== sha) throw new ModelIntegrityError(`${url}: sha256 ${sha} ≠ manifest ${pinned}`);
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(`${target}.tmp`, data);
    fs.renameSync(`${target}.tmp`, target);
    checksums[file] = sha;
  }
  fs.writeFileSync(path.join(dir, CHECKSUMS), JSON.stringify({ source: entry.source, files: checksums }, null, 2));
  return checksums;
}

/** Verifies a downloaded model against the manifest's pins, or else against its recorded checksums. */
export function verifyDownloadedModel(entry: ModelEntry, dir: string): void {
  if (Object.keys(entry.files).length > 0) return verifyModelFiles(dir, entry.files);
  const recorded = path.join(dir, CHECKSUMS);
  if (fs.existsSync(recorded)) verifyModelFiles(dir, (JSON.parse(fs.readFileSync(recorded, 'utf8')) as { files: Record<string, string> }).files);
}
