// The read side of the value models: a customer's predictions and a segment's totals, at the default
// horizon from the stored columns, at any other horizon from the stored histories and the run's fitted
// parameters (closed forms: no refit).
import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '../db/database.js';
import { readChurnReasons, readValueModel } from '../db/json-columns.js';
import { InputError } from '../errors/domain-errors.js';
import { reasonInWords } from './churn-model.js';
import { epochDay, FEATURE_WORDS, repeatHistoryAt, type PurchaseFeature } from './propensity/purchase-features.js';
import { readPurchaseEvents, type CustomerHistory } from './purchase-history.js';
import { valueRow } from './shop-value.js';
import { AT_RISK_ABOVE, DEFAULT_HORIZON_DAYS, DEFAULT_MONTHLY_DISCOUNT, ValueModel, type CustomerValue } from './value-model.js';

export interface ValueQuery {
  horizonDays: number;
  monthlyDiscountRate: number;
}

export interface CustomerValueAnswer extends Partial<CustomerValue> {
  horizonDays: number;
  /** The days churnRisk speaks of (whatever horizonDays asks); absent for runs made before the churn model. */
  churnHorizonDays?: number;
  /** Why the learnt churn model rates this customer as it does, in words (empty when BG/NBD serves). */
  churnReasons?: string[];
  /** Why the predictions are missing (or partly missing); null when all are there. */
  reason: string | null;
  history: CustomerHistory | null;
}

export interface SegmentValueAnswer {
  horizonDays: number;
  members: number;
  /** Members with a completed order (the others have no history to predict from). */
  withHistory: number;
  meanPAlive: number | null;
  shareAtRisk: number | null;
  expectedPurchases: number | null;
  expectedSpend: number | null;
  sumClv: number | null;
  meanClv: number | null;
  reason: string | null;
}

export const MAX_HORIZON_DAYS = 3650;

/** Members by churn risk: low below ⅓, high above ⅔, medium between; `unknown` without a risk. */
export interface RiskBands {
  low: number;
  medium: number;
  high: number;
  unknown: number;
}

export function checkValueQuery(q: ValueQuery): ValueQuery {
  if (!Number.isInteger(q.horizonDays) || q.horizonDays < 1 || q.horizonDays > MAX_HORIZON_DAYS) {
    throw new InputError(`horizonDays must be a whole number of days from 1 to ${MAX_HORIZON_DAYS}.`, [
      { index: -1, field: 'horizonDays', message: 'out of range' },
    ]);
  }
  if (!Number.isFinite(q.monthlyDiscountRate) || q.monthlyDiscountRate < 0 || q.monthlyDiscountRate > 1) {
    throw new InputError('monthlyDiscountRate must be from 0 to 1 (0.01 is 1 % a month).', [
      { index: -1, field: 'monthlyDiscountRate', message: 'out of range' },
    ]);
  }
  return q;
}

export class CustomerValues {
  /** Fitted models by run: a page of members asks for one run's many times. */
  private readonly models = new LRUCache<number, ValueModel>({ max: 16 });

  constructor(private readonly prisma: PrismaClient) {}

  /** BAD_USER_INPUT for a horizon or discount out of range, even where there is nothing to predict. */
  check(query: ValueQuery): ValueQuery {
    return checkValueQuery(query);
  }

  /** The run's fitted models (null for a run made before value models existed). */
  async model(runId: number): Promise<ValueModel | null> {
    const cached = this.models.get(runId);
    if (cached) return cached;
    const run = await this.prisma.segmentationRun.findUnique({ where: { id: runId }, select: { valueModel: true } });
    // Only a stored model is kept: a run still running has none yet, and will.
    const state = run && readValueModel(run.valueModel, `segmentation_run ${runId}`);
    if (!state) return null;
    const model = ValueModel.fromState(state);
    this.models.set(runId, model);
    return model;
  }

  /**
   * Live updates: these customers' histories and stored predictions in the active run, from its fitted
   * models, as of the later of the run's end and the day after their last purchase (the run's other
   * members stay as of the run). Only members of the run get a row (live updates place customers
   * first); a member with no completed order left loses theirs. Returns the rows written.
   */
  async refresh(customerIds: readonly number[]): Promise<number> {
    const run = await this.prisma.segmentationRun.findFirst({ where: { active: true }, select: { id: true } });
    const model = run && (await this.model(run.id));
    if (!run || !model || customerIds.length === 0) return 0;
    const ids = [...new Set(customerIds)];
    const runEnd = epochDay(new Date(model.state.asOf));
    const rows = (await readPurchaseEvents(this.prisma, { customerIds: ids })).flatMap((e) => {
      if (e.days.length === 0) return [];
      const at = Math.max(runEnd, e.days[e.days.length - 1]! + 1);
      const repeat = repeatHistoryAt(e, at)!;
      let repeatSpend = 0;
      for (let i = 1; i < e.spend.length; i++) repeatSpend += e.spend[i]!;
      const history: CustomerHistory = { customerId: e.customerId, ...repeat, monetary: repeat.frequency > 0 ? repeatSpend / repeat.frequency : 0 };
      return [valueRow(model, history, e, at)];
    });
    const json = JSON.stringify(rows);
    const kept = JSON.stringify(rows.map((r) => r.customer_id));
    await this.prisma.$transaction([
      this.prisma.$executeRaw`DELETE FROM customer_value WHERE run_id = ${run.id}
        AND customer_id IN (SELECT value::int FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
        AND customer_id NOT IN (SELECT value::int FROM jsonb_array_elements_text(${kept}::jsonb))`,
      this.prisma
        .$executeRaw`INSERT INTO customer_value (run_id, customer_id, frequency, recency, age, monetary, p_alive, expected_purchases, expected_spend, clv, churn_risk, churn_reasons, purchase_rate)
        SELECT ${run.id}, v.customer_id, v.frequency, v.recency, v.age, v.monetary, v.p_alive, v.expected_purchases, v.expected_spend, v.clv, v.churn_risk, v.churn_reasons, v.purchase_rate
        FROM jsonb_to_recordset(${json}::jsonb)
          AS v(customer_id int, frequency int, recency float8, age float8, monetary float8, p_alive float8, expected_purchases float8, expected_spend float8, clv float8, churn_risk float8, churn_reasons jsonb, purchase_rate float8)
        JOIN membership m ON m.run_id = ${run.id} AND m.customer_id = v.customer_id
        ON CONFLICT (run_id, customer_id) DO UPDATE SET frequency = EXCLUDED.frequency, recency = EXCLUDED.recency, age = EXCLUDED.age,
          monetary = EXCLUDED.monetary, p_alive = EXCLUDED.p_alive, expected_purchases = EXCLUDED.expected_purchases,
          expected_spend = EXCLUDED.expected_spend, clv = EXCLUDED.clv, churn_risk = EXCLUDED.churn_risk,
          churn_reasons = EXCLUDED.churn_reasons, purchase_rate = EXCLUDED.purchase_rate`,
      // The members' copies that lists sort and filter by.
      this.prisma.$executeRaw`UPDATE membership m SET churn_risk = v.churn_risk, clv = v.clv
        FROM (SELECT value::int AS customer_id FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)) AS c
        LEFT JOIN customer_value v ON v.run_id = ${run.id} AND v.customer_id = c.customer_id
        WHERE m.run_id = ${run.id} AND m.customer_id = c.customer_id`,
    ]);
    return rows.length;
  }

  /**
   * Customers' predicted values in one run in two statements at most (their stored rows, then order
   * counts for those without one): a dashboard page or a watcher reading twenty customers asked for one
   * query per customer, each waiting its turn on the database behind live updates and other readers.
   */
  async forCustomers(runId: number, customerIds: readonly number[], query: ValueQuery): Promise<Map<number, CustomerValueAnswer>> {
    const { horizonDays, monthlyDiscountRate } = checkValueQuery(query);
    const ids = [...new Set(customerIds)];
    const model = await this.model(runId);
    if (!model) {
      const reason = 'The active segmentation was made before value models: run a segmentation.';
      return new Map(ids.map((id) => [id, { horizonDays, reason, history: null }]));
    }
    const rows = new Map((await this.prisma.customerValue.findMany({ where: { runId, customerId: { in: ids } } })).map((r) => [r.customerId, r] as const));
    const missing = ids.filter((id) => !rows.has(id));
    const ordered = new Set(
      missing.length === 0
        ? []
        : (await this.prisma.order.groupBy({ by: ['customerId'], where: { customerId: { in: missing }, status: 'COMPLETED' } })).map((o) => o.customerId),
    );
    const out = new Map<number, CustomerValueAnswer>();
    for (const customerId of ids) {
      const row = rows.get(customerId);
      if (!row) {
        out.set(customerId, {
          horizonDays,
          history: null,
          reason: ordered.has(customerId)
            ? 'Joined after the active segmentation run: predicted from the next run on.'
            : 'No completed order: nothing to predict from.',
        });
        continue;
      }
      const history: CustomerHistory = { customerId, frequency: row.frequency, recency: row.recency, age: row.age, monetary: row.monetary };
      const v = model.predict(history, horizonDays, monthlyDiscountRate, { likely: true, rate: row.purchaseRate });
      // Churn risk as the run stored it, from the model chosen for the shop; runs made before the choice
      // keep BG/NBD's 1 − P(alive) (in `v`).
      const churn = model.state.churn
        ? {
            churnRisk: row.churnRisk ?? undefined,
            churnHorizonDays: model.state.churn.horizonDays,
            churnReasons: (readChurnReasons(row.churnReasons, `customer_value ${runId}/${customerId}`) ?? []).map((r) =>
              reasonInWords({ words: FEATURE_WORDS[r.feature as PurchaseFeature] ?? r.feature, effect: r.effect }),
            ),
          }
        : {};
      out.set(customerId, {
        horizonDays,
        history,
        ...(v ?? {}),
        ...churn,
        reason:
          model.state.status !== 'FITTED'
            ? model.state.reason
            : !v
              ? 'The fitted models give no finite prediction for this history.'
              : v.clv === null
                ? model.state.spendReason
                : null,
      });
    }
    return out;
  }

  /**
   * High-value customers slipping away: members of the active run (of one segment, if given) whose
   * churn risk is at least `minChurnRisk`, highest predicted lifetime value first — seeds for a
   * win-back lookalike. Internal customer ids.
   */
  async valuableAtRisk(options: { minChurnRisk: number; first: number; segmentId?: number }): Promise<number[]> {
    if (!(options.minChurnRisk >= 0 && options.minChurnRisk <= 1))
      throw new InputError('minChurnRisk must be from 0 to 1.', [{ index: -1, field: 'minChurnRisk', message: 'out of range' }]);
    if (!Number.isInteger(options.first) || options.first < 1 || options.first > 10_000)
      throw new InputError('first must be from 1 to 10,000.', [{ index: -1, field: 'first', message: 'out of range' }]);
    const rows = await this.prisma.membership.findMany({
      where: {
        run: { active: true },
        churnRisk: { gte: options.minChurnRisk },
        clv: { not: null },
        ...(options.segmentId !== undefined ? { segmentId: options.segmentId } : {}),
      },
      orderBy: [{ clv: 'desc' }, { customerId: 'asc' }],
      take: options.first,
      select: { customerId: true },
    });
    return rows.map((r) => r.customerId);
  }

  /** At the default horizon and discount: the stored predictions, summed in SQL. */
  private async storedSegment(runId: number, segmentId: number, members: number, model: ValueModel): Promise<SegmentValueAnswer> {
    const [row] = await this.prisma.$queryRaw<
      { n: bigint; alive: number | null; at_risk: bigint; purchases: number | null; spend: number | null; clv: number | null; priced: bigint }[]
    >`
      SELECT count(*) AS n, avg(v.p_alive) AS alive, count(*) FILTER (WHERE m.churn_risk > ${AT_RISK_ABOVE}) AS at_risk,
             sum(v.expected_purchases) AS purchases, sum(v.expected_spend) AS spend, sum(v.clv) AS clv, count(v.clv) AS priced
      FROM customer_value v JOIN membership m ON m.run_id = v.run_id AND m.customer_id = v.customer_id
      WHERE v.run_id = ${runId} AND m.segment_id = ${segmentId}`;
    const n = Number(row!.n);
    const priced = Number(row!.priced) === n;
    return {
      horizonDays: DEFAULT_HORIZON_DAYS,
      members,
      withHistory: n,
      meanPAlive: n > 0 ? row!.alive : null,
      shareAtRisk: n > 0 ? Number(row!.at_risk) / n : null,
      expectedPurchases: row!.purchases ?? 0,
      expectedSpend: priced ? (row!.spend ?? 0) : null,
      sumClv: priced ? (row!.clv ?? 0) : null,
      meanClv: priced && n > 0 ? (row!.clv ?? 0) / n : null,
      reason: priced ? null : (model.state.spendReason ?? 'Some members have no finite prediction.'),
    };
  }

  /** The segment's members by churn risk band (as the run stored the risks). */
  async riskBands(segmentId: number): Promise<RiskBands> {
    const [row] = await this.prisma.$queryRaw<{ low: bigint; medium: bigint; high: bigint; unknown: bigint }[]>`
      SELECT count(*) FILTER (WHERE churn_risk < ${1 / 3}) AS low,
             count(*) FILTER (WHERE churn_risk >= ${1 / 3} AND churn_risk <= ${2 / 3}) AS medium,
             count(*) FILTER (WHERE churn_risk > ${2 / 3}) AS high,
             count(*) FILTER (WHERE churn_risk IS NULL) AS unknown
      FROM membership WHERE segment_id = ${segmentId}`;
    return { low: Number(row?.low ?? 0), medium: Number(row?.medium ?? 0), high: Number(row?.high ?? 0), unknown: Number(row?.unknown ?? 0) };
  }

  async forSegment(runId: number, segmentId: number, query: ValueQuery): Promise<SegmentValueAnswer> {
    const { horizonDays, monthlyDiscountRate } = checkValueQuery(query);
    const model = await this.model(runId);
    const members = await this.prisma.membership.count({ where: { segmentId } });
    if (model?.fitted && horizonDays === DEFAULT_HORIZON_DAYS && monthlyDiscountRate === DEFAULT_MONTHLY_DISCOUNT)
      return this.storedSegment(runId, segmentId, members, model);
    const empty = { horizonDays, members, meanPAlive: null, shareAtRisk: null, expectedPurchases: null, expectedSpend: null, sumClv: null, meanClv: null };
    const rows = await this.prisma.$queryRaw<
      { customer_id: number; frequency: number; recency: number; age: number; monetary: number; churn_risk: number | null; purchase_rate: number | null }[]
    >`
      SELECT v.customer_id, v.frequency, v.recency, v.age, v.monetary, m.churn_risk, v.purchase_rate
      FROM customer_value v JOIN membership m ON m.run_id = v.run_id AND m.customer_id = v.customer_id
      WHERE v.run_id = ${runId} AND m.segment_id = ${segmentId}`;
    if (!model) return { ...empty, withHistory: rows.length, reason: 'The active segmentation was made before value models: run a segmentation.' };
    if (!model.fitted) return { ...empty, withHistory: rows.length, reason: model.state.reason };
    let alive = 0;
    let atRisk = 0;
    let purchases = 0;
    let spend = 0;
    let clv = 0;
    let priced = true;
    for (const [i, r] of rows.entries()) {
      // Closed forms, but ~12 hypergeometric terms per member and month: let the server answer between chunks.
      if (i % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve));
      const v = model.predict(
        { customerId: r.customer_id, frequency: r.frequency, recency: r.recency, age: r.age, monetary: r.monetary },
        horizonDays,
        monthlyDiscountRate,
        { rate: r.purchase_rate },
      );
      if (!v) {
        priced = false;
        continue;
      }
      alive += v.pAlive;
      // At risk by the run's churn risk: the same share whatever horizon the value is asked for.
      // (A member the serving churn model had nothing to say of is not counted at risk, as in storedSegment.)
      const risk = model.state.churn ? r.churn_risk : 1 - v.pAlive;
      if (risk !== null && risk > AT_RISK_ABOVE) atRisk++;
      purchases += v.expectedPurchases;
      if (v.clv === null || v.expectedSpend === null) priced = false;
      else {
        spend += v.expectedSpend;
        clv += v.clv;
      }
    }
    const n = rows.length;
    return {
      horizonDays,
      members,
      withHistory: n,
      meanPAlive: n > 0 ? alive / n : null,
      shareAtRisk: n > 0 ? atRisk / n : null,
      expectedPurchases: purchases,
      expectedSpend: priced ? spend : null,
      sumClv: priced ? clv : null,
      meanClv: priced && n > 0 ? clv / n : null,
      reason: priced ? null : model.state.spendReason,
    };
  }
}

export { DEFAULT_HORIZON_DAYS, DEFAULT_MONTHLY_DISCOUNT };
