// Change notifications: the database says when committed data changed, whoever wrote it. The triggers
// of migration 20261207130000 notify CHANGE_CHANNEL once per writing statement; PostgreSQL delivers a
// notification when its transaction commits, to every session listening — the writer's own included.
import pg from 'pg';
import { log } from '../observability/log.js';
import type { PrismaClient } from './generated/client.js';

export const CHANGE_CHANNEL = 'segment_api_change';

/** What a listener hears. */
export interface ChangeListener {
  /** A committed statement wrote `table` (or a change outside the tables was announced under that name). */
  changed(table: string): void;
  /** Notifications may be missed from now on (the connection dropped), until `restored`. */
  lost?(): void;
  /** Listening again; changes made meanwhile are unknown. */
  restored?(): void;
}

/** Stops listening. */
export type StopListening = () => Promise<void>;

/** Announces a change that no watched table shows (a vector collection's alias moved, say). */
export async function announceChange(prisma: PrismaClient, what: string): Promise<void> {
  await prisma.$executeRaw`SELECT pg_notify(${CHANGE_CHANNEL}, ${what})`;
}

/** The listening connection's application_name (pg_stat_activity shows it). */
export const LISTENER_NAME = 'segment-api change listener';

/** How often the listening connection is checked (a dropped idle connection need not say so). */
const HEARTBEAT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * PostgreSQL: one dedicated connection (a pooled one cannot hold LISTEN: point DATABASE_URL past a
 * transaction-mode pooler). A dropped connection is reported (`lost`), re-opened with a capped back-off,
 * and reported again when listening (`restored`).
 */
export async function listenPostgres(connectionString: string, listener: ChangeListener): Promise<StopListening> {
  const logger = log('db');
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;
  const heartbeat = setInterval(() => {
    client?.query('SELECT 1').catch(() => client?.end().catch(() => undefined));
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: LISTENER_NAME });
    c.on('notification', (n) => listener.changed(n.payload ?? ''));
    c.on('error', (error) => logger.warn({ err: error }, 'change notifications: connection error'));
    c.on('end', () => {
      if (stopped || client !== c) return;
      client = undefined;
      logger.warn('change notifications: connection lost; reconnecting');
      listener.lost?.();
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      await c.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    delay = 250;
  };
  const schedule = () => {
    retry = setTimeout(() => {
      connect()
        .then(() => {
          if (!stopped) listener.restored?.();
        })
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'change notifications: reconnect failed');
          delay = Math.min(delay * 2, 10_000);
          if (!stopped) schedule();
        });
    }, delay);
    retry.unref();
  };
  try {
    await connect();
  } catch (error) {
    clearInterval(heartbeat);
    throw error;
  }
  return async () => {
    stopped = true;
    clearTimeout(retry);
    clearInterval(heartbeat);
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };
}
