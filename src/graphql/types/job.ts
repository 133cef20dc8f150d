import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum JobStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(JobStatus, { name: 'JobStatus' });

@ObjectType({ description: 'Long work (embedding, segmentation) and how far it has got.' })
export class Job {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'e.g. "embedCustomers".' }) kind!: string;
  @Field(() => JobStatus) status!: JobStatus;
  @Field(() => Int) processed!: number;
  @Field(() => Int) total!: number;
  @Field(() => Float, { description: 'processed / total, 0 to 1.' }) progress!: number;
  @Field(() => Float, { nullable: true, description: 'Items per second so far.' }) ratePerSecond!: number | null;
  @Field(() => Float, { nullable: true, description: 'Seconds left at the current rate.' }) etaSeconds!: number | null;
  @Field(() => String, { nullable: true }) message!: string | null;
  @Field(() => Date) startedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'What the job produced (its report), once finished.' }) result!: unknown;
}
