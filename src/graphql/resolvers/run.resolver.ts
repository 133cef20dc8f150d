import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { numericId, toRun, toSegment } from '../mappers.js';
import { Segment, SegmentationRun, SegmentFlow } from '../types/segment.js';

@Resolver(() => SegmentationRun)
export class RunResolver {
  @Authorized()
  @Query(() => [SegmentationRun], { description: 'Newest first.' })
  async segmentationRuns(@Arg('limit', () => Int, { defaultValue: 50 }) limit: number, @Ctx() { services }: GraphQLContext): Promise<SegmentationRun[]> {
    return (await services.catalog.runs(Math.max(1, Math.min(limit, 500)))).map(toRun);
  }

  @Authorized()
  @Query(() => SegmentationRun)
  async segmentationRun(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<SegmentationRun> {
    return toRun(await services.catalog.run(numericId(id, 'id')));
  }

  @Authorized()
  @Query(() => [SegmentFlow], { description: 'Customers moving between the segments of two runs.' })
  async migration(
    @Arg('fromRun', () => ID) fromRun: string,
    @Arg('toRun', () => ID) toRun: string,
    @Ctx() { services }: GraphQLContext,
  ): Promise<SegmentFlow[]> {
    const flows = await services.catalog.migration(numericId(fromRun, 'fromRun'), numericId(toRun, 'toRun'));
    return flows.map((f) => ({
      fromSegmentId: f.fromSegmentId === null ? null : String(f.fromSegmentId),
      toSegmentId: f.toSegmentId === null ? null : String(f.toSegmentId),
      customers: f.customers,
    }));
  }

  @FieldResolver(() => [Segment])
  async segments(@Root() run: SegmentationRun, @Ctx() { services }: GraphQLContext): Promise<Segment[]> {
    return (await services.catalog.segments(Number(run.id))).map(toSegment);
  }
}
