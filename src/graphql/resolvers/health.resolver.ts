import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { Health, ShopStats } from '../types/health.js';

@Resolver()
export class HealthResolver {
  @Query(() => Health, { description: 'Liveness and readiness: fails with UNAVAILABLE when the database does not answer.' })
  async health(@Ctx() { services }: GraphQLContext): Promise<Health> {
    return {
      status: 'ok',
      database: services.db.kind,
      version: services.version,
      uptimeSeconds: (Date.now() - services.startedAt.getTime()) / 1000,
      migrations: await services.migrations(),
    };
  }

  @Authorized()
  @Query(() => ShopStats)
  async shopStats(@Ctx() { services }: GraphQLContext): Promise<ShopStats> {
    return services.customers.shopStats();
  }
}
