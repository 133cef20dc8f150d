import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Entity } from '../../ingest/records.js';
import type { GraphQLContext } from '../context.js';
import { CustomerInput, IngestResult, ingestEntityOf, OrderInput, ProductInput, ReviewInput, SearchInput } from '../types/ingest.js';

const BATCH_NOTE =
  'Idempotent by id. The whole batch (at most MAX_BATCH_SIZE records, 10,000 by default) is written in one ' +
  'transaction; one invalid record rejects it with BAD_USER_INPUT naming the record index and field.';

@Resolver()
export class IngestResolver {
  @Authorized('ADMIN')
  @Mutation(() => IngestResult, { description: `Upserts customers. ${BATCH_NOTE}` })
  upsertCustomers(@Arg('records', () => [CustomerInput]) records: CustomerInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'customers', records);
  }

  @Authorized('ADMIN')
  @Mutation(() => IngestResult, { description: `Upserts products. ${BATCH_NOTE}` })
  upsertProducts(@Arg('records', () => [ProductInput]) records: ProductInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'products', records);
  }

  @Authorized('ADMIN')
  @Mutation(() => IngestResult, {
    description: `Upserts orders with their lines; customers and products must exist. ${BATCH_NOTE}`,
  })
  upsertOrders(@Arg('records', () => [OrderInput]) records: OrderInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'orders', records);
  }

  @Authorized('ADMIN')
  @Mutation(() => IngestResult, { description: `Upserts search queries. ${BATCH_NOTE}` })
  upsertSearches(@Arg('records', () => [SearchInput]) records: SearchInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'searches', records);
  }

  @Authorized('ADMIN')
  @Mutation(() => IngestResult, { description: `Upserts reviews. ${BATCH_NOTE}` })
  upsertReviews(@Arg('records', () => [ReviewInput]) records: ReviewInput[], @Ctx() ctx: GraphQLContext) {
    return upsert(ctx, 'reviews', records);
  }
}

async function upsert(ctx: GraphQLContext, entity: Entity, records: readonly object[]): Promise<IngestResult> {
  const result = await ctx.services.ingest.upsert(entity, records);
  return { ...result, entity: ingestEntityOf[entity] };
}
