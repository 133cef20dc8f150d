// Applies prisma/migrations/<name>/migration.sql through the driver adapter, for machines without
// Prisma's native schema engine. Bookkeeping follows `prisma migrate deploy`: the same
// `_prisma_migrations` table, the sha256 checksum of each script and the same advisory lock key, so
// either tool can take over from the other.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDriverAdapterFactory, SqlQueryable, Transaction } from '@prisma/driver-adapter-utils';
import { splitSqlStatements } from './sql-statements.js';
import type { PrismaClient } from './database.js';

/** The key Prisma Migrate takes with pg_advisory_lock, so the two never run at once. */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  script: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {}

export function readMigrations(dir: string): MigrationFile[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const script = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: createHash('sha256').update(script).digest('hex') };
    });
}

export async function applyMigrations(factory: SqlDriverAdapterFactory, dir: string, onApplied: (name: string) => void = () => {}): Promise<MigrationReport> {
  const migrations = readMigrations(dir);
  const adapter = await factory.connect();
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  try {
    await exec(adapter, CREATE_MIGRATIONS_TABLE);
    for (const migration of migrations) {
      // One transaction per migration: its statements, its bookkeeping row, and the lock that keeps
      // a second runner (or prisma migrate) from applying it twice.
      const tx = await adapter.startTransaction();
      try {
        await exec(tx, `SELECT pg_advisory_xact_lock(${PRISMA_ADVISORY_LOCK_KEY})`);
        const rows = await query(
          tx,
          `SELECT checksum, finished_at IS NOT NULL AS finished FROM "_prisma_migrations"
           WHERE migration_name = $1 AND rolled_back_at IS NULL`,
          [migration.name],
        );
        const done = rows.find((r) => r[1] === true);
        if (done) {
          if (done[0] !== migration.checksum) {
            throw new MigrationError(`Migration ${migration.name} was changed after it was applied (checksum differs).`);
          }
          report.alreadyApplied.push(migration.name);
          await finish(tx, 'COMMIT');
          continue;
        }
        if (rows.length > 0) {
          throw new MigrationError(`Migration ${migration.name} is recorded as started but not finished; resolve it before migrating.`);
        }
        const statements = splitSqlStatements(migration.script);
        for (const statement of statements) await exec(tx, statement);
        await exec(
          tx,
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await finish(tx, 'COMMIT');
        report.applied.push(migration.name);
        onApplied(migration.name);
      } catch (error) {
        await finish(tx, 'ROLLBACK');
        if (error instanceof MigrationError) throw error;
        throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${describe(error)}`);
      }
    }
  } finally {
    await adapter.dispose();
  }
  return report;
}

/**
 * Ends a transaction the way Prisma's own transaction manager does: adapters that do not manage
 * the transaction themselves (pg: `usePhantomQuery` false) need the COMMIT/ROLLBACK statement sent
 * before `commit()`/`rollback()` hands the connection back; PGlite's adapter does it itself.
 */
async function finish(tx: Transaction, how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
  try {
    if (!tx.options.usePhantomQuery) await exec(tx, how);
  } finally {
    await (how === 'COMMIT' ? tx.commit() : tx.rollback());
  }
}

async function exec(q: SqlQueryable, sql: string, args: unknown[] = []): Promise<void> {
  await q.executeRaw({ sql, args, argTypes: args.map(() => ({ scalarType: 'string', arity: 'scalar' })) });
}

async function query(q: SqlQueryable, sql: string, args: unknown[]): Promise<unknown[][]> {
  const result = await q.queryRaw({ sql, args, argTypes: args.map(() => ({ scalarType: 'string', arity: 'scalar' })) });
  return result.rows;
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'cause' in error && error.cause) return String((error as Error).message);
  return error instanceof Error ? error.message : String(error);
}

/** Names of the migrations applied to the database, in order (health checks: it also proves the database answers). */
export async function appliedMigrations(prisma: PrismaClient): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`;
  return rows.map((r) => r.migration_name);
}
