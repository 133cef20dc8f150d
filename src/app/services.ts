// The composition root: builds every service once from the settings. Entry points (server, CLI,
// tests) call this and nothing else to get a working system.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot, type Settings } from '../config/settings.js';
import { openDatabase } from '../db/database.js';
import { applyMigrations } from '../db/migrations.js';
import type { Services } from '../graphql/context.js';
import { BatchWriter } from '../ingest/batch-writer.js';

export interface AppServices extends Services {
  close(): Promise<void>;
}

export async function createServices(settings: Settings, options: { migrate?: boolean } = {}): Promise<AppServices> {
  const db = openDatabase(settings.database);
  try {
    if (options.migrate ?? true) await applyMigrations(db.adapter, settings.migrationsDir);
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    settings,
    db,
    ingest: new BatchWriter(db.prisma, settings.ingest.maxBatchSize),
    startedAt: new Date(),
    version: packageVersion(),
    close: () => db.close(),
  };
}

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
