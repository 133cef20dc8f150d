import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { InputError } from '../../errors/domain-errors.js';
import { pageSize } from '../../shared/paging.js';
import type { AuthenticatedContext } from '../context.js';
import { toConnection } from '../pagination.js';
import { numericId, toSegment } from '../mappers.js';
import { AuditEntryConnection, ConsentUpdate, DeletedCustomer } from '../types/audience.js';
import { Segment } from '../types/segment.js';

@Resolver()
export class AdminResolver {
  @Authorized('ADMIN')
  @Mutation(() => Segment, {
    description:
      'Sets the human name, description and tags of a segment. They follow the segment into later runs (identity matching). An empty name or description clears it.',
  })
  async relabelSegment(
    @Arg('id', () => ID) id: string,
    @Arg('name', () => String, { nullable: true }) name: string | undefined,
    @Arg('description', () => String, { nullable: true }) description: string | undefined,
    @Arg('tags', () => [String], { nullable: true }) tags: string[] | undefined,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<Segment> {
    const segmentId = numericId(id, 'id');
    if (name !== undefined && name !== null && name.length > 120)
      throw new InputError('name is too long', [{ index: -1, field: 'name', message: 'at most 120 characters' }]);
    if (tags && (tags.length > 30 || tags.some((t) => !t.trim() || t.length > 50))) {
      throw new InputError('tags must be 1–50 characters, at most 30', [{ index: -1, field: 'tags', message: 'each 1–50 characters, at most 30 tags' }]);
    }
    const clean = (v: string | undefined | null) => (v === undefined || v === null ? undefined : v.trim() === '' ? null : v.trim());
    const { before, after } = await services.catalog.relabel(segmentId, {
      label: clean(name),
      description: clean(description),
      tags: tags ? [...new Set(tags.map((t) => t.trim()))] : undefined,
    });
    await services.audit.record(principal, 'relabelSegment', `segment:${segmentId}`, pick(before), pick(after));
    return toSegment(after);
  }

  @Authorized('ADMIN')
  @Mutation(() => DeletedCustomer, { description: 'The right to be forgotten: removes the customer from every table and every vector collection.' })
  async deleteCustomer(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: AuthenticatedContext): Promise<DeletedCustomer> {
    const removed = await services.customers.forget(id);
    // The entry says that a customer was deleted and what went, not who: the log must not keep them.
    await services.audit.record(principal, 'deleteCustomer', 'customer:[deleted]', { rows: removed.rows }, null);
    return { id, removed: { ...removed.rows, vectorCollections: removed.collections } };
  }

  @Authorized('ADMIN')
  @Query(() => GraphQLJSONObject, {
    description:
      'A data subject’s request: everything stored about the customer (profile, consent, orders, searches, reviews, segments, value predictions, audiences and their deliveries, audit entries naming them) as one JSON document. Audited.',
  })
  async exportCustomer(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: AuthenticatedContext): Promise<Record<string, unknown>> {
    const document = await services.customers.export(id);
    await services.audit.record(principal, 'exportCustomer', `customer:${id}`, null, null);
    return document;
  }

  @Authorized('ADMIN')
  @Mutation(() => ConsentUpdate, {
    description:
      'Records marketing consent for customers (the shop’s ids): true, false, or null (not known). A customer without consent never leaves the service in an audience.',
  })
  async setMarketingConsent(
    @Arg('customerIds', () => [ID]) customerIds: string[],
    @Arg('consent', () => Boolean, { nullable: true }) consent: boolean | undefined,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<ConsentUpdate> {
    const result = await services.customers.setConsent(customerIds, consent ?? null);
    // Counts only: the audit log outlives a deleted customer and must not name them.
    await services.audit.record(principal, 'setMarketingConsent', null, null, {
      consent: consent ?? null,
      updated: result.updated,
      unknown: result.unknown.length,
    });
    return result;
  }

  @Authorized('ADMIN')
  @Mutation(() => ConsentUpdate, { description: 'Puts customers on the suppression list: never delivered in any audience, whatever their consent.' })
  async suppressCustomers(
    @Arg('customerIds', () => [ID]) customerIds: string[],
    @Arg('reason', () => String, { nullable: true }) reason: string | undefined,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<ConsentUpdate> {
    if (reason && reason.length > 200) throw new InputError('reason is too long', [{ index: -1, field: 'reason', message: 'at most 200 characters' }]);
    const result = await services.customers.suppress(customerIds, reason?.trim() || null);
    await services.audit.record(principal, 'suppressCustomers', null, null, { updated: result.updated, unknown: result.unknown.length });
    return result;
  }

  @Authorized('ADMIN')
  @Mutation(() => ConsentUpdate, { description: 'Takes customers off the suppression list.' })
  async unsuppressCustomers(
    @Arg('customerIds', () => [ID]) customerIds: string[],
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<ConsentUpdate> {
    const result = await services.customers.unsuppress(customerIds);
    await services.audit.record(principal, 'unsuppressCustomers', null, null, { updated: result.updated, unknown: result.unknown.length });
    return result;
  }

  @Authorized('ADMIN')
  @Query(() => AuditEntryConnection, { description: 'Admin actions, newest first.' })
  async auditLog(
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Arg('action', () => String, { nullable: true }) action: string | undefined,
    @Ctx() { services }: AuthenticatedContext,
  ): Promise<AuditEntryConnection> {
    const page = await services.audit.list({ first: pageSize(first, 500, 1), after: after ?? undefined, action: action ?? undefined });
    const { edges, pageInfo } = toConnection(page, ({ cursor: _, ...r }) => ({ ...r, id: String(r.id) }));
    return { entries: edges.map((e) => e.node), pageInfo };
  }
}

function pick(s: { label: string | null; description: string | null; tags: string[]; autoName: string }) {
  return { label: s.label, description: s.description, tags: s.tags, automaticName: s.autoName };
}
