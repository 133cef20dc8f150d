// The one interface every sentence-embedding model implements (BERTopic's `backend/` idea): the
// rest of the service sees texts in, unit-length vectors out, and a model id stored with each vector.

export interface TextEmbedder {
  /** Stable id of the model and its version; stored with every vector, part of the collection name. */
  readonly modelId: string;
  readonly dimensions: number;
  /** Tokens the model reads; longer input is cut (profiles are cut before they get here). */
  readonly maxTokens: number;
  /** How many tokens the model's own tokenizer makes of `text`. */
  countTokens(text: string): number;
  /**
   * The share (0–1) of `text` the model can read; undefined means all of it (multilingual models).
   * Pooling weighs each text by it, so words a model cannot read do not drown those it can.
   */
  readableShare?(text: string): number;
  /** L2-normalised vectors, in input order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export type Script = 'latin' | 'han';

/** Share of a text's letters in each script (other scripts count in the total); a text without letters counts as Latin. */
export function letterShares(text: string): Record<Script, number> {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters === 0) return { latin: 1, han: 0 };
  return {
    latin: (text.match(/\p{Script=Latin}/gu)?.length ?? 0) / letters,
    han: (text.match(/\p{Script=Han}/gu)?.length ?? 0) / letters,
  };
}

/** Orders inputs by token length and cuts them into batches, so padding is small. */
export function lengthBuckets(lengths: readonly number[], maxBatch: number, maxTokensPerBatch: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const index of order) {
    const longest = Math.max(1, lengths[index]!);
    if (current.length > 0 && (current.length >= maxBatch || (current.length + 1) * longest > maxTokensPerBatch)) {
      batches.push(current);
      current = [];
    }
    current.push(index);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
