// "The database is down" told apart from bugs and bad requests by the drivers' error types, on the
// real drivers: a closed PGlite, a PostgreSQL port nobody listens on, a server that drops the
// session, and errors that must NOT count (a constraint violation, a syntax error, a plain Error).
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectRoot } from '../../src/config/settings.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { isDatabaseUnavailable } from '../../src/db/database-errors.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { databaseTargets } from '../support/databases.js';

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  assert.fail('expected the work to fail');
}

describe('isDatabaseUnavailable', () => {
  test('a closed PGlite is unavailable', async () => {
    const db = openDatabase({ kind: 'pglite', dir: 'memory://' });
    await db.prisma.$queryRaw`SELECT 1`;
    await db.close();
    assert.equal(isDatabaseUnavailable(await errorOf(() => db.prisma.$queryRaw`SELECT 1`)), true);
  });

  test('PostgreSQL on a port nobody listens on is unavailable', async () => {
    // A port that was free a moment ago: connecting is refused.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const db = openDatabase({ kind: 'postgresql', url: `postgresql://nobody:secret@127.0.0.1:${port}/none` });
    try {
      const error = await errorOf(() => db.prisma.customer.count());
      assert.equal(isDatabaseUnavailable(error), true, String(error));
    } finally {
      await db.close();
    }
  });

  test('a plain Error, and nothing at all, are not', () => {
    assert.equal(isDatabaseUnavailable(new Error('boom')), false);
    assert.equal(isDatabaseUnavailable(undefined), false);
    assert.equal(isDatabaseUnavailable('ECONNREFUSED'), false);
  });

  for (const target of databaseTargets()) {
    describe(target.name, () => {
      let db: Database;
      let drop: () => Promise<void>;
      before(async () => {
        const created = await target.create();
        drop = created.drop;
        db = openDatabase(created.settings);
        await applyMigrations(db.adapter, path.join(projectRoot, 'prisma', 'migrations'));
      });
      after(async () => {
        await db.close();
        await drop();
      });

      test('a unique-constraint violation and a syntax error are the request, not the database', async () => {
        await db.prisma.customer.create({ data: { externalId: 'twice' } });
        assert.equal(isDatabaseUnavailable(await errorOf(() => db.prisma.customer.create({ data: { externalId: 'twice' } }))), false);
        assert.equal(isDatabaseUnavailable(await errorOf(() => db.prisma.$queryRaw`SELEC 1`)), false);
      });

      if (target.name === 'postgresql') {
        test('a session the server terminates (SQLSTATE 57P01) is unavailable', async () => {
          const error = await errorOf(() => db.prisma.$transaction(async (tx) => tx.$queryRaw`SELECT pg_terminate_backend(pg_backend_pid())`));
          assert.equal(isDatabaseUnavailable(error), true, String(error));
        });
      }
    });
  }
});
