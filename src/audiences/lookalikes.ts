// Lookalike audiences: the customers most like a set of seed customers, ranked by the vector store's
// recommendation (average-vector or best-score), with an honest quality estimate: a seeded fifth of
// the seeds is held out, the audience is rebuilt from the rest, and the share of held-out seeds it
// recovers is reported.
//
// A lookalike is computed once and paged from that result: each computation gets an id, its pages'
// cursors carry the id, and the same request within CACHE_MS gets the same result back. A cursor whose
// result has expired is refused (BAD_USER_INPUT on `after`) rather than answered from a new ranking
// in which the page boundaries may have moved. Saved audiences (saved-audiences.ts) keep one for good.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../db/database.js';
import { InputError } from '../errors/domain-errors.js';
import { activeCollection } from '../customer-vectors/customer-space.js';
import { sampleIndices, seededRng } from '../clustering/random.js';
import { decodeCursor, toPage, type Page } from '../shared/paging.js';
import type { Condition, Filter, RecommendStrategy, VectorName, VectorStore } from '../vectors/vector-store.js';

export interface LookalikeRequest {
  seeds: string[];
  size: number;
  excludeSeeds: boolean;
  vector: VectorName;
  strategy: RecommendStrategy;
  countries?: string[];
  segmentIds?: number[];
  excludeSegmentIds?: number[];
  /** Only customers whose predicted value / churn risk (the active run's) is in range. */
  minClv?: number;
  minChurnRisk?: number;
  maxChurnRisk?: number;
}

export interface RankedCustomer {
  rank: number;
  customerId: number;
  score: number;
}

export interface AudienceQuality {
  holdoutShare: number;
  heldOut: number;
  recovered: number;
  recall: number;
}

export interface Lookalike {
  /** This computation: its pages' cursors name it. */
  id: string;
  ranked: RankedCustomer[];
  seedsUsed: number;
  seedsMissing: string[];
  quality: AudienceQuality | null;
}

export const MAX_AUDIENCE = 100_000;
const HOLDOUT_SHARE = 0.2;
const CACHE_MS = 30 * 60_000;
/** Results kept for paging, least recently used out first (each can hold up to MAX_AUDIENCE rows). */
const CACHE_ENTRIES = 32;

export class Lookalikes {
  /** By the request's hash: the same request pages the same result. */
  private readonly cache = new LRUCache<string, Promise<Lookalike>>({ max: CACHE_ENTRIES, ttl: CACHE_MS });
  private computed = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: VectorStore,
  ) {}

  /** `fresh`: compute anew, ignoring (and not filling) the cache — a saved audience's refresh. */
  build(request: LookalikeRequest, options: { fresh?: boolean } = {}): Promise<Lookalike> {
    validate(request);
    const key = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    if (options.fresh) return this.compute(request, `${key.slice(0, 12)}.${Date.now().toString(36)}.${(this.computed++).toString(36)}`);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const value = this.compute(request, `${key.slice(0, 12)}.${Date.now().toString(36)}.${(this.computed++).toString(36)}`);
    this.cache.set(key, value);
    value.catch(() => this.cache.delete(key));
    return value;
  }

  /**
   * A page of a computed lookalike, after `after` (a cursor of this same result). A cursor of another
   * computation (expired, or of another request) is refused: its page would not follow on.
   */
  page(lookalike: Lookalike, first: number, after?: string): Page<RankedCustomer> {
    const from = after ? decodeCursor(after, lookalike.id)[1] + 1 : 0;
    return toPage(lookalike.ranked.slice(from, from + first + 1), first, (r) => [lookalike.id, r.rank, r.customerId]);
  }

  private async compute(request: LookalikeRequest, id: string): Promise<Lookalike> {
    const collection = await activeCollection(this.store);
    const customers = await this.prisma.customer.findMany({ where: { externalId: { in: request.seeds } }, select: { id: true, externalId: true } });
    const found = new Map(customers.map((c) => [c.externalId, c.id]));
    const withVectors = new Set((await this.store.retrieve(collection, [...found.values()])).map((p) => p.id));
    const seedIds = [...new Set(request.seeds)].map((s) => found.get(s)).filter((id): id is number => id !== undefined && withVectors.has(id));
    const seedsMissing = request.seeds.filter((s) => !withVectors.has(found.get(s) ?? -1));
    if (seedIds.length === 0)
      throw new InputError('None of the seed customers has a vector.', [{ index: -1, field: 'seeds', message: 'no seed customer is embedded' }]);
    const filter = toFilter(request, await this.valueRange(request));

    const rank = async (seeds: number[], size: number, filtered = true): Promise<RankedCustomer[]> => {
      const hits = await this.store.recommend(collection, {
        using: request.vector,
        positive: seeds,
        strategy: request.strategy,
        limit: size,
        filter: filtered ? filter : undefined,
      });
      return hits.map((h, i) => ({ rank: i, customerId: h.id, score: h.score }));
    };
    let ranked = await rank(seedIds, request.size);
    if (!request.excludeSeeds) {
      // Seeds first (they are the best lookalikes of themselves), then the audience, to `size`.
      ranked = [...seedIds.map((customerId) => ({ rank: 0, customerId, score: Number.NaN })), ...ranked]
        .slice(0, request.size)
        .map((r, i) => ({ ...r, rank: i }));
    }

    let quality: AudienceQuality | null = null;
    if (seedIds.length >= 5) {
      const rng = seededRng(seedIds.reduce((h, id) => (h * 31 + id) >>> 0, 7));
      const holdout = new Set(sampleIndices(seedIds.length, Math.max(1, Math.round(seedIds.length * HOLDOUT_SHARE)), rng).map((i) => seedIds[i]!));
      const kept = seedIds.filter((id) => !holdout.has(id));
      // Unfiltered: the estimate is of the ranking. A filter may exclude the seeds themselves (their own
      // segment, say), which would make every held-out seed unrecoverable by construction.
      const rebuilt = new Set((await rank(kept, request.size, false)).map((r) => r.customerId));
      const recovered = [...holdout].filter((id) => rebuilt.has(id)).length;
      quality = { holdoutShare: HOLDOUT_SHARE, heldOut: holdout.size, recovered, recall: recovered / holdout.size };
    }
    return { id, ranked, seedsUsed: seedIds.length, seedsMissing, quality };
  }

  /**
   * The customers whose predictions (stored on the active run's memberships) pass the request's value
   * and churn-risk bounds, as a has_id condition: the database knows the predictions, the store ranks.
   */
  private async valueRange(r: LookalikeRequest): Promise<number[] | undefined> {
    if (r.minClv === undefined && r.minChurnRisk === undefined && r.maxChurnRisk === undefined) return undefined;
    const rows = await this.prisma.membership.findMany({
      where: {
        run: { active: true },
        ...(r.minClv !== undefined ? { clv: { gte: r.minClv } } : {}),
        ...(r.minChurnRisk !== undefined || r.maxChurnRisk !== undefined
          ? {
              churnRisk: { ...(r.minChurnRisk !== undefined ? { gte: r.minChurnRisk } : {}), ...(r.maxChurnRisk !== undefined ? { lte: r.maxChurnRisk } : {}) },
            }
          : {}),
      },
      select: { customerId: true },
    });
    return rows.map((m) => m.customerId);
  }
}

function validate(r: LookalikeRequest) {
  if (r.seeds.length === 0) throw new InputError('seeds must not be empty', [{ index: -1, field: 'seeds', message: 'must not be empty' }]);
  if (r.seeds.length > 10_000) throw new InputError('at most 10,000 seeds', [{ index: -1, field: 'seeds', message: 'at most 10,000' }]);
  if (!Number.isInteger(r.size) || r.size < 1 || r.size > MAX_AUDIENCE) {
    throw new InputError(`size must be between 1 and ${MAX_AUDIENCE}`, [{ index: -1, field: 'size', message: `must be between 1 and ${MAX_AUDIENCE}` }]);
  }
}

function toFilter(r: LookalikeRequest, ids?: number[]): Filter | undefined {
  const must: Condition[] = [
    ...(ids ? [{ has_id: ids }] : []),
    ...(r.countries?.length ? [{ key: 'country', match: { any: r.countries } }] : []),
    ...(r.segmentIds?.length ? [{ key: 'segmentId', match: { any: r.segmentIds.map(String) } }] : []),
  ];
  const mustNot = r.excludeSegmentIds?.length ? [{ key: 'segmentId', match: { any: r.excludeSegmentIds.map(String) } }] : [];
  return must.length || mustNot.length ? { must, must_not: mustNot } : undefined;
}
