// Purchase forecasts chosen per shop (src/value/forecast-model.ts): the learnt count model's Poisson
// regression equals scikit-learn's and its medians scipy's; on CDNOW (real dropout, read in place) all
// three candidates are scored on the last window before the cut-off, the lowest error serves, and the
// served forecast beats the rule of thumb on the quarter after; a shop too young to hold a window out
// says so and falls back; whichever model serves, the value model's numbers follow it, never NaN.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { seededRng } from '../../src/clustering/random.js';
import { BgNbd } from '../../src/value/bg-nbd.js';
import { chooseForecastModel, ruleOfThumb } from '../../src/value/forecast-model.js';
import { PoissonRegression, poissonMedian } from '../../src/value/propensity/poisson-regression.js';
import { PurchaseCountModel } from '../../src/value/propensity/purchase-count-model.js';
import { epochDay, purchaseDaysWithin, repeatHistoryAt, type PurchaseEvents } from '../../src/value/propensity/purchase-features.js';
import { ValueModel } from '../../src/value/value-model.js';
import { readCdnow } from '../support/purchase-events.js';
import { pythonReference } from '../support/python.js';

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Poisson draws by inversion (small means). */
function poissonDraw(rng: () => number, mean: number): number {
  let k = 0;
  let term = Math.exp(-mean);
  let cdf = term;
  const u = rng();
  while (u > cdf && k < 1000) {
    k++;
    term *= mean / k;
    cdf += term;
  }
  return k;
}

test("Poisson regression: scikit-learn's coefficients to 1e-5 (alpha 1e-4 and 0.1) and means; medians equal scipy's", () => {
  const rng = seededRng(7);
  const truth = [0.6, -0.4, 0.2, 0, 0.3];
  const rows = Array.from({ length: 1000 }, () => Float64Array.from(truth, () => gaussian(rng)));
  const counts = rows.map((r) => poissonDraw(rng, Math.exp(-0.2 + r.reduce((s, x, j) => s + x * truth[j]!, 0))));
  for (const alpha of [1e-4, 0.1]) {
    const ours = PoissonRegression.fit(rows, counts, { alpha });
    assert.ok(ours.state.converged, `Newton converged (${ours.state.iterations} steps)`);
    const ref = pythonReference<{ poisson: { coef: number[]; intercept: number; mean: number[] } }>('propensity-reference.py', {
      poisson: { X: rows.map((r) => Array.from(r)), y: counts, alpha },
    }).poisson;
    ours.state.coef.forEach((w, j) => assert.ok(Math.abs(w - ref.coef[j]!) < 1e-5, `alpha ${alpha}, w${j}: ours ${w}, scikit-learn ${ref.coef[j]}`));
    assert.ok(Math.abs(ours.state.intercept - ref.intercept) < 1e-5, `intercept ${ours.state.intercept} vs ${ref.intercept}`);
    rows.slice(0, 50).forEach((r, i) => assert.ok(Math.abs(ours.mean(r) - ref.mean[i]!) < 1e-5, `mean ${ours.mean(r)} vs ${ref.mean[i]}`));
  }
  const means = [0, 0.01, 0.5, 0.69, 0.7, 1, 1.68, 2.5, 7.3, 40, 900];
  const ref = pythonReference<{ poissonMedians: number[] }>('propensity-reference.py', { poissonMedians: means.filter((m) => m > 0) }).poissonMedians;
  assert.deepEqual(
    means.filter((m) => m > 0).map(poissonMedian),
    ref.map((m) => Math.round(m)),
  );
  assert.equal(poissonMedian(0), 0);
});

let cdnow: PurchaseEvents[];
before(async () => {
  cdnow = await readCdnow();
});

test('CDNOW: three forecasts scored on the last window before the cut-off, the lowest error serves, and it beats the rule of thumb on the next quarter', () => {
  const asOf = epochDay(Date.UTC(1997, 9, 1));
  const choice = chooseForecastModel(cdnow, asOf, { fitted: true, penalizer: 0, variant: 'BG' });
  assert.deepEqual(choice.scores.map((s) => s.kind).sort(), ['BG_NBD', 'LEARNT', 'RATE']);
  for (const s of choice.scores) assert.ok(Number.isFinite(s.mae) && s.mae > 0, JSON.stringify(s));
  const best = choice.scores.reduce((a, b) => (b.mae < a.mae ? b : a));
  assert.equal(choice.serving, best.kind);
  assert.match(choice.why, /Lowest mean absolute error .* rule of thumb/);
  assert.ok(choice.customers > 10_000, String(choice.customers));
  // Both models forecast the window better than the rule of thumb.
  const rate = choice.scores.find((s) => s.kind === 'RATE')!.mae;
  for (const kind of ['BG_NBD', 'LEARNT'] as const) assert.ok(choice.scores.find((s) => s.kind === kind)!.mae < rate, JSON.stringify(choice.scores));

  // The quarter after the cut-off, which nothing above saw.
  const h = 90;
  const seen = cdnow.filter((e) => e.days.length > 0 && e.days[0]! < asOf);
  const actual = seen.map((e) => purchaseDaysWithin(e, asOf, h));
  const histories = seen.map((e) => ({ customerId: e.customerId, ...repeatHistoryAt(e, asOf)! }));
  const mae = (f: (i: number) => number) => actual.reduce((s, a, i) => s + Math.abs(f(i) - a), 0) / actual.length;
  const learnt = new PurchaseCountModel(choice.learnt);
  const bg = BgNbd.fit(histories).model;
  const served =
    choice.serving === 'LEARNT'
      ? mae((i) => poissonMedian(learnt.expected(seen[i]!)!))
      : choice.serving === 'BG_NBD'
        ? mae((i) => bg.medianPurchases(h, histories[i]!))
        : mae((i) => ruleOfThumb(histories[i]!, h));
  const ruleOf = mae((i) => ruleOfThumb(histories[i]!, h));
  assert.ok(served < 0.8 * ruleOf, `served ${choice.serving} ${served.toFixed(3)} vs rule of thumb ${ruleOf.toFixed(3)}`);
});

test('whichever model serves, the value model follows it: a steady rate over any horizon, finite CLV; a young shop falls back with a reason', () => {
  const asOf = epochDay(Date.UTC(1997, 9, 1));
  const seen = cdnow.filter((e) => e.days.length > 0 && e.days[0]! < asOf);
  const customers = seen.map((e) => {
    const h = repeatHistoryAt(e, asOf)!;
    const repeatSpend = Array.from(e.spend.subarray(1, h.frequency + 1));
    return { customerId: e.customerId, ...h, monetary: repeatSpend.length ? repeatSpend.reduce((a, b) => a + b, 0) / repeatSpend.length : 0 };
  });
  const fitted = ValueModel.fit({ customers, asOf: new Date(asOf * 86_400_000), firstDay: new Date(Date.UTC(1997, 0, 1)), futureOrders: 0 }, cdnow);
  const forecast = fitted.state.forecast!;
  assert.ok(forecast, 'the run records its forecast choice');
  const c = customers.find((x) => x.frequency >= 3 && x.monetary > 0)!;
  const events = seen.find((e) => e.customerId === c.customerId)!;

  const learnt = ValueModel.fromState({ ...fitted.state, forecast: { ...forecast, serving: 'LEARNT' } });
  const rate = learnt.purchaseRate(events)!;
  assert.ok(rate > 0 && Number.isFinite(rate));
  const bgOnly = ValueModel.fromState({ ...fitted.state, forecast: null });
  const a = learnt.predict(c, 90, 0, { likely: true, rate })!;
  const b = learnt.predict(c, 365, 0, { likely: true, rate })!;
  // The quarter it was chosen on at its steady rate; a year along BG/NBD's curve from there.
  assert.ok(Math.abs(a.expectedPurchases - rate * 90) < 1e-9);
  const curve = bgOnly.predict(c, 365, 0)!.expectedPurchases / bgOnly.predict(c, 90, 0)!.expectedPurchases;
  assert.ok(Math.abs(b.expectedPurchases - rate * 90 * curve) < 1e-9 * b.expectedPurchases, `${b.expectedPurchases} vs ${rate * 90 * curve}`);
  assert.ok(b.expectedPurchases < rate * 365, 'a year is not four steady quarters for a customer who may drop out');
  assert.equal(b.likelyPurchases, poissonMedian(b.expectedPurchases));
  assert.ok(Math.abs(b.purchaseProbability - (1 - Math.exp(-b.expectedPurchases))) < 1e-12);
  assert.ok(Number.isFinite(b.clv!) && b.clv! > a.clv!, `${a.clv} ${b.clv}`);
  // Undiscounted, CLV is spend per purchase × purchases; discounted at 1 % a month, between that and it discounted a whole year.
  assert.ok(Math.abs(b.clv! - b.expectedSpendPerPurchase! * b.expectedPurchases) < 1e-6 * b.clv!);
  const discounted = learnt.predict(c, 365, 0.01, { rate })!.clv!;
  assert.ok(discounted < b.clv! && discounted > b.clv! / 1.01 ** (365 / 30), `${discounted} vs ${b.clv}`);
  // A customer the learnt model has no rate for is forecast by BG/NBD.
  assert.equal(learnt.predict(c, 90, 0)!.expectedPurchases, bgOnly.predict(c, 90, 0)!.expectedPurchases);

  const rule = ValueModel.fromState({ ...fitted.state, forecast: { ...forecast, serving: 'RATE' } });
  assert.ok(Math.abs(rule.predict(c, 60, 0)!.expectedPurchases - (c.frequency / c.age) * 60) < 1e-9);
  assert.equal(rule.purchaseRate(events), null);

  // Ninety days of history: no window to hold out, no learnt model; BG/NBD keeps the seat, said why.
  const rng = seededRng(2);
  const start = epochDay(Date.UTC(2024, 0, 1));
  const young: PurchaseEvents[] = Array.from({ length: 300 }, (_, i) => {
    const days = [...new Set(Array.from({ length: 1 + (i % 4) }, () => start + Math.floor(rng() * 90)))].sort((x, y) => x - y);
    return { customerId: i, days: Int32Array.from(days), spend: Float64Array.from(days, () => 20) };
  });
  const early = chooseForecastModel(young, start + 90, { fitted: true, penalizer: 0, variant: 'BG' });
  assert.equal(early.serving, 'BG_NBD');
  assert.equal(early.learnt.status, 'INSUFFICIENT_DATA');
  assert.match(early.why, /too few to compare/);
  assert.equal(chooseForecastModel(young, start + 90, { fitted: false, penalizer: 0, variant: 'BG' }).serving, 'RATE');
});
