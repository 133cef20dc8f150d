// Customers as the API sees them (by the shop's own id), their nearest neighbours in the vector
// store, and the right to be forgotten: a customer deleted here is gone from every table and from
// every vector collection.
import type { PrismaClient } from '../db/database.js';
import { customerRecord, type CustomerRecord } from '../db/json-columns.js';
import { InputError, NotFoundError } from '../errors/domain-errors.js';
import { CUSTOMERS_ALIAS } from '../customer-vectors/customer-space.js';
import type { VectorName, VectorStore } from '../vectors/vector-store.js';
import { PrismaTextVectorCache } from '../customer-vectors/text-cache.js';
import { textKey } from '../customer-vectors/text-pool.js';
import { cleanText } from '../profiles/profile-text.js';
import { scrubPersonalData } from '../profiles/personal-data.js';
import { namesCustomer, subjectData } from './subject-data.js';

export const MAX_SIMILAR = 1000;

export class CustomerDirectory {
  /**
   * Cache keys of the texts only this customer wrote (reviews, searches), as the embed job keys them
   * (scrubbed, cleaned). A text another customer also wrote, or a product's title, stays cached.
   */
  private async ownTextKeys(customerId: number): Promise<string[]> {
    const own = await this.prisma.$queryRaw<
      { text: string }[]
    >`SELECT text FROM review WHERE customer_id = ${customerId} UNION SELECT text FROM search_query WHERE customer_id = ${customerId}`;
    if (own.length === 0) return [];
    const raw = JSON.stringify(own.map((r) => r.text));
    const shared = await this.prisma.$queryRaw<{ text: string }[]>`WITH t AS (SELECT value AS text FROM jsonb_array_elements_text(${raw}::jsonb))
       SELECT r.text FROM review r JOIN t ON t.text = r.text WHERE r.customer_id <> ${customerId}
       UNION SELECT s.text FROM search_query s JOIN t ON t.text = s.text WHERE s.customer_id <> ${customerId}
       UNION SELECT p.title FROM product p JOIN t ON t.text = p.title`;
    const keep = new Set(shared.map((r) => r.text));
    // A text that cleans to nothing ("!!!") is keyed as the empty text, whose vector every customer
    // without words shares: never forgotten.
    const cleaned = own.filter((r) => !keep.has(r.text)).map((r) => cleanText(scrubPersonalData(r.text)));
    return [...new Set(cleaned.filter(Boolean).map(textKey))];
  }

  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: VectorStore,
  ) {}

  async byExternalId(externalId: string) {
    const customer = await this.prisma.customer.findUnique({ where: { externalId } });
    if (!customer) throw new NotFoundError(`No customer ${externalId}.`);
    return customerRecord(customer);
  }

  async byIds(ids: readonly number[]): Promise<CustomerRecord[]> {
    return (await this.prisma.customer.findMany({ where: { id: { in: [...ids] } } })).map(customerRecord);
  }

  /** The first `n` customers by internal id (a server's warm-up asks about them). */
  async first(n: number): Promise<CustomerRecord[]> {
    return (await this.prisma.customer.findMany({ orderBy: { id: 'asc' }, take: n })).map(customerRecord);
  }

  async byExternalIds(externalIds: readonly string[]): Promise<CustomerRecord[]> {
    return (await this.prisma.customer.findMany({ where: { externalId: { in: [...externalIds] } } })).map(customerRecord);
  }

  /** What the customer did, in counts, and their latest searches. */
  async activity(customerId: number, recentSearches = 5) {
    const p = this.prisma;
    const [orders, searches, reviews, recent] = await Promise.all([
      p.order.count({ where: { customerId } }),
      p.searchQuery.count({ where: { customerId } }),
      p.review.count({ where: { customerId } }),
      p.searchQuery.findMany({ where: { customerId }, orderBy: { searchedAt: 'desc' }, take: recentSearches, select: { text: true } }),
    ]);
    return { orders, searches, reviews, recentSearches: recent.map((r) => r.text) };
  }

  /** Rows in the shop's main tables. */
  async shopStats() {
    const p = this.prisma;
    const [customers, products, orders, orderItems, searches, reviews] = await Promise.all([
      p.customer.count(),
      p.product.count(),
      p.order.count(),
      p.orderItem.count(),
      p.searchQuery.count(),
      p.review.count(),
    ]);
    return { customers, products, orders, orderItems, searches, reviews };
  }

  /**
   * How fresh each customer's vectors are (internal ids): when their point in the collection readers
   * use was last written (an embed job or a live update; null before either), and how many accepted
   * changes live updates have yet to reflect.
   */
  async freshness(customerIds: readonly number[]): Promise<Map<number, { vectorsUpdatedAt: Date | null; pendingChanges: number }>> {
    const collection = await this.store.resolveAlias(CUSTOMERS_ALIAS);
    const ids = [...customerIds];
    const [vectors, waiting] = await Promise.all([
      collection
        ? this.prisma.customerVector.findMany({ where: { customerId: { in: ids }, index: { collection } }, select: { customerId: true, embeddedAt: true } })
        : [],
      this.prisma.customerChange.groupBy({ by: ['customerId'], where: { customerId: { in: ids } }, _count: { _all: true } }),
    ]);
    const at = new Map(vectors.map((v) => [v.customerId, v.embeddedAt]));
    const pending = new Map(waiting.map((w) => [w.customerId, w._count._all]));
    return new Map(ids.map((id) => [id, { vectorsUpdatedAt: at.get(id) ?? null, pendingChanges: pending.get(id) ?? 0 }]));
  }

  /** Nearest customers by the chosen vector (the customer itself excluded), optionally within its segment. */
  async similar(customerId: number, options: { limit: number; sameSegment: boolean; vector: VectorName }) {
    if (options.limit < 1 || options.limit > MAX_SIMILAR) {
      throw new InputError(`limit must be between 1 and ${MAX_SIMILAR}`, [{ index: -1, field: 'limit', message: `must be between 1 and ${MAX_SIMILAR}` }]);
    }
    const collection = await this.store.resolveAlias(CUSTOMERS_ALIAS);
    if (!collection) return [];
    const [point] = await this.store.retrieve(collection, [customerId]);
    if (!point) return [];
    const segmentId = point.payload.segmentId;
    if (options.sameSegment && !segmentId) return [];
    const filter = options.sameSegment ? { must: [{ key: 'segmentId', match: { value: String(segmentId) } }] } : undefined;
    return this.store.recommend(collection, { using: options.vector, positive: [customerId], strategy: 'average_vector', limit: options.limit, filter });
  }

  /**
   * Records marketing consent (true, false, or null: not known) for customers by the shop's ids.
   * Returns how many changed and the ids not known here.
   */
  async setConsent(externalIds: readonly string[], consent: boolean | null): Promise<{ updated: number; unknown: string[] }> {
    return this.updateKnown(externalIds, { marketingConsent: consent });
  }

  /** Puts customers on the suppression list (never delivered in an audience), with a reason. */
  async suppress(externalIds: readonly string[], reason: string | null): Promise<{ updated: number; unknown: string[] }> {
    return this.updateKnown(externalIds, { suppressedAt: new Date(), suppressionReason: reason });
  }

  async unsuppress(externalIds: readonly string[]): Promise<{ updated: number; unknown: string[] }> {
    return this.updateKnown(externalIds, { suppressedAt: null, suppressionReason: null });
  }

  /** The suppression list, newest first. */
  async suppressed(limit: number): Promise<CustomerRecord[]> {
    return (
      await this.prisma.customer.findMany({ where: { suppressedAt: { not: null } }, orderBy: [{ suppressedAt: 'desc' }, { id: 'asc' }], take: limit })
    ).map(customerRecord);
  }

  private async updateKnown(
    externalIds: readonly string[],
    data: { marketingConsent?: boolean | null; suppressedAt?: Date | null; suppressionReason?: string | null },
  ): Promise<{ updated: number; unknown: string[] }> {
    if (externalIds.length === 0 || externalIds.length > 10_000)
      throw new InputError('between 1 and 10,000 customer ids', [{ index: -1, field: 'customerIds', message: 'give between 1 and 10,000 ids' }]);
    const ids = [...new Set(externalIds)];
    const known = new Set((await this.prisma.customer.findMany({ where: { externalId: { in: ids } }, select: { externalId: true } })).map((c) => c.externalId));
    const { count } = await this.prisma.customer.updateMany({ where: { externalId: { in: ids } }, data });
    return { updated: count, unknown: ids.filter((id) => !known.has(id)) };
  }

  /** Everything stored about the customer, as one JSON document (subject-data.ts). */
  export(externalId: string): Promise<Record<string, unknown>> {
    return subjectData(this.prisma, externalId);
  }

  /** Deletes the customer everywhere; returns what was removed (for the audit log, without personal data). */
  async forget(externalId: string): Promise<{ customerId: number; rows: Record<string, number>; collections: string[] }> {
    const customer = await this.byExternalId(externalId);
    const collections = (await this.prisma.vectorIndex.findMany({ select: { collection: true } })).map((i) => i.collection);
    // Vectors first: deleting them twice is harmless, and a failure here leaves the customer to retry.
    for (const collection of collections) {
      if (await this.store.collectionExists(collection)) await this.store.delete(collection, [customer.id], { erase: true });
    }
    // Their own words' cached vectors (under every model), unless another customer wrote the same text.
    const ownTexts = await this.ownTextKeys(customer.id);
    const rows = await this.prisma.$transaction(async (tx) => {
      const counts: Record<string, number> = {
        orders: await tx.order.count({ where: { customerId: customer.id } }),
        searches: await tx.searchQuery.count({ where: { customerId: customer.id } }),
        reviews: await tx.review.count({ where: { customerId: customer.id } }),
        memberships: await tx.membership.count({ where: { customerId: customer.id } }),
        audienceMemberships: await tx.audienceMember.count({ where: { customerId: customer.id } }),
      };
      // Where the shop's id is kept as text, not by key: lookalike audiences' seed lists and audit
      // entries (a saved lookalike's parameters, a target). Removed or replaced by "[deleted]".
      const names = namesCustomer(externalId);
      const seed = JSON.stringify([externalId]);
      counts.audienceSeeds = await tx.$executeRaw`
        UPDATE audience SET parameters = jsonb_set(parameters, '{seeds}',
          (SELECT coalesce(jsonb_agg(s), '[]'::jsonb) FROM jsonb_array_elements(parameters->'seeds') s WHERE s <> to_jsonb(${externalId}::text)))
        WHERE kind = 'LOOKALIKE' AND parameters->'seeds' @> ${seed}::jsonb`;
      counts.auditEntries = await tx.$executeRaw`
        UPDATE audit_entry SET
          target = CASE WHEN target = ${names.target} THEN 'customer:[deleted]' ELSE target END,
          before = replace(before::text, ${names.json}, '"[deleted]"')::jsonb,
          after = replace(after::text, ${names.json}, '"[deleted]"')::jsonb
        WHERE target = ${names.target} OR position(${names.json} IN coalesce(before::text, '')) > 0 OR position(${names.json} IN coalesce(after::text, '')) > 0`;
      // Foreign keys cascade: orders and their lines, searches, reviews, vectors, memberships, audiences.
      await tx.customer.delete({ where: { id: customer.id } });
      return { ...counts, textVectors: await new PrismaTextVectorCache(tx).delete(ownTexts) };
    });
    return { customerId: customer.id, rows, collections };
  }
}
