import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum DestinationKind {
  WEBHOOK = 'WEBHOOK',
  FILE = 'FILE',
}
registerEnumType(DestinationKind, {
  name: 'DestinationKind',
  description: 'WEBHOOK: the diff of each version POSTed in signed pages. FILE: the version and its diff as files in a directory.',
});

export enum FileFormat {
  CSV = 'CSV',
  JSONL = 'JSONL',
}
registerEnumType(FileFormat, { name: 'FileFormat' });

export enum DeliveryStatus {
  PENDING = 'PENDING',
  RETRYING = 'RETRYING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
  SKIPPED = 'SKIPPED',
}
registerEnumType(DeliveryStatus, {
  name: 'DeliveryStatus',
  description:
    'PENDING: not yet (or being) sent. RETRYING: an attempt failed; the next is at nextAttemptAt. DELIVERED. FAILED: the last attempt failed. SKIPPED: the destination was paused.',
});

@ObjectType({ description: 'Where audience versions are delivered.' })
export class Destination {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => DestinationKind) kind!: DestinationKind;
  @Field(() => String, { nullable: true, description: 'WEBHOOK: where pages are POSTed.' }) url!: string | null;
  @Field(() => Int, { nullable: true, description: 'WEBHOOK: members per page.' }) pageSize!: number | null;
  @Field(() => String, { nullable: true, description: 'FILE: the directory, inside FILE_DESTINATIONS_DIR.' }) directory!: string | null;
  @Field(() => FileFormat, { nullable: true }) format!: FileFormat | null;
  @Field(() => Boolean, { description: 'A paused destination receives nothing: its deliveries are SKIPPED.' }) paused!: boolean;
  @Field(() => Date, { nullable: true }) pausedAt!: Date | null;
  @Field(() => String, { nullable: true }) pausedReason!: string | null;
  @Field(() => Int, { description: 'Deliveries failed in a row (DESTINATION_PAUSE_AFTER pauses it).' }) consecutiveFailures!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String) createdBy!: string;
}

@ObjectType({ description: 'A webhook destination, with the secret its pages are signed with: shown here only, once.' })
export class CreatedWebhook {
  @Field(() => Destination) destination!: Destination;
  @Field(() => String, {
    description: 'HMAC-SHA256 key. Each page carries `Segment-Signature: t=<unix seconds>,v1=<hex HMAC of "<t>.<body>">` and an Idempotency-Key.',
  })
  secret!: string;
}

@ObjectType({ description: 'One version of an audience delivered to one destination.' })
export class Delivery {
  @Field(() => ID) id!: string;
  @Field(() => Destination, { nullable: true, description: 'Null once the destination is deleted.' }) destination!: Destination | null;
  @Field(() => Int) version!: number;
  @Field(() => DeliveryStatus) status!: DeliveryStatus;
  @Field(() => Int, { description: 'Pages the receiver acknowledged (the closing page included).' }) pagesSent!: number;
  @Field(() => Int) membersSent!: number;
  @Field(() => Int, { description: 'Failed attempts so far.' }) attempts!: number;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => Date, { nullable: true }) nextAttemptAt!: Date | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  destinationId!: number;
}
