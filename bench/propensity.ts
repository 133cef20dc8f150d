// `npm run bench:propensity`: will a customer buy in the next quarter? The learnt propensity model
// (src/value/propensity) against what the product served before (BG/NBD's P(at least one purchase),
// with the penalty the product chooses), ranking by recency alone and by purchase days alone, and
// scikit-learn's logistic regression and gradient-boosted trees fitted on the same training rows in
// the same run — on two real shops of different character, read in place:
//   Online Retail (wholesale gift shop, few leave): history before 2011-09-10, holdout the 91 days after.
//   CDNOW (music, 23,570 customers who mostly stop): history before 1997-10-01, holdout the 91 days after.
// Every method sees the history only; the holdout is read for scoring. Figures: ROC-AUC for "bought in
// the holdout", log loss, expected calibration error (10 bins), and the buy rates of the top and
// bottom deciles (bottom ÷ top is what "churn risk" must separate: at most ⅓).
import { loadSettings } from '../src/config/settings.js';
import { BgNbd } from '../src/value/bg-nbd.js';
import { chooseForecastModel, ruleOfThumb } from '../src/value/forecast-model.js';
import { poissonMedian } from '../src/value/propensity/poisson-regression.js';
import { COUNT_ALPHA, PurchaseCountModel } from '../src/value/propensity/purchase-count-model.js';
import {
  boughtWithin,
  epochDay,
  purchaseDaysWithin,
  purchaseFeatures,
  repeatHistoryAt,
  type PurchaseEvents,
} from '../src/value/propensity/purchase-features.js';
import { PropensityModel, PROPENSITY_DEFAULTS, rowsAt } from '../src/value/propensity/propensity-model.js';
import { calibrationError, decileRates, logLoss, rocAuc } from '../src/value/propensity/scores.js';
import { variantName } from '../src/value/bg-nbd.js';
import { choosePurchaseModel } from '../src/value/purchase-model-choice.js';
import { MIN_CUSTOMERS, MIN_REPEAT_CUSTOMERS } from '../src/value/value-model.js';
import { readCdnow, readOnlineRetailEvents } from '../test/support/purchase-events.js';
import { pythonReference } from '../test/support/python.js';

const HORIZON = 91;
/** BENCH_PROPENSITY_C: the penalty to try (the product's default otherwise). */
const C = Number(process.env.BENCH_PROPENSITY_C ?? PROPENSITY_DEFAULTS.c);
const settings = loadSettings(process.env);

interface Line {
  method: string;
  p: number[];
  probability: boolean;
}

async function shop(name: string, events: PurchaseEvents[], asOf: number): Promise<void> {
  const t0 = performance.now();
  const model = PropensityModel.fit(events, asOf, { horizonDays: HORIZON, c: C });
  const fitSeconds = (performance.now() - t0) / 1000;
  const s = model.state;
  const seen = events.filter((e) => e.days.length > 0 && e.days[0]! < asOf);
  const y = seen.map((e) => (boughtWithin(e, asOf, HORIZON) ? 1 : 0));
  const rows = seen.map((e) => purchaseFeatures(e, asOf, HORIZON)!);
  console.log(
    `\n## ${name}: ${seen.length} customers with a purchase before ${s.asOf}; ${y.filter(Boolean).length} (${((100 * y.filter(Boolean).length) / y.length).toFixed(1)} %) bought in the ${HORIZON} days after`,
  );
  console.log(
    `propensity model: ${s.status}${s.reason ? ` (${s.reason})` : ''}; ${s.windows.length} cut-offs (${s.windows.at(-1)} … ${s.windows[0]}), ${s.rows} rows, fit ${fitSeconds.toFixed(1)} s`,
  );
  if (s.validation) {
    const v = s.validation;
    console.log(
      `validation window from ${v.cutoff} (learnt from ${v.windows} earlier cut-offs): ${v.customers} customers, base rate ${v.baseRate.toFixed(3)}, AUC ${v.auc.toFixed(3)}, log loss ${v.logLoss.toFixed(3)}, ECE ${v.calibrationError.toFixed(3)}`,
    );
  }
  const lines: Line[] = [];
  lines.push({ method: 'propensity model (ours, served)', p: seen.map((e) => model.predict(e)!.probability), probability: true });

  // The buy-till-you-die model as the product fits it: model and penalty chosen on the last 90 days before asOf.
  const history = repeatHistoryAt;
  const windowStart = asOf - 90;
  const selection = choosePurchaseModel(
    {
      days: 90,
      customers: seen.flatMap((e) => {
        const h = history(e, windowStart);
        return h ? [{ ...h, actual: e.days.filter((d) => d >= windowStart && d < asOf).length }] : [];
      }),
    },
    { minCustomers: MIN_CUSTOMERS, minRepeatCustomers: MIN_REPEAT_CUSTOMERS },
  );
  if (selection) console.log(`purchase model: ${selection.why}`);
  // Both buy-till-you-die models at the penalty each was given on that window: BG/NBD is what the
  // product served before MBG/NBD was a candidate.
  for (const variant of ['BG', 'MBG'] as const) {
    const penalizer = selection?.variants.find((v) => v.variant === variant)?.penalizer ?? 0;
    const fitted = BgNbd.fit(
      seen.map((e) => history(e, asOf)!),
      { penalizer, variant },
    );
    const served = (selection?.variant ?? 'BG') === variant ? 'chosen' : 'not chosen';
    const { r, alpha, a, b } = fitted.model.params;
    console.log(
      `${variantName(variant)} at the cut-off: r ${r.toPrecision(3)}, α ${alpha.toPrecision(3)}, a ${a.toPrecision(3)}, b ${b.toPrecision(3)}; mean dropout a/(a+b) ${(a / (a + b)).toExponential(2)}`,
    );
    lines.push({
      method: `${variantName(variant)} P(buys), penalty ${penalizer} (${served})`,
      p: seen.map((e) => fitted.model.purchaseProbability(HORIZON, history(e, asOf)!)),
      probability: true,
    });
  }
  lines.push({ method: 'days since last purchase alone (fewer ranks higher)', p: rows.map((r) => -r[1]!), probability: false });
  lines.push({ method: 'purchase days alone', p: rows.map((r) => r[0]!), probability: false });

  // scikit-learn on the same training rows (the served fit's cut-offs), standardised the same way.
  const cutoffs = s.windows.map((d) => epochDay(Date.parse(d)));
  const training = rowsAt(events, cutoffs, HORIZON);
  const z = (r: Float64Array) => Array.from(r, (x, j) => (x - s.mean[j]!) / s.scale[j]!);
  const ref = pythonReference<{ coef: number[]; p: number[]; boosted: number[] }>('propensity-reference.py', {
    train: { X: training.rows.map(z), y: training.labels },
    test: { X: rows.map(z) },
    C,
    boosted: true,
  });
  const maxCoef = Math.max(...ref.coef.map((c, j) => Math.abs(c - s.model!.coef[j]!)));
  lines.push({ method: `scikit-learn LogisticRegression, same rows (coefficients within ${maxCoef.toExponential(1)} of ours)`, p: ref.p, probability: true });
  lines.push({ method: 'scikit-learn HistGradientBoosting, same rows', p: ref.boosted, probability: true });

  console.log('\n| method | ROC-AUC | log loss | ECE | top-decile buy rate | bottom decile | bottom ÷ top |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const l of lines) {
    const d = decileRates(l.p, y);
    console.log(
      `| ${l.method} | ${rocAuc(l.p, y).toFixed(3)} | ${l.probability ? logLoss(l.p, y).toFixed(3) : '—'} | ${l.probability ? calibrationError(l.p, y).toFixed(3) : '—'} | ${d[0]!.toFixed(3)} | ${d[9]!.toFixed(3)} | ${(d[9]! / d[0]!).toFixed(2)} |`,
    );
  }
  const served = model.predict(seen[0]!)!;
  console.log(
    `\nexample reasons (customer ${seen[0]!.customerId}): ${served.reasons.map((r) => `${r.words} ${r.effect} it (${r.contribution.toFixed(2)})`).join('; ')}`,
  );

  // Forecasts of purchase days in the holdout: the product's choice (on the last 90 days before the
  // cut-off) against every candidate and the rules of thumb, and scikit-learn's PoissonRegressor on
  // the learnt model's own training rows.
  const variant = selection?.variant ?? 'BG';
  const penalizer = selection?.variants.find((v) => v.variant === variant)?.penalizer ?? 0;
  const forecast = chooseForecastModel(events, asOf, { fitted: true, penalizer, variant });
  console.log(`\nforecast model: ${forecast.serving} serves — ${forecast.why}`);
  const histories = seen.map((e) => ({ customerId: e.customerId, ...history(e, asOf)! }));
  const bg = BgNbd.fit(histories, { penalizer, variant }).model;
  const counts = new PurchaseCountModel(forecast.learnt);
  const scale = HORIZON / forecast.horizonDays;
  const actual = seen.map((e) => purchaseDaysWithin(e, asOf, HORIZON));
  const historyDays = asOf - Math.min(...seen.map((e) => e.days[0]!));
  const countRows = rowsAt(
    events,
    forecast.learnt.windows.map((d) => epochDay(Date.parse(d))),
    forecast.horizonDays,
  );
  const zc = (r: Float64Array) => Array.from(r, (x, j) => (x - forecast.learnt.mean[j]!) / forecast.learnt.scale[j]!);
  const sk = pythonReference<{ poisson: { mean: number[] } }>('propensity-reference.py', {
    poisson: { X: [...rows.map(zc), ...countRows.rows.map(zc)], y: [...rows.map(() => 0), ...countRows.counts], alpha: COUNT_ALPHA, fitFrom: rows.length },
  }).poisson.mean;
  const candidates: [string, (i: number) => number][] = [
    [`${variantName(variant)} median`, (i) => bg.medianPurchases(HORIZON, histories[i]!)],
    ['learnt count model, Poisson median', (i) => poissonMedian(counts.expected(seen[i]!)! * scale)],
    ['learnt count model, mean', (i) => counts.expected(seen[i]!)! * scale],
    ['scikit-learn PoissonRegressor (same rows), median', (i) => poissonMedian(sk[i]! * scale)],
    ['rule of thumb: repeat purchases ÷ days since the first', (i) => ruleOfThumb(histories[i]!, HORIZON)],
    [`rule of thumb: purchases ÷ the ${historyDays}-day history`, (i) => ((histories[i]!.frequency + 1) / historyDays) * HORIZON],
  ];
  const servedName = {
    BG_NBD: `${variantName(variant)} median`,
    LEARNT: 'learnt count model, Poisson median',
    RATE: 'rule of thumb: repeat purchases ÷ days since the first',
  }[forecast.serving];
  console.log(`\n| forecast of purchase days in the ${HORIZON}-day holdout | MAE |\n| --- | ---: |`);
  for (const [method, f] of candidates) {
    const mae = actual.reduce((sum, a, i) => sum + Math.abs(f(i) - a), 0) / actual.length;
    console.log(`| ${method}${method === servedName ? ' (served)' : ''} | ${mae.toFixed(3)} |`);
  }
}

const parts = (process.env.BENCH_PARTS ?? 'retail,cdnow').split(',');
if (parts.includes('retail')) await shop('Online Retail', await readOnlineRetailEvents(settings.onlineRetailPath), epochDay(Date.UTC(2011, 8, 10)));
if (parts.includes('cdnow')) await shop('CDNOW', await readCdnow(), epochDay(Date.UTC(1997, 9, 1)));
