import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../pagination.js';
import type { GraphQLContext } from '../context.js';
import { numericId, toCustomer, toRun, toSegment } from '../mappers.js';
import { Customer } from '../types/customer.js';
import { MemberFilter, MemberOrder, Segment, SegmentationRun, SegmentMemberConnection, SegmentTrend } from '../types/segment.js';

@Resolver(() => Segment)
export class SegmentResolver {
  @Authorized()
  @Query(() => [Segment], { description: 'Segments of a run (the active run by default), largest first.' })
  async segments(@Arg('run', () => ID, { nullable: true }) run: string | undefined, @Ctx() { services }: GraphQLContext): Promise<Segment[]> {
    return (await services.catalog.segments(run ? numericId(run, 'run') : undefined)).map(toSegment);
  }

  @Authorized()
  @Query(() => Segment, { description: 'NOT_FOUND when unknown.' })
  async segment(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<Segment> {
    return toSegment(await services.catalog.segment(numericId(id, 'id')));
  }

  @FieldResolver(() => SegmentationRun)
  async run(@Root() segment: Segment, @Ctx() { loaders }: GraphQLContext): Promise<SegmentationRun> {
    return toRun((await loaders.run.load(segment.runIdNumber))!);
  }

  @FieldResolver(() => [Customer], { description: 'The customers nearest the centroid.' })
  async representatives(@Root() segment: Segment, @Ctx() { loaders }: GraphQLContext): Promise<Customer[]> {
    const rows = await loaders.customerByExternalId.loadMany(segment.representativeIds);
    return rows.flatMap((r) => (r && !(r instanceof Error) ? [toCustomer(r)] : []));
  }

  @FieldResolver(() => SegmentTrend, { nullable: true, description: 'Null for the first run.' })
  async trend(@Root() segment: Segment, @Ctx() { loaders }: GraphQLContext): Promise<SegmentTrend | null> {
    const run = await loaders.run.load(segment.runIdNumber);
    const flows = run?.migration ?? null;
    if (!flows) return null;
    const previous = segment.matchedSegmentId ? await loaders.segment.load(segment.matchedSegmentId) : null;
    const id = Number(segment.id);
    const inflow = flows.filter((f) => f.to === id && f.from !== segment.matchedSegmentId).reduce((s, f) => s + f.customers, 0);
    const outflow = previous ? flows.filter((f) => f.from === previous.id && f.to !== id).reduce((s, f) => s + f.customers, 0) : 0;
    return {
      previousSegmentId: previous ? String(previous.id) : null,
      previousSize: previous?.size ?? null,
      sizeChange: segment.size - (previous?.size ?? 0),
      inflow,
      outflow,
    };
  }

  @FieldResolver(() => SegmentMemberConnection)
  async members(
    @Root() segment: Segment,
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 500.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Arg('orderBy', () => MemberOrder, { defaultValue: MemberOrder.DISTANCE }) orderBy: MemberOrder,
    @Arg('filter', () => MemberFilter, { nullable: true }) filter: MemberFilter | undefined,
    @Ctx() { services, loaders }: GraphQLContext,
  ): Promise<SegmentMemberConnection> {
    const page = await services.catalog.members(Number(segment.id), { first, after: after ?? undefined, orderBy, filter: filter ?? undefined });
    const customers = await loaders.customer.loadMany(page.rows.map((r) => r.customerId));
    return {
      ...toConnection(page, (r, i) => {
        const c = customers[i];
        return c && !(c instanceof Error) ? { ...r, customer: toCustomer(c) } : null;
      }),
      // A getter: the COUNT runs only when the query asks for totalCount (the cost limits charge it only then).
      get totalCount() {
        return page.totalCount();
      },
    };
  }
}
