// Readiness: can this process do its work now? The database answers and holds every migration this
// build ships, and the vector store answers. Each check gets a short deadline, so a probe learns of
// a stopped database within a second instead of waiting on a connection that never completes; and
// nothing is cached, so the answer turns back to ready by itself once they answer again.
// (Liveness, /healthz, asks only that the process runs: restarting it would not bring a database back.)
import { readMigrations } from '../db/migrations.js';
import { withDeadline } from '../shared/deadline.js';

export interface ReadinessCheck {
  name: 'database' | 'migrations' | 'vectorStore' | 'searchIndex';
  ok: boolean;
  /** How long the check took, in milliseconds. */
  ms: number;
  /** Why it failed; for migrations, which are pending. */
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

export interface ReadinessProbes {
  /** Applied migration names (it also proves the database answers). */
  appliedMigrations(): Promise<string[]>;
  /** Any cheap call that needs the vector store to answer. */
  pingVectorStore(): Promise<unknown>;
  migrationsDir: string;
  /** Whether the search indexes a server prepares at start are ready (absent: nothing to prepare). */
  searchIndex?: () => { ok: boolean; detail?: string };
}

export const READINESS_DEADLINE_MS = 800;

export async function checkReadiness(probes: ReadinessProbes, deadlineMs = READINESS_DEADLINE_MS): Promise<Readiness> {
  const shipped = shippedMigrations(probes.migrationsDir);
  const [database, vectorStore] = await Promise.all([
    timedCheck(() => probes.appliedMigrations(), deadlineMs),
    timedCheck(() => probes.pingVectorStore(), deadlineMs),
  ]);
  const checks: ReadinessCheck[] = [{ name: 'database', ok: database.ok, ms: database.ms, ...(database.ok ? {} : { detail: database.detail }) }];
  if (database.ok) {
    const applied = new Set(database.value as string[]);
    const pending = shipped.filter((m) => !applied.has(m));
    checks.push({ name: 'migrations', ok: pending.length === 0, ms: 0, ...(pending.length ? { detail: `pending: ${pending.join(', ')}` } : {}) });
  } else {
    checks.push({ name: 'migrations', ok: false, ms: 0, detail: 'unknown: the database did not answer' });
  }
  checks.push({ name: 'vectorStore', ok: vectorStore.ok, ms: vectorStore.ms, ...(vectorStore.ok ? {} : { detail: vectorStore.detail }) });
  const search = probes.searchIndex?.();
  if (search) checks.push({ name: 'searchIndex', ok: search.ok, ms: 0, ...(search.detail ? { detail: search.detail } : {}) });
  return { ready: checks.every((c) => c.ok), checks };
}

let shippedCache: { dir: string; names: string[] } | undefined;

function shippedMigrations(dir: string): string[] {
  if (shippedCache?.dir !== dir) shippedCache = { dir, names: readMigrations(dir).map((m) => m.name) };
  return shippedCache.names;
}

async function timedCheck(run: () => Promise<unknown>, deadlineMs: number): Promise<{ ok: boolean; ms: number; value?: unknown; detail?: string }> {
  const started = performance.now();
  try {
    const value = await withDeadline(run(), deadlineMs);
    return { ok: true, ms: Math.round(performance.now() - started), value };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), detail: error instanceof Error ? error.message : String(error) };
  }
}
