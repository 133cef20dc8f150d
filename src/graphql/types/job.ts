import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
/** The API's JobStatus of the queue's (the same names: a status added there without one here fails to compile). */
export const toJobStatus = (status: `${JobStatus}`): JobStatus => JobStatus[status];
registerEnumType(JobStatus, {
  name: 'JobStatus',
  description: 'QUEUED until a worker takes it; a RUNNING job whose worker process dies is marked FAILED (no heartbeat for a minute).',
});

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
  @Field(() => Date, { description: 'When it was asked for.' }) queuedAt!: Date;
  @Field(() => Date, { description: 'When a worker took it (queuedAt while it waits).' }) startedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'What the job produced (its report), once finished.' }) result!: unknown;
  @Field(() => GraphQLJSON, { description: 'What was asked (a scheduled job says `scheduled`: its cron expression).' }) parameters!: unknown;
  @Field(() => String, { nullable: true, description: 'The worker process that ran it (host:pid:id).' }) worker!: string | null;
  @Field(() => String, {
    nullable: true,
    description: "The X-Request-Id of the request that started it (the job's log lines carry it too); null for scheduled jobs.",
  })
  requestId!: string | null;
}
