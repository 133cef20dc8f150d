import path from 'node:path';
import type { VectorStoreSettings } from '../config/settings.js';
import { EmbeddedVectorStore } from './embedded/embedded-store.js';
import { QdrantVectorStore } from './qdrant/qdrant-store.js';
import { instrumented } from './instrumented-store.js';
import type { VectorStore } from './vector-store.js';

/** Qdrant when QDRANT_URL is set, else the embedded store under data/vectors; timed either way. */
export function createVectorStore(settings: VectorStoreSettings): VectorStore {
  return settings.kind === 'qdrant'
    ? instrumented(
        new QdrantVectorStore({
          url: settings.url,
          apiKey: settings.apiKey,
          shards: settings.shards,
          replicationFactor: settings.replicationFactor,
          writeConsistencyFactor: settings.writeConsistencyFactor,
        }),
        'qdrant',
      )
    : instrumented(new EmbeddedVectorStore({ dir: path.resolve(settings.dir), tuning: { exactSearchLimit: settings.exactSearchLimit } }), 'embedded');
}
