import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A shopper, by the shop’s own (pseudonymous) id.' })
export class Customer {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) country!: string | null;
  @Field(() => Date, { nullable: true }) signupAt!: Date | null;
  @Field(() => GraphQLJSONObject) attributes!: Record<string, unknown>;
  @Field(() => Boolean, { nullable: true, description: 'Marketing consent as recorded: true, false, or null (not known; MARKETING_CONSENT decides).' })
  marketingConsent!: boolean | null;
  @Field(() => Date, { nullable: true, description: 'On the suppression list since then (never delivered in an audience).' })
  suppressedAt!: Date | null;
  @Field(() => String, { nullable: true }) suppressionReason!: string | null;
  /** Internal row id; never exposed. */
  internalId!: number;
}

@ObjectType({ description: 'Behavioural features of one customer, computed from their orders and reviews.' })
export class CustomerBehaviour {
  @Field(() => Float, { nullable: true }) recencyDays!: number | null;
  @Field(() => Int) frequency!: number;
  @Field(() => Float) monetary!: number;
  @Field(() => Float) averageOrderValue!: number;
  @Field(() => Float) tenureDays!: number;
  @Field(() => Float) returnRate!: number;
  @Field(() => Float, { nullable: true }) meanRating!: number | null;
  @Field(() => [CategoryShareOfCustomer]) categoryShares!: CategoryShareOfCustomer[];
}

@ObjectType('CustomerCategoryShare')
export class CategoryShareOfCustomer {
  @Field(() => String) category!: string;
  @Field(() => Float) share!: number;
}

@ObjectType()
export class CustomerProfileSummary {
  @Field(() => Int) orders!: number;
  @Field(() => Int) searches!: number;
  @Field(() => Int) reviews!: number;
  @Field(() => [String], { description: 'Newest first, at most 5.' }) recentSearches!: string[];
}

@ObjectType()
export class SimilarCustomer {
  @Field(() => Customer) customer!: Customer;
  @Field(() => Float, { description: 'Cosine similarity (text) or Euclidean distance (behaviour, combined; lower is nearer).' }) score!: number;
}

@InputType({ description: 'A shopper who is not in the shop yet: their words and behaviour.' })
export class ProspectInput {
  @Field(() => [String], { description: 'Searches and reviews, newest first.' }) texts!: string[];
  @Field(() => [String], { defaultValue: [] }) categories!: string[];
  @Field(() => Float, { nullable: true }) recencyDays?: number;
  @Field(() => Int, { defaultValue: 0 }) frequency!: number;
  @Field(() => Float, { defaultValue: 0 }) monetary!: number;
  @Field(() => Float, { nullable: true }) averageOrderValue?: number;
  @Field(() => Float, { defaultValue: 0 }) tenureDays!: number;
  @Field(() => Float, { defaultValue: 0 }) returnRate!: number;
  @Field(() => Float, { nullable: true }) meanRating?: number;
  @Field(() => Int, {
    defaultValue: 1,
    description: 'How many ratings meanRating averages: the more, the more it is read as the shopper’s habit rather than about what they reviewed.',
  })
  ratingCount!: number;
  @Field(() => [CategoryShareInput], { defaultValue: [] }) categoryShares!: CategoryShareInput[];
}

@InputType()
export class CategoryShareInput {
  @Field(() => String) category!: string;
  @Field(() => Float) share!: number;
}
