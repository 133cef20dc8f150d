// A failure at the last step of a run's activation transaction, made by the database itself: a
// trigger that refuses to mark a run active. Everything before it (segments, memberships, values) has
// been written inside the transaction by then, so the rollback is what is tested — with no test hook
// in the product.
import type { PrismaClient } from '../../src/db/database.js';

export const INJECTED = 'injected failure before commit';

export async function failActivations(prisma: PrismaClient): Promise<() => Promise<void>> {
  await prisma.$executeRaw`
    CREATE OR REPLACE FUNCTION test_refuse_activation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected failure before commit'; END $$`;
  await prisma.$executeRaw`
    CREATE TRIGGER test_refuse_activation BEFORE UPDATE OF active ON segmentation_run
    FOR EACH ROW WHEN (NEW.active AND NOT OLD.active) EXECUTE FUNCTION test_refuse_activation()`;
  return async () => {
    await prisma.$executeRaw`DROP TRIGGER IF EXISTS test_refuse_activation ON segmentation_run`;
    await prisma.$executeRaw`DROP FUNCTION IF EXISTS test_refuse_activation()`;
  };
}
