// Reads customers' traces from the database, a batch at a time, and turns each customer into a
// profile: their texts (each with its kind, date and count; customer-vectors weighs and pools them)
// and the behavioural features (in human units, and as the row the
// robust scaler works on). Behaviour is encoded with absolute dates (day of last order, day of first
// activity), so a stored vector does not go stale as days pass; recency in days is reported
// relative to the shop's latest activity.
import { Prisma, type PrismaClient } from '../db/database.js';
import { scrubPersonalData } from './personal-data.js';
import { habitualRating, type RatingReliability } from './rating-reliability.js';
import { profileDocument, profileTexts, type ProfileDocument, type ProfileText } from './profile-text.js';

export interface BehaviourSummary {
  /** Days from the last completed order to the shop's latest activity; null when never bought. */
  recencyDays: number | null;
  /** Completed orders. */
  frequency: number;
  /** Net spend: kept purchase lines minus cancellations. */
  monetary: number;
  averageOrderValue: number;
  tenureDays: number;
  /** Share of orders returned, cancelled or with a returned line. */
  returnRate: number;
  meanRating: number | null;
  /** Reviews with a rating behind meanRating (how much of a habit it can be: rating-reliability.ts). */
  ratingCount: number;
  /** Share of spend per category (goods only). */
  categoryShares: Record<string, number>;
}

export interface CustomerProfile {
  id: number;
  externalId: string;
  country: string | null;
  /** Every distinct text of the customer's history (own words and goods), each once: what the sentence model reads, text by text. */
  texts: ProfileText[];
  /** Every word of the customer's history, nothing cut: what the lexical view reads. */
  document: ProfileDocument;
  behaviour: BehaviourSummary;
}

/** Recency, frequency and spend: the `value` view (what predicts what a customer will spend). */
export const VALUE_FEATURES = ['lastOrderDay', 'logOrders', 'logSpend'] as const;
/** Order size, tenure, returns and ratings: the `habits` view (how they shop). */
export const HABIT_FEATURES = ['logAverageOrderValue', 'firstActivityDay', 'returnRate', 'meanRating'] as const;
export const BASE_FEATURES = [...VALUE_FEATURES, ...HABIT_FEATURES] as const;
export const NON_PRODUCT = 'non-product';
const DAY = 86_400_000;

/** The names of the scaled features: the base ones and one share per top category. */
export function featureNames(categories: readonly string[]): string[] {
  return [...BASE_FEATURES, ...categories.map((c) => `share:${c}`)];
}

/**
 * A profile's behaviour as the row the scaler fits and transforms (same order as featureNames). With
 * `rating`, the mean rating is read as a habit (habitualRating); without it, as given (the scaler is
 * fitted on ratings as given, so that a shrunk rating keeps the scale of a raw one).
 */
export function featureRow(profile: CustomerProfile, categories: readonly string[], asOf: Date, rating?: RatingReliability): (number | null)[] {
  const b = profile.behaviour;
  const asOfDay = asOf.getTime() / DAY;
  return [
    b.recencyDays === null ? null : asOfDay - b.recencyDays,
    Math.log1p(b.frequency),
    Math.log1p(Math.max(0, b.monetary)),
    Math.log1p(Math.max(0, b.averageOrderValue)),
    asOfDay - b.tenureDays,
    b.returnRate,
    rating ? habitualRating(rating, b.meanRating, b.ratingCount) : b.meanRating,
    ...categories.map((c) => b.categoryShares[c] ?? 0),
  ];
}

/** SQL only: no tokenizer or model is needed to read a customer. */
/** A category as a text: bought as often as its titles together, last when the latest of them. */
function categoryTexts(titles: readonly { category: string | null; lines: number; last_at: Date }[]): ProfileText[] {
  const by = new Map<string, ProfileText>();
  for (const t of titles) {
    if (!t.category) continue;
    const known = by.get(t.category);
    if (!known) by.set(t.category, { text: t.category, kind: 'category', at: t.last_at, count: t.lines });
    else {
      known.count += t.lines;
      if (t.last_at > known.at!) known.at = t.last_at;
    }
  }
  return [...by.values()];
}

export class CustomerProfiles {
  constructor(private readonly prisma: PrismaClient) {}

  /** The shop's "now": its latest order (historical data sets stay meaningful), else the clock. */
  async asOf(): Promise<Date> {
    const [row] = await this.prisma.$queryRaw<{ at: Date | null }[]>`SELECT max(placed_at) AS at FROM "order"`;
    return row?.at ?? new Date();
  }

  /** The k goods categories most customers buy from. */
  async topCategories(k: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ category: string }[]>`
      SELECT p.category FROM order_item i JOIN "order" o ON o.id = i.order_id JOIN product p ON p.id = i.product_id
      WHERE p.category IS NOT NULL AND p.category <> ${NON_PRODUCT} AND o.status = 'COMPLETED'
      GROUP BY p.category ORDER BY count(DISTINCT o.customer_id) DESC, p.category LIMIT ${Math.floor(k)}`;
    return rows.map((r) => r.category);
  }

  /** Customer ids in id order, a page at a time (keyset pagination: stable while customers are added). */
  async customerIds(afterId: number, limit: number, untilId?: number): Promise<number[]> {
    const rows = await this.prisma.customer.findMany({
      where: { id: { gt: afterId, ...(untilId === undefined ? {} : { lte: untilId }) } },
      orderBy: { id: 'asc' },
      take: limit,
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** Profiles of these customers. With `withText: false` only behaviour is read (scaler fitting). */
  async build(ids: readonly number[], asOf: Date, withText = true): Promise<CustomerProfile[]> {
    if (ids.length === 0) return [];
    const idJson = JSON.stringify(ids);
    const idsCte = Prisma.sql`WITH ids AS (SELECT value::int AS id FROM jsonb_array_elements_text(${idJson}::jsonb))`;
    const p = this.prisma;
    const none = Promise.resolve([] as never[]);
    const [customers, lines, titles, reviews, searches] = await Promise.all([
      p.$queryRaw<
        {
          id: number;
          external_id: string;
          country: string | null;
          signup_at: Date | null;
          completed: number;
          not_kept: number;
          with_returns: number;
          last_order_at: Date | null;
          first_order_at: Date | null;
          mean_rating: number | null;
          ratings: number;
        }[]
      >`${idsCte}
         SELECT c.id, c.external_id, c.country, c.signup_at,
                count(o.id) FILTER (WHERE o.status = 'COMPLETED')::int AS completed,
                count(o.id) FILTER (WHERE o.status <> 'COMPLETED')::int AS not_kept,
                count(o.id) FILTER (WHERE o.status = 'COMPLETED' AND EXISTS (SELECT 1 FROM order_item i WHERE i.order_id = o.id AND i.returned))::int AS with_returns,
                max(o.placed_at) FILTER (WHERE o.status = 'COMPLETED') AS last_order_at,
                min(o.placed_at) AS first_order_at,
                (SELECT avg(r.rating)::float8 FROM review r WHERE r.customer_id = c.id) AS mean_rating,
                (SELECT count(*) FROM review r WHERE r.customer_id = c.id)::int AS ratings
         FROM customer c JOIN ids ON ids.id = c.id LEFT JOIN "order" o ON o.customer_id = c.id
         GROUP BY c.id ORDER BY c.id`,
      p.$queryRaw<{ customer_id: number; category: string | null; spend: number }[]>`${idsCte}
         SELECT o.customer_id, p.category,
                sum(CASE WHEN o.status = 'COMPLETED' AND NOT i.returned THEN i.quantity * i.unit_price
                         WHEN o.status = 'CANCELLED' THEN -i.quantity * i.unit_price ELSE 0 END)::float8 AS spend
         FROM order_item i JOIN "order" o ON o.id = i.order_id JOIN ids ON ids.id = o.customer_id JOIN product p ON p.id = i.product_id
         GROUP BY o.customer_id, p.category`,
      withText
        ? p.$queryRaw<{ customer_id: number; title: string; category: string | null; lines: number; last_at: Date }[]>`${idsCte}
         SELECT o.customer_id, p.title, p.category, count(*)::int AS lines, max(o.placed_at) AS last_at
         FROM order_item i JOIN "order" o ON o.id = i.order_id JOIN ids ON ids.id = o.customer_id JOIN product p ON p.id = i.product_id
         WHERE o.status = 'COMPLETED' AND p.category IS DISTINCT FROM ${NON_PRODUCT}
         GROUP BY o.customer_id, p.title, p.category
         ORDER BY o.customer_id, count(*) DESC, max(o.placed_at) DESC, p.title`
        : none,
      withText
        ? p.$queryRaw<{ customer_id: number; text: string; at: Date }[]>`${idsCte}
         SELECT r.customer_id, r.text, r.reviewed_at AS at FROM review r JOIN ids ON ids.id = r.customer_id
         ORDER BY r.customer_id, r.reviewed_at DESC, r.id DESC`
        : none,
      withText
        ? p.$queryRaw<{ customer_id: number; text: string; at: Date }[]>`${idsCte}
         SELECT s.customer_id, s.text, s.searched_at AS at FROM search_query s JOIN ids ON ids.id = s.customer_id
         ORDER BY s.customer_id, s.searched_at DESC, s.id DESC`
        : none,
    ]);

    const group = <T extends { customer_id: number }>(rows: T[]) => {
      const map = new Map<number, T[]>();
      for (const r of rows) {
        const list = map.get(r.customer_id);
        if (list) list.push(r);
        else map.set(r.customer_id, [r]);
      }
      return map;
    };
    const linesBy = group(lines);
    const titlesBy = group(titles);
    const reviewsBy = group(reviews);
    const searchesBy = group(searches);
    const asOfTime = asOf.getTime();

    return customers.map((c) => {
      const spendRows = linesBy.get(c.id) ?? [];
      const monetary = spendRows.reduce((s, r) => s + r.spend, 0);
      const goods = spendRows.filter((r) => r.category && r.category !== NON_PRODUCT && r.spend > 0);
      const goodsSpend = goods.reduce((s, r) => s + r.spend, 0);
      const categoryShares: Record<string, number> = {};
      for (const r of goods) categoryShares[r.category!] = (categoryShares[r.category!] ?? 0) + r.spend / goodsSpend;
      const titleRows = titlesBy.get(c.id) ?? [];
      const categoriesByUse = [...new Set(titleRows.map((t) => t.category).filter((x): x is string => !!x))];
      const orders = c.completed + c.not_kept;
      const firstActivity = Math.min(c.signup_at?.getTime() ?? Infinity, c.first_order_at?.getTime() ?? Infinity);
      const reviewRows = reviewsBy.get(c.id) ?? [];
      const searchRows = searchesBy.get(c.id) ?? [];
      const sources = {
        reviews: reviewRows.map((r) => scrubPersonalData(r.text)),
        searches: searchRows.map((s) => scrubPersonalData(s.text)),
        categories: categoriesByUse,
        titles: titleRows.map((t) => scrubPersonalData(t.title)),
      };
      const texts = !withText
        ? []
        : profileTexts([
            ...reviewRows.map((r, i) => ({ text: sources.reviews[i]!, kind: 'review' as const, at: r.at, count: 1 })),
            ...searchRows.map((r, i) => ({ text: sources.searches[i]!, kind: 'search' as const, at: r.at, count: 1 })),
            ...titleRows.map((t, i) => ({ text: sources.titles[i]!, kind: 'title' as const, at: t.last_at, count: t.lines })),
            ...categoryTexts(titleRows),
          ]);
      const document = !withText ? { own: '', goods: '' } : profileDocument(sources);
      return {
        id: c.id,
        externalId: c.external_id,
        country: c.country,
        texts,
        document,
        behaviour: {
          recencyDays: c.last_order_at ? (asOfTime - c.last_order_at.getTime()) / DAY : null,
          frequency: c.completed,
          monetary,
          averageOrderValue: c.completed > 0 ? monetary / c.completed : 0,
          tenureDays: Number.isFinite(firstActivity) ? Math.max(0, (asOfTime - firstActivity) / DAY) : 0,
          returnRate: orders > 0 ? (c.not_kept + c.with_returns) / orders : 0,
          meanRating: c.mean_rating === null ? null : Number(c.mean_rating),
          ratingCount: c.ratings,
          categoryShares,
        },
      };
    });
  }
}
