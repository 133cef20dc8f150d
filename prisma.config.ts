// Prisma CLI configuration. The service itself never reads this file: it connects through a driver
// adapter chosen in src/db/client.ts (PGlite by default, PostgreSQL when DATABASE_URL is set).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/segment_api' },
});
