// Automatic segment names, unit by unit: the RFM archetype rules (ratios of the segment's medians to the
// population's, first rule that holds wins), the name and description built from a segment's facts,
// and names made unique within a run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  rfmArchetype,
  segmentDescription,
  segmentName,
  uniqueNames,
  type BehaviourStats,
  type SegmentFacts,
} from '../../../src/segments/naming/segment-namer.js';

const population: BehaviourStats = { recencyDays: 100, frequency: 4, monetary: 400, averageOrderValue: 100, tenureDays: 300, returnRate: 0.05, meanRating: 4 };

/** A segment whose medians are the population's times the given ratios (r: recency, f, m, t: tenure). */
function segment(ratios: { r?: number; f?: number; m?: number; t?: number } = {}): BehaviourStats {
  return {
    ...population,
    recencyDays: 100 * (ratios.r ?? 1),
    frequency: 4 * (ratios.f ?? 1),
    monetary: 400 * (ratios.m ?? 1),
    tenureDays: 300 * (ratios.t ?? 1),
  };
}

const facts = (over: Partial<SegmentFacts> = {}): SegmentFacts => ({ size: 100, share: 0.1, medians: population, topCategories: [], keywords: [], ...over });

describe('rfmArchetype', () => {
  test('each archetype at its thresholds', () => {
    const cases: [Parameters<typeof segment>[0], string][] = [
      [{ r: 0.75, f: 1.25, m: 1.25 }, 'Champions'],
      [{ m: 2 }, 'Big spenders'],
      [{ f: 1.25, r: 1.25 }, 'Loyal'],
      [{ t: 0.6 }, 'New'],
      [{ r: 1.5 }, 'At risk'], // f = m = 1: still buying as much as most, but long ago
      [{ r: 2, f: 0.5, m: 1 }, 'At risk'],
      [{ r: 1.5, f: 0.5, m: 0.9 }, 'Hibernating'],
      [{ m: 0.5 }, 'Low spenders'],
      [{}, 'Regulars'],
    ];
    for (const [ratios, archetype] of cases) assert.equal(rfmArchetype(segment(ratios), population), archetype, JSON.stringify(ratios));
  });

  test('just past a threshold, the next rule applies', () => {
    assert.equal(rfmArchetype(segment({ r: 0.76, f: 1.25, m: 1.25 }), population), 'Loyal'); // recent enough for Loyal, not Champions
    assert.equal(rfmArchetype(segment({ m: 1.99 }), population), 'Regulars');
    assert.equal(rfmArchetype(segment({ f: 1.25, r: 1.26 }), population), 'Regulars');
    assert.equal(rfmArchetype(segment({ t: 0.61 }), population), 'Regulars');
    assert.equal(rfmArchetype(segment({ t: 0.6, f: 1.01 }), population), 'Regulars'); // newcomers who already buy often are not "New"
    assert.equal(rfmArchetype(segment({ r: 1.49 }), population), 'Regulars');
    assert.equal(rfmArchetype(segment({ m: 0.51 }), population), 'Regulars');
  });

  test('rules are tried in order: the first that holds names the segment', () => {
    assert.equal(rfmArchetype(segment({ r: 0.5, f: 2, m: 3 }), population), 'Champions'); // also a big spender
    assert.equal(rfmArchetype(segment({ r: 3, f: 0.5, m: 2.5 }), population), 'Big spenders'); // also lapsed
    assert.equal(rfmArchetype(segment({ t: 0.3, r: 2 }), population), 'New'); // also lapsed (At risk)
    assert.equal(rfmArchetype(segment({ r: 2, f: 0.2, m: 0.2 }), population), 'Hibernating'); // also low spend
  });

  test("a missing median counts as the population's; a zero population median as equal (0/0) or infinitely more", () => {
    // Never bought (recency null) with otherwise Champion figures: recency counts as usual, so not Champions.
    assert.equal(rfmArchetype({ ...segment({ f: 1.5, m: 1.5 }), recencyDays: null }, population), 'Loyal');
    assert.equal(rfmArchetype(segment({ r: 2 }), { ...population, recencyDays: null }), 'Regulars');
    const zeroSpend = { ...population, monetary: 0 };
    assert.equal(rfmArchetype({ ...population, monetary: 0 }, zeroSpend), 'Regulars');
    assert.equal(rfmArchetype({ ...population, monetary: 1 }, zeroSpend), 'Big spenders');
  });
});

describe('segmentName', () => {
  const cat = (category: string, share: number) => ({ category, share });

  test('the archetype and the top category; two categories when neither dominates', () => {
    assert.equal(segmentName('At risk', facts({ topCategories: [cat('running', 0.7), cat('fitness', 0.3)] })), 'At risk · running');
    assert.equal(segmentName('At risk', facts({ topCategories: [cat('running', 0.5), cat('fitness', 0.25)] })), 'At risk · running & fitness');
    assert.equal(segmentName('At risk', facts({ topCategories: [cat('running', 0.59), cat('fitness', 0.24)] })), 'At risk · running');
    assert.equal(segmentName('At risk', facts({ topCategories: [cat('running', 0.6), cat('fitness', 0.4)] })), 'At risk · running'); // 60 % dominates
    assert.equal(segmentName('At risk', facts({ topCategories: [cat('running', 0.4)] })), 'At risk · running');
  });

  test('without categories, the first two keywords; without either, the archetype alone', () => {
    assert.equal(segmentName('New', facts({ keywords: ['vintage', 'lunch', 'jumbo'] })), 'New · vintage & lunch');
    assert.equal(segmentName('New', facts({ keywords: ['vintage'] })), 'New · vintage');
    assert.equal(segmentName('New', facts()), 'New');
    // Categories take precedence over keywords.
    assert.equal(segmentName('New', facts({ topCategories: [cat('bags', 0.9)], keywords: ['vintage'] })), 'New · bags');
  });

  test('without an archetype (the run gives every segment the same one): the content alone', () => {
    assert.equal(segmentName(undefined, facts({ keywords: ['酒店', '房间', '服务'] })), '酒店 & 房间');
    assert.equal(segmentName(undefined, facts({ topCategories: [cat('running', 0.5), cat('fitness', 0.25)] })), 'running & fitness');
    assert.equal(segmentName(undefined, facts()), 'Customers');
  });
});

describe('segmentDescription', () => {
  test("size, share and the medians next to the population's, rounded, in en-GB digits", () => {
    const medians: BehaviourStats = {
      recencyDays: 12.4,
      frequency: 6,
      monetary: 1234.4,
      averageOrderValue: 205.7,
      tenureDays: 200,
      returnRate: 0.05,
      meanRating: null,
    };
    const text = segmentDescription('Champions', facts({ size: 1234, share: 0.1234, medians }), population);
    assert.equal(
      text,
      'Champions: 1,234 customers (12.3 %). Median last order 12 days ago (all: 100), 6 orders (all: 4), spend 1,234 (all: 400), average order 206.',
    );
  });

  test('missing figures read n/a; up to 3 categories and 6 keywords are listed', () => {
    const text = segmentDescription(
      'Regulars',
      facts({
        medians: { ...population, recencyDays: null },
        topCategories: [
          { category: 'bags', share: 0.5 },
          { category: 'cups', share: 0.304 },
          { category: 'toys', share: 0.1 },
          { category: 'lamps', share: 0.05 },
        ],
        keywords: ['a1a', 'b2b', 'c3c', 'd4d', 'e5e', 'f6f', 'g7g'],
      }),
      population,
    );
    assert.match(text, /Median last order n\/a days ago/);
    assert.match(text, / Spend mostly on bags \(50 %\), cups \(30 %\), toys \(10 %\)\. /);
    assert.ok(!text.includes('lamps'));
    assert.ok(text.endsWith(' Words: a1a, b2b, c3c, d4d, e5e, f6f.'), text);
  });

  test("returns are mentioned only when at least 15 % and at least twice the population's rate", () => {
    const describeWith = (rate: number | null, populationRate: number | null) =>
      segmentDescription('Regulars', facts({ medians: { ...population, returnRate: rate } }), { ...population, returnRate: populationRate });
    assert.match(describeWith(0.2, 0.05), /Returns or cancels often \(20 % of orders\)\./);
    assert.match(describeWith(0.15, null), /Returns or cancels often \(15 %/);
    assert.doesNotMatch(describeWith(0.14, 0), /Returns/); // under 15 %
    assert.doesNotMatch(describeWith(0.2, 0.12), /Returns/); // under twice the population's 12 %
    assert.doesNotMatch(describeWith(null, 0.05), /Returns/);
    // Nothing to say: no category or keyword sentence either.
    assert.doesNotMatch(describeWith(0.01, 0.05), /Spend mostly|Words:/);
  });
});

describe('uniqueNames', () => {
  test('names already unique are returned as they are, and the input is not changed', () => {
    const names = ['Champions · bags', 'Loyal · bags', 'New'];
    const copy = [...names];
    assert.deepEqual(uniqueNames(names, [['a'], ['b'], ['c']]), copy);
    assert.deepEqual(names, copy);
  });

  test('each of a shared name gets its first keyword that the others do not have among their top 3', () => {
    const names = uniqueNames(
      ['Regulars · bags', 'Regulars · bags', 'Loyal · cups'],
      // Member 1's 4th keyword (vintage) is not among its top 3, so member 0 may still use it.
      [['lunch', 'jumbo', 'vintage'], ['lunch', 'jumbo', 'party', 'vintage'], ['lunch']],
    );
    assert.deepEqual(names, ['Regulars · bags · vintage', 'Regulars · bags · party', 'Loyal · cups']);
  });

  test('a keyword already in the name is skipped', () => {
    assert.deepEqual(
      uniqueNames(
        ['Regulars · bags', 'Regulars · bags'],
        [
          ['bags', 'retro'],
          ['bags', 'vintage'],
        ],
      ),
      ['Regulars · bags · retro', 'Regulars · bags · vintage'],
    );
  });

  test('a keyword is given to one member only; who finds none keeps the name, numbered if it still repeats', () => {
    // Both would pick "shared" (beyond the other's top 3): the first takes it, the second has nothing left.
    assert.deepEqual(
      uniqueNames(
        ['A', 'A'],
        [
          ['x', 'y', 'z', 'shared'],
          ['x', 'y', 'z', 'shared'],
        ],
      ),
      ['A · shared', 'A'],
    );
    assert.deepEqual(uniqueNames(['A', 'A', 'A'], [['x'], [], []]), ['A · x', 'A', 'A (2)']);
    assert.deepEqual(uniqueNames(['A', 'A', 'A'], [[], [], []]), ['A', 'A (2)', 'A (3)']);
  });

  test('deterministic, and unique over a run of many repeated names', () => {
    const names = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 'Regulars · bags' : i % 3 === 1 ? 'Loyal · cups' : 'New'));
    // Every other segment has no keywords (numbered), the rest share "lunch" (not distinctive) and have one of their own.
    const keywords = names.map((_, i) => (i % 2 ? [] : ['lunch', `kw${i}`]));
    const first = uniqueNames(names, keywords);
    assert.deepEqual(
      uniqueNames(
        [...names],
        keywords.map((k) => [...k]),
      ),
      first,
    );
    assert.equal(new Set(first).size, names.length, first.join(' | '));
    first.forEach((n, i) => assert.ok(n.startsWith(names[i]!), `${n} keeps its base name ${names[i]}`));
  });

  test("a name made unique does not collide with another segment's name", () => {
    // "A" + keyword "x" becomes "A · x", which a third segment is already called.
    const names = uniqueNames(['A', 'A', 'A · x'], [['x'], ['y'], []]);
    assert.equal(new Set(names).size, 3, names.join(' | '));
  });
});
