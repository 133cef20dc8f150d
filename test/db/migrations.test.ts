import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot } from '../../src/config/settings.js';
import { openDatabase } from '../../src/db/database.js';
import { applyMigrations, MigrationError } from '../../src/db/migrations.js';
import { databaseTargets } from '../support/databases.js';

const MIGRATIONS = path.join(projectRoot, 'prisma', 'migrations');

for (const target of databaseTargets()) {
  describe(`migrations on ${target.name}`, () => {
    test('applies every migration once, recorded the way prisma migrate records them', async () => {
      const { settings, drop } = await target.create();
      const db = openDatabase(settings);
      try {
        const first = await applyMigrations(db.adapter, MIGRATIONS);
        const names = fs
          .readdirSync(MIGRATIONS)
          .filter((n) => fs.statSync(path.join(MIGRATIONS, n)).isDirectory())
          .sort();
        assert.deepEqual(first.applied, names);
        const second = await applyMigrations(db.adapter, MIGRATIONS);
        assert.deepEqual(second, { applied: [], alreadyApplied: names });

        const rows = await db.prisma.$queryRaw<
          { migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; rolled_back_at: Date | null }[]
        >`SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name`;
        assert.equal(rows.length, names.length);
        for (const [i, row] of rows.entries()) {
          const sql = fs.readFileSync(path.join(MIGRATIONS, names[i]!, 'migration.sql'));
          assert.equal(row.migration_name, names[i]);
          assert.equal(row.checksum, createHash('sha256').update(sql).digest('hex'));
          assert.ok(row.finished_at instanceof Date);
          assert.equal(row.rolled_back_at, null);
          assert.equal(Number(row.applied_steps_count), 1);
        }
      } finally {
        await db.close();
        await drop();
      }
    });

    test('a failing migration is rolled back whole and stops the run', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
      fs.mkdirSync(path.join(dir, '001_ok'));
      fs.writeFileSync(path.join(dir, '001_ok', 'migration.sql'), 'CREATE TABLE kept (id int);');
      fs.mkdirSync(path.join(dir, '002_bad'));
      fs.writeFileSync(
        path.join(dir, '002_bad', 'migration.sql'),
        'CREATE TABLE half_done (id int);\nINSERT INTO half_done VALUES (1);\nSELECT * FROM no_such_table;',
      );
      fs.mkdirSync(path.join(dir, '003_never'));
      fs.writeFileSync(path.join(dir, '003_never', 'migration.sql'), 'CREATE TABLE never (id int);');
      const { settings, drop } = await target.create();
      const db = openDatabase(settings);
      try {
        await assert.rejects(applyMigrations(db.adapter, dir), (e: unknown) => e instanceof MigrationError && /002_bad/.test(e.message));
        const tables = await db.prisma.$queryRaw<
          { table_name: string }[]
        >`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`;
        assert.deepEqual(
          tables.map((t) => t.table_name),
          ['_prisma_migrations', 'kept'],
        );
        const recorded = await db.prisma.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM "_prisma_migrations"`;
        assert.deepEqual(
          recorded.map((r) => r.migration_name),
          ['001_ok'],
        );

        // An applied migration edited afterwards is refused rather than silently skipped.
        fs.writeFileSync(path.join(dir, '001_ok', 'migration.sql'), 'CREATE TABLE kept (id bigint);');
        await assert.rejects(applyMigrations(db.adapter, dir), /001_ok was changed after it was applied/);
      } finally {
        await db.close();
        await drop();
      }
    });
  });
}
