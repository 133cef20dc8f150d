import type { ApiKeys, Principal } from '../auth/api-keys.js';
import type { AuditLog } from '../auth/audit-log.js';
import type { Settings } from '../config/settings.js';
import type { CustomerDirectory } from '../customers/customer-directory.js';
import type { CustomerProfiles } from '../profiles/customer-profiles.js';
import type { Lookalikes } from '../segments/lookalikes.js';
import type { SegmentCatalog } from '../segments/segment-catalog.js';
import type { SegmentCharts } from '../segments/segment-charts.js';
import type { Loaders } from './loaders.js';
import type { Database } from '../db/database.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import type { CustomerIndexer } from '../indexing/customer-indexer.js';
import type { BatchWriter } from '../ingest/batch-writer.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { SegmentationService } from '../segments/segmentation-service.js';
import type { VectorStore } from '../vectors/vector-store.js';
import type { CustomerValues } from '../value/customer-values.js';
import type { ProductRecommender } from '../recommendations/product-recommender.js';

/** The services resolvers may call. Built once per process; resolvers never construct their own. */
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
  customers: CustomerDirectory;
  profiles(): Promise<CustomerProfiles>;
  apiKeys: ApiKeys;
  /** Predicted value and churn risk (the run's fitted models). */
  values: CustomerValues;
  recommendations: ProductRecommender;
  audit: AuditLog;
  startedAt: Date;
  version: string;
}

export interface GraphQLContext {
  services: Services;
  /** The caller's API key, when one came with the request and is valid. */
  principal?: Principal;
  loaders: Loaders;
}
