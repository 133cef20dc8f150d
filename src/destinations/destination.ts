// A destination is where audience versions go, in the shapes marketing tools pick up:
// - WEBHOOK: the version's diff POSTed in pages to an HTTPS endpoint, each page signed with
//   HMAC-SHA256 over its timestamp and body under the destination's own secret (webhook.ts);
// - FILE: the full version and its diff as CSV or JSONL files in a directory under
//   FILE_DESTINATIONS_DIR, for SFTP or object-store pick-up (files.ts).
import path from 'node:path';
import { InputError } from '../errors/domain-errors.js';
import { nonPublicAddressOf } from './network.js';

export type DestinationKind = 'WEBHOOK' | 'FILE';
export type FileFormat = 'CSV' | 'JSONL';

export type DestinationConfig = { kind: 'WEBHOOK'; url: string; pageSize: number } | { kind: 'FILE'; directory: string; format: FileFormat };

export interface Destination {
  id: number;
  name: string;
  config: DestinationConfig;
  pausedAt: Date | null;
  pausedReason: string | null;
  consecutiveFailures: number;
  createdAt: Date;
  createdBy: string;
}

export const MAX_PAGE_SIZE = 10_000;

/**
 * A webhook URL: HTTPS, or plain HTTP to this machine (a local receiver, tests) or when the operator
 * allows it (a receiver inside the cluster). No credentials in the URL: they would be logged. Unless
 * the operator allows it, not to a non-public address (network.ts), as written or as its name
 * resolves now; a name that does not resolve yet is accepted — its deliveries fail and retry, visibly.
 */
export async function validateWebhookUrl(raw: string, options: { allowHttp: boolean; allowPrivate: boolean }): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError('url is not a URL', [{ index: -1, field: 'url', message: 'must be an absolute https:// URL' }]);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (loopback || options.allowHttp)))
    throw new InputError('webhooks are sent over HTTPS', [
      { index: -1, field: 'url', message: 'must be https:// (http:// only to this machine, or with WEBHOOK_ALLOW_HTTP=true)' },
    ]);
  if (url.username || url.password)
    throw new InputError('no credentials in the URL', [{ index: -1, field: 'url', message: 'must not carry a user or password' }]);
  if (!options.allowPrivate) {
    const address = await nonPublicAddressOf(url.hostname).catch(() => undefined);
    if (address)
      throw new InputError(`${url.hostname} is a non-public address`, [
        { index: -1, field: 'url', message: `${url.hostname} is (or resolves to) ${address}, not a public address; WEBHOOK_ALLOW_PRIVATE=true allows it` },
      ]);
  }
  return url.toString();
}

export function validatePageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw new InputError(`pageSize must be between 1 and ${MAX_PAGE_SIZE}`, [
      { index: -1, field: 'pageSize', message: `must be between 1 and ${MAX_PAGE_SIZE}` },
    ]);
  return pageSize;
}

/** A file destination's directory: relative, inside the files root (no `..`, no absolute paths). */
export function validateDirectory(directory: string, root: string): string {
  const clean = directory.trim();
  const resolved = path.resolve(root, clean);
  if (!clean || path.isAbsolute(clean) || !resolved.startsWith(path.resolve(root) + path.sep))
    throw new InputError('directory must be a relative path inside the files root', [
      { index: -1, field: 'directory', message: 'must be a relative path inside FILE_DESTINATIONS_DIR (no .., not absolute)' },
    ]);
  return path.relative(root, resolved);
}
