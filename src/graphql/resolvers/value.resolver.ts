// Predicted value and churn risk on customers, segments and runs (value/). Read like the rest of
// their types: any role that may read a customer or segment may read its value.
import { Arg, Authorized, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { numericId, toCustomer } from '../mappers.js';
import { DEFAULT_HORIZON_DAYS, DEFAULT_MONTHLY_DISCOUNT, type ValueQuery } from '../../value/customer-values.js';
import type { GraphQLContext } from '../context.js';
import { Customer } from '../types/customer.js';
import { Segment, SegmentationRun } from '../types/segment.js';
import { CustomerValue, ForecastModel, RiskBands, SegmentValue, ValueModelInfo, toChurnModel, toPurchaseModel, toValueModelStatus } from '../types/value.js';

const HORIZON = { defaultValue: DEFAULT_HORIZON_DAYS, description: 'Days ahead (1 to 3,650).' };
const DISCOUNT = { defaultValue: DEFAULT_MONTHLY_DISCOUNT, description: 'Discount per 30 days for the lifetime value (0 to 1).' };

@Resolver(() => Customer)
export class CustomerValueResolver {
  @Authorized()
  @Query(() => [Customer], {
    description:
      'High-value customers slipping away: churn risk at least `minChurnRisk`, highest predicted lifetime value first (active run). Seeds for a win-back lookalike.',
  })
  async valuableAtRisk(
    @Arg('minChurnRisk', () => Float, { defaultValue: 0.5 }) minChurnRisk: number,
    @Arg('first', () => Int, { defaultValue: 500, description: '1 to 10,000.' }) first: number,
    @Arg('segment', () => ID, { nullable: true }) segment: string | undefined,
    @Ctx() { services, loaders }: GraphQLContext,
  ): Promise<Customer[]> {
    const ids = await services.values.valuableAtRisk({ minChurnRisk, first, segmentId: segment ? numericId(segment, 'segment') : undefined });
    const rows = await loaders.customer.loadMany(ids);
    return rows.flatMap((c) => (c && !(c instanceof Error) ? [toCustomer(c)] : []));
  }

  @FieldResolver(() => CustomerValue, { description: 'Predicted value and churn risk (models of the active segmentation run).' })
  async value(
    @Root() customer: Customer,
    @Arg('horizonDays', () => Int, HORIZON) horizonDays: number,
    @Arg('monthlyDiscountRate', () => Float, DISCOUNT) monthlyDiscountRate: number,
    @Ctx() { services, loaders }: GraphQLContext,
  ): Promise<CustomerValue> {
    const query: ValueQuery = services.values.check({ horizonDays, monthlyDiscountRate });
    const membership = await loaders.activeMembership.load(customer.internalId);
    const empty = {
      pAlive: null,
      churnRisk: null,
      churnHorizonDays: null,
      churnReasons: null,
      expectedPurchases: null,
      purchaseProbability: null,
      likelyPurchases: null,
      expectedSpendPerPurchase: null,
      expectedSpend: null,
      clv: null,
      repeatPurchases: null,
      recencyDays: null,
      ageDays: null,
    };
    if (!membership) return { horizonDays, ...empty, reason: 'Not in the active segmentation (no vectors yet, or no segmentation run).' };
    const v = await loaders.value(query).load({ runId: membership.runId, customerId: customer.internalId });
    return {
      ...empty,
      horizonDays,
      pAlive: v.pAlive ?? null,
      churnRisk: v.churnRisk ?? null,
      churnHorizonDays: v.churnHorizonDays ?? null,
      churnReasons: v.churnReasons ?? null,
      expectedPurchases: v.expectedPurchases ?? null,
      purchaseProbability: v.purchaseProbability ?? null,
      likelyPurchases: v.likelyPurchases ?? null,
      expectedSpendPerPurchase: v.expectedSpendPerPurchase ?? null,
      expectedSpend: v.expectedSpend ?? null,
      clv: v.clv ?? null,
      repeatPurchases: v.history?.frequency ?? null,
      recencyDays: v.history?.recency ?? null,
      ageDays: v.history?.age ?? null,
      reason: v.reason,
    };
  }
}

@Resolver(() => Segment)
export class SegmentValueResolver {
  @FieldResolver(() => SegmentValue, { description: 'Predicted value and churn risk of the members: sums, means, the share at risk.' })
  async value(
    @Root() segment: Segment,
    @Arg('horizonDays', () => Int, HORIZON) horizonDays: number,
    @Arg('monthlyDiscountRate', () => Float, DISCOUNT) monthlyDiscountRate: number,
    @Ctx() { services }: GraphQLContext,
  ): Promise<SegmentValue> {
    return services.values.forSegment(segment.runIdNumber, Number(segment.id), { horizonDays, monthlyDiscountRate });
  }

  @FieldResolver(() => RiskBands, { description: 'Members by churn risk band (low below ⅓, high above ⅔), as the run stored it.' })
  async churnRiskBands(@Root() segment: Segment, @Ctx() { services }: GraphQLContext): Promise<RiskBands> {
    return services.values.riskBands(Number(segment.id));
  }
}

@Resolver(() => SegmentationRun)
export class RunValueResolver {
  @FieldResolver(() => ValueModelInfo, { nullable: true, description: 'The value and churn models fitted with this run; null for runs made before them.' })
  async valueModel(@Root() run: SegmentationRun, @Ctx() { services }: GraphQLContext): Promise<ValueModelInfo | null> {
    const model = await services.values.model(Number(run.id));
    if (!model) return null;
    const s = model.state;
    return {
      status: toValueModelStatus(s.status),
      reason: s.reason,
      spendReason: s.spendReason,
      asOf: new Date(s.asOf),
      customers: s.customers,
      repeatCustomers: s.repeatCustomers,
      historyDays: s.historyDays,
      futureOrders: s.futureOrders,
      bgNbd: s.bgNbd && { ...s.bgNbd, model: toPurchaseModel(s.bgNbd.variant), penalizer: s.bgNbd.penalizer ?? null },
      gammaGamma: s.gammaGamma,
      penaltySelection: s.selection
        ? {
            ...s.selection,
            model: toPurchaseModel(s.selection.variant),
            candidates: s.selection.candidates.map((c) => ({ ...c, model: toPurchaseModel(c.variant) })),
            models: s.selection.variants.map((v) => ({ ...v, model: toPurchaseModel(v.variant) })),
          }
        : null,
      churnModel: s.churn
        ? {
            serving: s.churn.serving && toChurnModel(s.churn.serving),
            horizonDays: s.churn.horizonDays,
            why: s.churn.why,
            learntValidation: s.churn.propensity.validation,
            bgNbdValidation: s.churn.bgNbdValidation,
            trainingCutoffs: s.churn.propensity.windows,
            learntReason: s.churn.propensity.reason,
          }
        : null,
      forecastModel: s.forecast
        ? {
            serving: ForecastModel[s.forecast.serving],
            why: s.forecast.why,
            customers: s.forecast.customers,
            scores: s.forecast.scores.map((x) => ({ model: ForecastModel[x.kind], mae: x.mae })),
            learntReason: s.forecast.learnt.reason,
          }
        : null,
    };
  }
}
