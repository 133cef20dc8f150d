import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Customer } from './customer.js';
import type * as Catalog from '../../segments/segment-catalog.js';
import type * as Naming from '../../segments/naming/segment-namer.js';

@ObjectType({ description: 'Behavioural figures (medians or means) of a group of customers.' })
export class BehaviourStats implements Naming.BehaviourStats {
  @Field(() => Float, { nullable: true, description: 'Days since the last completed order.' }) recencyDays!: number | null;
  @Field(() => Float, { nullable: true, description: 'Completed orders.' }) frequency!: number | null;
  @Field(() => Float, { nullable: true, description: 'Net spend.' }) monetary!: number | null;
  @Field(() => Float, { nullable: true }) averageOrderValue!: number | null;
  @Field(() => Float, { nullable: true }) tenureDays!: number | null;
  @Field(() => Float, { nullable: true }) returnRate!: number | null;
  @Field(() => Float, { nullable: true }) meanRating!: number | null;
}

@ObjectType()
export class CategoryShare {
  @Field(() => String) category!: string;
  @Field(() => Float, { description: 'Share of spend, 0 to 1.' }) share!: number;
}

@ObjectType({ description: 'Change against the matched segment of the previous run.' })
export class SegmentTrend {
  @Field(() => ID, { nullable: true, description: 'The previous run’s segment this one continues.' }) previousSegmentId!: string | null;
  @Field(() => Int, { nullable: true }) previousSize!: number | null;
  @Field(() => Int) sizeChange!: number;
  @Field(() => Int, { description: 'Customers who came from elsewhere (or are new).' }) inflow!: number;
  @Field(() => Int, { description: 'Customers of the previous segment who went elsewhere.' }) outflow!: number;
}

export enum MemberOrder {
  DISTANCE = 'DISTANCE',
  MONETARY = 'MONETARY',
  RECENCY = 'RECENCY',
  FREQUENCY = 'FREQUENCY',
  CLV = 'CLV',
  CHURN_RISK = 'CHURN_RISK',
}
registerEnumType(MemberOrder, {
  name: 'MemberOrder',
  description:
    'DISTANCE: nearest the centroid first. MONETARY, FREQUENCY: highest first. RECENCY: most recent buyers first. CLV: highest predicted lifetime value (default horizon) first. CHURN_RISK: likeliest to have left first. Members without a prediction come last.',
});

@InputType()
export class MemberFilter implements Catalog.MemberFilter {
  @Field(() => Boolean, { nullable: true }) outlier?: boolean;
  @Field(() => Boolean, { nullable: true }) provisional?: boolean;
  @Field(() => String, { nullable: true }) country?: string;
  @Field(() => Float, { nullable: true }) minMonetary?: number;
  @Field(() => Float, { nullable: true }) maxMonetary?: number;
  @Field(() => Int, { nullable: true }) minFrequency?: number;
  @Field(() => Float, { nullable: true }) maxRecencyDays?: number;
  @Field(() => Float, {
    nullable: true,
    description: 'Churn risk (chance of no purchase in the next 90 days, as of the run; 1 − pAlive for older runs) at least this.',
  })
  minChurnRisk?: number;
  @Field(() => Float, { nullable: true }) maxChurnRisk?: number;
  @Field(() => Float, { nullable: true, description: 'Predicted lifetime value (default horizon, as of the run) at least this.' }) minClv?: number;
}

@ObjectType()
export class SegmentMember {
  @Field(() => Customer) customer!: Customer;
  @Field(() => Float, { description: 'Distance to the segment centroid.' }) distance!: number;
  @Field(() => Boolean) outlier!: boolean;
  @Field(() => Boolean, { description: 'Assigned after the run, to the nearest centroid.' }) provisional!: boolean;
  @Field(() => Float, { nullable: true, description: 'As of the run.' }) recencyDays!: number | null;
  @Field(() => Int, { description: 'As of the run.' }) frequency!: number;
  @Field(() => Float, { description: 'As of the run.' }) monetary!: number;
  @Field(() => Float, {
    nullable: true,
    description:
      'Churn risk as of the run: the chance of no purchase in the next 90 days from the shop’s churn model (1 − pAlive for older runs); null without order history, when that model has nothing to say of the customer, or when provisional.',
  })
  churnRisk!: number | null;
  @Field(() => Float, { nullable: true, description: 'Predicted lifetime value (default horizon) as of the run; null when not predicted.' }) clv!:
    number | null;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType()
export class SegmentMemberEdge {
  @Field(() => String) cursor!: string;
  @Field(() => SegmentMember) node!: SegmentMember;
}

@ObjectType({ description: 'Relay-style connection; cursors are keyset cursors and stay valid while customers are added.' })
export class SegmentMemberConnection {
  @Field(() => [SegmentMemberEdge]) edges!: SegmentMemberEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  /** A promise, computed only when asked for. */
  @Field(() => Int) totalCount!: number | Promise<number>;
}

@ObjectType({ description: 'A group of similar customers in a segmentation run.' })
export class Segment {
  @Field(() => ID) id!: string;
  @Field(() => ID) runId!: string;
  @Field(() => ID, { description: 'Stable across runs: a re-clustered segment that matches this one keeps it.' }) lineageId!: string;
  @Field(() => String, { description: 'The human label when set, else the automatic name.' }) name!: string;
  @Field(() => String) automaticName!: string;
  @Field(() => String, { description: 'The human description when set, else the automatic one.' }) description!: string;
  @Field(() => String) automaticDescription!: string;
  @Field(() => String, { nullable: true }) label!: string | null;
  @Field(() => [String]) tags!: string[];
  @Field(() => Int) size!: number;
  @Field(() => Float) share!: number;
  @Field(() => String, { description: 'RFM archetype (Champions, Loyal, New, At risk, …).' }) archetype!: string;
  @Field(() => BehaviourStats) medians!: BehaviourStats;
  @Field(() => BehaviourStats) means!: BehaviourStats;
  @Field(() => [CategoryShare]) topCategories!: CategoryShare[];
  @Field(() => [String]) keywords!: string[];
  @Field(() => Float, { nullable: true, description: 'Mean silhouette of the segment’s customers (−1 to 1).' }) quality!: number | null;
  @Field(() => Float, { description: 'Members farther than this from the centroid are outliers.' }) outlierDistance!: number;
  representativeIds!: string[];
  matchedSegmentId!: number | null;
  runIdNumber!: number;
}

@ObjectType()
export class ClusterMetrics {
  @Field(() => Int) k!: number;
  @Field(() => Float) silhouette!: number;
  @Field(() => Float) daviesBouldin!: number;
  @Field(() => Float) calinskiHarabasz!: number;
  @Field(() => Float) inertia!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'Spectral runs: silhouette of the customers in the spectral embedding, which chooses k with the eigengap (see kRule).',
  })
  embeddingSilhouette?: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      'Spectral runs: (λ₍ₖ₊₁₎ − λₖ) / (λ₍ₖ₊₁₎ − λ₂ + 0.005) of the neighbour graph’s normalised Laplacian (λ₁ = 0): how clearly k groups stand apart (see kRule); null where the embedding has no (k+1)-th eigenvalue.',
  })
  eigengap?: number | null;
  @Field(() => Float, { nullable: true, description: 'Share of the customers in the smallest segment (a k below minSegmentShare is passed over).' })
  smallestShare?: number | null;
}

@ObjectType({ description: 'How many customers went from one segment to another between two runs (null: not in that run).' })
export class SegmentFlow {
  @Field(() => ID, { nullable: true }) fromSegmentId!: string | null;
  @Field(() => ID, { nullable: true }) toSegmentId!: string | null;
  @Field(() => Int) customers!: number;
}

export enum RunStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(RunStatus, { name: 'RunStatus' });
/** The API's RunStatus of a stored run's (the same names: a status added there without one here fails to compile). */
export const toRunStatus = (status: `${RunStatus}`): RunStatus => RunStatus[status];

@ObjectType()
export class SegmentationRun {
  @Field(() => ID) id!: string;
  @Field(() => RunStatus) status!: RunStatus;
  @Field(() => Boolean, { description: 'The run whose segments are in use. At most one.' }) active!: boolean;
  @Field(() => Int, {
    nullable: true,
    description: 'Segments made. `metrics.k` is the k the rule chose; it is larger only when a chosen centre was nearest to no customer.',
  })
  k!: number | null;
  @Field(() => String, { nullable: true }) algorithm!: string | null;
  @Field(() => String, { nullable: true, description: 'How k was chosen.' }) kRule!: string | null;
  @Field(() => String) vector!: string;
  @Field(() => String) modelId!: string;
  @Field(() => GraphQLJSON) parameters!: unknown;
  @Field(() => ClusterMetrics, { nullable: true }) metrics!: ClusterMetrics | null;
  @Field(() => [ClusterMetrics], { description: 'Every k tried, with its metrics.' }) triedK!: ClusterMetrics[];
  @Field(() => GraphQLJSON, { nullable: true, description: 'Seconds per stage.' }) timings!: unknown;
  @Field(() => Int, { nullable: true }) customerCount!: number | null;
  @Field(() => ID, { nullable: true }) previousRunId!: string | null;
  @Field(() => Date) startedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => String, { nullable: true }) error!: string | null;
}
