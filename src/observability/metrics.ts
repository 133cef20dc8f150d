// Prometheus metrics (prom-client), one registry per process, served at /metrics. Names follow
// Prometheus' conventions: base units (seconds), `_total` for counters, few label values (GraphQL
// operation names are the client's own words: capped, see operationLabel).
import client from 'prom-client';
import { withDeadline } from '../shared/deadline.js';

export const registry = new client.Registry();
registry.setDefaultLabels({ service: 'segment-api' });
// CPU, memory, event-loop lag, GC and handles: the process's own health.
client.collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const requestDuration = new client.Histogram({
  name: 'segment_api_request_duration_seconds',
  help: 'HTTP requests by route, GraphQL operation and outcome (ok or the error code).',
  labelNames: ['route', 'operation', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const rateLimitRefusals = new client.Counter({
  name: 'segment_api_rate_limit_refusals_total',
  help: 'Requests refused with RATE_LIMITED, by whether they came with a key.',
  labelNames: ['caller'] as const,
  registers: [registry],
});

export const jobDuration = new client.Histogram({
  name: 'segment_api_job_duration_seconds',
  help: 'Jobs run by this process, by kind and outcome (succeeded, failed, cancelled).',
  labelNames: ['kind', 'outcome'] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
  registers: [registry],
});

export const responseCacheLookups = new client.Counter({
  name: 'segment_api_response_cache_lookups_total',
  help: 'Read queries the response cache may answer, by whether it did (hit) or they were computed (miss).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const embeddedTexts = new client.Counter({
  name: 'segment_api_embedded_texts_total',
  help: 'Texts run through the sentence-embedding model (its throughput is the rate of this).',
  registers: [registry],
});

export const embedBatchDuration = new client.Histogram({
  name: 'segment_api_embed_batch_duration_seconds',
  help: 'Time to embed one batch of texts.',
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10],
  registers: [registry],
});

export const vectorStoreDuration = new client.Histogram({
  name: 'segment_api_vector_store_duration_seconds',
  help: 'Vector-store calls by operation and outcome.',
  labelNames: ['store', 'operation', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const databaseQueryDuration = new client.Histogram({
  name: 'segment_api_database_query_duration_seconds',
  help: 'SQL statements sent through Prisma, by database.',
  labelNames: ['database'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [registry],
});

/**
 * Gauges read when scraped (queue depth from the database): each source is registered by the
 * process that owns it. A source that fails leaves its gauge unset rather than failing the scrape.
 */
export const jobsInQueue = new client.Gauge({
  name: 'segment_api_jobs',
  help: 'Jobs by status (QUEUED and RUNNING are the queue), shop-wide, read at scrape time.',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!queueDepth) return;
    try {
      // A scrape must not hang on a database that does not answer.
      const depth = await withDeadline(queueDepth(), 1000);
      for (const [status, n] of Object.entries(depth)) this.set({ status }, n);
    } catch {
      // The database is down: /readyz says so; the scrape still gives the process metrics.
    }
  },
});

let queueDepth: (() => Promise<Record<string, number>>) | undefined;

export function setQueueDepthSource(source: (() => Promise<Record<string, number>>) | undefined): void {
  queueDepth = source;
}

const seenOperations = new Set<string>();
const MAX_OPERATIONS = 200;

/**
 * The label for a GraphQL operation: its name, or `anonymous`; past 200 distinct names `other`, so a
 * client inventing a name per request cannot grow the series without bound.
 */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  const label = name.slice(0, 64);
  if (seenOperations.has(label)) return label;
  if (seenOperations.size >= MAX_OPERATIONS) return 'other';
  seenOperations.add(label);
  return label;
}

/** Times an async call into `histogram` with an outcome label (ok or error). */
export async function timed<T, L extends string>(histogram: client.Histogram<L>, labels: Partial<Record<L, string>>, call: () => Promise<T>): Promise<T> {
  const end = histogram.startTimer(labels);
  try {
    const value = await call();
    end({ outcome: 'ok' } as never);
    return value;
  } catch (error) {
    end({ outcome: 'error' } as never);
    throw error;
  }
}

export const liveUpdateLag = new client.Histogram({
  name: 'segment_api_live_update_lag_seconds',
  help: 'From a write accepted to the customer’s vectors, segment and value brought up to date (live updates).',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
  registers: [registry],
});
