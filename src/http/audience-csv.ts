// GET /audiences/:id/members.csv — a saved audience as CSV, streamed page by page (constant memory,
// backpressure respected), for marketers' tools. Same API keys and roles as GraphQL.
import type { Request, Response } from 'express';
import { keyFromHeaders, roleAllows } from '../auth/api-keys.js';
import { NotFoundError } from '../errors/domain-errors.js';
import { CSV_HEADER, csvLine } from '../destinations/files.js';
import type { Services } from '../app/services.js';

export async function streamAudienceCsv(services: Services, req: Request, res: Response): Promise<void> {
  const fail = (status: number, code: string, message: string) => res.status(status).json({ errors: [{ message, extensions: { code } }] });
  const principal = await services.apiKeys.authenticate(keyFromHeaders(req.headers));
  if (!principal) return void fail(401, 'UNAUTHENTICATED', 'An API key is required.');
  if (!roleAllows(principal.role, 'MARKETER')) return void fail(403, 'FORBIDDEN', 'Audiences need the marketer role.');
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id)) return void fail(400, 'BAD_USER_INPUT', 'Audience id must be a number.');
  // ?version=N (default: the current one) and ?change=ADDED|REMOVED (the diff against the version before).
  const query = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] : req.query[name] === undefined ? undefined : '');
  const version = query('version') === undefined ? undefined : Number(query('version'));
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 1)) return void fail(400, 'BAD_USER_INPUT', 'version must be a positive integer.');
  const change = (query('change') ?? 'ALL').toUpperCase();
  if (change !== 'ALL' && change !== 'ADDED' && change !== 'REMOVED') return void fail(400, 'BAD_USER_INPUT', 'change must be ALL, ADDED or REMOVED.');
  const pages = services.audiences.export(id, { version, change });
  // The first page first: an unknown audience is a 404, not a CSV cut short.
  let first: IteratorResult<{ rank: number; externalId: string; score: number | null }[]>;
  try {
    first = await pages.next();
  } catch (error) {
    if (error instanceof NotFoundError) return void fail(404, 'NOT_FOUND', error.message);
    throw error;
  }
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  const suffix = `${version === undefined ? '' : `-v${version}`}${change === 'ALL' ? '' : `-${change.toLowerCase()}`}`;
  res.setHeader('Content-Disposition', `attachment; filename="audience-${id}${suffix}.csv"`);
  res.write(`${CSV_HEADER}\n`);
  for (let next = first; !next.done; next = await pages.next()) {
    const page = next.value;
    const chunk = page.map(csvLine).join('\n') + '\n';
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}
