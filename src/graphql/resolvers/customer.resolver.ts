import { Arg, Authorized, Ctx, FieldResolver, Float, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { toCustomer, toSegment } from '../mappers.js';
import { Customer, CustomerBehaviour, CustomerProfileSummary, SimilarCustomer } from '../types/customer.js';
import { Segment } from '../types/segment.js';
import { VectorKind, vectorNameOf } from '../types/vector-kind.js';

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized()
  @Query(() => Customer, { description: 'By the shop’s id; NOT_FOUND when unknown.' })
  async customer(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<Customer> {
    return toCustomer(await services.customers.byExternalId(id));
  }

  @FieldResolver(() => CustomerProfileSummary)
  async profile(@Root() customer: Customer, @Ctx() { services }: GraphQLContext): Promise<CustomerProfileSummary> {
    return services.customers.activity(customer.internalId);
  }

  @FieldResolver(() => CustomerBehaviour)
  async behaviour(@Root() customer: Customer, @Ctx() { loaders }: GraphQLContext): Promise<CustomerBehaviour> {
    const b = (await loaders.behaviour.load(customer.internalId))!;
    return {
      ...b,
      categoryShares: Object.entries(b.categoryShares)
        .map(([category, share]) => ({ category, share }))
        .sort((x, y) => y.share - x.share),
    };
  }

  @FieldResolver(() => Segment, { nullable: true, description: 'Segment in the active run.' })
  async segment(@Root() customer: Customer, @Ctx() { loaders }: GraphQLContext): Promise<Segment | null> {
    const m = await loaders.activeMembership.load(customer.internalId);
    const s = m ? await loaders.segment.load(m.segmentId) : null;
    return s ? toSegment(s) : null;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Distance to the segment centroid.' })
  async distance(@Root() customer: Customer, @Ctx() { loaders }: GraphQLContext): Promise<number | null> {
    return (await loaders.activeMembership.load(customer.internalId))?.distance ?? null;
  }

  @FieldResolver(() => Boolean, { description: 'Assigned after the active run, until the next one.' })
  async provisional(@Root() customer: Customer, @Ctx() { loaders }: GraphQLContext): Promise<boolean> {
    return (await loaders.activeMembership.load(customer.internalId))?.provisional ?? false;
  }

  @FieldResolver(() => Boolean, { description: 'Farther from its centroid than the segment’s outlier distance.' })
  async outlier(@Root() customer: Customer, @Ctx() { loaders }: GraphQLContext): Promise<boolean> {
    return (await loaders.activeMembership.load(customer.internalId))?.outlier ?? false;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: 'When this customer’s vectors were last written (an embed job, or live updates after a change through the API); null before either.',
  })
  async vectorsUpdatedAt(@Root() customer: Customer, @Ctx() { loaders }: GraphQLContext): Promise<Date | null> {
    return (await loaders.freshness.load(customer.internalId)).vectorsUpdatedAt;
  }

  @FieldResolver(() => Int, {
    description:
      'Changes accepted through the API that live updates have not yet reflected in this customer’s vectors, segment and value (0 once the live round that covers them has run; see segment_api_live_update_lag_seconds for how long that takes).',
  })
  async pendingChanges(@Root() customer: Customer, @Ctx() { loaders }: GraphQLContext): Promise<number> {
    return (await loaders.freshness.load(customer.internalId)).pendingChanges;
  }

  @FieldResolver(() => [SimilarCustomer], { description: 'Nearest customers in the vector store (this one excluded).' })
  async similarCustomers(
    @Root() customer: Customer,
    @Arg('limit', () => Int, { defaultValue: 10, description: '1 to 1,000.' }) limit: number,
    @Arg('sameSegment', () => Boolean, { defaultValue: false }) sameSegment: boolean,
    @Arg('vector', () => VectorKind, { defaultValue: VectorKind.COMBINED }) vector: VectorKind,
    @Ctx() { services, loaders }: GraphQLContext,
  ): Promise<SimilarCustomer[]> {
    const hits = await services.customers.similar(customer.internalId, { limit, sameSegment, vector: vectorNameOf[vector] });
    const rows = await loaders.customer.loadMany(hits.map((h) => h.id));
    return hits.flatMap((h, i) => {
      const row = rows[i];
      return row && !(row instanceof Error) ? [{ customer: toCustomer(row), score: h.score }] : [];
    });
  }
}
