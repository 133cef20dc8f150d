import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Segment } from './segment.js';

@ObjectType({
  description:
    'Every member of a run on a 2-D map (PCA of the run’s vectors, computed once per run). Parallel arrays: point i is customerIds[i] at (x[i], y[i]) in segments[segment[i]].',
})
export class CustomerMap {
  @Field(() => ID) runId!: string;
  @Field(() => String, { description: 'How the map was projected ("pca").' }) method!: string;
  @Field(() => [Float], { description: 'Share of variance along x and y.' }) explainedVariance!: number[];
  @Field(() => Int) count!: number;
  @Field(() => [ID]) customerIds!: string[];
  @Field(() => [Float]) x!: number[];
  @Field(() => [Float]) y!: number[];
  @Field(() => [Int], { description: 'Index into `segments` of each point.' }) segment!: number[];
  @Field(() => [Segment], { description: 'The run’s segments, in the order `segment` indexes them.' }) segments!: Segment[];
}

@ObjectType({ description: 'A histogram of one behavioural metric: the segment’s members against every customer of the run, on the same bins.' })
export class Histogram {
  @Field(() => String, { description: 'recencyDays, frequency or monetary.' }) metric!: string;
  @Field(() => String, { description: 'linear, or log (bins even in log(1 + value)).' }) scale!: string;
  @Field(() => [Float], { description: 'bins + 1 edges; the outer bins also hold what lies beyond them.' }) edges!: number[];
  @Field(() => [Int]) members!: number[];
  @Field(() => [Int]) population!: number[];
}

@ObjectType()
export class SegmentHistograms {
  @Field(() => Histogram) recencyDays!: Histogram;
  @Field(() => Histogram) frequency!: Histogram;
  @Field(() => Histogram) monetary!: Histogram;
}
