import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { Lookalike } from '../../audiences/lookalikes.js';
import { Customer } from './customer.js';
import { PageInfo, Segment } from './segment.js';
import { VectorKind } from './vector-kind.js';
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

export enum AudienceKind {
  LOOKALIKE = 'LOOKALIKE',
  FILTER = 'FILTER',
}
registerEnumType(AudienceKind, {
  name: 'AudienceKind',
  description:
    'LOOKALIKE: customers most like a set of seeds. FILTER: customers of segments (followed across re-clustering) within value and churn-risk bounds.',
});

export enum MemberChange {
  ALL = 'ALL',
  ADDED = 'ADDED',
  REMOVED = 'REMOVED',
}
registerEnumType(MemberChange, {
  name: 'MemberChange',
  description: 'ALL: the version’s members. ADDED: members new since the version before. REMOVED: members of the version before that are gone.',
});

@ObjectType({ description: 'A saved audience: a definition kept for good, refreshed on demand or on a schedule; each refresh is a version.' })
export class Audience {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => AudienceKind) kind!: AudienceKind;
  @Field(() => GraphQLJSON, { description: 'The definition as saved (a lookalike request, or a filter over segment lineages, value and churn risk).' })
  parameters!: unknown;
  @Field(() => Int, { description: 'The current version.' }) version!: number;
  @Field(() => Int, { description: 'Members of the current version that may be delivered (consent given or not refused, and not suppressed).' })
  size!: number;
  @Field(() => Int, {
    description: 'Members of the current version held back: no marketing consent, or suppressed. size + heldBack is the audience before consent.',
  })
  heldBack!: number;
  @Field(() => AudienceQuality, { nullable: true }) quality!: AudienceQuality | null;
  @Field(() => String, { nullable: true, description: 'Cron expression (UTC) of its refreshes; null: refreshed on demand only.' }) schedule!: string | null;
  @Field(() => Date, { nullable: true }) nextRefreshAt!: Date | null;
  @Field(() => Date, { nullable: true }) refreshedAt!: Date | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String) createdBy!: string;
  @Field(() => String, { description: 'Where to GET the current members as CSV (same API key); add ?version=N&change=ADDED|REMOVED for a diff.' })
  csvPath!: string;
}

@ObjectType({ description: 'One refresh of an audience, and how it differs from the version before.' })
export class AudienceVersion {
  @Field(() => Int) version!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Int, { description: 'Members that may be delivered, as of this version.' }) size!: number;
  @Field(() => Int, { description: 'Members held back for consent or suppression.' }) heldBack!: number;
  @Field(() => Int, { description: 'Members not in the version before (version 1: all).' }) added!: number;
  @Field(() => Int, { description: 'Members of the version before not in this one.' }) removed!: number;
  @Field(() => Int) unchanged!: number;
  @Field(() => AudienceQuality, { nullable: true }) quality!: AudienceQuality | null;
  @Field(() => Date, { nullable: true, description: 'When its members stop being readable; null while it is the current version.' })
  expiresAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'The refresh job that made it.' }) jobId!: string | null;
  @Field(() => String, { description: 'Where to GET this version’s members as CSV.' }) csvPath!: string;
  audienceId!: number;
}

@InputType({ description: 'A lookalike: the customers most like the seeds.' })
export class LookalikeDefinitionInput {
  @Field(() => [ID]) seeds!: string[];
  @Field(() => Int, { description: '1 to 100,000.' }) size!: number;
  @Field(() => Boolean, { defaultValue: true }) excludeSeeds!: boolean;
  @Field(() => AudienceFilter, { nullable: true }) filter?: AudienceFilter;
  @Field(() => VectorKind, { nullable: true, description: 'Default LEXICAL (see lookalikeAudience).' }) vector?: VectorKind;
  @Field(() => LookalikeStrategy, { defaultValue: LookalikeStrategy.AVERAGE_VECTOR }) strategy!: LookalikeStrategy;
}

@InputType({ description: 'Customers of the active segmentation, the highest predicted value first.' })
export class SegmentFilterInput {
  @Field(() => [ID], { nullable: true, description: 'Only customers of these segments — and of the segments that continue them after re-clustering.' })
  segments?: string[];
  @Field(() => [ID], { nullable: true, description: 'No customers of these segments (or their continuations).' }) excludeSegments?: string[];
  @Field(() => [String], { nullable: true }) countries?: string[];
  @Field(() => Float, { nullable: true, description: 'Predicted lifetime value at least this.' }) minClv?: number;
  @Field(() => Float, { nullable: true, description: 'Churn risk (chance of no purchase in the next 90 days) at least this.' }) minChurnRisk?: number;
  @Field(() => Float, { nullable: true }) maxChurnRisk?: number;
  @Field(() => Int, { description: 'At most this many customers (1 to 100,000).' }) limit!: number;
}

@InputType({ description: 'Exactly one of `lookalike` and `filter`.' })
export class AudienceDefinitionInput {
  @Field(() => LookalikeDefinitionInput, { nullable: true }) lookalike?: LookalikeDefinitionInput;
  @Field(() => SegmentFilterInput, { nullable: true }) filter?: SegmentFilterInput;
}

@ObjectType()
export class ConsentUpdate {
  @Field(() => Int, { description: 'Customers updated.' }) updated!: number;
  @Field(() => [ID], { description: 'Ids not known here (nothing recorded for them).' }) unknown!: string[];
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
