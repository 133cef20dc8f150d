// Picks and loads the configured model: the manifest entry named by EMBEDDING_MODEL, its files from
// models/ (built at set-up for use-lite) or from EMBEDDING_MODEL_DIR.
import fs from 'node:fs';
import path from 'node:path';
import type { EmbeddingSettings } from '../config/settings.js';
import { readManifest, type ModelEntry } from './model-manifest.js';
import type { TextEmbedder } from './text-embedder.js';
import { ScriptRoutedEmbedder } from './script-routed-embedder.js';
import { verifyDownloadedModel } from './transformers/download.js';
import { ensureNpmModel, npmModelPresent } from './transformers/npm-model.js';
import { TransformersEmbedder } from './transformers/transformers-embedder.js';
import { ensureUseLiteModel } from './use-lite/build.js';
import { UseLiteEmbedder } from './use-lite/use-lite-embedder.js';

export function modelEntry(settings: EmbeddingSettings): ModelEntry {
  const manifest = readManifest(settings.modelsDir);
  const entry = manifest.models[settings.model];
  if (!entry) throw new Error(`EMBEDDING_MODEL "${settings.model}" is not in models/manifest.json (${Object.keys(manifest.models).join(', ')})`);
  return entry;
}

/** Where a model built or fetched at set-up lives: EMBEDDING_MODEL_DIR, else models/<name>. */
export function localModelDir(settings: EmbeddingSettings): string {
  return settings.modelDir ?? path.join(settings.modelsDir, settings.model);
}

/** The configured model, or each model it routes to, with EMBEDDING_MODEL_DIR refused for a routed one. */
function modelParts(settings: EmbeddingSettings, entry: ModelEntry): EmbeddingSettings[] {
  if (entry.kind !== 'script-routed') return [settings];
  if (!entry.parts) throw new Error(`EMBEDDING_MODEL "${settings.model}" names no parts`);
  if (settings.modelDir) throw new Error(`EMBEDDING_MODEL_DIR names one model's folder; "${settings.model}" loads its parts from models/`);
  return [entry.parts.latin, entry.parts.han].map((model) => ({ ...settings, model }));
}

/**
 * Set-up (`build-models`): builds USE-lite or copies an npm-shipped model into its folder, for the
 * configured model or each of its parts; what was done, one line each (nothing when all present).
 */
export function prepareModels(settings: EmbeddingSettings): string[] {
  return modelParts(settings, modelEntry(settings)).flatMap((part) => {
    const entry = modelEntry(part);
    const dir = localModelDir(part);
    if (entry.kind === 'use-lite') return ensureUseLiteModel(dir, entry) === 'built' ? [`built ${entry.id} into ${dir}`] : [];
    if (entry.source.npm)
      return ensureNpmModel(entry, dir) === 'fetched' ? [`fetched ${entry.id} from ${entry.source.npm}@${entry.source.version} into ${dir}`] : [];
    return [];
  });
}

export async function loadEmbedder(settings: EmbeddingSettings): Promise<TextEmbedder> {
  const entry = modelEntry(settings);
  if (entry.kind === 'script-routed') {
    const loaded = await Promise.allSettled(modelParts(settings, entry).map(loadEmbedder));
    const [latin, han] = loaded.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    if (!latin || !han) {
      // One part failed: release the other's session rather than leak it on every retry.
      await Promise.all([latin?.dispose(), han?.dispose()]);
      const failed = loaded.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      throw failed?.reason instanceof Error ? failed.reason : new Error(String(failed?.reason));
    }
    return new ScriptRoutedEmbedder(entry.id, { latin, han });
  }
  if (entry.kind === 'use-lite') {
    const dir = localModelDir(settings);
    ensureUseLiteModel(dir, entry);
    return UseLiteEmbedder.load(dir, entry, { threads: settings.threads });
  }
  if (entry.source.npm) {
    // Fetched at set-up only (`build-models`): a server never waits on the registry.
    const dir = localModelDir(settings);
    if (!npmModelPresent(entry, dir)) {
      throw new Error(
        `No verified ${entry.id} files in ${dir}: run \`EMBEDDING_MODEL=${settings.model} npm run build\` (or \`node dist/src/cli.js build-models\`).`,
      );
    }
    return TransformersEmbedder.load(dir, transformersSpec(entry));
  }
  const dir = settings.modelDir ?? path.join(settings.modelsDir, 'hub', settings.model);
  if (!fs.existsSync(path.join(dir, 'config.json'))) {
    throw new Error(`No model files in ${dir}: set EMBEDDING_MODEL_DIR or run \`npm run models:download -- ${settings.model}\`.`);
  }
  verifyDownloadedModel(entry, dir);
  return TransformersEmbedder.load(dir, transformersSpec(entry));
}

function transformersSpec(entry: ModelEntry) {
  return { modelId: entry.id, dimensions: entry.dimensions, maxTokens: entry.maxTokens, pooling: entry.pooling, dtype: entry.dtype ?? 'fp32' };
}
