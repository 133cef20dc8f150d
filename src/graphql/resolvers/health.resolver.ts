import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { Health, ShopStats } from '../types/health.js';

@Resolver()
export class HealthResolver {
  @Query(() => Health, { description: 'Liveness and readiness: fails with UNAVAILABLE when the database does not answer.' })
  async health(@Ctx() { services }: GraphQLContext): Promise<Health> {
    const rows = await services.db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL
       ORDER BY migration_name`,
    );
    return {
      status: 'ok',
      database: services.db.kind,
      version: services.version,
      uptimeSeconds: (Date.now() - services.startedAt.getTime()) / 1000,
      migrations: rows.map((r) => r.migration_name),
    };
  }

  @Authorized()
  @Query(() => ShopStats)
  async shopStats(@Ctx() { services }: GraphQLContext): Promise<ShopStats> {
    const p = services.db.prisma;
    const [customers, products, orders, orderItems, searches, reviews] = await Promise.all([
      p.customer.count(),
      p.product.count(),
      p.order.count(),
      p.orderItem.count(),
      p.searchQuery.count(),
      p.review.count(),
    ]);
    return { customers, products, orders, orderItems, searches, reviews };
  }
}
