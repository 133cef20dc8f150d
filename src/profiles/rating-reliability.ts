// How much a customer's mean rating says about *them*. A star rating is first about the thing
// reviewed (a broken kettle gets one star from everybody); only ratings that repeat for one customer
// across reviews are a habit (a harsh or a generous reviewer). The share of the rating's variance
// that lies between customers, measured on the customers who rated at least twice, is its
// intraclass correlation (ICC(1), one-way random effects: Shrout & Fleiss 1979); a customer's mean
// of n ratings is then worth n·ICC / (1 + (n − 1)·ICC) of a habit (Spearman–Brown), and the habits
// view reads it pulled that far from the shop's mean toward their own (the best linear predictor of
// their habit). Where nobody rated twice, the habit cannot be told from the reviews and every
// customer reads as the shop's mean (README "Customer vectors").
import type { PrismaClient } from '../db/database.js';

/** Fewer customers with two ratings than this, and the rating is not read as a habit. */
export const MIN_REPEAT_RATERS = 20;

export interface RatingReliability {
  /** The mean of every rating in the shop: where a customer with little or no evidence is placed. */
  mean: number;
  /** ICC(1) of ratings within customers, in [0, 1]; 0 when it could not be measured. */
  icc: number;
  /** Customers with at least two ratings (the sample the ICC comes from). */
  repeatRaters: number;
}

/** Sufficient statistics of a one-way layout: customers with ≥ 2 ratings as the groups. */
export interface RatingStats {
  /** Mean of every rating in the shop (customers with one rating too). */
  shopMean: number;
  /** Groups (customers with at least two ratings). */
  groups: number;
  /** Σ n_i and Σ n_i² over the groups. */
  ratings: number;
  squares: number;
  /** Σ n_i (mean_i − grand mean)² and Σ (n_i − 1) var_i over the groups. */
  between: number;
  within: number;
}

/** ICC(1) from the one-way ANOVA table; unbalanced groups use the usual n₀. */
export function fitRatingReliability(s: RatingStats, minRepeatRaters = MIN_REPEAT_RATERS): RatingReliability {
  const mean = Number.isFinite(s.shopMean) ? s.shopMean : 0;
  if (s.groups < Math.max(2, minRepeatRaters) || s.ratings <= s.groups) return { mean, icc: 0, repeatRaters: s.groups };
  const msb = s.between / (s.groups - 1);
  const msw = s.within / (s.ratings - s.groups);
  const n0 = (s.ratings - s.squares / s.ratings) / (s.groups - 1);
  // Every customer always gives the same stars: the rating is all habit.
  const icc = msw <= 1e-12 ? (msb > 1e-12 ? 1 : 0) : (msb - msw) / (msb + (n0 - 1) * msw);
  return { mean, icc: Math.min(1, Math.max(0, icc)), repeatRaters: s.groups };
}

/** Reliability of one customer's mean of `n` ratings as their habit (Spearman–Brown). */
export function ratingWeight(r: RatingReliability, n: number): number {
  return n <= 0 ? 0 : (n * r.icc) / (1 + (n - 1) * r.icc);
}

/** Mean over the customers who rated (counts > 0) of how much their rating is a habit; 1 when nobody rated. */
export function meanRatingWeight(r: RatingReliability, counts: readonly number[]): number {
  const rated = counts.filter((n) => n > 0);
  return rated.length === 0 ? 1 : rated.reduce((s, n) => s + ratingWeight(r, n), 0) / rated.length;
}

/**
 * A customer's mean rating as the habits view reads it: the shop's mean, moved toward theirs by
 * ratingWeight. A customer who never rated is the shop's mean too (no evidence either way): left
 * missing, the scaler would put them at the median of raw ratings, and with every rater pulled to the
 * mean the column would say "has reviewed or not".
 */
export function habitualRating(r: RatingReliability, meanRating: number | null, n: number): number {
  if (meanRating === null) return r.mean;
  return r.mean + ratingWeight(r, n) * (meanRating - r.mean);
}

/** The shop's rating statistics in one statement (aggregates only: a million customers return one row). */
export async function measureRatingReliability(prisma: PrismaClient): Promise<RatingReliability> {
  const [row] = await prisma.$queryRaw<
    { shop_mean: number | null; groups: number; ratings: number | null; squares: number | null; between: number | null; within: number | null }[]
  >`WITH per AS (SELECT customer_id, count(*)::float8 AS n, avg(rating)::float8 AS m, coalesce(var_samp(rating), 0)::float8 AS v
                 FROM review GROUP BY customer_id),
         rep AS (SELECT * FROM per WHERE n >= 2),
         grand AS (SELECT sum(n * m) / nullif(sum(n), 0) AS g FROM rep)
    SELECT (SELECT avg(rating)::float8 FROM review) AS shop_mean,
           count(*)::int AS groups, sum(n) AS ratings, sum(n * n) AS squares,
           sum(n * (m - grand.g) ^ 2) AS between, sum((n - 1) * v) AS within
    FROM rep CROSS JOIN grand`;
  return fitRatingReliability({
    shopMean: row?.shop_mean ?? 0,
    groups: row?.groups ?? 0,
    ratings: row?.ratings ?? 0,
    squares: row?.squares ?? 0,
    between: row?.between ?? 0,
    within: row?.within ?? 0,
  });
}
