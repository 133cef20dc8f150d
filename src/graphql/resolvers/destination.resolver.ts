import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Delivery as DomainDelivery } from '../../destinations/destinations.js';
import type { Destination as DomainDestination } from '../../destinations/destination.js';
import type { AuthenticatedContext, GraphQLContext } from '../context.js';
import { numericId, toAudience } from '../mappers.js';
import { Audience, AudienceVersion } from '../types/audience.js';
import { CreatedWebhook, Delivery, DeliveryStatus, Destination, DestinationKind, FileFormat } from '../types/destination.js';

@Resolver(() => Destination)
export class DestinationResolver {
  @Authorized('MARKETER')
  @Query(() => [Destination], { description: 'Every destination, oldest first.' })
  async destinations(@Ctx() { services }: GraphQLContext): Promise<Destination[]> {
    return (await services.destinations.list()).map(toDestination);
  }

  @Authorized('ADMIN')
  @Mutation(() => CreatedWebhook, { description: 'Registers a webhook (https://). Its signing secret is returned here only.' })
  async createWebhookDestination(
    @Arg('name', () => String) name: string,
    @Arg('url', () => String) url: string,
    @Arg('pageSize', () => Int, { defaultValue: 1000, description: 'Members per page, 1 to 10,000.' }) pageSize: number,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<CreatedWebhook> {
    const { destination, secret } = await services.destinations.createWebhook(name, url, pageSize, principal.actor);
    await services.audit.record(principal, 'createDestination', `destination:${destination.id}`, null, { name: destination.name, kind: 'WEBHOOK' });
    return { destination: toDestination(destination), secret };
  }

  @Authorized('ADMIN')
  @Mutation(() => Destination, { description: 'Registers a directory (inside FILE_DESTINATIONS_DIR) that receives each version and its diff as files.' })
  async createFileDestination(
    @Arg('name', () => String) name: string,
    @Arg('directory', () => String) directory: string,
    @Arg('format', () => FileFormat, { defaultValue: FileFormat.CSV }) format: FileFormat,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<Destination> {
    const destination = await services.destinations.createFile(name, directory, format, principal.actor);
    await services.audit.record(principal, 'createDestination', `destination:${destination.id}`, null, { name: destination.name, kind: 'FILE' });
    return toDestination(destination);
  }

  @Authorized('ADMIN')
  @Mutation(() => Destination, { description: 'Stops deliveries to the destination (they are SKIPPED) until it is resumed.' })
  async pauseDestination(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true }) reason: string | undefined,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<Destination> {
    const paused = await services.destinations.pause(numericId(id, 'id'), reason?.trim().slice(0, 200) || 'by an admin');
    await services.audit.record(principal, 'pauseDestination', `destination:${paused.id}`, null, { reason: paused.pausedReason });
    return toDestination(paused);
  }

  @Authorized('ADMIN')
  @Mutation(() => Destination)
  async resumeDestination(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: AuthenticatedContext): Promise<Destination> {
    const resumed = await services.destinations.resume(numericId(id, 'id'));
    await services.audit.record(principal, 'resumeDestination', `destination:${resumed.id}`, null, null);
    return toDestination(resumed);
  }

  @Authorized('ADMIN')
  @Mutation(() => ID, { description: 'Deletes the destination and its deliveries. Returns its id.' })
  async deleteDestination(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: AuthenticatedContext): Promise<string> {
    const deleted = await services.destinations.delete(numericId(id, 'id'));
    await services.audit.record(principal, 'deleteDestination', `destination:${deleted.id}`, { name: deleted.name }, null);
    return String(deleted.id);
  }

  @Authorized('MARKETER')
  @Mutation(() => Audience, { description: 'Sends the audience to the destination: its current version now, and every new version.' })
  async attachDestination(
    @Arg('audienceId', () => ID) audienceId: string,
    @Arg('destinationId', () => ID) destinationId: string,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<Audience> {
    const aid = numericId(audienceId, 'audienceId');
    await services.destinations.attach(aid, numericId(destinationId, 'destinationId'));
    const audience = await services.audiences.get(aid);
    await services.deliverVersion(aid, audience.version);
    await services.audit.record(principal, 'attachDestination', `audience:${aid}`, null, { destinationId });
    return toAudience(audience);
  }

  @Authorized('MARKETER')
  @Mutation(() => Audience, { description: 'Stops sending the audience to the destination (deliveries under way finish).' })
  async detachDestination(
    @Arg('audienceId', () => ID) audienceId: string,
    @Arg('destinationId', () => ID) destinationId: string,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<Audience> {
    const aid = numericId(audienceId, 'audienceId');
    await services.destinations.detach(aid, numericId(destinationId, 'destinationId'));
    await services.audit.record(principal, 'detachDestination', `audience:${aid}`, { destinationId }, null);
    return toAudience(await services.audiences.get(aid));
  }

  @Authorized('MARKETER')
  @Mutation(() => Delivery, { description: 'Sends a FAILED or SKIPPED delivery again, from where it stopped.' })
  async retryDelivery(@Arg('id', () => ID) id: string, @Ctx() { services }: AuthenticatedContext): Promise<Delivery> {
    const delivery = await services.destinations.retry(numericId(id, 'id'));
    await services.deliverVersion(delivery.audienceId, delivery.version);
    return toDelivery(await services.destinations.delivery(delivery.id));
  }
}

@Resolver(() => Delivery)
export class DeliveryResolver {
  @FieldResolver(() => Destination, { nullable: true })
  async destination(@Root() delivery: Delivery, @Ctx() { loaders }: GraphQLContext): Promise<Destination | null> {
    const d = await loaders.destination.load(delivery.destinationId);
    return d ? toDestination(d) : null;
  }
}

@Resolver(() => AudienceVersion)
export class AudienceVersionDeliveriesResolver {
  @FieldResolver(() => [Delivery], { description: 'Its delivery to each destination the audience was attached to.' })
  async deliveries(@Root() version: AudienceVersion, @Ctx() { services }: GraphQLContext): Promise<Delivery[]> {
    return (await services.destinations.deliveriesOf(version.audienceId, version.version)).map(toDelivery);
  }
}

@Resolver(() => Audience)
export class AudienceDestinationsResolver {
  @FieldResolver(() => [Destination], { description: 'Where its versions are delivered.' })
  async destinations(@Root() audience: Audience, @Ctx() { services }: GraphQLContext): Promise<Destination[]> {
    return (await services.destinations.destinationsOf(Number(audience.id))).map(toDestination);
  }
}

export function toDestination(d: DomainDestination): Destination {
  const webhook = d.config.kind === 'WEBHOOK' ? d.config : null;
  const file = d.config.kind === 'FILE' ? d.config : null;
  return {
    id: String(d.id),
    name: d.name,
    kind: d.config.kind === 'WEBHOOK' ? DestinationKind.WEBHOOK : DestinationKind.FILE,
    url: webhook?.url ?? null,
    pageSize: webhook?.pageSize ?? null,
    directory: file?.directory ?? null,
    format: file ? (file.format === 'JSONL' ? FileFormat.JSONL : FileFormat.CSV) : null,
    paused: d.pausedAt !== null,
    pausedAt: d.pausedAt,
    pausedReason: d.pausedReason,
    consecutiveFailures: d.consecutiveFailures,
    createdAt: d.createdAt,
    createdBy: d.createdBy,
  };
}

const STATUS: Record<DomainDelivery['status'], DeliveryStatus> = {
  PENDING: DeliveryStatus.PENDING,
  RETRYING: DeliveryStatus.RETRYING,
  DELIVERED: DeliveryStatus.DELIVERED,
  FAILED: DeliveryStatus.FAILED,
  SKIPPED: DeliveryStatus.SKIPPED,
};

function toDelivery(d: DomainDelivery): Delivery {
  return { ...d, id: String(d.id), status: STATUS[d.status], destination: null };
}
