// Stable segment identities, unit by unit: which new cluster continues which previous one. Matching is
// one-to-one and optimal (Hungarian on the similarities), and a pair below the threshold is no match.
// The run step that calls this (match-previous) is otherwise covered only by whole segmentation runs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../../src/demo/random.js';
import { cosine, matchByCentroids, matchByMembers } from '../../src/segments/identity.js';

/** A unit vector in the plane at `degrees`: the cosine of two of them is the cosine of their angle. */
const at = (degrees: number) => Float32Array.of(Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180));
const range = (from: number, to: number) => new Set(Array.from({ length: to - from }, (_, i) => from + i));
const cos = (degrees: number) => Math.cos((degrees * Math.PI) / 180);

describe('cosine', () => {
  test('is the cosine of the angle, blind to length, and 0 (not NaN) for a zero vector', () => {
    assert.ok(Math.abs(cosine(at(0), at(60)) - 0.5) < 1e-6);
    assert.ok(Math.abs(cosine(Float32Array.of(1, 2, 3), Float32Array.of(10, 20, 30)) - 1) < 1e-6);
    assert.ok(Math.abs(cosine(at(10), at(190)) + 1) < 1e-6);
    assert.equal(cosine(Float32Array.of(1, 0), Float32Array.of(0, 1)), 0);
    assert.equal(cosine(Float32Array.of(0, 0, 0), Float32Array.of(1, 2, 3)), 0);
    assert.equal(cosine(Float32Array.of(1, 2, 3), Float32Array.of(0, 0, 0)), 0);
  });
});

describe('matching by centroids', () => {
  test('identical clusters in another order keep their ids (each to its own previous segment)', () => {
    const previous = [at(0), at(90), at(180), at(270)];
    // Same centroids, shuffled and rescaled (a cluster's identity is its direction, not its length).
    const next = [at(180), at(0), at(270), at(90)].map((v) => v.map((x) => x * 3));
    const r = matchByCentroids(next, previous, 0.8);
    assert.equal(r.method, 'centroid-cosine');
    assert.deepEqual(r.previousOf, [2, 0, 3, 1]);
    for (const s of r.similarity) assert.ok(s !== null && Math.abs(s - 1) < 1e-6, `similarity ${s}`);
  });

  test('a drifted cluster keeps its id while above the threshold, and loses it below (at the threshold: kept)', () => {
    const drifted = matchByCentroids([at(30)], [at(0)], 0.8);
    assert.deepEqual(drifted.previousOf, [0]);
    assert.ok(Math.abs(drifted.similarity[0]! - cos(30)) < 1e-6);
    // The only candidate, but too far: a new segment, with no similarity reported.
    assert.deepEqual(matchByCentroids([at(40)], [at(0)], 0.8), { previousOf: [-1], similarity: [null], method: 'centroid-cosine' });
    // Threshold compared with >=: a pair exactly at it matches.
    const exact = cosine(at(25), at(0));
    assert.deepEqual(matchByCentroids([at(25)], [at(0)], exact).previousOf, [0]);
  });

  test('one-to-one and optimal over all pairs, not greedy: both new clusters keep an identity', () => {
    // next0 is nearest p0 (cos 20°) but also near p1 (cos 30°); next1 is near p0 only (cos 25°, p1 at cos 75°).
    // Greedy (next0 → p0) would leave next1 with p1 at 0.26 (new); the optimal assignment pairs both above 0.8.
    const r = matchByCentroids([at(20), at(-25)], [at(0), at(50)], 0.8);
    assert.deepEqual(r.previousOf, [1, 0]);
    assert.ok(Math.abs(r.similarity[0]! - cos(30)) < 1e-6 && Math.abs(r.similarity[1]! - cos(25)) < 1e-6, JSON.stringify(r.similarity));
  });

  test('a pair below the threshold is not spent: two pairs above it beat one better pair', () => {
    // Cosines n0·p0 0.80, n0·p1 0.79, n1·p0 0.99, n1·p1 0.80 (the rows of a Cholesky factor of that
    // Gram matrix). Maximising the raw total picks n1→p0 and n0→p1 (1.78), and n0→p1 then fails the
    // threshold: one identity kept. Above the threshold only, n0→p0 and n1→p1 (1.60) keep both.
    const v = (...x: number[]) => Float32Array.from(x);
    const r = matchByCentroids([v(1, 0, 0, 0), v(0.8, 0.6, 0, 0)], [v(0.8, 0.583333, 0.140436, 0), v(0.79, 0.28, 0.03323, 0.544422)], 0.795);
    assert.deepEqual(r.previousOf, [0, 1]);
  });

  test('a new cluster (more clusters than before) gets no previous segment; the rest keep theirs', () => {
    const r = matchByCentroids([at(0), at(135), at(90)], [at(0), at(90)], 0.8);
    assert.deepEqual(r.previousOf, [0, -1, 1]);
    assert.deepEqual(
      r.similarity.map((s) => (s === null ? null : Math.round(s * 1e6) / 1e6)),
      [1, null, 1],
    );
  });

  test('two new clusters close to the same previous one: only the closer continues it', () => {
    const r = matchByCentroids([at(10), at(3)], [at(0)], 0.8);
    assert.deepEqual(r.previousOf, [-1, 0]);
    assert.equal(r.similarity[0], null);
  });

  test('a vanished cluster (fewer clusters than before) leaves its previous segment unmatched', () => {
    const r = matchByCentroids([at(270), at(0)], [at(0), at(90), at(180), at(270)], 0.8);
    assert.deepEqual(r.previousOf, [3, 0]);
  });

  test('an empty previous run (or an empty new one) matches nothing and does not throw', () => {
    assert.deepEqual(matchByCentroids([at(0), at(90)], [], 0.8), { previousOf: [-1, -1], similarity: [null, null], method: 'centroid-cosine' });
    assert.deepEqual(matchByCentroids([], [at(0)], 0.8), { previousOf: [], similarity: [], method: 'centroid-cosine' });
    assert.deepEqual(matchByCentroids([], [], 0.8), { previousOf: [], similarity: [], method: 'centroid-cosine' });
  });

  test('with no threshold in the way, the total similarity is the best over every one-to-one pairing (brute force)', () => {
    const rng = mulberry32(11);
    const permutations = (n: number): number[][] =>
      n === 0 ? [[]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
    for (let trial = 0; trial < 20; trial++) {
      const n = 2 + (trial % 4);
      const m = 2 + ((trial >> 1) % 4); // rectangular both ways
      const vec = () => Float32Array.from({ length: 6 }, () => rng() * 2 - 1);
      const next = Array.from({ length: n }, vec);
      const previous = Array.from({ length: m }, vec);
      const r = matchByCentroids(next, previous, -1); // cosine ≥ -1 always: every assigned pair is kept
      const taken = r.previousOf.filter((j) => j >= 0);
      assert.equal(taken.length, Math.min(n, m), 'as many pairs as the smaller side');
      assert.equal(new Set(taken).size, taken.length, 'no previous segment used twice');
      const total = r.previousOf.reduce((s, j, i) => s + (j >= 0 ? cosine(next[i]!, previous[j]!) : 0), 0);
      // Brute force: pad the smaller side, try every permutation.
      const size = Math.max(n, m);
      let best = -Infinity;
      for (const p of permutations(size)) {
        let sum = 0;
        for (let i = 0; i < n; i++) if (p[i]! < m) sum += cosine(next[i]!, previous[p[i]!]!);
        best = Math.max(best, sum);
      }
      assert.ok(Math.abs(total - best) < 1e-9, `trial ${trial}: ${total} vs best ${best}`);
    }
  });
});

describe('matching by members (another model or vector: Jaccard overlap)', () => {
  test('the same members keep their ids, with Jaccard 1', () => {
    const r = matchByMembers([range(100, 200), range(0, 100)], [range(0, 100), range(100, 200)], 0.3);
    assert.equal(r.method, 'member-jaccard');
    assert.deepEqual(r.previousOf, [1, 0]);
    assert.deepEqual(r.similarity, [1, 1]);
  });

  test('the similarity is |A ∩ B| / |A ∪ B|', () => {
    // {1,2,3} vs {2,3,4}: 2 shared of 4 → 0.5; {1..10} vs {1..4}: 4 of 10 → 0.4.
    assert.deepEqual(matchByMembers([new Set([1, 2, 3])], [new Set([2, 3, 4])], 0.3).similarity, [0.5]);
    assert.deepEqual(matchByMembers([range(1, 11)], [range(1, 5)], 0.3).similarity, [0.4]);
    // Disjoint: 0, below the threshold.
    assert.deepEqual(matchByMembers([new Set([1])], [new Set([2])], 0.3).previousOf, [-1]);
  });

  test('a split: the larger part continues the old segment, the smaller is new', () => {
    // Old segment 0..99 splits 70/30: Jaccard 0.7 and 0.3 — both reach 0.3, but matching is one-to-one.
    const r = matchByMembers([range(70, 100), range(0, 70)], [range(0, 100)], 0.3);
    assert.deepEqual(r.previousOf, [-1, 0]);
    assert.deepEqual(r.similarity, [null, 0.7]);
  });

  test('a merge: the merged segment continues the larger of the two old ones; the other is not carried on', () => {
    const r = matchByMembers([range(0, 100)], [range(0, 40), range(40, 100)], 0.3);
    assert.deepEqual(r.previousOf, [1]);
    assert.deepEqual(r.similarity, [0.6]);
    // An even three-way merge: each old one overlaps a third (< 0.4 threshold), so the merged one is new.
    assert.deepEqual(matchByMembers([range(0, 90)], [range(0, 30), range(30, 60), range(60, 90)], 0.4).previousOf, [-1]);
  });

  test('empty member sets do not divide by zero, and an empty previous run matches nothing', () => {
    const r = matchByMembers([new Set<number>(), range(0, 5)], [new Set<number>(), range(0, 5)], 0.3);
    assert.deepEqual(r.previousOf, [-1, 1]);
    assert.ok(r.similarity.every((s) => s === null || Number.isFinite(s)));
    assert.deepEqual(matchByMembers([range(0, 5)], [], 0.3), { previousOf: [-1], similarity: [null], method: 'member-jaccard' });
  });
});
