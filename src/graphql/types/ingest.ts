import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ORDER_STATUSES, type Entity } from '../../ingest/records.js';

export enum OrderStatus {
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
  RETURNED = 'RETURNED',
}
registerEnumType(OrderStatus, { name: 'OrderStatus', description: 'What became of an order as a whole.' });
// Keep the GraphQL enum and the domain's list in step.
if (Object.values(OrderStatus).join() !== ORDER_STATUSES.join()) throw new Error('OrderStatus enum out of step');

export enum IngestEntity {
  CUSTOMERS = 'customers',
  PRODUCTS = 'products',
  ORDERS = 'orders',
  SEARCHES = 'searches',
  REVIEWS = 'reviews',
}
registerEnumType(IngestEntity, { name: 'IngestEntity' });
/** The API's name of each entity the ingest takes (total: an entity added there without one here fails to compile). */
export const ingestEntityOf: Record<Entity, IngestEntity> = {
  customers: IngestEntity.CUSTOMERS,
  products: IngestEntity.PRODUCTS,
  orders: IngestEntity.ORDERS,
  searches: IngestEntity.SEARCHES,
  reviews: IngestEntity.REVIEWS,
};

@InputType({ description: "A shopper. `id` is the shop's pseudonymous id (never an e-mail address)." })
export class CustomerInput {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) country?: string;
  @Field(() => Date, { nullable: true }) signupAt?: Date;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Free attributes (a JSON object).' })
  attributes?: Record<string, unknown>;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Marketing consent as the shop records it. Left out: unchanged (unknown for a new customer; MARKETING_CONSENT decides what unknown means).',
  })
  marketingConsent?: boolean;
}

@InputType()
export class ProductInput {
  @Field(() => ID) id!: string;
  @Field(() => String) title!: string;
  @Field(() => String, { nullable: true }) category?: string;
  @Field(() => Float, { nullable: true, description: 'List price in the shop currency.' }) price?: number;
}

@InputType()
export class OrderItemInput {
  @Field(() => ID) productId!: string;
  @Field(() => Int, { description: 'Units bought (at least 1).' }) quantity!: number;
  @Field(() => Float) unitPrice!: number;
  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'The line was returned later.' })
  returned?: boolean;
}

@InputType({ description: 'An order with its lines; it replaces any order stored under the same id.' })
export class OrderInput {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => Date) placedAt!: Date;
  @Field(() => OrderStatus, { nullable: true, defaultValue: OrderStatus.COMPLETED }) status?: OrderStatus;
  @Field(() => [OrderItemInput]) items!: OrderItemInput[];
}

@InputType()
export class SearchInput {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => String) text!: string;
  @Field(() => Date) searchedAt!: Date;
}

@InputType()
export class ReviewInput {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => ID, { nullable: true }) productId?: string;
  @Field(() => Int, { description: '1 to 5.' }) rating!: number;
  @Field(() => String) text!: string;
  @Field(() => String, { nullable: true, description: 'BCP 47 tag; detected from the text when omitted ("zh" or "en").' })
  language?: string;
  @Field(() => Date) reviewedAt!: Date;
}

@ObjectType({ description: 'What a batch upsert did. The batch was written in one transaction.' })
export class IngestResult {
  @Field(() => IngestEntity) entity!: IngestEntity;
  @Field(() => Int) received!: number;
  @Field(() => Int) created!: number;
  @Field(() => Int, { description: 'Records that replaced a different stored version.' }) updated!: number;
  @Field(() => Int, { description: 'Records identical to what was stored; nothing was written for them.' })
  unchanged!: number;
}
