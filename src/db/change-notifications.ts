// Change notifications: the database says when committed data changed, whoever wrote it. The triggers
// of migration 20261207130000 notify CHANGE_CHANNEL once per writing statement; PostgreSQL delivers a
// notification when its transaction commits, to every session listening — the writer's own included.
import pg from 'pg';
import { log } from '../observability/log.js';

export const CHANGE_CHANNEL = 'segment_api_change';

/** Stops listening. */
export type StopListening = () => Promise<void>;

/**
 * PostgreSQL: one dedicated connection (a pooled one cannot hold LISTEN). A lost connection may have
 * lost notifications too, so `listener` is called when it drops and again when it is back; it
 * reconnects with a capped back-off until stopped.
 */
export async function listenPostgres(connectionString: string, listener: (table: string) => void): Promise<StopListening> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString });
    c.on('notification', (n) => listener(n.payload ?? ''));
    c.on('error', () => undefined); // 'end' follows and schedules the reconnect
    c.on('end', () => {
      if (stopped || client !== c) return;
      client = undefined;
      listener('');
      schedule();
    });
    await c.connect();
    await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    client = c;
    delay = 250;
  };
  const schedule = () => {
    retry = setTimeout(() => {
      connect()
        .then(() => listener(''))
        .catch((error: unknown) => {
          log('db').warn({ err: error }, 'change notifications: reconnect failed');
          delay = Math.min(delay * 2, 10_000);
          if (!stopped) schedule();
        });
    }, delay);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };
}
