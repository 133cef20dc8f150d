// Picks and loads the configured model: the manifest entry named by EMBEDDING_MODEL, its files from
// models/ (built at set-up for use-lite) or from EMBEDDING_MODEL_DIR.
import fs from 'node:fs';
import path from 'node:path';
import type { EmbeddingSettings } from '../config/settings.js';
import { readManifest, type ModelEntry } from './model-manifest.js';
import type { TextEmbedder } from './text-embedder.js';
import { verifyDownloadedModel } from './transformers/download.js';
import { TransformersEmbedder } from './transformers/transformers-embedder.js';
import { ensureUseLiteModel } from './use-lite/build.js';
import { UseLiteEmbedder } from './use-lite/use-lite-embedder.js';

export function modelEntry(settings: EmbeddingSettings): ModelEntry {
  const manifest = readManifest(settings.modelsDir);
  const entry = manifest.models[settings.model];
  if (!entry) throw new Error(`EMBEDDING_MODEL "${settings.model}" is not in models/manifest.json (${Object.keys(manifest.models).join(', ')})`);
  return entry;
}

/** Where a use-lite build lives: models/use-lite, or models/<name> for a variant (int8). */
export function useLiteDir(settings: EmbeddingSettings): string {
  return path.join(settings.modelsDir, settings.model === 'use-lite' ? 'use-lite' : settings.model);
}

export async function loadEmbedder(settings: EmbeddingSettings): Promise<TextEmbedder> {
  const entry = modelEntry(settings);
  if (entry.kind === 'use-lite') {
    const dir = settings.modelDir ?? useLiteDir(settings);
    ensureUseLiteModel(dir, entry);
    return UseLiteEmbedder.load(dir, entry, { threads: settings.threads });
  }
  const dir = settings.modelDir ?? path.join(settings.modelsDir, 'hub', settings.model);
  if (!fs.existsSync(path.join(dir, 'config.json'))) {
    throw new Error(`No model files in ${dir}: set EMBEDDING_MODEL_DIR or run \`npm run models:download -- ${settings.model}\`.`);
  }
  verifyDownloadedModel(entry, dir);
  return TransformersEmbedder.load(dir, { modelId: entry.id, dimensions: entry.dimensions, maxTokens: entry.maxTokens, pooling: entry.pooling });
}
