// Environment → typed, validated settings. Every variable has an embedded default, so a fresh clone
// runs with no configuration at all; README.md lists them (keep the two in step).
import fs from 'node:fs';
import path from 'node:path';
import cronParser from 'cron-parser';
import { z } from 'zod';

type ViewWeights = { text: number; lexical: number; value: number; habits: number; mix: number };

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const cronExpression = z
  .string()
  .optional()
  .superRefine((value, ctx) => {
    if (value === undefined || value === 'off') return;
    try {
      cronParser.parseExpression(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a cron expression: ${error instanceof Error ? error.message : String(error)}` });
    }
  });

/** A variable set but empty (`PORT=` in a compose file) is unset, as for the string variables: its default holds. */
const emptyIsUnset = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATA_DIR: z.string().default('data'),
  DATABASE_URL: optionalString,
  PGLITE_DIR: optionalString,
  HOST: z.string().default('127.0.0.1'),
  PORT: emptyIsUnset(z.coerce.number().int().min(0).max(65535).default(4000)),
  MAX_BATCH_SIZE: emptyIsUnset(z.coerce.number().int().min(1).max(100_000).default(10_000)),
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).default('true'),
  ONLINE_RETAIL_PATH: z.string().default('../shared/datasets/online-retail/online_retail.csv.gz'),
  CHINESE_REVIEWS_PATH: z.string().default('../shared/datasets/chinese-reviews-dev/reviews.csv.gz'),
  DEMO_CUSTOMERS: emptyIsUnset(z.coerce.number().int().min(8).max(1_000_000).default(2_000)),
  DEMO_SEED: emptyIsUnset(z.coerce.number().int().default(42)),
  MODELS_DIR: z.string().default('models'),
  EMBEDDING_MODEL: z.string().default('use-lite'),
  EMBEDDING_MODEL_DIR: optionalString,
  EMBEDDING_THREADS: emptyIsUnset(z.coerce.number().int().min(1).optional()),
  QDRANT_URL: optionalString,
  /** The embedded store searches exactly below this many points, through an HNSW index from it on. */
  VECTOR_EXACT_SEARCH_LIMIT: emptyIsUnset(z.coerce.number().int().min(1).default(20_000)),
  QDRANT_API_KEY: optionalString,
  /** New collections on a Qdrant cluster: shards, copies of each, and copies a write must reach (unset: the server's defaults). */
  QDRANT_SHARDS: emptyIsUnset(z.coerce.number().int().min(1).optional()),
  QDRANT_REPLICATION_FACTOR: emptyIsUnset(z.coerce.number().int().min(1).optional()),
  QDRANT_WRITE_CONSISTENCY_FACTOR: emptyIsUnset(z.coerce.number().int().min(1).optional()),
  /** Requests per API key per minute, shared by every API process on PostgreSQL; 0: no limit. */
  RATE_LIMIT_PER_MINUTE: emptyIsUnset(z.coerce.number().int().min(0).default(30_000)),
  /** Requests per client address per minute without a (valid) key: the login page and probes, not a workload. */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: emptyIsUnset(z.coerce.number().int().min(0).default(600)),
  /** Bearer token for /metrics (Prometheus' scrape config); unset: only an admin API key reads them. */
  METRICS_TOKEN: optionalString,
  LOG_LEVEL: emptyIsUnset(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional()),
  LOG_FORMAT: emptyIsUnset(z.enum(['json', 'pretty']).optional()),
  /** OpenTelemetry: an OTLP/HTTP collector (e.g. http://otel-collector:4318); unset: no traces. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OTEL_SERVICE_NAME: z.string().default('segment-api'),
  /** Fields not yet resolved when a request has run this long fail with DEADLINE_EXCEEDED. */
  REQUEST_DEADLINE_MS: emptyIsUnset(z.coerce.number().int().min(1).default(30_000)),
  /** Memory for answers of read queries, kept until the data they show changes (graphql/response-cache.ts); 0: off. */
  RESPONSE_CACHE_MB: emptyIsUnset(z.coerce.number().min(0).default(64)),
  // Behind a load balancer every request comes from its address: which proxies to believe about the
  // client's (X-Forwarded-For), so requests without a key are limited per client, not all together.
  // A hop count ("1") or addresses/subnets ("loopback", "10.0.0.0/8, 172.16.0.0/12"); empty: none.
  TRUST_PROXY: optionalString,
  /** `false`: this process runs no jobs; `npm run worker` processes (PostgreSQL only) do. */
  WORKER_IN_PROCESS: z.enum(['true', 'false']).default('true'),
  /** Cron expressions (e.g. `0 3 * * *`): re-embed changed customers / re-segment on a schedule; `off` removes one. */
  SCHEDULE_EMBED: optionalString.pipe(cronExpression),
  SCHEDULE_SEGMENT: optionalString.pipe(cronExpression),
  /**
   * Who may leave the service in an audience. `opt-out` (default): everyone but customers whose consent
   * is false; `opt-in`: only customers whose consent is true (what GDPR asks of e-mail marketing where
   * the shop records consent). Suppressed customers never leave either way.
   */
  MARKETING_CONSENT: z.enum(['opt-out', 'opt-in']).default('opt-out'),
  /**
   * Live updates (src/live/): `true` (default), processes that work bring customers changed through the
   * API up to date between jobs (vectors, provisional segment, value); `false`, the next embed
   * job and segmentation do.
   */
  LIVE_UPDATES: z.enum(['true', 'false']).default('true'),
  /** How often live updates read the change feed when no write in this process woke them (ms). */
  LIVE_POLL_MS: emptyIsUnset(z.coerce.number().int().min(10).default(250)),
  /** How often a worker looks for scheduled audiences that are due (ms). */
  AUDIENCE_TICK_MS: emptyIsUnset(z.coerce.number().int().min(50).default(15_000)),
  /** The shortest interval between an audience's scheduled refreshes (seconds): a schedule that fires more often is refused. */
  AUDIENCE_MIN_INTERVAL_SECONDS: emptyIsUnset(z.coerce.number().int().min(1).default(300)),
  /** How long an audience's replaced version stays readable (hours). */
  AUDIENCE_VERSION_RETENTION_HOURS: emptyIsUnset(z.coerce.number().min(0).default(168)),
  /** Where FILE destinations write (each destination names a directory inside it). Default: <DATA_DIR>/exports. */
  FILE_DESTINATIONS_DIR: optionalString,
  /** `true`: webhooks may use plain http:// beyond this machine (a receiver inside the cluster). */
  WEBHOOK_ALLOW_HTTP: z.enum(['true', 'false']).default('false'),
  /** `true`: webhooks may go to private, loopback and link-local addresses (checked at creation and on every connection). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  /** A webhook page without an answer this long has failed (ms). */
  WEBHOOK_TIMEOUT_MS: emptyIsUnset(z.coerce.number().int().min(1).default(10_000)),
  /** First wait after a failed delivery attempt (ms), doubled after each further one. */
  DELIVERY_RETRY_BASE_MS: emptyIsUnset(z.coerce.number().int().min(0).default(30_000)),
  /** Attempts before a delivery is failed for good. */
  DELIVERY_MAX_ATTEMPTS: emptyIsUnset(z.coerce.number().int().min(1).max(20).default(5)),
  /** Failed deliveries in a row before a destination is paused. */
  DESTINATION_PAUSE_AFTER: emptyIsUnset(z.coerce.number().int().min(1).default(3)),
  /** Shares of the views in `combined`, e.g. `text=1,lexical=1,value=1,habits=0.5,mix=1` (any view left out keeps its default). */
  VIEW_WEIGHTS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      // customer-vectors' DEFAULT_VIEW_WEIGHTS (config imports no domain module; a test keeps them equal).
      const weights: Record<string, number> = { text: 1, lexical: 1, value: 1, habits: 0.5, mix: 1 };
      for (const part of value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [name, raw, extra] = part.split('=').map((p) => p.trim());
        const w = raw ? Number(raw) : Number.NaN;
        if (!name || !Object.hasOwn(weights, name) || extra !== undefined || !Number.isFinite(w) || w < 0) {
          ctx.addIssue({ code: 'custom', message: `"${part}": expected text|lexical|value|habits|mix=<number ≥ 0>` });
          return z.NEVER;
        }
        weights[name] = w;
      }
      return weights as ViewWeights;
    }),
  EMBED_BATCH_SIZE: emptyIsUnset(z.coerce.number().int().min(1).max(10_000).default(256)),
  EMBED_SHARD_SIZE: emptyIsUnset(z.coerce.number().int().min(1).max(1_000_000).default(2000)),
  /** The built dashboard (`npm run build:web`), served at `/`; empty: no dashboard. */
  DASHBOARD_DIR: z.string().default('dist/web'),
});

export type DatabaseSettings =
  | { kind: 'postgresql'; url: string }
  /** `dir` is a directory, or `memory://` for a throw-away database. */
  | { kind: 'pglite'; dir: string };

export interface EmbeddingSettings {
  modelsDir: string;
  /** A key of models/manifest.json. */
  model: string;
  /** Directory holding a transformers.js-layout model; overrides the models/ location. */
  modelDir?: string;
  threads?: number;
}

export type VectorStoreSettings =
  | { kind: 'qdrant'; url: string; apiKey?: string; shards?: number; replicationFactor?: number; writeConsistencyFactor?: number }
  | { kind: 'embedded'; dir: string; exactSearchLimit: number };

export interface Settings {
  env: 'development' | 'production' | 'test';
  dataDir: string;
  database: DatabaseSettings;
  migrationsDir: string;
  http: {
    host: string;
    port: number;
    introspection: boolean;
    dashboardDir?: string;
    /** Per key, and per address for requests without a valid key. */
    rateLimit: { points: number; anonymousPoints: number; windowSeconds: number };
    metricsToken?: string;
    deadlineMs: number;
    trustProxy?: number | string;
    /** Bytes of cached answers; 0: no response cache. */
    responseCacheBytes: number;
  };
  ingest: { maxBatchSize: number };
  live: { enabled: boolean; pollMs: number };
  onlineRetailPath: string;
  chineseReviewsPath: string;
  demo: { customers: number; seed: number; outputDir: string };
  embedding: EmbeddingSettings;
  vectors: VectorStoreSettings;
  /** Shares of the text, lexical and behaviour views in the `combined` vector (see README). */
  viewWeights: ViewWeights;
  /** Customers per embed-job batch (one store write and one hash commit each). */
  embedBatchSize: number;
  /** Customers per part of an embed job (what workers share). */
  embedShardSize: number;
  jobs: { workerInProcess: boolean; schedules: { embedCustomers?: string; runSegmentation?: string } };
  audiences: { consent: 'opt-out' | 'opt-in'; tickMs: number; versionRetentionMs: number; minIntervalSeconds: number };
  deliveries: { filesRoot: string; allowHttp: boolean; allowPrivate: boolean; timeoutMs: number; retryBaseMs: number; maxAttempts: number; pauseAfter: number };
  /** Unset: the logger's defaults (info, pretty on a terminal; warn under NODE_ENV=test). */
  logging: { level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'; format?: 'json' | 'pretty' };
  /** OpenTelemetry (see src/observability/tracing.ts): traces only when an endpoint is set. */
  tracing: { endpoint?: string; serviceName: string };
}

/**
 * Secrets may come from files (Docker and Kubernetes secrets): `DATABASE_URL_FILE=/run/secrets/x`
 * stands for DATABASE_URL with the file's content; the variable itself wins when both are set.
 */
export const SECRET_VARIABLES = ['DATABASE_URL', 'QDRANT_API_KEY', 'METRICS_TOKEN'] as const;

function withSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file || (env[name] ?? '').trim() !== '') continue;
    try {
      resolved[name] = fs.readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  ${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  return resolved;
}

/** The project root: the folder holding package.json (src/ and dist/src/ both sit below it). */
export const projectRoot = findProjectRoot();

function findProjectRoot(): string {
  const here = path.dirname(new URL(import.meta.url).pathname);
  // src/config → root is ../..; dist/src/config → ../../..
  return here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '..', '..', '..') : path.resolve(here, '..', '..');
}

export class ConfigError extends Error {}

/** The service's version: package.json's, shown by `--version`, `serviceInfo` and the metrics. */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = EnvSchema.safeParse(withSecretFiles(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(projectRoot, e.DATA_DIR);
  const pgliteDir = e.PGLITE_DIR === 'memory://' ? 'memory://' : path.resolve(projectRoot, e.PGLITE_DIR ?? path.join(dataDir, 'pglite'));
  return {
    env: e.NODE_ENV,
    dataDir,
    database: e.DATABASE_URL ? { kind: 'postgresql', url: e.DATABASE_URL } : { kind: 'pglite', dir: pgliteDir },
    migrationsDir: path.join(projectRoot, 'prisma', 'migrations'),
    http: {
      host: e.HOST,
      port: e.PORT,
      introspection: e.GRAPHQL_INTROSPECTION === 'true',
      dashboardDir: e.DASHBOARD_DIR ? path.resolve(projectRoot, e.DASHBOARD_DIR) : undefined,
      rateLimit: { points: e.RATE_LIMIT_PER_MINUTE, anonymousPoints: e.RATE_LIMIT_ANONYMOUS_PER_MINUTE, windowSeconds: 60 },
      metricsToken: e.METRICS_TOKEN,
      deadlineMs: e.REQUEST_DEADLINE_MS,
      responseCacheBytes: Math.round(e.RESPONSE_CACHE_MB * 1024 * 1024),
      trustProxy: e.TRUST_PROXY === undefined ? undefined : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    },
    ingest: { maxBatchSize: e.MAX_BATCH_SIZE },
    live: { enabled: e.LIVE_UPDATES === 'true', pollMs: e.LIVE_POLL_MS },
    onlineRetailPath: path.resolve(projectRoot, e.ONLINE_RETAIL_PATH),
    chineseReviewsPath: path.resolve(projectRoot, e.CHINESE_REVIEWS_PATH),
    demo: { customers: e.DEMO_CUSTOMERS, seed: e.DEMO_SEED, outputDir: path.join(dataDir, 'demo') },
    embedding: {
      modelsDir: path.resolve(projectRoot, e.MODELS_DIR),
      model: e.EMBEDDING_MODEL,
      modelDir: e.EMBEDDING_MODEL_DIR ? path.resolve(projectRoot, e.EMBEDDING_MODEL_DIR) : undefined,
      threads: e.EMBEDDING_THREADS,
    },
    vectors: e.QDRANT_URL
      ? {
          kind: 'qdrant',
          url: e.QDRANT_URL,
          apiKey: e.QDRANT_API_KEY,
          shards: e.QDRANT_SHARDS,
          replicationFactor: e.QDRANT_REPLICATION_FACTOR,
          writeConsistencyFactor: e.QDRANT_WRITE_CONSISTENCY_FACTOR,
        }
      : { kind: 'embedded', dir: path.join(dataDir, 'vectors'), exactSearchLimit: e.VECTOR_EXACT_SEARCH_LIMIT },
    viewWeights: e.VIEW_WEIGHTS,
    embedBatchSize: e.EMBED_BATCH_SIZE,
    embedShardSize: e.EMBED_SHARD_SIZE,
    jobs: {
      workerInProcess: e.WORKER_IN_PROCESS === 'true',
      schedules: { ...(e.SCHEDULE_EMBED ? { embedCustomers: e.SCHEDULE_EMBED } : {}), ...(e.SCHEDULE_SEGMENT ? { runSegmentation: e.SCHEDULE_SEGMENT } : {}) },
    },
    audiences: {
      consent: e.MARKETING_CONSENT,
      tickMs: e.AUDIENCE_TICK_MS,
      versionRetentionMs: e.AUDIENCE_VERSION_RETENTION_HOURS * 3_600_000,
      minIntervalSeconds: e.AUDIENCE_MIN_INTERVAL_SECONDS,
    },
    deliveries: {
      filesRoot: e.FILE_DESTINATIONS_DIR ? path.resolve(projectRoot, e.FILE_DESTINATIONS_DIR) : path.join(dataDir, 'exports'),
      allowHttp: e.WEBHOOK_ALLOW_HTTP === 'true',
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.DELIVERY_RETRY_BASE_MS,
      maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
      pauseAfter: e.DESTINATION_PAUSE_AFTER,
    },
    logging: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
  };
}
