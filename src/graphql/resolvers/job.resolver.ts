import { Arg, Authorized, Ctx, Float, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { InputError } from '../../errors/domain-errors.js';
import { MAX_SEGMENTS } from '../../clustering/choose-k.js';
import type { JobSnapshot } from '../../jobs/job-queue.js';
import type { AuthenticatedContext, GraphQLContext } from '../context.js';
import { Job, toJobStatus } from '../types/job.js';
import { ClusteringMethod, clusteringAlgorithmOf, VectorKind, vectorNameOf } from '../types/vector-kind.js';

export function toJob(s: JobSnapshot): Job {
  return { ...s, status: toJobStatus(s.status), progress: s.total > 0 ? Math.min(1, s.processed / s.total) : s.status === 'SUCCEEDED' ? 1 : 0 };
}

@Resolver()
export class JobResolver {
  @Authorized()
  @Query(() => Job, { description: 'One job; NOT_FOUND when unknown.' })
  async job(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<Job> {
    return toJob(await services.jobs.get(id));
  }

  @Authorized()
  @Query(() => [Job], { description: 'Jobs of this server process, newest first.' })
  async jobs(@Ctx() { services }: GraphQLContext): Promise<Job[]> {
    return (await services.jobs.list()).map(toJob);
  }

  @Authorized('ADMIN')
  @Mutation(() => Job, {
    description:
      'Embeds customers into the vector store as a job (poll `job(id)`). With onlyChanged (default) customers whose profile is unchanged are skipped and texts already embedded are read from the cache; onlyChanged: false rebuilds every vector and embeds every text again. CONFLICT while another embedding job runs on the same collection.',
  })
  async embedCustomers(
    @Arg('onlyChanged', () => Boolean, { defaultValue: true }) onlyChanged: boolean,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<Job> {
    const queued = await services.jobs.enqueue('embedCustomers', { onlyChanged });
    const job = toJob(queued);
    await services.audit.record(principal, 'embedCustomers', `job:${job.id}`, null, { onlyChanged, collection: queued.lockKey });
    return job;
  }

  @Authorized('ADMIN')
  @Mutation(() => Job, {
    description:
      'Clusters the customers as a job (poll `job(id)`), spectrally unless told otherwise (see ClusteringMethod): automatic k over kRange (default 4–16; k values that leave a segment under minSegmentShare, default 1 %, are passed over) unless k is forced; seeded; on the `combined` vector unless told otherwise. The new run becomes active only when complete; a failed run leaves the previous one active. CONFLICT while another segmentation runs.',
  })
  async runSegmentation(
    @Arg('k', () => Int, { nullable: true, description: 'Forces k (2–64).' }) k: number | undefined,
    @Arg('kRange', () => [Int], { nullable: true, description: '[min, max], 2 ≤ min ≤ max ≤ 64.' }) kRange: number[] | undefined,
    @Arg('minSegmentShare', () => Float, { nullable: true, description: 'Smallest segment share (0–0.5) a chosen k may leave; default 0.01.' })
    minSegmentShare: number | undefined,
    @Arg('seed', () => Int, { nullable: true }) seed: number | undefined,
    @Arg('vector', () => VectorKind, { nullable: true, defaultValue: VectorKind.COMBINED }) vector: VectorKind,
    @Arg('algorithm', () => ClusteringMethod, { nullable: true, defaultValue: ClusteringMethod.SPECTRAL }) algorithm: ClusteringMethod,
    @Ctx() { services, principal }: AuthenticatedContext,
  ): Promise<Job> {
    if (kRange && (kRange.length !== 2 || kRange[0]! < 2 || kRange[1]! < kRange[0]! || kRange[1]! > MAX_SEGMENTS)) {
      const message = `must be [min, max] with 2 ≤ min ≤ max ≤ ${MAX_SEGMENTS}`;
      throw new InputError(`kRange ${message}`, [{ index: -1, field: 'kRange', message }]);
    }
    if (minSegmentShare !== undefined && minSegmentShare !== null && !(minSegmentShare >= 0 && minSegmentShare <= 0.5)) {
      throw new InputError('minSegmentShare must be between 0 and 0.5', [{ index: -1, field: 'minSegmentShare', message: 'must be between 0 and 0.5' }]);
    }
    if (k !== undefined && k !== null && (k < 2 || k > MAX_SEGMENTS)) {
      throw new InputError(`k must be between 2 and ${MAX_SEGMENTS}`, [{ index: -1, field: 'k', message: `must be between 2 and ${MAX_SEGMENTS}` }]);
    }
    const options = {
      k: k ?? undefined,
      kRange: kRange as [number, number] | undefined,
      minSegmentShare: minSegmentShare ?? undefined,
      seed: seed ?? undefined,
      vector: vectorNameOf[vector],
      algorithm: clusteringAlgorithmOf[algorithm],
    };
    const job = toJob(await services.jobs.enqueue('runSegmentation', options));
    await services.audit.record(principal, 'runSegmentation', `job:${job.id}`, null, options);
    return job;
  }

  @Authorized('ADMIN')
  @Mutation(() => Job, {
    description:
      'Asks a job to stop: a queued one ends CANCELLED at once; a running one (in any worker process) stops at its next heartbeat, ends CANCELLED and leaves what was done intact.',
  })
  async cancelJob(@Arg('id', () => ID) id: string, @Ctx() { services, principal }: AuthenticatedContext): Promise<Job> {
    const job = toJob(await services.jobs.cancel(id));
    await services.audit.record(principal, 'cancelJob', `job:${id}`, null, { status: job.status });
    return job;
  }
}
