// Destinations and deliveries. An admin registers destinations; a marketer attaches them to audiences.
// Every new version of an audience is planned as one delivery per attached destination, each run as
// a job on the shared queue (one live job per delivery). A delivery records how far it has got (the
// list, ADDED then REMOVED, and the first rank not yet acknowledged), so a retry resumes where the
// last attempt stopped and resends the unacknowledged page under the same idempotency key. A failed
// attempt waits (exponential backoff, state in the row, picked up by the workers' ticks) and, after
// the last, the delivery is FAILED; a destination whose deliveries keep failing is paused and receives
// nothing until an admin resumes it.
import path from 'node:path';
import type { PrismaClient } from '../db/database.js';
import { DestinationConfigSchema, readJson, toJson } from '../db/json-columns.js';
import { ConflictError, InputError, NotFoundError } from '../errors/domain-errors.js';
import { log } from '../observability/log.js';
import type { MemberChange, SavedAudiences } from '../audiences/saved-audiences.js';
import { validateDirectory, validatePageSize, validateWebhookUrl, type Destination, type DestinationConfig, type FileFormat } from './destination.js';
import { writeManifest, writeMembers, type FileMember } from './files.js';
import { newSecret, postPage } from './webhook.js';

export const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'DELIVERED', 'FAILED', 'SKIPPED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
const PHASES = ['ADDED', 'REMOVED', 'COMPLETE'] as const;

export interface Delivery {
  id: number;
  audienceId: number;
  version: number;
  destinationId: number;
  status: DeliveryStatus;
  phase: 'ADDED' | 'REMOVED' | 'COMPLETE';
  pagesSent: number;
  membersSent: number;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface DeliveryOptions {
  /** Where FILE destinations' directories live. */
  filesRoot: string;
  /** Plain-HTTP webhooks beyond this machine. */
  allowHttp: boolean;
  /** Webhooks to private, loopback and other non-public addresses. */
  allowPrivate: boolean;
  timeoutMs: number;
  /** First wait after a failed attempt; doubled after each further one. */
  retryBaseMs: number;
  /** Attempts before a delivery is FAILED. */
  maxAttempts: number;
  /** Failed deliveries in a row before a destination is paused. */
  pauseAfter: number;
}

/** While a job runs a delivery, the ticks leave it alone this long (the job's own writes end it sooner). */
const LEASE_MS = 10 * 60_000;

export class Destinations {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly audiences: SavedAudiences,
    private readonly options: DeliveryOptions,
  ) {}

  /** A webhook destination and its signing secret (returned here only). */
  async createWebhook(name: string, url: string, pageSize: number, createdBy: string): Promise<{ destination: Destination; secret: string }> {
    const config: DestinationConfig = { kind: 'WEBHOOK', url: await validateWebhookUrl(url, this.options), pageSize: validatePageSize(pageSize) };
    const secret = newSecret();
    const row = await this.prisma.destination.create({ data: { name: checkName(name), kind: 'WEBHOOK', config: toJson(config), secret, createdBy } });
    return { destination: toDestination(row), secret };
  }

  async createFile(name: string, directory: string, format: FileFormat, createdBy: string): Promise<Destination> {
    const config: DestinationConfig = { kind: 'FILE', directory: validateDirectory(directory, this.options.filesRoot), format };
    return toDestination(await this.prisma.destination.create({ data: { name: checkName(name), kind: 'FILE', config: toJson(config), createdBy } }));
  }

  async list(): Promise<Destination[]> {
    return (await this.prisma.destination.findMany({ orderBy: { id: 'asc' } })).map(toDestination);
  }

  async get(id: number): Promise<Destination> {
    const row = await this.prisma.destination.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`No destination ${id}.`);
    return toDestination(row);
  }

  async byIds(ids: readonly number[]): Promise<Destination[]> {
    return (await this.prisma.destination.findMany({ where: { id: { in: [...ids] } } })).map(toDestination);
  }

  async pause(id: number, reason: string): Promise<Destination> {
    await this.get(id);
    return toDestination(await this.prisma.destination.update({ where: { id }, data: { pausedAt: new Date(), pausedReason: reason } }));
  }

  /** Resumes a paused destination; its failure count starts again. */
  async resume(id: number): Promise<Destination> {
    await this.get(id);
    return toDestination(await this.prisma.destination.update({ where: { id }, data: { pausedAt: null, pausedReason: null, consecutiveFailures: 0 } }));
  }

  async delete(id: number): Promise<Destination> {
    const destination = await this.get(id);
    await this.prisma.destination.delete({ where: { id } });
    return destination;
  }

  async attach(audienceId: number, destinationId: number): Promise<void> {
    await this.audiences.get(audienceId);
    await this.get(destinationId);
    await this.prisma.audienceDestination.upsert({
      where: { audienceId_destinationId: { audienceId, destinationId } },
      create: { audienceId, destinationId },
      update: {},
    });
  }

  async detach(audienceId: number, destinationId: number): Promise<void> {
    await this.prisma.audienceDestination.deleteMany({ where: { audienceId, destinationId } });
  }

  async destinationsOf(audienceId: number): Promise<Destination[]> {
    const rows = await this.prisma.audienceDestination.findMany({ where: { audienceId }, include: { destination: true }, orderBy: { destinationId: 'asc' } });
    return rows.map((r) => toDestination(r.destination));
  }

  async deliveriesOf(audienceId: number, version: number): Promise<Delivery[]> {
    return (await this.prisma.delivery.findMany({ where: { audienceId, version }, orderBy: { destinationId: 'asc' } })).map(toDelivery);
  }

  async delivery(id: number): Promise<Delivery> {
    const row = await this.prisma.delivery.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`No delivery ${id}.`);
    return toDelivery(row);
  }

  /**
   * One delivery per destination attached to the audience, for this version: due now, or SKIPPED
   * (and said why) where the destination is paused. Returns the deliveries due.
   */
  async plan(audienceId: number, version: number): Promise<number[]> {
    const attached = await this.destinationsOf(audienceId);
    const due: number[] = [];
    for (const d of attached) {
      const paused = d.pausedAt !== null;
      const row = await this.prisma.delivery.upsert({
        where: { audienceId_version_destinationId: { audienceId, version, destinationId: d.id } },
        create: {
          audienceId,
          version,
          destinationId: d.id,
          status: paused ? 'SKIPPED' : 'PENDING',
          lastError: paused ? `destination paused: ${d.pausedReason ?? 'by an admin'}` : null,
          nextAttemptAt: paused ? null : new Date(),
          finishedAt: paused ? new Date() : null,
        },
        update: {},
      });
      if (row.status === 'PENDING') due.push(row.id);
    }
    return due;
  }

  /** Sends a FAILED or SKIPPED delivery again from where it stopped (a fresh set of attempts). */
  async retry(id: number): Promise<Delivery> {
    const delivery = await this.delivery(id);
    if (delivery.status !== 'FAILED' && delivery.status !== 'SKIPPED')
      throw new ConflictError(`Delivery ${id} is ${delivery.status.toLowerCase()}: only a failed or skipped delivery is retried.`);
    return toDelivery(
      await this.prisma.delivery.update({ where: { id }, data: { status: 'PENDING', attempts: 0, nextAttemptAt: new Date(), finishedAt: null } }),
    );
  }

  /**
   * Deliveries due now, each claimed by moving its next attempt a lease ahead (of several workers,
   * one wins); `enqueue` queues its job.
   */
  async dispatchDue(enqueue: (deliveryId: number) => Promise<unknown>, now = new Date()): Promise<number[]> {
    const rows = await this.prisma.delivery.findMany({
      where: { status: { in: ['PENDING', 'RETRYING'] }, nextAttemptAt: { lte: now } },
      orderBy: { nextAttemptAt: 'asc' },
      take: 100,
      select: { id: true, nextAttemptAt: true },
    });
    const queued: number[] = [];
    for (const row of rows) {
      const { count } = await this.prisma.delivery.updateMany({
        where: { id: row.id, nextAttemptAt: row.nextAttemptAt },
        data: { nextAttemptAt: new Date(now.getTime() + LEASE_MS) },
      });
      if (count === 0) continue;
      try {
        await enqueue(row.id);
        queued.push(row.id);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    return queued;
  }

  /** Runs one attempt of a delivery (the job). */
  async deliver(id: number, signal: AbortSignal): Promise<Delivery> {
    const row = await this.prisma.delivery.findUnique({ where: { id }, include: { destination: true, audienceVersion: { include: { audience: true } } } });
    if (!row) throw new NotFoundError(`No delivery ${id}.`);
    if (row.status !== 'PENDING' && row.status !== 'RETRYING') return toDelivery(row);
    const destination = toDestination(row.destination);
    if (destination.pausedAt) {
      return this.finish(id, 'SKIPPED', `destination paused: ${destination.pausedReason ?? 'by an admin'}`);
    }
    const audience = { id: row.audienceId, name: row.audienceVersion.audience.name };
    try {
      if (destination.config.kind === 'FILE') await this.writeFiles(destination.config, audience, row.version);
      else {
        const failure = await this.sendPages(row, destination.config, row.destination.secret ?? '', audience, signal);
        if (failure) return this.failAttempt(row.id, row.attempts + 1, destination.id, failure);
      }
    } catch (error) {
      if (signal.aborted) throw error;
      return this.failAttempt(row.id, row.attempts + 1, destination.id, error instanceof Error ? error.message : String(error));
    }
    await this.prisma.destination.update({ where: { id: destination.id }, data: { consecutiveFailures: 0 } });
    return this.finish(id, 'DELIVERED', null);
  }

  /** Sends the pages not yet acknowledged, then the closing page. Returns why it stopped, if it failed. */
  private async sendPages(
    row: { id: number; audienceId: number; version: number; phase: string; nextRank: number },
    config: { url: string; pageSize: number },
    secret: string,
    audience: { id: number; name: string },
    signal: AbortSignal,
  ): Promise<string | undefined> {
    let phase: Delivery['phase'] = PHASES.find((p) => p === row.phase) ?? 'ADDED';
    let from = row.nextRank;
    const version = await this.audiences.version(row.audienceId, row.version);
    for (;;) {
      if (signal.aborted) throw new Error('cancelled');
      const base = {
        audience: { id: String(audience.id), name: audience.name },
        version: row.version,
        previousVersion: row.version > 1 ? row.version - 1 : null,
        deliveryId: String(row.id),
      };
      let body: string;
      let next: { phase: Delivery['phase']; nextRank: number; members: number };
      if (phase === 'COMPLETE') {
        body = JSON.stringify({
          type: 'audience.version.complete',
          ...base,
          counts: { size: version.size, heldBack: version.heldBack, added: version.added, removed: version.removed, unchanged: version.unchanged },
        });
        next = { phase, nextRank: 0, members: 0 };
      } else {
        const members = await this.audiences.members(row.audienceId, row.version, phase, from, config.pageSize);
        if (members.length === 0) {
          phase = phase === 'ADDED' ? 'REMOVED' : 'COMPLETE';
          from = 0;
          await this.prisma.delivery.update({ where: { id: row.id }, data: { phase, nextRank: 0 } });
          continue;
        }
        body = JSON.stringify({
          type: phase === 'ADDED' ? 'audience.members.added' : 'audience.members.removed',
          ...base,
          members: members.map((m) => ({ customerId: m.externalId, rank: m.rank + 1, score: Number.isNaN(m.score) ? null : m.score })),
        });
        next = { phase, nextRank: members.at(-1)!.rank + 1, members: members.length };
      }
      // The key names the page by where it starts: a resend after a failure carries the same key.
      const answer = await postPage(config.url, secret, `delivery-${row.id}-${phase.toLowerCase()}-${from}`, body, this.options);
      if (!answer.ok) return answer.error;
      await this.prisma.delivery.update({
        where: { id: row.id },
        data: { phase: next.phase, nextRank: next.nextRank, pagesSent: { increment: 1 }, membersSent: { increment: next.members } },
      });
      if (phase === 'COMPLETE') return undefined;
      from = next.nextRank;
    }
  }

  private async writeFiles(config: { directory: string; format: FileFormat }, audience: { id: number; name: string }, version: number): Promise<void> {
    const dir = path.join(this.options.filesRoot, config.directory, `audience-${audience.id}`);
    const ext = config.format === 'CSV' ? 'csv' : 'jsonl';
    const pages = (change: MemberChange): AsyncIterable<FileMember[]> => this.audiences.export(audience.id, { version, change });
    const counts = {
      members: await writeMembers(path.join(dir, `v${version}.${ext}`), config.format, pages('ALL')),
      added: await writeMembers(path.join(dir, `v${version}-added.${ext}`), config.format, pages('ADDED')),
      removed: await writeMembers(path.join(dir, `v${version}-removed.${ext}`), config.format, pages('REMOVED')),
    };
    await writeManifest(path.join(dir, `v${version}.json`), {
      audience: { id: String(audience.id), name: audience.name },
      version,
      format: config.format,
      ...counts,
      writtenAt: new Date().toISOString(),
    });
  }

  private async failAttempt(id: number, attempts: number, destinationId: number, error: string): Promise<Delivery> {
    if (attempts < this.options.maxAttempts) {
      const wait = this.options.retryBaseMs * 2 ** (attempts - 1);
      log('deliveries').warn({ deliveryId: id, attempts, waitMs: wait }, `delivery attempt failed: ${error}`);
      return toDelivery(
        await this.prisma.delivery.update({
          where: { id },
          data: { status: 'RETRYING', attempts, lastError: error, nextAttemptAt: new Date(Date.now() + wait) },
        }),
      );
    }
    log('deliveries').warn({ deliveryId: id, attempts }, `delivery failed for good: ${error}`);
    const destination = await this.prisma.destination.update({ where: { id: destinationId }, data: { consecutiveFailures: { increment: 1 } } });
    if (destination.consecutiveFailures >= this.options.pauseAfter && !destination.pausedAt) {
      await this.prisma.destination.update({
        where: { id: destinationId },
        data: { pausedAt: new Date(), pausedReason: `${destination.consecutiveFailures} deliveries in a row failed; last: ${error}` },
      });
      log('deliveries').warn({ destinationId }, 'destination paused after repeated failed deliveries');
    }
    await this.prisma.delivery.update({ where: { id }, data: { attempts } });
    return this.finish(id, 'FAILED', error);
  }

  private async finish(id: number, status: DeliveryStatus, error: string | null): Promise<Delivery> {
    return toDelivery(await this.prisma.delivery.update({ where: { id }, data: { status, lastError: error, nextAttemptAt: null, finishedAt: new Date() } }));
  }
}

function fail(column: string, value: string): never {
  throw new Error(`${column} holds ${JSON.stringify(value)}, which this version does not know`);
}

function checkName(name: string): string {
  const clean = name.trim();
  if (!clean || clean.length > 120) throw new InputError('name must be 1–120 characters', [{ index: -1, field: 'name', message: 'must be 1–120 characters' }]);
  return clean;
}

type DestinationRow = {
  id: number;
  name: string;
  config: unknown;
  pausedAt: Date | null;
  pausedReason: string | null;
  consecutiveFailures: number;
  createdAt: Date;
  createdBy: string;
};

function toDestination(row: DestinationRow): Destination {
  return {
    id: row.id,
    name: row.name,
    config: readJson(DestinationConfigSchema, row.config, `destination ${row.id}.config`),
    pausedAt: row.pausedAt,
    pausedReason: row.pausedReason,
    consecutiveFailures: row.consecutiveFailures,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

type DeliveryRow = Omit<Delivery, 'status' | 'phase'> & { status: string; phase: string };

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    audienceId: row.audienceId,
    version: row.version,
    destinationId: row.destinationId,
    status: DELIVERY_STATUSES.find((s) => s === row.status) ?? fail(`delivery ${row.id}.status`, row.status),
    phase: PHASES.find((p) => p === row.phase) ?? fail(`delivery ${row.id}.phase`, row.phase),
    pagesSent: row.pagesSent,
    membersSent: row.membersSent,
    attempts: row.attempts,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}
