// Products to offer a customer or a segment (recommendations/).
import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { DescribedRecommendation } from '../../recommendations/product-recommender.js';
import type { GraphQLContext } from '../context.js';
import { Customer } from '../types/customer.js';
import { VectorKind, vectorNameOf } from '../types/vector-kind.js';
import { Segment } from '../types/segment.js';
import { ProductRecommendation } from '../types/recommendation.js';

const LIMIT = { defaultValue: 10, description: '1 to 100.' };

function toGraphQL(recs: DescribedRecommendation[]): ProductRecommendation[] {
  return recs.map(({ product: { externalId, ...product }, score, buyers, lift, reason }) => ({
    product: { id: externalId, ...product },
    score,
    buyers,
    lift,
    reason,
  }));
}

@Resolver(() => Customer)
export class CustomerRecommendationResolver {
  @FieldResolver(() => [ProductRecommendation], {
    description: 'Products the customer’s nearest customers bought and they have not, weighted by nearness, recency and quantity. Empty without a vector.',
  })
  async recommendedProducts(
    @Root() customer: Customer,
    @Arg('limit', () => Int, LIMIT) limit: number,
    @Arg('vector', () => VectorKind, {
      defaultValue: VectorKind.LEXICAL,
      description:
        'Which view of customers finds the neighbours. LEXICAL (default): on Online Retail it found the most of what customers bought next (bench:value); COMBINED adds behaviour.',
    })
    vector: VectorKind,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ProductRecommendation[]> {
    const recs = await services.recommendations.forCustomer(customer.internalId, { limit, vector: vectorNameOf[vector] });
    return toGraphQL(await services.recommendations.describe(recs));
  }
}

@Resolver(() => Customer)
export class CustomerBuyAgainResolver {
  @FieldResolver(() => [ProductRecommendation], {
    description:
      'Products the customer bought and may buy again: each day they bought it counts, recent days more (half-life 180 days). Beside `recommendedProducts` (new to them). Empty without completed orders.',
  })
  async buyAgain(
    @Root() customer: Customer,
    @Arg('limit', () => Int, LIMIT) limit: number,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ProductRecommendation[]> {
    return toGraphQL(await services.recommendations.describe(await services.recommendations.buyAgain(customer.internalId, { limit })));
  }
}

@Resolver(() => Segment)
export class SegmentRecommendationResolver {
  @FieldResolver(() => [ProductRecommendation], {
    description: 'Products with the highest lift in the segment over all customers (at least 5 buyers and 1 % of the members).',
  })
  async recommendedProducts(
    @Root() segment: Segment,
    @Arg('limit', () => Int, LIMIT) limit: number,
    @Ctx() { services }: GraphQLContext,
  ): Promise<ProductRecommendation[]> {
    return toGraphQL(await services.recommendations.describe(await services.recommendations.forSegment(Number(segment.id), limit)));
  }
}
