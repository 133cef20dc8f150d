import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { JobSnapshot } from '../../jobs/job-registry.js';
import type { GraphQLContext } from '../context.js';
import { Job, type JobStatus } from '../types/job.js';

export function toJob(s: JobSnapshot): Job {
  return { ...s, status: s.status as JobStatus, progress: s.total > 0 ? Math.min(1, s.processed / s.total) : s.status === 'SUCCEEDED' ? 1 : 0 };
}

@Resolver()
export class JobResolver {
  @Query(() => Job, { description: 'One job; NOT_FOUND when unknown.' })
  job(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Job {
    return toJob(services.jobs.get(id));
  }

  @Query(() => [Job], { description: 'Jobs of this server process, newest first.' })
  jobs(@Ctx() { services }: GraphQLContext): Job[] {
    return services.jobs.list().map(toJob);
  }

  @Mutation(() => Job, {
    description:
      'Embeds customers into the vector store as a job (poll `job(id)`). With onlyChanged (default) customers whose profile is unchanged are skipped. CONFLICT while another embedding job runs on the same collection.',
  })
  async embedCustomers(
    @Arg('onlyChanged', () => Boolean, { defaultValue: true }) onlyChanged: boolean,
    @Ctx() { services }: GraphQLContext,
  ): Promise<Job> {
    const indexer = await services.indexer();
    return toJob(services.jobs.start('embedCustomers', indexer.collection, (control) => indexer.run(control, { onlyChanged })));
  }

  @Mutation(() => Job, { description: 'Asks a running job to stop; it ends CANCELLED and leaves what was done intact.' })
  cancelJob(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Job {
    return toJob(services.jobs.cancel(id));
  }
}
