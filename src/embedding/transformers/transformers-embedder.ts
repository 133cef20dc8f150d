// Any sentence-transformers model in the transformers.js layout (config.json, tokenizer.json,
// onnx/model.onnx), run by @huggingface/transformers' feature-extraction pipeline on
// onnxruntime-node. Loaded from a local directory only: this service never downloads at run time.
import os from 'node:os';
import path from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { lengthBuckets, type TextEmbedder } from '../text-embedder.js';

export interface TransformersModelSpec {
  modelId: string;
  dimensions: number;
  maxTokens: number;
  pooling: 'mean' | 'cls';
  /** Which ONNX graph of the folder: fp32 (onnx/model.onnx) or q8 (onnx/model_quantized.onnx). */
  dtype?: 'fp32' | 'q8';
}

export class TransformersEmbedder implements TextEmbedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxTokens: number;

  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    private readonly spec: TransformersModelSpec,
    private readonly batchSize: number,
  ) {
    this.modelId = spec.modelId;
    this.dimensions = spec.dimensions;
    this.maxTokens = spec.maxTokens;
  }

  static async load(modelDir: string, spec: TransformersModelSpec, batchSize = 32): Promise<TransformersEmbedder> {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = path.dirname(path.resolve(modelDir)) + path.sep;
    const extractor = await pipeline('feature-extraction', path.basename(modelDir), {
      local_files_only: true,
      dtype: spec.dtype ?? 'fp32',
      device: 'cpu',
      session_options: { intraOpNumThreads: Math.max(1, os.availableParallelism()) },
    });
    return new TransformersEmbedder(extractor, spec, batchSize);
  }

  countTokens(text: string): number {
    return this.extractor.tokenizer.encode(text, { add_special_tokens: true }).length;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(texts.length);
    const lengths = texts.map((t) => Math.min(this.maxTokens, this.countTokens(t)));
    for (const batch of lengthBuckets(lengths, this.batchSize, this.batchSize * this.maxTokens)) {
      const tensor = await this.extractor(
        batch.map((i) => texts[i]!),
        { pooling: this.spec.pooling, normalize: true },
      );
      const data = tensor.data as Float32Array;
      batch.forEach((index, row) => (out[index] = data.slice(row * this.dimensions, (row + 1) * this.dimensions)));
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}
