// The learnt purchase propensity (src/value/propensity): its logistic regression equals scikit-learn's
// fit of the same objective, its scores equal scikit-learn's metrics, and on a real shop with real
// dropout (CDNOW, read in place) the model learnt from the shop's earlier cut-offs ranks next quarter's
// buyers better than recency or frequency alone and than BG/NBD, with calibrated probabilities. A shop
// with too little history says so instead of answering; nothing is NaN.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { seededRng } from '../../src/clustering/random.js';
import { BgNbd } from '../../src/value/bg-nbd.js';
import { chooseChurnModel } from '../../src/value/churn-model.js';
import { LogisticRegression } from '../../src/value/propensity/logistic-regression.js';
import { PropensityModel } from '../../src/value/propensity/propensity-model.js';
import { boughtWithin, epochDay, FEATURE_WORDS, purchaseFeatures, repeatHistoryAt, type PurchaseEvents } from '../../src/value/propensity/purchase-features.js';
import { calibrationError, decileRates, logLoss, rocAuc } from '../../src/value/propensity/scores.js';
import { readCdnow } from '../support/purchase-events.js';
import { pythonReference } from '../support/python.js';

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

test("logistic regression: scikit-learn's coefficients to 1e-5 (C = 1 and C = 0.05), and its probabilities", () => {
  const rng = seededRng(5);
  const truth = [1.5, -2, 0.5, 0, 0.8];
  const rows = Array.from({ length: 800 }, () => Float64Array.from(truth, (_, j) => gaussian(rng) * (j + 1) * 0.5));
  const labels = rows.map((r) => (rng() < 1 / (1 + Math.exp(-(0.3 + r.reduce((s, x, j) => s + x * truth[j]!, 0)))) ? 1 : 0));
  for (const c of [1, 0.05]) {
    const ours = LogisticRegression.fit(rows, labels, { c });
    assert.ok(ours.state.converged, `Newton converged (${ours.state.iterations} steps)`);
    const ref = pythonReference<{ coef: number[]; intercept: number; p: number[] }>('propensity-reference.py', {
      train: { X: rows.map((r) => Array.from(r)), y: labels },
      test: { X: rows.slice(0, 50).map((r) => Array.from(r)) },
      C: c,
    });
    ours.state.coef.forEach((w, j) => assert.ok(Math.abs(w - ref.coef[j]!) < 1e-5, `C ${c}, w${j}: ours ${w}, scikit-learn ${ref.coef[j]}`));
    assert.ok(Math.abs(ours.state.intercept - ref.intercept) < 1e-5, `intercept ${ours.state.intercept} vs ${ref.intercept}`);
    rows.slice(0, 50).forEach((r, i) => assert.ok(Math.abs(ours.probability(r) - ref.p[i]!) < 1e-5, `p ${ours.probability(r)} vs ${ref.p[i]}`));
  }
});

test("ROC-AUC (with ties) and log loss equal scikit-learn's; calibration error and deciles read as defined", () => {
  const rng = seededRng(9);
  const y = Array.from({ length: 500 }, () => (rng() < 0.4 ? 1 : 0));
  // Rounded scores: many ties, the case a hand-written AUC gets wrong.
  const p = y.map((v) => Math.round(Math.min(0.99, Math.max(0.01, 0.35 + 0.2 * v + 0.25 * gaussian(rng))) * 20) / 20);
  const ref = pythonReference<{ auc: number; logLoss: number }>('propensity-reference.py', { scores: { p, y } });
  assert.ok(Math.abs(rocAuc(p, y) - ref.auc) < 1e-12, `AUC ${rocAuc(p, y)} vs ${ref.auc}`);
  assert.ok(Math.abs(logLoss(p, y) - ref.logLoss) < 1e-12, `log loss ${logLoss(p, y)} vs ${ref.logLoss}`);
  // Perfectly calibrated by construction: each bin's outcome rate is its probability.
  // Bin b holds 100 customers told b/10 + 0.05, of whom 10·b + 5 buy.
  const calibrated = Array.from({ length: 1000 }, (_, i) => Math.floor(i / 100) / 10 + 0.05);
  const outcomes = calibrated.map((_, i) => (i % 100 < 10 * Math.floor(i / 100) + 5 ? 1 : 0));
  assert.ok(calibrationError(calibrated, outcomes) < 1e-12, `ECE ${calibrationError(calibrated, outcomes)}`);
  assert.ok(
    Math.abs(
      calibrationError(
        calibrated,
        calibrated.map(() => 1),
      ) - 0.5,
    ) < 1e-12,
  ); // told 50 % on average, all bought
  assert.deepEqual(decileRates([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]), [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]);
});

test('features as of a cut-off see only purchases before it', () => {
  const day = epochDay(Date.UTC(2020, 0, 1));
  const e: PurchaseEvents = { customerId: 1, days: Int32Array.from([day, day + 10, day + 40, day + 100]), spend: Float64Array.from([5, 10, 20, 1000]) };
  const row = purchaseFeatures(e, day + 50, 90)!;
  const near = (value: number, expected: number) => assert.ok(Math.abs(Math.expm1(value) - expected) < 1e-9, `${Math.expm1(value)} vs ${expected}`);
  near(row[0]!, 3); // purchase days
  near(row[1]!, 10); // days since the last (day + 40)
  near(row[3]!, 35); // spend: the 1,000 after the cut-off unseen
  near(row[4]!, 20); // mean gap (40 / 2)
  assert.equal(purchaseFeatures(e, day, 90), null);
  assert.equal(boughtWithin(e, day + 50, 50), false);
  assert.equal(boughtWithin(e, day + 50, 51), true);
  assert.equal(Object.keys(FEATURE_WORDS).length, row.length);
});

test('a shop with too little history says why and predicts nothing; a shop with one window serves unvalidated', () => {
  const start = epochDay(Date.UTC(2024, 0, 1));
  const rng = seededRng(3);
  const shopOf = (days: number): PurchaseEvents[] =>
    Array.from({ length: 300 }, (_, i) => {
      const set = new Set<number>();
      for (let t = Math.floor(rng() * 20); t < days; t += 5 + Math.floor(rng() * (i % 2 ? 120 : 30))) set.add(start + t);
      const list = [...set].sort((a, b) => a - b);
      return { customerId: i, days: Int32Array.from(list), spend: Float64Array.from(list, () => 10 + rng() * 50) };
    });
  const short = PropensityModel.fit(shopOf(100), start + 100, { horizonDays: 90 });
  assert.equal(short.state.status, 'INSUFFICIENT_DATA');
  assert.match(short.state.reason!, /Not enough history/);
  assert.equal(short.predict(shopOf(100)[0]!), null);
  // The choice falls back with the learnt model's reason: to BG/NBD when it is fitted, else to nothing.
  const none = chooseChurnModel(shopOf(100), start + 100, undefined, { fitted: false, penalizer: 0, variant: 'BG' });
  assert.equal(none.serving, null);
  assert.match(none.why, /Not enough history/);
  const fallback = chooseChurnModel(shopOf(100), start + 100, undefined, { fitted: true, penalizer: 0, variant: 'BG' });
  assert.equal(fallback.serving, 'BG_NBD');
  assert.match(fallback.why, /not validated \(Not enough history/);
  const young = shopOf(200);
  const once = PropensityModel.fit(young, start + 200, { horizonDays: 90 });
  assert.equal(once.state.status, 'FITTED');
  assert.equal(once.state.validation, null);
  assert.match(once.state.reason!, /served unvalidated/);
  for (const e of young) {
    const p = once.predict(e);
    if (!p) continue;
    assert.ok(Number.isFinite(p.probability) && p.probability > 0 && p.probability < 1);
    for (const r of p.reasons) assert.equal(r.effect, r.contribution >= 0 ? 'raises' : 'lowers');
  }
});

let cdnow: PurchaseEvents[];
before(async () => {
  cdnow = await readCdnow();
});

test('CDNOW (real dropout): learnt from the shop’s own past, it ranks next quarter’s buyers above recency, frequency and BG/NBD, calibrated', () => {
  const asOf = epochDay(Date.UTC(1997, 9, 1));
  const horizon = 91;
  const model = PropensityModel.fit(cdnow, asOf, { horizonDays: horizon });
  assert.equal(model.state.status, 'FITTED', model.state.reason ?? '');
  assert.ok(model.state.validation && model.state.validation.auc > 0.7, JSON.stringify(model.state.validation));
  const y = cdnow.map((e) => (boughtWithin(e, asOf, horizon) ? 1 : 0));
  const p = cdnow.map((e) => model.predict(e)!.probability);
  const rows = cdnow.map((e) => purchaseFeatures(e, asOf, horizon)!);
  const auc = rocAuc(p, y);
  const recency = rocAuc(
    rows.map((r) => -r[1]!),
    y,
  );
  const frequency = rocAuc(
    rows.map((r) => r[0]!),
    y,
  );
  const histories = cdnow.map((e) => repeatHistoryAt(e, asOf)!);
  const bg = BgNbd.fit(histories).model;
  const bgAuc = rocAuc(
    histories.map((h) => bg.purchaseProbability(horizon, h)),
    y,
  );
  assert.ok(auc >= 0.76, `AUC ${auc.toFixed(3)}`);
  assert.ok(
    auc > recency && auc > frequency && auc > bgAuc,
    `ours ${auc.toFixed(3)}, recency ${recency.toFixed(3)}, frequency ${frequency.toFixed(3)}, BG/NBD ${bgAuc.toFixed(3)}`,
  );
  assert.ok(calibrationError(p, y) <= 0.05, `ECE ${calibrationError(p, y).toFixed(3)}`);
  const deciles = decileRates(p, y);
  assert.ok(deciles[9]! <= deciles[0]! / 3, `bottom decile buys at ${deciles[9]!.toFixed(3)}, top at ${deciles[0]!.toFixed(3)}`);
});
