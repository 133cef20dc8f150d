// The composition root: builds every service once from the settings. Entry points (server, CLI,
// tests) call this and nothing else to get a working system.
import { packageVersion, type Settings } from '../config/settings.js';
import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migrations.js';
import { loadEmbedder } from '../embedding/load-embedder.js';
import { measured } from '../embedding/measured-embedder.js';
import { CustomerIndexer, EMBED_SHARD_JOB, type EmbedShard } from '../indexing/customer-indexer.js';
import { BatchWriter } from '../ingest/batch-writer.js';
import { ChangeFeed } from '../ingest/change-feed.js';
import { LiveUpdates } from '../live/live-updates.js';
import { JobQueue } from '../jobs/job-queue.js';
import { CustomerProfiles } from '../profiles/customer-profiles.js';
import { SEGMENTATION_LOCK, SegmentationService, type SegmentationOptions } from '../segments/segmentation-service.js';
import { ApiKeys } from '../auth/api-keys.js';
import { AuditLog } from '../auth/audit-log.js';
import { CustomerDirectory } from '../customers/customer-directory.js';
import { Lookalikes } from '../audiences/lookalikes.js';
import { SavedAudiences } from '../audiences/saved-audiences.js';
import { AudienceScheduler } from '../audiences/audience-schedule.js';
import { Destinations } from '../destinations/destinations.js';
import { CUSTOMERS_ALIAS } from '../customer-vectors/customer-space.js';
import type { Database } from '../db/database.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import { appliedMigrations } from '../db/migrations.js';
import { checkReadiness, type Readiness } from './readiness.js';
import { log } from '../observability/log.js';
import { setQueueDepthSource } from '../observability/metrics.js';
import { SegmentCatalog } from '../segments/segment-catalog.js';
import { SegmentCharts } from '../segments/segment-charts.js';
import { createVectorStore } from '../vectors/create-vector-store.js';
import { CustomerValues } from '../value/customer-values.js';
import { ProductRecommender } from '../recommendations/product-recommender.js';
import type { VectorStore } from '../vectors/vector-store.js';

/**
 * The services the API, the HTTP routes and the CLI call. Built once per process by createServices;
 * nothing above this layer touches the database or the vector store directly.
 */
export interface Services {
  settings: Settings;
  db: Database;
  ingest: BatchWriter;
  vectors: VectorStore;
  jobs: JobQueue;
  /** Loaded on first use (the model takes a moment to load). */
  embedder(): Promise<TextEmbedder>;
  indexer(): Promise<CustomerIndexer>;
  segments: SegmentationService;
  catalog: SegmentCatalog;
  charts: SegmentCharts;
  lookalikes: Lookalikes;
  audiences: SavedAudiences;
  destinations: Destinations;
  /** Queues the deliveries of an audience version that are due (after a refresh, or an attach). */
  deliverVersion(audienceId: number, version: number): Promise<number[]>;
  customers: CustomerDirectory;
  profiles(): Promise<CustomerProfiles>;
  apiKeys: ApiKeys;
  /** Predicted value and churn risk (the run's fitted models). */
  values: CustomerValues;
  /** Customers changed through the API, brought up to date between runs (running in processes that work). */
  live: LiveUpdates;
  recommendations: ProductRecommender;
  audit: AuditLog;
  /** Applied migrations (it also proves the database answers). */
  migrations(): Promise<string[]>;
  /** Whether the database (migrated) and the vector store answer now: /readyz. */
  readiness(): Promise<Readiness>;
  startedAt: Date;
  version: string;
}

export interface AppServices extends Services {
  /**
   * What a process that serves or works does once at start: the jobs a dead process left RUNNING are
   * marked FAILED, and so are its unfinished segmentation runs; then this process's worker starts
   * (unless WORKER_IN_PROCESS=false on PostgreSQL, where `npm run worker` processes run the jobs).
   */
  startWork(options?: { worker?: boolean }): Promise<void>;
  /**
   * Prepares the active customer collection's search indexes (a serving process, at start); /readyz
   * says not ready, with how far it has got, until they are. Searches meanwhile are exact. `warmUp`,
   * when given, runs after them, before ready is said (the server's first request of its own).
   */
  prepareSearch(warmUp?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** The longest a starting server's warm-up request may hold back readiness. */
const WARM_UP_LIMIT_MS = 30_000;

/** The job kind that refreshes a saved audience (parameters: `{ audienceId }`). */
export const AUDIENCE_REFRESH_JOB = 'refreshAudience';
/** The job kind that makes one attempt at one delivery (parameters: `{ deliveryId }`). */
export const DELIVERY_JOB = 'deliverAudience';

/** Change-feed rows a live round reads at most. */
const LIVE_WINDOW = 1000;

const ABANDONED_RUN = 'the process running it stopped before it finished; the previous segmentation stays active';

export async function createServices(settings: Settings, options: { migrate?: boolean } = {}): Promise<AppServices> {
  const db = openDatabase(settings.database);
  try {
    if (options.migrate ?? true) await applyMigrations(db.adapter, settings.migrationsDir);
  } catch (error) {
    await db.close();
    throw error;
  }
  const vectors = createVectorStore(settings.vectors);
  const embedder = memo(async () => measured(await loadEmbedder(settings.embedding)));
  const profiles = memo(async () => new CustomerProfiles(db.prisma));
  const segments = new SegmentationService(db.prisma, vectors, profiles);
  const indexer = memo(
    async () =>
      new CustomerIndexer(db.prisma, await embedder(), vectors, {
        viewWeights: settings.viewWeights,
        batchSize: settings.embedBatchSize,
        shardSize: settings.embedShardSize,
        shareParts: settings.vectors.kind === 'qdrant' || db.kind === 'pglite',
        onPointsWritten: (collection, written, moved) => segments.assignProvisional(collection, written, moved),
      }),
  );
  const jobs = new JobQueue(db.prisma, db.raw, {
    singleProcess: db.kind === 'pglite',
    schedules: settings.jobs.schedules,
    // A dead segmentation job leaves its run RUNNING; nothing else can be running one (one lock).
    onDead: async (dead) => {
      if (dead.some((j) => j.lockKey === SEGMENTATION_LOCK)) await segments.failAbandonedRuns(ABANDONED_RUN);
    },
  });
  jobs.define<{ onlyChanged?: boolean; scheduled?: string }>('embedCustomers', {
    lockKey: async () => (await indexer()).collection,
    run: async (p, control) => (await indexer()).run(control, { onlyChanged: p.onlyChanged ?? true }),
  });
  // Parts of an embed job: one live job per part (its parent's id and its number).
  jobs.define<EmbedShard & { parent: string; part: number }>(EMBED_SHARD_JOB, {
    lockKey: (p) => `${p.parent}#${p.part}`,
    run: async (p, control) => (await indexer()).runShard(p, control),
  });
  jobs.define<SegmentationOptions & { scheduled?: string }>('runSegmentation', {
    lockKey: () => SEGMENTATION_LOCK,
    run: ({ scheduled: _, ...options }, control) => segments.run(control, options),
  });
  const lookalikes = new Lookalikes(db.prisma, vectors);
  const audiences = new SavedAudiences(db.prisma, lookalikes, settings.audiences);
  const destinations = new Destinations(db.prisma, audiences, settings.deliveries);
  // One attempt of one delivery: one live job per delivery; the row says where it resumes.
  jobs.define<{ deliveryId: number }>(DELIVERY_JOB, {
    lockKey: (p) => `delivery:${p.deliveryId}`,
    run: (p, control) => destinations.deliver(p.deliveryId, control.signal),
  });
  const dispatchDeliveries = () => destinations.dispatchDue((deliveryId) => jobs.enqueue(DELIVERY_JOB, { deliveryId }));
  const deliverVersion = async (audienceId: number, version: number) => {
    await destinations.plan(audienceId, version);
    return dispatchDeliveries();
  };
  // A refresh of a saved audience: one live job per audience; scheduled or asked for.
  jobs.define<{ audienceId: number; scheduled?: string }>(AUDIENCE_REFRESH_JOB, {
    lockKey: (p) => `audience:${p.audienceId}`,
    run: async (p, control) => {
      control.progress(0, 2, 'computing members');
      const version = await audiences.refresh(p.audienceId, control.jobId ?? null, (message) => control.progress(1, 2, message));
      control.progress(2, 2, `version ${version.version}: ${version.size} members, ${version.added} added, ${version.removed} removed`);
      // Each attached destination gets the new version (its own job, retried on its own).
      await deliverVersion(p.audienceId, version.version);
      return version;
    },
  });
  const scheduler = new AudienceScheduler(
    audiences,
    (audienceId, scheduled) => jobs.enqueue(AUDIENCE_REFRESH_JOB, { audienceId, scheduled }),
    settings.audiences,
    dispatchDeliveries,
  );
  const values = new CustomerValues(db.prisma);
  // Customers changed through the API, brought up to date between runs (started by startWork).
  const live = new LiveUpdates(
    new ChangeFeed(db.prisma),
    {
      vectors: async (ids) => (await indexer()).refresh(ids),
      values: (ids) => values.refresh(ids),
      prepare: async () => (await indexer()).refresh([]),
    },
    { pollMs: settings.live.pollMs, window: LIVE_WINDOW },
  );
  let searchIndex: { ok: boolean; detail?: string } = { ok: true };
  const apiKeys = new ApiKeys(db.prisma);
  return {
    settings,
    db,
    catalog: new SegmentCatalog(db.prisma),
    charts: new SegmentCharts(db.prisma),
    lookalikes,
    audiences,
    destinations,
    deliverVersion,
    migrations: () => appliedMigrations(db.prisma),
    readiness: () =>
      checkReadiness({
        appliedMigrations: () => appliedMigrations(db.prisma),
        pingVectorStore: () => vectors.collectionExists('readiness-probe'),
        migrationsDir: settings.migrationsDir,
        searchIndex: () => searchIndex,
      }),
    prepareSearch: async (warmUp) => {
      // Not ready from the call on (before any await), so no probe in between says ready too early.
      searchIndex = { ok: false, detail: 'preparing the search indexes' };
      const started = performance.now();
      let collection: string | undefined;
      try {
        collection = await vectors.resolveAlias(CUSTOMERS_ALIAS);
        if (collection) {
          await vectors.prepare(collection, (p) => {
            searchIndex = { ok: false, detail: `building the ${p.vector} index of ${collection}: ${p.rows} of ${p.of} points` };
          });
          log('vectors').info({ collection, ms: Math.round(performance.now() - started) }, `search indexes of ${collection} ready`);
        }
      } catch (error) {
        // Searches still answer (building an index on first use): not a reason to stay out of service.
        log('vectors').warn({ err: error, collection }, `could not prepare the search indexes of ${collection ?? 'the customer collection'}`);
      }
      try {
        if (warmUp) {
          searchIndex = { ok: false, detail: 'warming up the request path' };
          // Bounded: a request that hangs delays readiness by this much at most.
          let timer: NodeJS.Timeout | undefined;
          const limit = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${WARM_UP_LIMIT_MS} ms`)), WARM_UP_LIMIT_MS);
          });
          await Promise.race([warmUp(), limit]).finally(() => clearTimeout(timer));
        }
      } catch (error) {
        log('server').warn({ err: error }, 'the warm-up request failed');
      } finally {
        searchIndex = { ok: true };
      }
    },
    customers: new CustomerDirectory(db.prisma, vectors),
    profiles,
    apiKeys,
    values,
    live,
    recommendations: new ProductRecommender(db.prisma, vectors),
    audit: new AuditLog(db.prisma),
    ingest: new BatchWriter(db.prisma, settings.ingest.maxBatchSize, () => live.wake()),
    vectors,
    jobs,
    embedder,
    indexer,
    segments,
    startedAt: new Date(),
    version: packageVersion(),
    startWork: async ({ worker } = {}) => {
      if (worker ?? (settings.jobs.workerInProcess || db.kind === 'pglite')) {
        await jobs.startWorker();
        // Processes that work also look for scheduled audiences that are due, and bring changed customers up to date.
        scheduler.start();
        if (settings.live.enabled) live.start();
      } else await jobs.sweep();
      const runs = await segments.failAbandonedRuns(ABANDONED_RUN);
      if (runs > 0) log('segments').warn({ runs }, `${runs} segmentation run(s) left RUNNING by a stopped process marked FAILED`);
      // Queue depth for /metrics, read from the shared job table when scraped.
      setQueueDepthSource(() => jobs.countByStatus());
    },
    close: async () => {
      setQueueDepthSource(undefined);
      await scheduler.stop();
      await live.stop();
      await jobs.close();
      await vectors.close();
      if (embedder.loaded()) await (await embedder()).dispose();
      await apiKeys.settled();
      await db.close();
    },
  };
}

/** A lazily created value, created once even when asked for concurrently. */
function memo<T>(create: () => Promise<T>): (() => Promise<T>) & { loaded(): boolean } {
  let value: Promise<T> | undefined;
  const get = () =>
    (value ??= create().catch((error: unknown) => {
      value = undefined;
      throw error;
    }));
  return Object.assign(get, { loaded: () => value !== undefined });
}
