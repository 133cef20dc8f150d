// Saved audiences: a lookalike kept for good, its ranked members in `audience_member`, listed, paged
// by rank and exported as CSV. Everything that reads or writes audiences goes through here.
import type { Prisma, PrismaClient } from '../db/database.js';
import { AudienceQualitySchema, readJson, toJson } from '../db/json-columns.js';
import { InputError, NotFoundError } from '../errors/domain-errors.js';
import { decodeCursor, toPage, type Page } from '../shared/paging.js';
import type { AudienceQuality, LookalikeRequest, Lookalikes, RankedCustomer } from './lookalikes.js';

export interface SavedAudience {
  id: number;
  name: string;
  size: number;
  /** The request it was built from, as saved. */
  parameters: unknown;
  quality: AudienceQuality | null;
  createdAt: Date;
  createdBy: string;
}

/** Rows per INSERT … SELECT from one JSON array (a 100,000-member audience is five statements). */
const INSERT_CHUNK = 20_000;
const LISTED = 200;
const CURSOR_SCOPE = 'AUDIENCE';

export class SavedAudiences {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly lookalikes: Lookalikes,
  ) {}

  /** Builds (or reuses) the lookalike and saves it with its members, all or nothing. */
  async save(name: string, request: LookalikeRequest, createdBy: string): Promise<SavedAudience> {
    if (!name.trim()) throw new InputError('name must not be empty', [{ index: -1, field: 'name', message: 'must not be empty' }]);
    const lookalike = await this.lookalikes.build(request);
    const id = await this.prisma.$transaction(
      async (tx) => {
        const audience = await tx.audience.create({
          data: {
            name: name.trim(),
            parameters: toJson(request),
            quality: lookalike.quality ? toJson(lookalike.quality) : undefined,
            size: lookalike.ranked.length,
            createdBy,
          },
        });
        for (let i = 0; i < lookalike.ranked.length; i += INSERT_CHUNK) {
          const members = JSON.stringify(
            lookalike.ranked
              .slice(i, i + INSERT_CHUNK)
              .map((r) => ({ rank: r.rank, customer_id: r.customerId, score: Number.isNaN(r.score) ? null : r.score })),
          );
          await tx.$executeRaw`
            INSERT INTO audience_member (audience_id, rank, customer_id, score)
            SELECT ${audience.id}, x.rank, x.customer_id, x.score FROM jsonb_to_recordset(${members}::jsonb) AS x(rank int, customer_id int, score float8)`;
        }
        return audience.id;
      },
      { maxWait: 60_000, timeout: 10 * 60_000 },
    );
    return this.get(id);
  }

  async get(id: number): Promise<SavedAudience> {
    const row = await this.prisma.audience.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`No audience ${id}.`);
    return toSaved(row);
  }

  /** Newest first. */
  async list(): Promise<SavedAudience[]> {
    return (await this.prisma.audience.findMany({ orderBy: { id: 'desc' }, take: LISTED })).map(toSaved);
  }

  /** Members by rank, after a cursor of this list. */
  async page(id: number, first: number, after?: string): Promise<Page<RankedCustomer>> {
    const from = after ? decodeCursor(after, CURSOR_SCOPE)[1] + 1 : 0;
    const rows = await this.prisma.audienceMember.findMany({ where: { audienceId: id, rank: { gte: from } }, orderBy: { rank: 'asc' }, take: first + 1 });
    return toPage(
      rows.map((r) => ({ rank: r.rank, customerId: r.customerId, score: r.score ?? Number.NaN })),
      first,
      (r) => [CURSOR_SCOPE, r.rank, r.customerId],
    );
  }

  /** Members in rank order with the shop's ids, `pageSize` at a time (the CSV export). NOT_FOUND first. */
  async *export(id: number, pageSize = 5000): AsyncGenerator<{ rank: number; externalId: string; score: number | null }[]> {
    await this.get(id);
    for (let from = 0; ; from += pageSize) {
      const rows = await this.prisma.$queryRaw<{ rank: number; external_id: string; score: number | null }[]>`
        SELECT m.rank, c.external_id, m.score FROM audience_member m JOIN customer c ON c.id = m.customer_id
        WHERE m.audience_id = ${id} AND m.rank >= ${from} ORDER BY m.rank LIMIT ${pageSize}`;
      if (rows.length === 0) return;
      yield rows.map((r) => ({ rank: r.rank, externalId: r.external_id, score: r.score }));
      if (rows.length < pageSize) return;
    }
  }
}

function toSaved(row: {
  id: number;
  name: string;
  size: number;
  parameters: Prisma.JsonValue;
  quality: Prisma.JsonValue;
  createdAt: Date;
  createdBy: string;
}): SavedAudience {
  return {
    id: row.id,
    name: row.name,
    size: row.size,
    parameters: row.parameters,
    quality: row.quality === null ? null : readJson(AudienceQualitySchema, row.quality, 'audience.quality'),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}
