// A rating is read as a customer's habit only as far as it repeats for them: the ICC(1) estimator
// against simulated shops with a known answer, its SQL statistics against the same ANOVA computed here
// from the rows, and the embed job on two shops through real PGlite and the real model — one where
// nobody rated twice (the rating counts for nothing) and one of harsh and generous reviewers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createServices } from '../../src/app/services.js';
import { seededRng } from '../../src/clustering/random.js';
import { loadSettings } from '../../src/config/settings.js';
import { CUSTOMERS_ALIAS, liveShare } from '../../src/customer-vectors/customer-space.js';
import { HABIT_FEATURES, VALUE_FEATURES } from '../../src/profiles/customer-profiles.js';
import { writeShop, type HardShop } from '../../src/demo/hard-shop.js';
import {
  fitRatingReliability,
  habitualRating,
  measureRatingReliability,
  MIN_REPEAT_RATERS,
  ratingWeight,
  type RatingStats,
} from '../../src/profiles/rating-reliability.js';

/** A standard normal draw (Box–Muller). */
function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** The one-way ANOVA statistics of these customers' ratings, written out from the definitions. */
function anova(ratings: readonly number[][]): RatingStats {
  const all = ratings.flat();
  const groups = ratings.filter((r) => r.length >= 2);
  const n = groups.flat().length;
  const grand = groups.flat().reduce((a, b) => a + b, 0) / n;
  let between = 0;
  let within = 0;
  for (const g of groups) {
    const m = g.reduce((a, b) => a + b, 0) / g.length;
    between += g.length * (m - grand) ** 2;
    within += g.reduce((s, x) => s + (x - m) ** 2, 0);
  }
  return {
    shopMean: all.reduce((a, b) => a + b, 0) / all.length,
    groups: groups.length,
    ratings: n,
    squares: groups.reduce((s, g) => s + g.length ** 2, 0),
    between,
    within,
  };
}

test('ICC(1) recovers the share of the rating that is habit (simulated shops, unequal numbers of ratings)', () => {
  const rng = seededRng(7);
  for (const [habit, noise] of [
    [0.5, 1],
    [1, 0.5],
    [0, 1],
  ] as const) {
    const ratings = Array.from({ length: 3000 }, () => {
      const own = habit * gaussian(rng);
      return Array.from({ length: 2 + Math.floor(rng() * 6) }, () => 4 + own + noise * gaussian(rng));
    });
    const truth = habit ** 2 / (habit ** 2 + noise ** 2);
    const fitted = fitRatingReliability(anova(ratings));
    assert.ok(Math.abs(fitted.icc - truth) < 0.04, `habit ${habit}, noise ${noise}: ICC ${fitted.icc.toFixed(3)} vs ${truth.toFixed(3)}`);
    assert.equal(fitted.repeatRaters, 3000);
    assert.ok(Math.abs(fitted.mean - 4) < 0.05);
  }
});

test('no habit without repeat raters; a reviewer who always gives the same stars is all habit; Spearman–Brown', () => {
  const once = fitRatingReliability(anova(Array.from({ length: 500 }, (_, i) => [1 + (i % 5)])));
  assert.deepEqual(once, { mean: 3, icc: 0, repeatRaters: 0 });
  assert.equal(habitualRating(once, 5, 1), 3, 'one rating, nobody rated twice: the shop mean');
  const few = Array.from({ length: MIN_REPEAT_RATERS - 1 }, (_, i) => [1 + (i % 5), 1 + (i % 5)]);
  assert.equal(fitRatingReliability(anova(few)).icc, 0, `fewer than ${MIN_REPEAT_RATERS} repeat raters`);
  const steady = fitRatingReliability(anova(Array.from({ length: 40 }, (_, i) => [1 + (i % 5), 1 + (i % 5), 1 + (i % 5)])));
  assert.equal(steady.icc, 1);
  assert.equal(habitualRating(steady, 5, 1), 5);
  const r = { mean: 4, icc: 0.25, repeatRaters: 100 };
  assert.equal(ratingWeight(r, 1), 0.25);
  assert.equal(ratingWeight(r, 3), 0.5);
  assert.equal(ratingWeight(r, 0), 0);
  assert.equal(habitualRating(r, 2, 3), 3);
  assert.equal(habitualRating(r, null, 0), 4, 'never rated: the shop mean');
});

test('ICC(1) on a small unbalanced layout, worked by hand', () => {
  // Customers [1, 3], [4, 4, 4, 6], [2, 2, 5]: N = 9, Σn² = 29, grand mean 31/9.
  // SSB = 2(2 − 31/9)² + 4(4.5 − 31/9)² + 3(3 − 31/9)² = 83/9; SSW = 2 + 3 + 6 = 11.
  // MSB = 83/18, MSW = 11/6, n₀ = (9 − 29/9)/2 = 26/9; ICC = (83/18 − 11/6) / (83/18 + (17/9)(11/6)) = 150/436.
  const stats = anova([
    [1, 3],
    [4, 4, 4, 6],
    [2, 2, 5],
  ]);
  assert.ok(Math.abs(stats.between - 83 / 9) < 1e-12 && Math.abs(stats.within - 11) < 1e-12, JSON.stringify(stats));
  const fitted = fitRatingReliability(stats, 3);
  assert.ok(Math.abs(fitted.icc - 150 / 436) < 1e-12, `${fitted.icc} vs ${150 / 436}`);
  assert.equal(fitRatingReliability(stats).icc, 0, `below ${MIN_REPEAT_RATERS} repeat raters by default`);
});

test('liveShare counts a varying column by its worth', () => {
  const rows = Array.from({ length: 40 }, (_, i) => Float32Array.from([i % 4, (i * 3) % 7, 1, i % 2]));
  assert.equal(liveShare(rows), 0.75);
  assert.equal(liveShare(rows, [1, 1, 1, 0.2]), (2 + 0.2) / 4);
  assert.equal(liveShare(rows, [1, 1, 0, 1]), 0.75, 'a constant column counts for nothing whatever its worth');
});

/** A shop of reviews only: `ratings[i]` are customer i's stars, each with an English review. */
function reviewShop(ratings: readonly number[][]): HardShop {
  const words = ['kettle', 'boots', 'serum', 'drone', 'novel', 'tent'];
  return {
    products: [],
    customers: ratings.map((_, i) => ({ id: `r${i}`, attributes: {} })),
    orders: [],
    searches: [],
    reviews: ratings.flatMap((stars, i) =>
      stars.map((rating, j) => ({
        id: `r${i}-${j}`,
        customerId: `r${i}`,
        rating,
        text: `the ${words[(i + j) % words.length]} was ${rating >= 4 ? 'great' : 'poor'}`,
        reviewedAt: new Date(Date.UTC(2026, 0, 1 + j)),
      })),
    ),
    truth: [],
  };
}

async function embedShop(ratings: readonly number[][]) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rating-reliability-'));
  const services = await createServices(loadSettings({ ...process.env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
  try {
    await writeShop(services.ingest, reviewShop(ratings));
    const measured = await measureRatingReliability(services.db.prisma);
    await (await services.indexer()).run({ signal: new AbortController().signal, progress: () => {} });
    const index = await services.db.prisma.vectorIndex.findFirstOrThrow({ orderBy: { id: 'desc' } });
    const views = index.views as Record<string, { weight: number; note?: string; rating?: { icc: number } }>;
    const run = await services.segments.run({ signal: new AbortController().signal, progress: () => {} }, { k: 3 });
    const segments = await services.db.prisma.segment.findMany({ where: { runId: run.runId }, select: { autoName: true, stats: true } });
    const collection = (await services.vectors.resolveAlias(CUSTOMERS_ALIAS))!;
    const stored = new Map<string, Float32Array>();
    for await (const batch of services.vectors.scroll(collection, { withVectors: true, batchSize: 200 }))
      for (const p of batch) stored.set(String(p.payload.customerId), p.vectors!.behaviour!);
    return {
      measured,
      habits: views.habits!,
      stored,
      segments: segments.map((s) => ({ name: s.autoName, archetype: (s.stats as { archetype: string }).archetype })),
    };
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('one review per customer (PGlite, the embed job): the stars are about what was reviewed, and the habits view gets no weight', async () => {
  const rng = seededRng(3);
  const ratings = Array.from({ length: 240 }, () => [rng() < 0.5 ? 1 : 5]);
  const { measured, habits, segments, stored } = await embedShop(ratings);
  const expected = fitRatingReliability(anova(ratings));
  assert.ok(Math.abs(measured.mean - expected.mean) < 1e-9 && measured.repeatRaters === 0, JSON.stringify({ measured, expected }));
  assert.equal(measured.icc, 0);
  // What was written: one-star and five-star reviewers carry the same rating in their stored behaviour.
  const ratingOf = (i: number) => stored.get(`r${i}`)![VALUE_FEATURES.length + HABIT_FEATURES.indexOf('meanRating')]!;
  const low = ratings.findIndex((r) => r[0] === 1);
  const high = ratings.findIndex((r) => r[0] === 5);
  assert.equal(ratingOf(low), ratingOf(high));
  assert.equal(habits.weight, 0, 'a one-number view of one-off ratings does not vote');
  assert.match(habits.note!, /ratings are not read as a habit: 0 customers rated twice/);
  // No orders: every segment is the same archetype, so the names lead with what they wrote.
  assert.equal(new Set(segments.map((s) => s.archetype)).size, 1);
  for (const s of segments) assert.ok(!s.name.startsWith(s.archetype), s.name);
  assert.equal(new Set(segments.map((s) => s.name)).size, segments.length);
});

test('harsh and generous reviewers (PGlite, the embed job): the statement measures what the ANOVA says, and the rating is a habit', async () => {
  const rng = seededRng(11);
  const ratings = Array.from({ length: 200 }, (_, i) => {
    const own = i % 2 === 0 ? 2 : 4.5;
    return Array.from({ length: 1 + Math.floor(rng() * 5) }, () => Math.min(5, Math.max(1, Math.round(own + gaussian(rng) * 0.7))));
  });
  const { measured, habits, stored } = await embedShop(ratings);
  const expected = fitRatingReliability(anova(ratings));
  assert.ok(Math.abs(measured.icc - expected.icc) < 1e-9 && Math.abs(measured.mean - expected.mean) < 1e-9, JSON.stringify({ measured, expected }));
  assert.equal(measured.repeatRaters, expected.repeatRaters);
  assert.ok(measured.icc > 0.5, `ICC ${measured.icc}`);
  assert.ok(habits.weight > 0, 'the rating votes');
  // Stored behaviour: a generous reviewer of five ratings sits further from the mean than one of one.
  const ratingOf = (i: number) => stored.get(`r${i}`)![VALUE_FEATURES.length + HABIT_FEATURES.indexOf('meanRating')]!;
  const generous = ratings.flatMap((r, i) => (r.length > 0 && r.every((x) => x === 5) ? [i] : []));
  const once = generous.find((i) => ratings[i]!.length === 1);
  const often = generous.find((i) => ratings[i]!.length >= 3);
  assert.ok(once !== undefined && often !== undefined);
  assert.ok(ratingOf(often) > ratingOf(once) + 1e-3, `five-star ×${ratings[often]!.length}: ${ratingOf(often)}; once: ${ratingOf(once)}`);
  assert.equal(habits.rating?.icc, measured.icc);
  assert.match(habits.note!, /ratings read as a habit by their intraclass correlation 0\.\d\d \(from \d+ customers who rated twice or more\)/);
});
