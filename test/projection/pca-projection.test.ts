// The map's PCA against ml-pca's own full fit (SVD of the data): the hand-accumulated covariance must
// give the same axes, variance shares and coordinates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PCA } from 'ml-pca';
import { fitProjection, project, projectOne } from '../../src/projection/pca-projection.js';
import { mulberry32 } from '../../src/shared/seeded-random.js';

test('fitProjection matches ml-pca (SVD) on correlated data; every row projects as ml-pca predicts', () => {
  const random = mulberry32(7);
  const rows = 400;
  const dim = 12;
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const a = random() * 4 - 2;
    const b = random() - 0.5;
    for (let j = 0; j < dim; j++) data[r * dim + j] = a * (j % 3) + b * (j % 2 ? 1 : -1) + (random() - 0.5) * 0.1 + j;
  }
  const x = { rows, dim, data };
  const projection = fitProjection(x, { sampleSize: rows });
  const table = Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * dim, (r + 1) * dim)));
  const reference = new PCA(table, { method: 'SVD', center: true, scale: false });
  const explained = reference.getExplainedVariance();
  assert.ok(Math.abs(projection.explainedVariance[0] - explained[0]!) < 1e-6);
  assert.ok(Math.abs(projection.explainedVariance[1] - explained[1]!) < 1e-6);
  const predicted = reference.predict(table, { nComponents: 2 });
  const xy = project(x, projection);
  for (const c of [0, 1]) {
    // Same axis up to sign.
    const sign = Math.sign(xy[c]!) === Math.sign(predicted.get(0, c)) ? 1 : -1;
    for (let r = 0; r < rows; r++) assert.ok(Math.abs(xy[2 * r + c]! - sign * predicted.get(r, c)) < 1e-3, `row ${r} axis ${c}`);
  }
  assert.deepEqual(projectOne(data.subarray(5 * dim, 6 * dim), projection), [xy[10], xy[11]]);
  assert.deepEqual(fitProjection(x, { sampleSize: rows }).axes, projection.axes, 'deterministic, sign included');
});

test("with the run's labels the axes follow the segments' means, not the widest noise", () => {
  // Three segments apart along dims 0 and 1 (by 1); dims 2–9 hold wide noise (spread 6) that plain
  // PCA takes for its axes.
  const random = mulberry32(11);
  const rows = 600;
  const dim = 10;
  const data = new Float32Array(rows * dim);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = r % 3;
    labels[r] = c;
    data[r * dim] = c === 1 ? 1 : 0;
    data[r * dim + 1] = c === 2 ? 1 : 0;
    for (let j = 2; j < dim; j++) data[r * dim + j] = (random() - 0.5) * 6;
  }
  const x = { rows, dim, data };
  const betweenShare = (projection: ReturnType<typeof fitProjection>) => {
    const xy = project(x, projection);
    const mean = [0, 0];
    const centres = [0, 1, 2].map(() => [0, 0, 0]);
    for (let r = 0; r < rows; r++)
      for (const a of [0, 1]) {
        mean[a] = mean[a]! + xy[2 * r + a]! / rows;
        centres[labels[r]!]![a] = centres[labels[r]!]![a]! + xy[2 * r + a]! / (rows / 3);
      }
    let total = 0;
    let between = 0;
    for (let r = 0; r < rows; r++)
      for (const a of [0, 1]) {
        total += (xy[2 * r + a]! - mean[a]!) ** 2;
        between += (centres[labels[r]!]![a]! - mean[a]!) ** 2;
      }
    return between / total;
  };
  const plain = betweenShare(fitProjection(x, { sampleSize: rows }));
  const labelled = betweenShare(fitProjection(x, { sampleSize: rows, labels }));
  assert.ok(plain < 0.1, `plain PCA: ${plain}`);
  // The noise's share of a sample mean (~0.12 per segment and noise dimension) tilts the axes a little.
  assert.ok(labelled > 0.4 && labelled > 4 * plain, `segments' means: ${labelled}, plain ${plain}`);
});
