// GET /audiences/:id/members.csv — a saved audience as CSV, streamed page by page (constant memory,
// backpressure respected), for marketers' tools. Same API keys and roles as GraphQL.
import type { Request, Response } from 'express';
import { keyFromHeaders, roleAllows } from '../auth/api-keys.js';
import type { Services } from '../graphql/context.js';

export async function streamAudienceCsv(services: Services, req: Request, res: Response): Promise<void> {
  const fail = (status: number, code: string, message: string) => res.status(status).json({ errors: [{ message, extensions: { code } }] });
  const principal = await services.apiKeys.authenticate(keyFromHeaders(req.headers));
  if (!principal) return void fail(401, 'UNAUTHENTICATED', 'An API key is required.');
  if (!roleAllows(principal.role, 'MARKETER')) return void fail(403, 'FORBIDDEN', 'Audiences need the marketer role.');
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id)) return void fail(400, 'BAD_USER_INPUT', 'Audience id must be a number.');
  const audience = await services.db.prisma.audience.findUnique({ where: { id } });
  if (!audience) return void fail(404, 'NOT_FOUND', `No audience ${id}.`);
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="audience-${id}.csv"`);
  res.write('rank,customer_id,score\n');
  for await (const page of services.lookalikes.members(id)) {
    const chunk = page.map((m) => `${m.rank + 1},${csvField(m.externalId)},${m.score === null ? '' : m.score.toFixed(6)}`).join('\n') + '\n';
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
