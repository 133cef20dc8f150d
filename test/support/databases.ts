// Every database test runs once per target: embedded PGlite always, real PostgreSQL when
// TEST_DATABASE_URL names a server (scripts/test.mjs starts one where it can; CI always has one).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseSettings } from '../../src/config/settings.js';

export interface DatabaseTarget {
  name: 'pglite' | 'postgresql';
  /** A fresh, empty database of this kind, and a way to throw it away. */
  create(): Promise<{ settings: DatabaseSettings; drop(): Promise<void> }>;
}

export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ name: 'pglite', create: async () => ({ settings: { kind: 'pglite', dir: 'memory://' }, drop: async () => {} }) }];
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    targets.push({
      name: 'postgresql',
      create: async () => {
        const name = `segment_test_${randomBytes(6).toString('hex')}`;
        await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        return {
          settings: { kind: 'postgresql', url: url.toString() },
          drop: () => dropDatabase(adminUrl, name),
        };
      },
    });
  }
  return targets;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * DROP … WITH (FORCE), again a few times when it cannot end a session it does not own: an
 * autovacuum worker that has just started on the new database belongs to the superuser (42501).
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 10 || (code !== '42501' && code !== '55006')) throw error;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
