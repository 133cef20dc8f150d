// Saved audiences: a definition kept for good (audience-definition.ts), recomputed on demand or on a
// schedule (audience-schedule.ts). Each computation is a version: its ranked members in
// `audience_member`, and the diff against the version before (added, removed, unchanged), counted when
// it is written and listable page by page while both versions are kept. A replaced version stays
// readable for a retention period, then goes.
//
// Consent (customers/consent.ts): a version stores only the members that may be delivered when it is
// made, and counts the rest as held back; every read (pages, diffs, CSV) asks the predicate again, so
// a customer who withdraws consent or is suppressed afterwards is in no page handed out after that.
import { Prisma, type PrismaClient } from '../db/database.js';
import { AudienceQualitySchema, readJson, toJson } from '../db/json-columns.js';
import { deliverable, type ConsentPolicy } from '../customers/consent.js';
import { InputError, NotFoundError } from '../errors/domain-errors.js';
import { decodeCursor, toPage, type Page } from '../shared/paging.js';
import { parametersOf, readDefinition, validateFilter, type AudienceDefinition, type AudienceKind, type FilterDefinition } from './audience-definition.js';
import { nextRefresh, validateSchedule } from './audience-schedule.js';
import type { AudienceQuality, LookalikeRequest, Lookalikes, RankedCustomer } from './lookalikes.js';

export interface SavedAudience {
  id: number;
  name: string;
  kind: AudienceKind;
  /** The definition as saved (a lookalike request or a filter). */
  parameters: unknown;
  definition: AudienceDefinition;
  /** The current version: its members that may be delivered, and those held back. */
  version: number;
  size: number;
  heldBack: number;
  quality: AudienceQuality | null;
  schedule: string | null;
  nextRefreshAt: Date | null;
  refreshedAt: Date | null;
  createdAt: Date;
  createdBy: string;
}

export interface AudienceVersion {
  audienceId: number;
  version: number;
  createdAt: Date;
  /** Members that may be delivered (as of this version). */
  size: number;
  /** Members computed but held back: no marketing consent, or suppressed. */
  heldBack: number;
  /** Against the version before (version 1: every member added). */
  added: number;
  removed: number;
  unchanged: number;
  quality: AudienceQuality | null;
  /** When its members stop being readable (null: the current version). */
  expiresAt: Date | null;
  /** The refresh job that made it (null when a request made it). */
  jobId: string | null;
}

/** Which members of a version: all of them, those new since the version before, or those gone since. */
export type MemberChange = 'ALL' | 'ADDED' | 'REMOVED';

export interface AudienceOptions {
  consent: ConsentPolicy;
  /** How long a replaced version stays readable. */
  versionRetentionMs: number;
  /** Schedules firing more often than this are refused. */
  minIntervalSeconds: number;
}

/** Rows per INSERT … SELECT from one JSON array (a 100,000-member audience is five statements). */
const INSERT_CHUNK = 20_000;
const LISTED = 200;

interface Computed {
  ranked: RankedCustomer[];
  quality: AudienceQuality | null;
}

export class SavedAudiences {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly lookalikes: Lookalikes,
    private readonly options: AudienceOptions,
  ) {}

  get consent(): ConsentPolicy {
    return this.options.consent;
  }

  /** Builds a lookalike and saves it as an audience (version 1), all or nothing. */
  save(name: string, request: LookalikeRequest, createdBy: string): Promise<SavedAudience> {
    return this.create(name, { kind: 'LOOKALIKE', lookalike: request }, null, createdBy);
  }

  /**
   * Saves a definition and computes its first version now. With a schedule (cron, UTC), workers
   * refresh it when due (audience-schedule.ts).
   */
  async create(name: string, definition: AudienceDefinition, schedule: string | null, createdBy: string): Promise<SavedAudience> {
    if (!name.trim()) throw new InputError('name must not be empty', [{ index: -1, field: 'name', message: 'must not be empty' }]);
    if (definition.kind === 'FILTER') validateFilter(definition.filter, 'definition.filter');
    if (schedule !== null) validateSchedule(schedule, 'schedule', this.options.minIntervalSeconds);
    const computed = await this.compute(definition);
    const id = await this.prisma.$transaction(
      async (tx) => {
        const audience = await tx.audience.create({
          data: {
            name: name.trim(),
            kind: definition.kind,
            parameters: toJson(parametersOf(definition)),
            size: 0,
            version: 0,
            schedule,
            nextRefreshAt: schedule === null ? null : nextRefresh(schedule, new Date(), this.options.minIntervalSeconds),
            createdBy,
          },
        });
        await this.writeVersion(tx, audience.id, 0, computed, null);
        return audience.id;
      },
      { maxWait: 60_000, timeout: 10 * 60_000 },
    );
    return this.get(id);
  }

  /**
   * Recomputes the audience's definition on today's data as a new version, with its diff against the
   * current one, all or nothing; versions past their retention go. Returns the new version.
   */
  async refresh(id: number, jobId: string | null = null, onProgress?: (message: string) => void): Promise<AudienceVersion> {
    const audience = await this.get(id);
    onProgress?.('computing members');
    const computed = await this.compute(audience.definition);
    onProgress?.('writing the version');
    const version = await this.prisma.$transaction(
      async (tx) => {
        // One refresh at a time writes an audience's next version (a second waits here, then finds
        // the version it read is no longer current and writes the one after).
        const [row] = await tx.$queryRaw<{ version: number }[]>`SELECT version FROM audience WHERE id = ${id} FOR UPDATE`;
        if (!row) throw new NotFoundError(`No audience ${id}.`);
        return this.writeVersion(tx, id, row.version, computed, jobId);
      },
      { maxWait: 60_000, timeout: 10 * 60_000 },
    );
    await this.purgeExpired(id);
    return this.version(id, version);
  }

  /** Sets (or, with null, clears) the audience's schedule; the next refresh is counted from now. */
  async setSchedule(id: number, schedule: string | null): Promise<SavedAudience> {
    if (schedule !== null) validateSchedule(schedule, 'schedule', this.options.minIntervalSeconds);
    await this.get(id);
    await this.prisma.audience.update({
      where: { id },
      data: { schedule, nextRefreshAt: schedule === null ? null : nextRefresh(schedule, new Date(), this.options.minIntervalSeconds) },
    });
    return this.get(id);
  }

  /** Deletes the audience, its versions and members. Returns what it was. */
  async delete(id: number): Promise<SavedAudience> {
    const audience = await this.get(id);
    await this.prisma.audience.delete({ where: { id } });
    return audience;
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

  /** The versions still kept, newest first. */
  async versions(id: number): Promise<AudienceVersion[]> {
    await this.get(id);
    const rows = await this.prisma.audienceVersion.findMany({ where: { audienceId: id }, orderBy: { version: 'desc' } });
    return rows.filter((r) => !expired(r.expiresAt)).map(toVersion);
  }

  /** One version: NOT_FOUND when it never existed or has expired. */
  async version(id: number, version: number): Promise<AudienceVersion> {
    const row = await this.prisma.audienceVersion.findUnique({ where: { audienceId_version: { audienceId: id, version } } });
    if (!row) throw new NotFoundError(`Audience ${id} has no version ${version} (never made, or expired and removed).`);
    if (expired(row.expiresAt)) throw new NotFoundError(`Version ${version} of audience ${id} expired at ${row.expiresAt!.toISOString()}.`);
    return toVersion(row);
  }

  /**
   * Members of a version (default: the current one) by rank, after a cursor of this same list: all of
   * them, or the diff against the version before (ADDED: ranks in this version; REMOVED: ranks in the
   * version before). Only customers who may be delivered now.
   */
  async page(id: number, first: number, after?: string, options: { version?: number; change?: MemberChange } = {}): Promise<Page<RankedCustomer>> {
    const version = options.version ?? (await this.get(id)).version;
    const change = options.change ?? 'ALL';
    const scope = `AUDIENCE:${id}:${version}:${change}`;
    const from = after ? decodeCursor(after, scope)[1] + 1 : 0;
    const rows = await this.members(id, version, change, from, first + 1);
    return toPage(rows, first, (r) => [scope, r.rank, r.customerId]);
  }

  /**
   * Members with the shop's ids in rank order, `pageSize` at a time (the CSV export and file
   * deliveries). NOT_FOUND (unknown audience, expired version) before the first page.
   */
  async *export(
    id: number,
    options: { version?: number; change?: MemberChange } = {},
    pageSize = 5000,
  ): AsyncGenerator<{ rank: number; externalId: string; score: number | null }[]> {
    const version = options.version ?? (await this.get(id)).version;
    const change = options.change ?? 'ALL';
    for (let from = 0; ;) {
      const rows = await this.members(id, version, change, from, pageSize);
      if (rows.length === 0) return;
      yield rows.map((r) => ({ rank: r.rank, externalId: r.externalId, score: Number.isNaN(r.score) ? null : r.score }));
      if (rows.length < pageSize) return;
      from = rows.at(-1)!.rank + 1;
    }
  }

  /** Audiences whose refresh is due at `now`, oldest due first (audience-schedule.ts claims them). */
  async due(now: Date, limit = 100): Promise<{ id: number; schedule: string; nextRefreshAt: Date }[]> {
    const rows = await this.prisma.audience.findMany({
      where: { schedule: { not: null }, nextRefreshAt: { lte: now } },
      orderBy: { nextRefreshAt: 'asc' },
      take: limit,
      select: { id: true, schedule: true, nextRefreshAt: true },
    });
    return rows.map((r) => ({ id: r.id, schedule: r.schedule!, nextRefreshAt: r.nextRefreshAt! }));
  }

  /**
   * Moves a due audience's next refresh on, if it is still `was` (another worker has not already):
   * true when this caller claimed the refresh.
   */
  async claimRefresh(id: number, was: Date, next: Date): Promise<boolean> {
    const { count } = await this.prisma.audience.updateMany({ where: { id, nextRefreshAt: was }, data: { nextRefreshAt: next } });
    return count === 1;
  }

  /** Removes versions past their retention (every audience, or one). */
  async purgeExpired(id?: number): Promise<number> {
    const { count } = await this.prisma.audienceVersion.deleteMany({
      where: { ...(id === undefined ? {} : { audienceId: id }), expiresAt: { lt: new Date() } },
    });
    return count;
  }

  /**
   * Up to `limit` members of a version's list from rank `from` on, with the shop's ids (deliveries
   * resume from the first rank not yet acknowledged). Only customers who may be delivered now.
   */
  async members(id: number, version: number, change: MemberChange, from: number, limit: number) {
    await this.version(id, version);
    const ok = deliverable(this.options.consent);
    let rows: { rank: number; customer_id: number; external_id: string; score: number | null }[];
    if (change === 'REMOVED') {
      if (version === 1) return [];
      await this.version(id, version - 1);
      rows = await this.prisma.$queryRaw`
        SELECT m.rank, m.customer_id, c.external_id, m.score FROM audience_member m JOIN customer c ON c.id = m.customer_id
        WHERE m.audience_id = ${id} AND m.version = ${version - 1} AND m.rank >= ${from} AND ${ok}
          AND NOT EXISTS (SELECT 1 FROM audience_member n WHERE n.audience_id = ${id} AND n.version = ${version} AND n.customer_id = m.customer_id)
        ORDER BY m.rank LIMIT ${limit}`;
    } else {
      rows = await this.prisma.$queryRaw`
        SELECT m.rank, m.customer_id, c.external_id, m.score FROM audience_member m JOIN customer c ON c.id = m.customer_id
        WHERE m.audience_id = ${id} AND m.version = ${version} AND m.rank >= ${from} AND ${ok}
          AND (${change === 'ALL'}::boolean OR NOT EXISTS (
            SELECT 1 FROM audience_member p WHERE p.audience_id = ${id} AND p.version = ${version - 1} AND p.customer_id = m.customer_id))
        ORDER BY m.rank LIMIT ${limit}`;
    }
    return rows.map((r) => ({ rank: r.rank, customerId: r.customer_id, externalId: r.external_id, score: r.score ?? Number.NaN }));
  }

  /** The definition's members on today's data, ranked, before consent. */
  private async compute(definition: AudienceDefinition): Promise<Computed> {
    if (definition.kind === 'LOOKALIKE') {
      const lookalike = await this.lookalikes.build(definition.lookalike, { fresh: true });
      return { ranked: lookalike.ranked, quality: lookalike.quality };
    }
    return { ranked: await this.filtered(definition.filter), quality: null };
  }

  /** A filter's customers in the active segmentation, the highest predicted value first (score = CLV). */
  private async filtered(f: FilterDefinition): Promise<RankedCustomer[]> {
    const json = (v: unknown) => JSON.stringify(v ?? null);
    const rows = await this.prisma.$queryRaw<{ customer_id: number; clv: number | null }[]>`
      SELECT m.customer_id, m.clv FROM membership m
        JOIN segmentation_run r ON r.id = m.run_id AND r.active
        JOIN segment s ON s.id = m.segment_id
        JOIN customer c ON c.id = m.customer_id
      WHERE (${json(f.segmentLineages)}::jsonb = 'null'::jsonb OR s.lineage_id IN (SELECT jsonb_array_elements_text(${json(f.segmentLineages)}::jsonb)))
        AND (${json(f.excludeSegmentLineages)}::jsonb = 'null'::jsonb OR s.lineage_id NOT IN (SELECT jsonb_array_elements_text(${json(f.excludeSegmentLineages)}::jsonb)))
        AND (${json(f.countries)}::jsonb = 'null'::jsonb OR c.country IN (SELECT jsonb_array_elements_text(${json(f.countries)}::jsonb)))
        AND (${f.minClv ?? null}::float8 IS NULL OR m.clv >= ${f.minClv ?? null}::float8)
        AND (${f.minChurnRisk ?? null}::float8 IS NULL OR m.churn_risk >= ${f.minChurnRisk ?? null}::float8)
        AND (${f.maxChurnRisk ?? null}::float8 IS NULL OR m.churn_risk <= ${f.maxChurnRisk ?? null}::float8)
      ORDER BY m.clv DESC NULLS LAST, m.customer_id
      LIMIT ${f.limit}`;
    return rows.map((r, i) => ({ rank: i, customerId: r.customer_id, score: r.clv ?? Number.NaN }));
  }

  /** Writes version `current + 1` from `computed` (consenting members only) and its diff; returns its number. */
  private async writeVersion(tx: Prisma.TransactionClient, id: number, current: number, computed: Computed, jobId: string | null): Promise<number> {
    const version = current + 1;
    const allowed = await this.deliverableIds(
      tx,
      computed.ranked.map((r) => r.customerId),
    );
    const members = computed.ranked.filter((r) => allowed.has(r.customerId));
    const heldBack = computed.ranked.length - members.length;
    const quality = computed.quality ? toJson(computed.quality) : undefined;
    await tx.audienceVersion.create({
      data: { audienceId: id, version, size: members.length, heldBack, added: 0, removed: 0, unchanged: 0, quality, jobId },
    });
    for (let i = 0; i < members.length; i += INSERT_CHUNK) {
      const chunk = JSON.stringify(
        members.slice(i, i + INSERT_CHUNK).map((r) => ({ rank: r.rank, customer_id: r.customerId, score: Number.isNaN(r.score) ? null : r.score })),
      );
      await tx.$executeRaw`
        INSERT INTO audience_member (audience_id, version, rank, customer_id, score)
        SELECT ${id}, ${version}, x.rank, x.customer_id, x.score FROM jsonb_to_recordset(${chunk}::jsonb) AS x(rank int, customer_id int, score float8)`;
    }
    const [diff] = await tx.$queryRaw<{ kept: number; before: number }[]>`
      SELECT
        (SELECT count(DISTINCT m.customer_id)::int FROM audience_member m
           WHERE m.audience_id = ${id} AND m.version = ${version}
             AND EXISTS (SELECT 1 FROM audience_member p WHERE p.audience_id = ${id} AND p.version = ${current} AND p.customer_id = m.customer_id)) AS kept,
        (SELECT count(DISTINCT p.customer_id)::int FROM audience_member p WHERE p.audience_id = ${id} AND p.version = ${current}) AS before`;
    const unchanged = diff!.kept;
    await tx.audienceVersion.update({
      where: { audienceId_version: { audienceId: id, version } },
      data: { added: members.length - unchanged, removed: diff!.before - unchanged, unchanged },
    });
    if (current > 0)
      await tx.audienceVersion.update({
        where: { audienceId_version: { audienceId: id, version: current } },
        data: { expiresAt: new Date(Date.now() + this.options.versionRetentionMs) },
      });
    await tx.audience.update({
      where: { id },
      data: { version, size: members.length, heldBack, quality: quality ?? Prisma.DbNull, refreshedAt: new Date() },
    });
    return version;
  }

  private async deliverableIds(tx: Prisma.TransactionClient, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await tx.$queryRaw<{ id: number }[]>`
      SELECT c.id FROM customer c WHERE c.id IN (SELECT value::int FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) AND ${deliverable(this.options.consent)}`;
    return new Set(rows.map((r) => r.id));
  }
}

function expired(at: Date | null): boolean {
  return at !== null && at.getTime() <= Date.now();
}

type AudienceRow = Prisma.AudienceGetPayload<object>;
type VersionRow = Prisma.AudienceVersionGetPayload<object>;

function toSaved(row: AudienceRow): SavedAudience {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind === 'FILTER' ? 'FILTER' : 'LOOKALIKE',
    parameters: row.parameters,
    definition: readDefinition(row.kind, row.parameters),
    version: row.version,
    size: row.size,
    heldBack: row.heldBack,
    quality: row.quality === null ? null : readJson(AudienceQualitySchema, row.quality, 'audience.quality'),
    schedule: row.schedule,
    nextRefreshAt: row.nextRefreshAt,
    refreshedAt: row.refreshedAt,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

function toVersion(row: VersionRow): AudienceVersion {
  return {
    audienceId: row.audienceId,
    version: row.version,
    createdAt: row.createdAt,
    size: row.size,
    heldBack: row.heldBack,
    added: row.added,
    removed: row.removed,
    unchanged: row.unchanged,
    quality: row.quality === null ? null : readJson(AudienceQualitySchema, row.quality, 'audience_version.quality'),
    expiresAt: row.expiresAt,
    jobId: row.jobId,
  };
}
