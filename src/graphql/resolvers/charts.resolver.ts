import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { numericId, toSegment } from '../mappers.js';
import { CustomerMap, SegmentHistograms } from '../types/charts.js';
import { Segment } from '../types/segment.js';

/** What dashboards draw: the customer map and the segments' RFM histograms. */
@Resolver(() => Segment)
export class ChartsResolver {
  @Authorized()
  @Query(() => CustomerMap, { nullable: true, description: 'The 2-D map of a run (the active run by default); null when there is none.' })
  async customerMap(@Arg('run', () => ID, { nullable: true }) run: string | undefined, @Ctx() { services }: GraphQLContext): Promise<CustomerMap | null> {
    const runRow = run ? await services.catalog.run(numericId(run, 'run')) : await services.catalog.activeRun();
    if (!runRow) return null;
    const [map, segments] = await Promise.all([services.charts.customerMap(runRow.id), services.catalog.segments(runRow.id)]);
    const indexOf = new Map(segments.map((s, i) => [s.id, i]));
    return {
      runId: String(runRow.id),
      method: map.projection?.method ?? 'pca',
      explainedVariance: map.projection?.explainedVariance ?? [],
      count: map.customerIds.length,
      customerIds: map.customerIds,
      x: map.x,
      y: map.y,
      segment: map.segmentIds.map((id) => indexOf.get(id) ?? -1),
      segments: segments.map(toSegment),
    };
  }

  @FieldResolver(() => SegmentHistograms, { description: 'Recency, frequency and monetary of the members against the whole run.' })
  async histograms(
    @Root() segment: Segment,
    @Arg('bins', () => Int, { defaultValue: 20, description: '2 to 100.' }) bins: number,
    @Ctx() { services }: GraphQLContext,
  ): Promise<SegmentHistograms> {
    const [recencyDays, frequency, monetary] = await services.charts.histograms({ id: Number(segment.id), runId: segment.runIdNumber }, bins);
    return { recencyDays: recencyDays!, frequency: frequency!, monetary: monetary! };
  }
}
