import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { BatchWriter } from '../ingest/batch-writer.js';

/** The services resolvers may call. Built once per process; resolvers never construct their own. */
export interface Services {
  settings: Settings;
  db: Database;
  ingest: BatchWriter;
  startedAt: Date;
  version: string;
}

export interface GraphQLContext {
  services: Services;
}
