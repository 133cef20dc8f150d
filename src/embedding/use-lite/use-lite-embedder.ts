// The offline default model: Universal Sentence Encoder lite as ONNX, run by onnxruntime-node, with
// the ported tokenizer. Inputs are cut to 128 tokens, sorted by length and batched so that padding
// stays small; the graph itself pools, projects and L2-normalises. The session runs on a thread of
// its own (session-worker.ts); tokenising and batching stay here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { WorkerSession } from './session-worker.js';
import { verifyModelFiles, type ModelEntry } from '../model-manifest.js';
import { lengthBuckets, letterShares, type TextEmbedder } from '../text-embedder.js';
import { UseLiteTokenizer, type Vocabulary } from './tokenizer.js';

export interface UseLiteOptions {
  batchSize?: number;
  /** Most tokens (rows × longest row) in one batch. */
  tokensPerBatch?: number;
  threads?: number;
}

export class UseLiteEmbedder implements TextEmbedder {
  readonly dimensions: number;
  readonly maxTokens: number;

  private constructor(
    readonly modelId: string,
    entry: ModelEntry,
    readonly tokenizer: UseLiteTokenizer,
    private readonly session: WorkerSession,
    private readonly options: Required<UseLiteOptions>,
  ) {
    this.dimensions = entry.dimensions;
    this.maxTokens = entry.maxTokens;
  }

  static async load(modelDir: string, entry: ModelEntry, options: UseLiteOptions = {}): Promise<UseLiteEmbedder> {
    verifyModelFiles(modelDir, entry.files);
    const vocabulary = JSON.parse(fs.readFileSync(path.join(modelDir, 'vocab.json'), 'utf8')) as Vocabulary;
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    const session = await WorkerSession.start(path.join(modelDir, 'model.onnx'), threads);
    return new UseLiteEmbedder(entry.id, entry, new UseLiteTokenizer(vocabulary), session, {
      batchSize: options.batchSize ?? 64,
      tokensPerBatch: options.tokensPerBatch ?? 4096,
      threads,
    });
  }

  /**
   * Token ids of the texts counted since the last `tokenize`: the text pool counts each text (to cut
   * long ones) and then embeds it, so the ids are kept for that one step instead of encoding twice
   * (half of the tokenizer's share of an embed job's main thread). Bounded for callers that only count.
   */
  private readonly counted = new Map<string, number[]>();

  countTokens(text: string): number {
    const ids = this.tokenizer.encode(text);
    // A text past the window is cut into pieces, not embedded whole: its ids are not wanted.
    if (ids.length <= this.maxTokens) {
      if (this.counted.size >= COUNTED_KEPT) this.counted.clear();
      this.counted.set(text, ids);
    }
    return ids.length;
  }

  /**
   * USE-lite's vocabulary is English word pieces: a run of letters of any other script becomes one
   * unknown token, and texts of such runs come out nearly alike. The share of letters it reads is the
   * share in Latin script (a text without letters, e.g. emoji, counts as read).
   */
  readableShare(text: string): number {
    return letterShares(text).latin;
  }

  tokenize(texts: readonly string[]): number[][] {
    const out = texts.map((t) => (this.counted.get(t) ?? this.tokenizer.encode(t)).slice(0, this.maxTokens));
    this.counted.clear();
    return out;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedTokens(this.tokenize(texts));
  }

  /** Embeds already tokenised inputs (the benchmark feeds the bare session the same batches). */
  async embedTokens(tokens: readonly number[][]): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(tokens.length);
    for (const batch of this.batches(tokens)) {
      const { ids, mask, width } = toArrays(batch.map((i) => tokens[i]!));
      const data = await this.session.run(ids, mask, batch.length, width);
      batch.forEach((index, row) => {
        out[index] = data.slice(row * this.dimensions, (row + 1) * this.dimensions);
      });
    }
    return out;
  }

  batches(tokens: readonly number[][]): number[][] {
    return lengthBuckets(
      tokens.map((t) => t.length),
      this.options.batchSize,
      this.options.tokensPerBatch,
    );
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Texts whose counted ids are kept at most (a batch's texts and their pieces). */
const COUNTED_KEPT = 8192;

/** Dense, right-padded int64 token ids and attention mask for one batch. */
export function toArrays(rows: readonly number[][]): { ids: BigInt64Array<ArrayBuffer>; mask: BigInt64Array<ArrayBuffer>; width: number } {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) => {
    for (let j = 0; j < row.length; j++) {
      ids[r * width + j] = BigInt(row[j]!);
      mask[r * width + j] = 1n;
    }
  });
  return { ids, mask, width };
}

/** The same batch as onnxruntime tensors (the benchmark's bare session). */
export function toFeeds(rows: readonly number[][]): { feeds: Record<string, ort.Tensor>; width: number } {
  const { ids, mask, width } = toArrays(rows);
  return {
    feeds: {
      input_ids: new ort.Tensor('int64', ids, [rows.length, width]),
      attention_mask: new ort.Tensor('int64', mask, [rows.length, width]),
    },
    width,
  };
}
