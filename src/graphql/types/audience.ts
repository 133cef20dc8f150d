import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Lookalike } from '../../audiences/lookalikes.js';
import { Customer } from './customer.js';
import { PageInfo, Segment } from './segment.js';
import type * as Domain from '../../audiences/lookalikes.js';

export enum LookalikeStrategy {
  AVERAGE_VECTOR = 'AVERAGE_VECTOR',
  BEST_SCORE = 'BEST_SCORE',
}
registerEnumType(LookalikeStrategy, {
  name: 'LookalikeStrategy',
  description: 'AVERAGE_VECTOR: near the seeds’ mean (fast, broad). BEST_SCORE: near any one seed (finds every sub-group of the seeds).',
});

@InputType()
export class AudienceFilter {
  @Field(() => [String], { nullable: true }) countries?: string[];
  @Field(() => [ID], { nullable: true, description: 'Only customers of these segments.' }) segments?: string[];
  @Field(() => [ID], { nullable: true, description: 'No customers of these segments.' }) excludeSegments?: string[];
  @Field(() => Float, { nullable: true, description: 'Only customers whose predicted lifetime value (default horizon, active run) is at least this.' })
  minClv?: number;
  @Field(() => Float, {
    nullable: true,
    description:
      'Only customers whose churn risk (active run: the chance of no purchase in the next 90 days) is at least this, e.g. 0.5: more likely than not to stay away.',
  })
  minChurnRisk?: number;
  @Field(() => Float, { nullable: true, description: 'Only customers whose churn risk is at most this.' }) maxChurnRisk?: number;
}

@ObjectType({
  description:
    'Held-out seeds recovered: a fifth of the seeds is left out and an audience of the same size rebuilt from the rest (without the filter, which may exclude the seeds themselves).',
})
export class AudienceQuality implements Domain.AudienceQuality {
  @Field(() => Float) holdoutShare!: number;
  @Field(() => Int) heldOut!: number;
  @Field(() => Int) recovered!: number;
  @Field(() => Float, { description: 'recovered / heldOut.' }) recall!: number;
}

@ObjectType()
export class AudienceMember {
  @Field(() => Int, { description: '0 is the best match.' }) rank!: number;
  @Field(() => Customer) customer!: Customer;
  @Field(() => Float, { nullable: true, description: 'Similarity score from the vector store (null for a seed kept in the audience).' }) score!: number | null;
  customerId!: number;
}

@ObjectType()
export class AudienceMemberEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AudienceMember) node!: AudienceMember;
}

@ObjectType()
export class AudienceMemberConnection {
  @Field(() => [AudienceMemberEdge]) edges!: AudienceMemberEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'Customers most like the seeds, ranked; page through `members`.' })
export class LookalikeAudience {
  @Field(() => ID, {
    description:
      'This computation of the audience. Its members page from it (cursors name it); the same request within 30 minutes returns the same one. A cursor of an expired computation is refused.',
  })
  id!: string;
  @Field(() => Int) size!: number;
  @Field(() => Int) seedsUsed!: number;
  @Field(() => [ID], { description: 'Seeds that are unknown or have no vector yet.' }) seedsMissing!: string[];
  @Field(() => AudienceQuality, { nullable: true, description: 'Needs at least 5 seeds.' }) quality!: AudienceQuality | null;
  /** The computed ranking its members page from. */
  result!: Lookalike;
}

@ObjectType({ description: 'A saved audience.' })
export class Audience {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) size!: number;
  @Field(() => GraphQLJSON) parameters!: unknown;
  @Field(() => AudienceQuality, { nullable: true }) quality!: AudienceQuality | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String) createdBy!: string;
  @Field(() => String, { description: 'Where to GET the members as CSV (same API key).' }) csvPath!: string;
}

@ObjectType()
export class SegmentAssignment {
  @Field(() => Segment) segment!: Segment;
  @Field(() => Float) distance!: number;
  @Field(() => Boolean) outlier!: boolean;
}

@ObjectType()
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => Date) at!: Date;
  @Field(() => String) actor!: string;
  @Field(() => String) role!: string;
  @Field(() => String) action!: string;
  @Field(() => String, { nullable: true }) target!: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) before!: unknown;
  @Field(() => GraphQLJSON, { nullable: true }) after!: unknown;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntry]) entries!: AuditEntry[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@ObjectType()
export class DeletedCustomer {
  @Field(() => ID) id!: string;
  @Field(() => GraphQLJSON, {
    description: 'Rows removed per table, the vector collections it was removed from, and textVectors: cached vectors of texts only this customer wrote.',
  })
  removed!: unknown;
}
