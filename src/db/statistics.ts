// Planner statistics. PGlite runs no autovacuum daemon, so after a bulk load the planner still
// believes the tables hold a few thousand rows and joins a batch of 256 customers by scanning every
// order line: on 100,000 demo customers a profile batch took 1.6 s before ANALYZE and 0.14 s after,
// and the embed job spent most of its time there. Long jobs refresh the statistics when they start
// (about a second at that size); on PostgreSQL, where autovacuum keeps them, it is merely cheap.
import type { PrismaClient } from './database.js';

export async function refreshStatistics(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`ANALYZE`;
}
