// The one place that knows which database we run on. Everything above it sees a PrismaClient.
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseSettings } from '../config/settings.js';
import { CHANGE_CHANNEL, listenPostgres, type ChangeListener, type StopListening } from './change-notifications.js';
import { databaseQueryDuration } from '../observability/metrics.js';
import { PrismaClient } from './generated/client.js';

export { PrismaClient, Prisma } from './generated/client.js';

export interface Database {
  readonly kind: DatabaseSettings['kind'];
  readonly prisma: PrismaClient;
  /** Calls `listener` for every SQL statement the client sends (tests count queries with it). */
  onQuery(listener: (sql: string) => void): () => void;
  /** The driver adapter behind `prisma`; the migration runner talks to it directly. */
  readonly adapter: SqlDriverAdapterFactory;
  /** How a library that brings its own SQL (the job queue, pg-boss) reaches this database. */
  readonly raw: RawConnection;
  /** Tells `listener` of every committed statement that wrote data a cached read can show (change-notifications.ts). */
  listenForChanges(listener: ChangeListener): Promise<StopListening>;
  close(): Promise<void>;
}

/**
 * PostgreSQL: a connection string (the library opens its own small pool). PGlite: statements run on
 * the one embedded instance Prisma uses; statements without parameters may be several at once (the
 * library's migrations), which PGlite runs with `exec`.
 */
export type RawConnection =
  | { kind: 'postgresql'; connectionString: string }
  | { kind: 'pglite'; executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number }> };

export function openDatabase(settings: DatabaseSettings): Database {
  if (settings.kind === 'postgresql') {
    const adapter = new PrismaPg({ connectionString: settings.url, max: 10 });
    const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
    return {
      kind: 'postgresql',
      prisma,
      adapter,
      onQuery: queryListener(prisma, 'postgresql'),
      raw: { kind: 'postgresql', connectionString: settings.url },
      listenForChanges: (listener) => listenPostgres(settings.url, listener),
      close: () => prisma.$disconnect(),
    };
  }
  if (settings.dir !== 'memory://') fs.mkdirSync(settings.dir, { recursive: true });
  const pglite = new PGlite(settings.dir);
  const adapter = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  return {
    kind: 'pglite',
    prisma,
    adapter,
    onQuery: queryListener(prisma, 'pglite'),
    raw: {
      kind: 'pglite',
      async executeSql(text, values) {
        if (!values || values.length === 0) {
          const results = await pglite.exec(text);
          const last = results.at(-1);
          return { rows: last?.rows ?? [], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
        }
        const result = await pglite.query(text, values);
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
      },
    },
    // One session: it hears its own notifications, after each statement that commits.
    listenForChanges: async (listener) => {
      const unlisten = await pglite.listen(CHANGE_CHANNEL, (table) => listener.changed(table));
      return async () => {
        if (!pglite.closed) await unlisten().catch(() => undefined);
      };
    },
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

function queryListener(prisma: PrismaClient, database: DatabaseSettings['kind']) {
  const listeners = new Set<(sql: string) => void>();
  prisma.$on('query' as never, (event: { query: string; duration: number }) => {
    databaseQueryDuration.observe({ database }, event.duration / 1000);
    for (const l of listeners) l(event.query);
  });
  return (listener: (sql: string) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
}
