// Value, churn risk and recommendations over HTTP against the running server, on both databases: a
// shop drawn from the models (test/support/value-shop: customers who leave, tastes) gets fitted models
// and finite numbers; shops whose data are not enough (no repeat
// purchases, one customer, zero-value orders, orders dated in the future) get reasons, never NaN; bad
// arguments get BAD_USER_INPUT with the field's path; a viewer may read, like the rest of the data.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Prisma } from '../../src/db/database.js';
import { rawGraphQL, startTestApp, type TestApp } from '../support/app.js';
import { databaseTargets } from '../support/databases.js';
import { loadValueShop } from '../support/value-shop.js';

const idle = { signal: new AbortController().signal, progress: () => {} };
const finiteOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

async function segmentShop(app: TestApp, k = 3): Promise<void> {
  await (await app.services.indexer()).run(idle);
  await app.services.segments.run(idle, { k, seed: 1 });
}

for (const target of databaseTargets()) {
  describe(`value, churn and recommendations on ${target.name}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(target);
      await loadValueShop(app.services.ingest, { customers: 400, seed: 3 });
      await segmentShop(app);
    });
    after(() => app.close());

    test('the run carries fitted models; customers and segments get finite predictions and explained recommendations', async () => {
      const run = await rawGraphQL(
        app.server.url,
        '{ segmentationRuns { active valueModel { status reason customers repeatCustomers historyDays bgNbd { r alpha a b } penalty: bgNbd { penalizer model } penaltySelection { days customers penalizer model why naiveMae candidates { model penalizer mae standardError } models { model penalizer logScore } } gammaGamma { p q v customers } churnModel { serving horizonDays why learntValidation { auc logLoss calibrationError } bgNbdValidation { auc logLoss calibrationError } trainingCutoffs learntReason } forecastModel { serving why customers scores { model mae } learntReason } } } }',
        undefined,
        app.keys.viewer,
      );
      assert.equal(run.body.errors, undefined, JSON.stringify(run.body.errors));
      const active = (
        run.body.data!.segmentationRuns as {
          active: boolean;
          valueModel: {
            status: string;
            reason: string | null;
            customers: number;
            repeatCustomers: number;
            bgNbd: Record<string, number>;
            penalty: { penalizer: number; model: string };
            penaltySelection: {
              days: number;
              customers: number;
              penalizer: number;
              model: string;
              why: string;
              naiveMae: number;
              candidates: { model: string; penalizer: number; mae: number | null; standardError: number | null }[];
              models: { model: string; penalizer: number; logScore: number }[];
            };
            gammaGamma: Record<string, number> | null;
            churnModel: {
              serving: string | null;
              horizonDays: number;
              why: string;
              learntValidation: Record<string, number> | null;
              bgNbdValidation: Record<string, number> | null;
              trainingCutoffs: string[];
            };
            forecastModel: { serving: string; why: string; customers: number; scores: { model: string; mae: number }[]; learntReason: string | null };
          };
        }[]
      ).find((r) => r.active)!;
      assert.equal(active.valueModel.status, 'FITTED', active.valueModel.reason ?? '');
      assert.ok(active.valueModel.repeatCustomers >= 20);
      for (const v of Object.values(active.valueModel.bgNbd)) assert.ok(v > 0 && Number.isFinite(v));
      // The penalty was chosen on the shop's last 90 days (its history is over a year long) and used.
      const selection = active.valueModel.penaltySelection;
      assert.equal(selection.days, 90);
      assert.ok(selection.customers >= 100 && selection.customers < active.valueModel.customers, JSON.stringify(selection));
      assert.deepEqual(
        selection.candidates.map((c) => c.model),
        [...Array<string>(7).fill('BG_NBD'), ...Array<string>(7).fill('MBG_NBD')],
      );
      assert.equal(active.valueModel.penalty.penalizer, selection.penalizer);
      assert.equal(active.valueModel.penalty.model, selection.model);
      // Per model: no penalty unless one beats it by more than two standard errors; then the best of those.
      const chosen = selection.models.find((m) => m.model === selection.model)!;
      const ofModel = selection.candidates.filter((c) => c.model === selection.model);
      const clear = ofModel.filter((c) => c.mae !== null && c.standardError !== null && ofModel[0]!.mae! - c.mae > 2 * c.standardError);
      const expected = clear.length === 0 ? 0 : clear.reduce((m, c) => (c.mae! < m.mae! ? c : m)).penalizer;
      assert.equal(selection.penalizer, expected, JSON.stringify(selection));
      assert.equal(chosen.penalizer, selection.penalizer);
      // Both models scored; MBG/NBD serves only when it forecast the window better (by its log score), and the why says which.
      assert.deepEqual(selection.models.map((m) => m.model).sort(), ['BG_NBD', 'MBG_NBD']);
      const bgScore = selection.models.find((m) => m.model === 'BG_NBD')!.logScore;
      if (selection.model === 'MBG_NBD') assert.ok(chosen.logScore > bgScore, JSON.stringify(selection.models));
      assert.match(selection.why, selection.model === 'MBG_NBD' ? /^MBG\/NBD forecast/ : /^BG\/NBD serves/);
      // The churn model: both candidates scored on the same last 90 days; the better ranking serves.
      const churn = active.valueModel.churnModel;
      assert.equal(churn.horizonDays, 90);
      assert.ok(churn.learntValidation && churn.bgNbdValidation, JSON.stringify(churn));
      for (const v of [...Object.values(churn.learntValidation), ...Object.values(churn.bgNbdValidation)]) assert.ok(Number.isFinite(v));
      assert.equal(churn.serving, churn.learntValidation.auc! >= churn.bgNbdValidation.auc! ? 'PROPENSITY' : 'BG_NBD', JSON.stringify(churn));
      assert.match(churn.why, /ranked who bought on the last 90 days .* better: ROC-AUC/);
      assert.ok(churn.trainingCutoffs.length >= 2, JSON.stringify(churn.trainingCutoffs));
      // Forecasts: the rule of thumb, BG/NBD and the learnt count model scored on the same window; the lowest error serves.
      const forecast = active.valueModel.forecastModel;
      assert.deepEqual(forecast.scores.map((x) => x.model).sort(), ['BG_NBD', 'LEARNT', 'RATE'], JSON.stringify(forecast));
      assert.equal(forecast.serving, forecast.scores.reduce((a, b) => (b.mae < a.mae ? b : a)).model, JSON.stringify(forecast));
      assert.match(forecast.why, /Lowest mean absolute error/);
      // Each member's learnt rate is stored exactly when the learnt model serves.
      const rated = await app.services.db.prisma.customerValue.count({ where: { purchaseRate: { not: null }, run: { active: true } } });
      assert.equal(rated > 0, forecast.serving === 'LEARNT', `${rated} rates stored, ${forecast.serving} serves`);

      const seg = await rawGraphQL(
        app.server.url,
        '{ segments { id size value { members withHistory meanPAlive shareAtRisk expectedPurchases sumClv meanClv reason } recommendedProducts(limit: 5) { product { id title } buyers lift reason } } }',
        undefined,
        app.keys.viewer,
      );
      assert.equal(seg.body.errors, undefined, JSON.stringify(seg.body.errors));
      const segments = seg.body.data!.segments as {
        size: number;
        value: Record<string, number | null>;
        recommendedProducts: { buyers: number; lift: number; reason: string }[];
      }[];
      let members = 0;
      for (const s of segments) {
        members += s.value.members!;
        assert.equal(s.value.members, s.size);
        for (const v of Object.values(s.value)) assert.ok(typeof v === 'string' || finiteOrNull(v), JSON.stringify(s.value));
        assert.ok(s.value.meanPAlive! > 0 && s.value.meanPAlive! <= 1 && s.value.shareAtRisk! >= 0 && s.value.shareAtRisk! <= 1);
        for (const r of s.recommendedProducts) {
          assert.ok(r.buyers >= 5 && r.lift > 0, JSON.stringify(r));
          assert.match(r.reason, /^bought by [\d.]+% of this segment vs [\d.]+% of all customers \(lift [\d.]+\)$/);
        }
      }
      assert.ok(
        segments.some((s) => s.recommendedProducts.length > 0),
        'some segment has products over the population',
      );
      assert.equal(members, (await app.services.catalog.activeRun())!.customerCount);

      // A customer: value at two horizons (longer → more purchases), and products they have not bought.
      const customer = await app.services.db.prisma.customer.findFirstOrThrow({ where: { orders: { some: {} } }, orderBy: { id: 'asc' } });
      const one = await rawGraphQL(
        app.server.url,
        'query ($id: ID!) { customer(id: $id) { short: value(horizonDays: 30) { horizonDays pAlive churnRisk churnHorizonDays churnReasons expectedPurchases clv reason } quarter: value(horizonDays: 90) { purchaseProbability churnRisk } long: value { horizonDays pAlive expectedPurchases purchaseProbability likelyPurchases expectedSpend clv repeatPurchases ageDays } recommendedProducts(limit: 5) { product { id } score buyers reason } } }',
        { id: customer.externalId },
        app.keys.viewer,
      );
      assert.equal(one.body.errors, undefined, JSON.stringify(one.body.errors));
      const c = one.body.data!.customer as {
        short: Record<string, number> & { churnReasons: string[] };
        quarter: Record<string, number>;
        long: Record<string, number>;
        recommendedProducts: { product: { id: string }; buyers: number; reason: string }[];
      };
      assert.equal(c.long.horizonDays, 365);
      assert.ok(c.long.expectedPurchases! > c.short.expectedPurchases!, JSON.stringify(c));
      // Churn risk speaks of the next 90 days whatever horizon is asked, and is the run's (as on the membership).
      assert.equal(c.short.churnHorizonDays, 90);
      assert.equal(c.short.churnRisk, c.quarter.churnRisk);
      assert.ok(c.short.churnRisk! >= 0 && c.short.churnRisk! <= 1, JSON.stringify(c.short));
      const membership = await app.services.db.prisma.membership.findFirstOrThrow({ where: { customerId: customer.id, run: { active: true } } });
      assert.ok(Math.abs(membership.churnRisk! - c.short.churnRisk!) < 1e-12);
      if (churn.serving === 'BG_NBD') {
        assert.ok(Math.abs(c.short.churnRisk! - (1 - c.quarter.purchaseProbability!)) < 1e-9, JSON.stringify(c));
        assert.deepEqual(c.short.churnReasons, []);
      } else {
        assert.equal(c.short.churnReasons.length, 2);
        for (const r of c.short.churnReasons) assert.match(r, / (raises|lowers) the chance of buying$/);
      }
      assert.ok(c.long.purchaseProbability! >= 0 && c.long.purchaseProbability! <= c.long.pAlive!, JSON.stringify(c.long));
      assert.ok(Number.isInteger(c.long.likelyPurchases) && c.long.likelyPurchases! >= 0, JSON.stringify(c.long));
      assert.ok(c.recommendedProducts.length > 0);
      const own = new Set(
        (
          await app.services.db.prisma.orderItem.findMany({
            where: { order: { customerId: customer.id } },
            select: { product: { select: { externalId: true } } },
          })
        ).map((i) => i.product.externalId),
      );
      for (const r of c.recommendedProducts) {
        assert.ok(!own.has(r.product.id), `recommended ${r.product.id}, which they bought`);
        assert.match(r.reason, /^bought by \d+ of your \d+ nearest customers$/);
      }
      // Buy again: only what they bought, most likely first, each with when and how often.
      const again = await rawGraphQL(
        app.server.url,
        'query ($id: ID!) { customer(id: $id) { buyAgain(limit: 5) { product { id } score reason } } }',
        { id: customer.externalId },
        app.keys.viewer,
      );
      assert.equal(again.body.errors, undefined, JSON.stringify(again.body.errors));
      const repeat = (again.body.data!.customer as { buyAgain: { product: { id: string }; score: number; reason: string }[] }).buyAgain;
      assert.ok(repeat.length > 0 && repeat.length <= 5, JSON.stringify(repeat));
      for (const [i, r] of repeat.entries()) {
        assert.ok(own.has(r.product.id), `buy again ${r.product.id}, which they never bought`);
        assert.match(r.reason, /^you bought it on \d+ days?, last on \d{4}-\d{2}-\d{2}$/);
        if (i > 0) assert.ok(r.score <= repeat[i - 1]!.score);
      }

      // Many customers in one request (their values read together, per horizon): each gets exactly what
      // they get asked alone, at both horizons, a customer asked twice included.
      const members6 = await app.services.db.prisma.membership.findMany({
        where: { run: { active: true } },
        select: { customer: { select: { externalId: true } } },
        orderBy: { customerId: 'asc' },
        take: 6,
      });
      const ids = [...members6.map((m) => m.customer.externalId), members6[0]!.customer.externalId];
      const fields =
        'short: value(horizonDays: 30) { expectedPurchases clv churnRisk churnReasons reason } long: value { pAlive likelyPurchases expectedSpend repeatPurchases recencyDays reason }';
      const alone = [];
      for (const id of ids) {
        const r = await rawGraphQL(app.server.url, `query ($id: ID!) { customer(id: $id) { ${fields} } }`, { id }, app.keys.viewer);
        assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
        alone.push(r.body.data!.customer);
      }
      const together = await rawGraphQL(
        app.server.url,
        `query (${ids.map((_, i) => `$c${i}: ID!`).join(', ')}) { ${ids.map((_, i) => `c${i}: customer(id: $c${i}) { ${fields} }`).join(' ')} }`,
        Object.fromEntries(ids.map((id, i) => [`c${i}`, id])),
        app.keys.viewer,
      );
      assert.equal(together.body.errors, undefined, JSON.stringify(together.body.errors));
      assert.deepEqual(
        ids.map((_, i) => together.body.data![`c${i}`]),
        alone,
      );
      assert.notDeepEqual(alone[0], alone[1], 'the customers compared differ');

      // A member without a stored value (as a customer placed between runs) read in the same batch:
      // the reason, null numbers; the others as before. The row is put back afterwards.
      const gone = await app.services.db.prisma.customerValue.findFirstOrThrow({
        where: { run: { active: true }, customer: { externalId: ids[1]! } },
      });
      await app.services.db.prisma.customerValue.delete({ where: { runId_customerId: { runId: gone.runId, customerId: gone.customerId } } });
      try {
        const mixed = await rawGraphQL(
          app.server.url,
          `query ($a: ID!, $b: ID!) { a: customer(id: $a) { ${fields} } b: customer(id: $b) { ${fields} } }`,
          { a: ids[0], b: ids[1] },
          app.keys.viewer,
        );
        assert.equal(mixed.body.errors, undefined, JSON.stringify(mixed.body.errors));
        assert.deepEqual(mixed.body.data!.a, alone[0]);
        const b = mixed.body.data!.b as Record<string, Record<string, unknown>>;
        assert.equal(b.short!.reason, 'Joined after the active segmentation run: predicted from the next run on.');
        assert.equal(b.long!.repeatPurchases, null);
        assert.equal(b.short!.clv, null);
      } finally {
        const { churnReasons, ...row } = gone;
        await app.services.db.prisma.customerValue.create({ data: { ...row, churnReasons: churnReasons ?? Prisma.DbNull } });
      }
    });

    test('members ordered and filtered by value and churn risk; a win-back lookalike seeded from valuable customers at risk', async () => {
      const prisma = app.services.db.prisma;
      const largest = (await app.services.catalog.segments())[0]!;
      const page = async (after: string | null) => {
        const r = await rawGraphQL(
          app.server.url,
          'query ($id: ID!, $after: String) { segment(id: $id) { members(first: 15, orderBy: CLV, after: $after) { edges { node { clv churnRisk customer { id } } } pageInfo { endCursor hasNextPage } } } }',
          { id: String(largest.id), after },
          app.keys.viewer,
        );
        assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
        return (r.body.data!.segment as { members: { edges: { node: { clv: number | null; customer: { id: string } } }[]; pageInfo: { endCursor: string } } })
          .members;
      };
      const first = await page(null);
      const second = await page(first.pageInfo.endCursor);
      const clvs = [...first.edges, ...second.edges].map((e) => e.node.clv);
      assert.ok(clvs.filter((v) => v !== null).length >= 10, `predicted members first: ${clvs.join(', ')}`);
      assert.ok(
        clvs.every((v, i) => i === 0 || v === null || (clvs[i - 1] !== null && clvs[i - 1]! >= v)),
        `CLV descending, nulls last: ${clvs.join(', ')}`,
      );
      assert.equal(new Set([...first.edges, ...second.edges].map((e) => e.node.customer.id)).size, clvs.length, 'pages do not overlap');
      const risky = await rawGraphQL(
        app.server.url,
        'query ($id: ID!) { segment(id: $id) { members(first: 50, orderBy: CHURN_RISK, filter: { minChurnRisk: 0.3 }) { edges { node { churnRisk } } } } }',
        { id: String(largest.id) },
        app.keys.viewer,
      );
      assert.equal(risky.body.errors, undefined, JSON.stringify(risky.body.errors));
      const risks = (risky.body.data!.segment as { members: { edges: { node: { churnRisk: number } }[] } }).members.edges.map((e) => e.node.churnRisk);
      assert.ok(risks.length > 0, 'someone in the largest segment is slipping away');
      assert.ok(
        risks.every((r, i) => r >= 0.3 && (i === 0 || risks[i - 1]! >= r)),
        risks.join(', '),
      );

      const atRisk = await rawGraphQL(app.server.url, '{ valuableAtRisk(minChurnRisk: 0.2, first: 20) { id } }', undefined, app.keys.marketer);
      assert.equal(atRisk.body.errors, undefined, JSON.stringify(atRisk.body.errors));
      const seeds = (atRisk.body.data!.valuableAtRisk as { id: string }[]).map((c) => c.id);
      assert.ok(seeds.length >= 5, `${seeds.length} valuable customers at risk`);
      const seedRows = await prisma.membership.findMany({
        where: { run: { active: true }, customer: { externalId: { in: seeds } } },
        include: { customer: true },
      });
      const byId = new Map(seedRows.map((m) => [m.customer.externalId, m]));
      seeds.forEach((id, i) => {
        assert.ok(byId.get(id)!.churnRisk! >= 0.2);
        if (i > 0) assert.ok(byId.get(seeds[i - 1]!)!.clv! >= byId.get(id)!.clv!, 'highest value first');
      });
      // Their lookalikes among customers not (yet) at risk: whom to keep warm.
      const look = await rawGraphQL(
        app.server.url,
        'query ($seeds: [ID!]!) { lookalikeAudience(seeds: $seeds, size: 40, filter: { maxChurnRisk: 0.2 }) { members(first: 40) { edges { node { customer { id } } } } } }',
        { seeds },
        app.keys.marketer,
      );
      assert.equal(look.body.errors, undefined, JSON.stringify(look.body.errors));
      const audience = (look.body.data!.lookalikeAudience as { members: { edges: { node: { customer: { id: string } } }[] } }).members.edges.map(
        (e) => e.node.customer.id,
      );
      assert.ok(audience.length > 0);
      const members = await prisma.membership.findMany({ where: { run: { active: true }, customer: { externalId: { in: audience } } } });
      assert.equal(members.length, audience.length);
      for (const m of members) assert.ok(m.churnRisk !== null && m.churnRisk <= 0.2, `audience member with churn risk ${m.churnRisk}`);
    });

    test('bad arguments: BAD_USER_INPUT with the field path, nothing else fails', async () => {
      const customer = await app.services.db.prisma.customer.findFirstOrThrow();
      for (const [args, field] of [
        ['horizonDays: 0', 'value'],
        ['horizonDays: 5000', 'value'],
        ['monthlyDiscountRate: -0.5', 'value'],
      ] as const) {
        const r = await rawGraphQL(
          app.server.url,
          `query ($id: ID!) { customer(id: $id) { id ${field}(${args}) { pAlive } } }`,
          { id: customer.externalId },
          app.keys.viewer,
        );
        assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.body));
        assert.deepEqual(r.body.errors?.[0]?.path, ['customer', 'value']);
      }
      const r = await rawGraphQL(app.server.url, '{ segments { recommendedProducts(limit: 1000) { reason } } }', undefined, app.keys.viewer);
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual(r.body.errors?.[0]?.path?.slice(-1), ['recommendedProducts']);
      const again = await rawGraphQL(
        app.server.url,
        'query ($id: ID!) { customer(id: $id) { id buyAgain(limit: 0) { reason } } }',
        { id: customer.externalId },
        app.keys.viewer,
      );
      assert.equal(again.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(again.body));
      assert.deepEqual(again.body.errors?.[0]?.path, ['customer', 'buyAgain']);
    });
  });
}

describe('shops whose data are not enough', () => {
  const target = databaseTargets()[0]!;
  const shop = async (orders: (i: number) => { placedAt: string; unitPrice: number }[], customers = 150): Promise<TestApp> => {
    const app = await startTestApp(target);
    try {
      await app.services.ingest.upsert('products', [
        { id: 'p1', title: 'Blue mug', category: 'kitchen', price: 5 },
        { id: 'p2', title: 'Red kettle', category: 'kitchen', price: 30 },
      ]);
      await app.services.ingest.upsert(
        'customers',
        Array.from({ length: customers }, (_, i) => ({ id: `c${i}`, country: 'DE' })),
      );
      await app.services.ingest.upsert(
        'orders',
        Array.from({ length: customers }, (_, i) =>
          orders(i).map((o, j) => ({
            id: `o${i}-${j}`,
            customerId: `c${i}`,
            placedAt: o.placedAt,
            items: [{ productId: j % 2 ? 'p2' : 'p1', quantity: 1, unitPrice: o.unitPrice }],
          })),
        ).flat(),
      );
      await segmentShop(app, 2);
      return app;
    } catch (error) {
      await app.close();
      throw error;
    }
  };
  const read = async (app: TestApp) => {
    const r = await rawGraphQL(
      app.server.url,
      '{ segmentationRuns { active valueModel { status reason spendReason futureOrders } } segments { value { meanPAlive sumClv reason } } }',
      undefined,
      app.keys.viewer,
    );
    const run = (
      r.body.data!.segmentationRuns as {
        active: boolean;
        valueModel: { status: string; reason: string | null; spendReason: string | null; futureOrders: number };
      }[]
    ).find((x) => x.active)!;
    const customer = await app.services.db.prisma.customer.findFirstOrThrow({ orderBy: { id: 'asc' } });
    const c = await rawGraphQL(
      app.server.url,
      'query ($id: ID!) { customer(id: $id) { value { pAlive churnRisk expectedPurchases clv reason } } }',
      { id: customer.externalId },
      app.keys.viewer,
    );
    assert.equal(c.body.errors, undefined, JSON.stringify(c.body.errors));
    const value = (c.body.data!.customer as { value: Record<string, number | string | null> }).value;
    for (const v of Object.values(value)) assert.ok(typeof v === 'string' || finiteOrNull(v), JSON.stringify(value));
    return {
      model: run.valueModel,
      segments: r.body.data!.segments as { value: { meanPAlive: number | null; sumClv: number | null; reason: string | null } }[],
      value,
    };
  };

  test('no repeat purchases: INSUFFICIENT_DATA with the reason, null numbers', async () => {
    const app = await shop((i) => [{ placedAt: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString(), unitPrice: 10 }]);
    try {
      const { model, segments, value } = await read(app);
      assert.equal(model.status, 'INSUFFICIENT_DATA');
      assert.match(model.reason!, /0 customers who bought again/);
      assert.equal(value.pAlive, null);
      assert.equal(value.reason, model.reason);
      for (const s of segments) assert.equal(s.value.meanPAlive, null);
    } finally {
      await app.close();
    }
  });

  test('zero-value orders and an order dated in the future: purchases predicted, spend refused with its reason, the future order left out and said', async () => {
    const app = await startTestApp(target);
    try {
      await loadValueShop(app.services.ingest, { customers: 300, seed: 5, price: 0 });
      await app.services.ingest.upsert('orders', [
        {
          id: 'future',
          customerId: 's0',
          placedAt: new Date(Date.now() + 400 * 86_400_000).toISOString(),
          items: [{ productId: 'p0-0', quantity: 1, unitPrice: 0 }],
        },
      ]);
      await segmentShop(app);
      const { model, value } = await read(app);
      assert.equal(model.status, 'FITTED', model.reason ?? '');
      assert.equal(model.futureOrders, 1);
      assert.match(model.reason!, /1 order\(s\) dated in the future were left out/);
      assert.match(model.spendReason!, /0 repeat customers with a positive order value/);
      assert.ok(typeof value.pAlive === 'number' && value.clv === null);
      assert.equal(value.reason, model.spendReason);
    } finally {
      await app.close();
    }
  });

  test('a shop of three customers: a reason, never NaN (one customer: test/value/value-models)', async () => {
    const app = await shop(
      () => [
        { placedAt: '2024-01-01T10:00:00Z', unitPrice: 10 },
        { placedAt: '2024-03-01T10:00:00Z', unitPrice: 12 },
      ],
      3,
    );
    try {
      const { model } = await read(app);
      assert.equal(model.status, 'INSUFFICIENT_DATA');
      assert.match(model.reason!, /3 customers with completed orders/);
    } finally {
      await app.close();
    }
  });
});
