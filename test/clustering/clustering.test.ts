// Pure clustering code against references: ml-kmeans (the library this replaces), scikit-learn and
// scipy (spectral clustering, eigenvalues), brute force, and the textbook formulas written out naively.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kmeans as mlKMeans } from 'ml-kmeans';
import { cluster } from '../../src/clustering/choose-k.js';
import { minimumCostAssignment } from '../../src/clustering/hungarian.js';
import { rowNorms } from '../../src/clustering/kernels.js';
import { kmeans } from '../../src/clustering/kmeans.js';
import { adjustedRandIndex, centroidMetrics, DistanceMatrix, silhouette } from '../../src/clustering/metrics.js';
import { miniBatchKMeans } from '../../src/clustering/minibatch-kmeans.js';
import { createOnnxKernels } from '../../src/clustering/onnx-kernels.js';
import { GRAPH_REGULARISATION, knnGraph, lanczosLargest, NEIGHBOURS, spectralEmbedding, symmetricEigen } from '../../src/clustering/spectral.js';
import { typescriptKernels } from '../../src/clustering/typescript-kernels.js';
import { mulberry32 } from '../../src/demo/random.js';
import { blobs } from '../support/blobs.js';
import { pythonReference } from '../support/python.js';

const toRows = (x: { rows: number; dim: number; data: Float32Array }) =>
  Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.dim, (i + 1) * x.dim)));

test('k-means finds planted blobs, reproducibly, and matches or beats ml-kmeans on inertia', async () => {
  for (const [k, dim, seed] of [
    [4, 8, 1],
    [7, 32, 2],
    [12, 16, 3],
  ] as const) {
    const { x, truth } = blobs(1200, k, dim, seed, 1.2, 2);
    const ours = await kmeans(x, { k, seed: 5, nInit: 4 });
    assert.deepEqual(Array.from((await kmeans(x, { k, seed: 5, nInit: 4 })).labels), Array.from(ours.labels), 'same seed, same result');
    const reference = Math.min(
      ...[1, 2, 3, 4].map((s) => {
        const r = mlKMeans(toRows(x), k, { initialization: 'kmeans++', seed: s, maxIterations: 300 });
        return toRows(x).reduce((sum, p, i) => sum + p.reduce((d, v, j) => d + (v - r.centroids[r.clusters[i]!]![j]!) ** 2, 0), 0);
      }),
    );
    assert.ok(ours.inertia <= reference * 1.01, `k=${k}: inertia ${ours.inertia} vs ml-kmeans ${reference}`);
    assert.ok(adjustedRandIndex(ours.labels, truth) > 0.95, `k=${k}: ARI ${adjustedRandIndex(ours.labels, truth)}`);
  }
});

test('ONNX kernels (onnxruntime GEMM) agree with the TypeScript reference at the real dimension', async () => {
  const onnx = await createOnnxKernels();
  const { x, truth } = blobs(3000, 12, 527, 21, 1.5, 3);
  const norms = rowNorms(x);
  const centroids = x.data.slice(0, 12 * 527);
  const [a, b] = [typescriptKernels, onnx].map(() => ({ labels: new Int32Array(x.rows).fill(-1), distances: new Float64Array(x.rows) }));
  await typescriptKernels.assign(x, centroids, a!.labels, a!.distances, norms);
  await onnx.assign(x, centroids, b!.labels, b!.distances, norms);
  assert.deepEqual(Array.from(b!.labels), Array.from(a!.labels));
  // float32 GEMM: ‖x‖² − 2x·c + ‖c‖² is exact to a few float32 ulps of the norms, not of the distance.
  const scale = (i: number) => 1e-5 * (norms[i]! + Math.max(...norms.subarray(0, 12)));
  for (let i = 0; i < x.rows; i++) assert.ok(Math.abs(a!.distances[i]! - b!.distances[i]!) <= scale(i), `row ${i}: ${a!.distances[i]} vs ${b!.distances[i]}`);
  const points = x.data.slice(5 * 527, 9 * 527);
  const [da, db] = [await typescriptKernels.toPoints(x, points, norms), await onnx.toPoints(x, points, norms)];
  for (let i = 0; i < da.length; i++)
    assert.ok(Math.abs(da[i]! - db[i]!) <= 1e-5 * (norms[Math.floor(i / 4)]! + Math.max(...norms.subarray(5, 9))), `entry ${i}: ${da[i]} vs ${db[i]}`);
  // Whole k-means runs: the same clustering and inertia, whichever kernels did the distance work.
  const [ra, rb] = [await kmeans(x, { k: 12, seed: 3, nInit: 2, kernels: typescriptKernels }), await kmeans(x, { k: 12, seed: 3, nInit: 2, kernels: onnx })];
  assert.ok(adjustedRandIndex(ra.labels, rb.labels) > 0.999);
  assert.ok(Math.abs(ra.inertia - rb.inertia) / ra.inertia < 1e-4, `${ra.inertia} vs ${rb.inertia}`);
  assert.ok(adjustedRandIndex(rb.labels, truth) > 0.95);
});

test('automatic k recovers the number of blobs; a forced k is obeyed', async () => {
  const { x, truth } = blobs(900, 6, 10, 7);
  const auto = await cluster(x, { seed: 1, kRange: [2, 10], nInit: 2 });
  assert.equal(auto.chosenK, 6);
  assert.equal(auto.tried.length, 9);
  assert.equal(adjustedRandIndex(auto.result.labels, truth), 1);
  assert.equal((await cluster(x, { seed: 1, k: 4, nInit: 2 })).chosenK, 4);
});

test('k rule: the default range starts at 4 (shrinking for tiny inputs); k that leaves a segment under the minimum share is passed over', async () => {
  const { x } = blobs(900, 6, 10, 7);
  const auto = await cluster(x, { seed: 1, nInit: 2 });
  assert.equal(auto.chosenK, 6);
  assert.deepEqual([auto.tried[0]!.k, auto.tried.at(-1)!.k], [4, 16]);
  assert.match(auto.rule, /smallest segment holds ≥ 1\.0 %/);
  const tiny = blobs(4, 2, 3, 1).x;
  assert.equal((await cluster(tiny, { seed: 1, nInit: 1 })).tried[0]!.k, 3);
  // Six blobs of 150 rows (16.7 % each): a minimum share of 20 % rules k = 6 out. (k-means here: at
  // k = 2 and 3 it groups whole blobs evenly, while the regularised spectral embedding's second
  // eigenvector may set one blob apart — 1 : 5, under the share at every k — and then, every k being
  // passed over, the best is kept.)
  const strict = await cluster(x, { seed: 1, kRange: [2, 10], nInit: 2, minSegmentShare: 0.2, algorithm: 'kmeans' });
  assert.ok(strict.chosenK < 6, `k = ${strict.chosenK}`);
  assert.ok(strict.tried.find((t) => t.k === strict.chosenK)!.smallestShare! >= 0.2);
  assert.ok(strict.tried.find((t) => t.k === 6)!.silhouette > strict.tried.find((t) => t.k === strict.chosenK)!.silhouette, 'k = 6 still scores best');
});

test('mini-batch k-means stays within 3 % of full k-means inertia', async () => {
  const { x } = blobs(20_000, 10, 16, 11, 0.8, 2);
  const full = await kmeans(x, { k: 10, seed: 1, nInit: 2 });
  const mini = await miniBatchKMeans(x, { k: 10, seed: 1 });
  assert.ok(mini.inertia <= full.inertia * 1.03, `mini-batch ${mini.inertia} vs full ${full.inertia}`);
});

test('silhouette, Davies–Bouldin, Calinski–Harabasz equal their definitions computed naively', async () => {
  const { x } = blobs(150, 3, 4, 13, 1.5, 1);
  const rng = mulberry32(3);
  const labels = Array.from({ length: x.rows }, () => Math.floor(rng() * 3));
  labels[0] = 0;
  labels[1] = 1;
  labels[2] = 2;
  const rows = toRows(x);
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, j) => s + (v - b[j]!) ** 2, 0));
  const members = [0, 1, 2].map((c) => rows.filter((_, i) => labels[i] === c));
  const sil = rows.map((p, i) => {
    const own = members[labels[i]!]!;
    if (own.length === 1) return 0;
    const a = own.reduce((s, q) => s + dist(p, q), 0) / (own.length - 1);
    const b = Math.min(...[0, 1, 2].filter((c) => c !== labels[i]).map((c) => members[c]!.reduce((s, q) => s + dist(p, q), 0) / members[c]!.length));
    return (b - a) / Math.max(a, b);
  });
  const expectedSilhouette = sil.reduce((s, v) => s + v, 0) / sil.length;
  assert.ok(Math.abs(silhouette(await DistanceMatrix.of(x, typescriptKernels), labels, 3) - expectedSilhouette) < 1e-6);
  assert.ok(Math.abs(silhouette(await DistanceMatrix.of(x, await createOnnxKernels()), labels, 3) - expectedSilhouette) < 1e-4, 'float32 GEMM');

  const centre = (m: number[][]) => m[0]!.map((_, j) => m.reduce((s, p) => s + p[j]!, 0) / m.length);
  const centres = members.map(centre);
  const mean = centre(rows);
  const scatter = members.map((m, c) => m.reduce((s, p) => s + dist(p, centres[c]!), 0) / m.length);
  const db =
    [0, 1, 2].reduce((s, a) => s + Math.max(...[0, 1, 2].filter((b) => b !== a).map((b) => (scatter[a]! + scatter[b]!) / dist(centres[a]!, centres[b]!))), 0) /
    3;
  const within = rows.reduce((s, p, i) => s + dist(p, centres[labels[i]!]!) ** 2, 0);
  const between = members.reduce((s, m, c) => s + m.length * dist(centres[c]!, mean) ** 2, 0);
  const metrics = centroidMetrics(x, labels, 3);
  assert.ok(Math.abs(metrics.daviesBouldin - db) / db < 1e-9);
  assert.ok(Math.abs(metrics.calinskiHarabasz - between / 2 / (within / (rows.length - 3))) / metrics.calinskiHarabasz < 1e-9);
  assert.ok(Math.abs(metrics.inertia - within) / within < 1e-9);
});

test('optimal assignment equals brute force, square and rectangular', () => {
  const rng = mulberry32(9);
  const permutations = (n: number, m: number): number[][] => {
    if (n === 0) return [[]];
    const out: number[][] = [];
    for (const rest of permutations(n - 1, m)) for (let j = 0; j < m; j++) if (!rest.includes(j)) out.push([...rest, j]);
    return out;
  };
  for (const [n, m] of [
    [5, 5],
    [3, 6],
    [4, 4],
  ] as const) {
    for (let trial = 0; trial < 20; trial++) {
      const cost = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.round(rng() * 100)));
      const best = Math.min(...permutations(n, m).map((p) => p.reduce((s, j, i) => s + cost[i]![j]!, 0)));
      const assignment = minimumCostAssignment(cost);
      assert.equal(new Set(assignment).size, n);
      assert.equal(
        assignment.reduce((s, j, i) => s + cost[i]![j]!, 0),
        best,
      );
    }
  }
  const wide = minimumCostAssignment([
    [1, 2],
    [2, 1],
    [0, 0],
  ]);
  assert.equal(wide.filter((j) => j === -1).length, 1, 'more rows than columns: one row unmatched');
});

test('adjusted Rand index: 1 for the same partition under other names, about 0 for chance', () => {
  assert.equal(adjustedRandIndex([0, 0, 1, 1, 2, 2], ['b', 'b', 'a', 'a', 'c', 'c']), 1);
  const rng = mulberry32(4);
  const a = Array.from({ length: 5000 }, () => Math.floor(rng() * 5));
  const b = Array.from({ length: 5000 }, () => Math.floor(rng() * 5));
  assert.ok(Math.abs(adjustedRandIndex(a, b)) < 0.01);
});

/**
 * One wide group and two tight ones close to each other: k-means' lowest inertia splits the wide group
 * and merges the tight pair (the hard shop's failure in miniature); neighbourhoods keep them apart.
 */
function wideAndTight(seed: number): { x: { rows: number; dim: number; data: Float32Array }; truth: number[] } {
  const rng = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const groups = [
    { n: 600, at: [0, 0], spread: 1 },
    { n: 150, at: [5, 0], spread: 0.1 },
    { n: 150, at: [5, 0.8], spread: 0.1 },
  ];
  const data: number[] = [];
  const truth: number[] = [];
  groups.forEach((g, label) => {
    for (let i = 0; i < g.n; i++) {
      data.push(g.at[0]! + g.spread * gaussian(), g.at[1]! + g.spread * gaussian());
      truth.push(label);
    }
  });
  return { x: { rows: truth.length, dim: 2, data: Float32Array.from(data) }, truth };
}

test("spectral clustering follows neighbourhoods where k-means cannot, as scikit-learn does; its eigenvalues are scipy's", async () => {
  const { x, truth } = wideAndTight(4);
  const reference = pythonReference<{ labels: number[]; eigenvalues: number[]; regularised: number[] }>('spectral-check.py', {
    points: toRows(x),
    k: 3,
    neighbours: NEIGHBOURS,
    eigenvalues: 6,
    regularisation: GRAPH_REGULARISATION,
  });
  const spectral = await cluster(x, { seed: 1, k: 3, algorithm: 'spectral' });
  const kmeansOnly = await cluster(x, { seed: 1, k: 3, algorithm: 'kmeans' });
  assert.equal(spectral.algorithm, 'spectral');
  assert.equal(spectral.ruleK, 3);
  assert.equal(spectral.chosenK, spectral.result.k);
  assert.ok(adjustedRandIndex(spectral.result.labels, truth) > 0.95, `spectral ARI ${adjustedRandIndex(spectral.result.labels, truth)}`);
  assert.ok(adjustedRandIndex(kmeansOnly.result.labels, truth) < 0.75, `k-means ARI ${adjustedRandIndex(kmeansOnly.result.labels, truth)}`);
  assert.ok(
    adjustedRandIndex(spectral.result.labels, reference.labels) > 0.95,
    `against scikit-learn ${adjustedRandIndex(spectral.result.labels, reference.labels)}`,
  );
  const graph = await knnGraph(x, NEIGHBOURS, typescriptKernels);
  const embedding = spectralEmbedding(graph, 6, 3, 0);
  reference.eigenvalues.forEach((v, i) => assert.ok(Math.abs(embedding.values[i]! - v) < 1e-6, `eigenvalue ${i}: ${embedding.values[i]} vs ${v}`));
  // The regularised graph the product uses (A + τ/n · 11ᵀ), against a dense eigen-decomposition.
  const regularised = spectralEmbedding(graph, 6, 3);
  reference.regularised.forEach((v, i) =>
    assert.ok(Math.abs(regularised.values[i]! - v) < 1e-6, `regularised eigenvalue ${i}: ${regularised.values[i]} vs ${v}`),
  );
  // Every row sits with its nearest stored centre: what later customers are assigned by.
  const k = spectral.chosenK;
  for (let i = 0; i < x.rows; i++) {
    const d = Array.from(
      { length: k },
      (_, c) => (x.data[2 * i]! - spectral.result.centroids[2 * c]!) ** 2 + (x.data[2 * i + 1]! - spectral.result.centroids[2 * c + 1]!) ** 2,
    );
    assert.equal(spectral.result.labels[i], d.indexOf(Math.min(...d)));
  }
});

test('symmetric eigen-decomposition and Lanczos agree with the definition', () => {
  const rng = mulberry32(8);
  const n = 40;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng() - 0.5;
  const { values, vectors } = symmetricEigen(a, n);
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[j * n + e]!;
      assert.ok(Math.abs(av - values[e]! * vectors[i * n + e]!) < 1e-9);
    }
  }
  const top = lanczosLargest(
    (v, out) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j]! * v[j]!;
        out[i] = s;
      }
    },
    n,
    5,
    1,
  );
  const sorted = Array.from(values).sort((p, q) => q - p);
  for (let e = 0; e < 5; e++) assert.ok(Math.abs(top.values[e]! - sorted[e]!) < 1e-9, `${top.values[e]} vs ${sorted[e]}`);
});
