// Readiness when PostgreSQL goes away: the server's connection runs through a TCP relay the test
// can cut. /readyz turns 503 within a second of the cut (naming the database), /healthz stays 200
// (restarting the process would not bring the database back), and /readyz is 200 again by itself
// once the database answers, with no restart.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createServices } from '../../src/app/services.js';
import { startServer } from '../../src/http/app.js';
import { databaseTargets } from '../support/databases.js';
import { testSettings } from '../support/app.js';

/** A TCP relay to host:port that can refuse and drop every connection (cut) and let them through again. */
async function relay(host: string, port: number) {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const destroyAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      open = false;
      destroyAll();
    },
    restore: () => {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}

const postgres = databaseTargets().find((t) => t.name === 'postgresql');

test(
  '/readyz fails within a second when PostgreSQL stops answering and recovers by itself',
  { skip: postgres ? false : 'TEST_DATABASE_URL is not set' },
  async () => {
    const db = await postgres!.create();
    const direct = new URL((db.settings as { url: string }).url);
    const cable = await relay(direct.hostname, Number(direct.port || 5432));
    const through = new URL(direct);
    through.hostname = '127.0.0.1';
    through.port = String(cable.port);
    // No rate-limit pool and no job worker: the only connections are the service's own, all through the relay.
    const services = await createServices(testSettings({ kind: 'postgresql', url: through.toString() }, { RATE_LIMIT_PER_MINUTE: '0' }));
    const server = await startServer(services);
    const base = server.url.replace(/\/graphql$/, '');
    const probe = async (path: string) => {
      const started = performance.now();
      const res = await fetch(`${base}${path}`);
      return {
        status: res.status,
        ms: performance.now() - started,
        body: (await res.json()) as { checks?: Array<{ name: string; ok: boolean; detail?: string }> },
      };
    };
    try {
      assert.equal((await probe('/readyz')).status, 200);
      cable.cut();
      const down = await probe('/readyz');
      assert.equal(down.status, 503);
      assert.ok(down.ms < 1000, `answered in ${down.ms.toFixed(0)} ms`);
      const database = down.body.checks!.find((c) => c.name === 'database')!;
      assert.equal(database.ok, false);
      assert.ok(database.detail, 'says why');
      assert.equal(down.body.checks!.find((c) => c.name === 'vectorStore')!.ok, true, 'the vector store is not blamed');
      assert.equal((await probe('/healthz')).status, 200, 'liveness does not depend on the database');

      cable.restore();
      const deadline = Date.now() + 15_000;
      let back = await probe('/readyz');
      while (back.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        back = await probe('/readyz');
      }
      assert.equal(back.status, 200, JSON.stringify(back.body));
    } finally {
      await server.stop();
      await services.close();
      await cable.close();
      await db.drop();
    }
  },
);

test('/readyz names pending migrations: a database missing one of this build’s migrations is not ready', async () => {
  const target = databaseTargets()[0]!; // PGlite: migrations are the same on both
  const db = await target.create();
  const services = await createServices(testSettings(db.settings));
  const server = await startServer(services);
  try {
    const last = (await services.migrations()).at(-1)!;
    await services.db.prisma.$executeRaw`DELETE FROM "_prisma_migrations" WHERE migration_name = ${last}`;
    const res = await fetch(server.url.replace(/\/graphql$/, '/readyz'));
    assert.equal(res.status, 503);
    const body = (await res.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string }> };
    const migrations = body.checks.find((c) => c.name === 'migrations')!;
    assert.equal(migrations.ok, false);
    assert.equal(migrations.detail, `pending: ${last}`);
  } finally {
    await server.stop();
    await services.close();
    await db.drop();
  }
});
