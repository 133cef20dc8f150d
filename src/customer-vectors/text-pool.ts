// The text view of a customer from their whole history. Every distinct text — a review, a search, a
// product title, a category — goes through the sentence model once and is cached by its content hash
// per model (a title bought by 10,000 customers is embedded once); a customer's text vector is the
// weighted mean of their texts' vectors, unit length. A new review embeds one text and re-pools one
// customer. Long texts are embedded in pieces the model reads whole and averaged (up to MAX_CHUNKS
// pieces: about 4,000 USE-lite tokens; the rest of a longer single text is not read).
//
// Weights (textWeights): own words (reviews, searches) count OWN_WORDS_WEIGHT times per writing; goods
// (titles, categories) log(1 + order lines), so a staple bought weekly outweighs a one-off without
// drowning everything else; every text decays with a half-life of RECENCY_HALF_LIFE_DAYS from when it
// was last written or bought. The decay is taken against a fixed epoch, not "today": scaling every
// weight alike leaves the pooled direction unchanged, so a stored vector does not go stale as days pass.
import { createHash } from 'node:crypto';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import { chunkText, type ProfileText, type TextKind } from '../profiles/profile-text.js';

/**
 * How much more a customer's own words (reviews, searches) count than the titles and categories of
 * what they bought: goods are shared by everyone who buys them and the behaviour view already holds
 * their categories, while what people write tells similar buyers apart. Used by the text and lexical views.
 */
export const OWN_WORDS_WEIGHT = 3;
/** A text written or bought this long before another counts half as much. */
export const RECENCY_HALF_LIFE_DAYS = 365;
/** Pieces of one text embedded at most (32 × the model's window; USE-lite's 128 tokens: ~4,000 tokens). */
export const MAX_CHUNKS = 32;
const EPOCH_DAY = Date.UTC(2000, 0, 1) / 86_400_000;

export interface WeightedText {
  text: string;
  weight: number;
}

const KIND_WEIGHT: Record<TextKind, (count: number) => number> = {
  review: (n) => OWN_WORDS_WEIGHT * n,
  search: (n) => OWN_WORDS_WEIGHT * n,
  title: (n) => Math.log1p(n),
  category: (n) => Math.log1p(n),
};

/** Each text's weight in the customer's pooled vector; texts without a date count as of `undated`. */
export function textWeights(texts: readonly ProfileText[], undated: Date): WeightedText[] {
  return texts.map((t) => {
    const day = (t.at ?? undated).getTime() / 86_400_000;
    return { text: t.text, weight: KIND_WEIGHT[t.kind](t.count) * 2 ** ((day - EPOCH_DAY) / RECENCY_HALF_LIFE_DAYS) };
  });
}

/** The cache key of a text: sha256 of the (cleaned) text. */
export function textKey(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Where text vectors are kept between runs (the `text_embedding` table). */
export interface TextVectorCache {
  /** `since`: only vectors cached at or after this instant (a rebuild's texts already embedded again). */
  get(modelId: string, keys: readonly string[], options?: { since?: Date }): Promise<Map<string, Float32Array>>;
  /** `overwrite`: replace vectors already cached (a rebuild), else keep the first one written. */
  put(modelId: string, entries: ReadonlyMap<string, Float32Array>, options?: { overwrite?: boolean }): Promise<void>;
}

/** The weighted mean of the texts' vectors, unit length (float64 sums: weights span many orders). */
export function poolVectors(parts: readonly { vector: Float32Array; weight: number }[]): Float32Array {
  let out: Float64Array | undefined;
  for (const { vector: v, weight } of parts) {
    out ??= new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = out[i]! + weight * v[i]!;
  }
  if (!out) throw new RangeError('nothing to pool');
  let norm = 0;
  for (const x of out) norm += x * x;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Float32Array.from(out, (x) => x * scale);
}

export interface PoolOptions {
  /** Keep newly embedded texts in the cache (default true). */
  store?: boolean;
  /**
   * A rebuild that began at this instant (the database's clock): texts are embedded again and
   * overwrite the cache, except those cached since then — embedded earlier in the same rebuild, by
   * this process or by another worker sharing it.
   */
  refreshedSince?: Date;
}

export class TextVectors {
  constructor(
    private readonly embedder: TextEmbedder,
    private readonly cache?: TextVectorCache,
  ) {}

  /**
   * Vectors of these texts, by text: from the cache, the rest embedded (in pieces when long) and
   * cached unless `store` is false (a prospect's words are not kept); `refreshedSince` embeds every text again
   * (a full rebuild). `embedded` counts the texts that went through the model.
   */
  async vectors(texts: readonly string[], options: PoolOptions = {}): Promise<{ byText: Map<string, Float32Array>; embedded: number }> {
    const distinct = [...new Set(texts)];
    const keys = distinct.map(textKey);
    const cached =
      this.cache && keys.length > 0 ? await this.cache.get(this.embedder.modelId, keys, { since: options.refreshedSince }) : new Map<string, Float32Array>();
    const byText = new Map<string, Float32Array>();
    const missing: { text: string; key: string }[] = [];
    distinct.forEach((text, i) => {
      const v = cached.get(keys[i]!);
      if (v) byText.set(text, v);
      else missing.push({ text, key: keys[i]! });
    });
    if (missing.length === 0) return { byText, embedded: 0 };

    const count = (t: string) => this.embedder.countTokens(t);
    const chunks = missing.map((m) => chunkText(m.text, count, this.embedder.maxTokens, MAX_CHUNKS));
    const flat = await this.embedder.embed(chunks.flat());
    const fresh = new Map<string, Float32Array>();
    let at = 0;
    missing.forEach((m, i) => {
      const pieces = chunks[i]!.map(() => ({ vector: flat[at++]!, weight: 1 }));
      const v = pieces.length === 1 ? pieces[0]!.vector : poolVectors(pieces);
      byText.set(m.text, v);
      fresh.set(m.key, v);
    });
    if (this.cache && (options.store ?? true)) await this.cache.put(this.embedder.modelId, fresh, { overwrite: options.refreshedSince !== undefined });
    return { byText, embedded: missing.length };
  }

  /** Share of these customers' text weight the model reads (1 for a model that reads everything). */
  readableShare(customers: readonly (readonly WeightedText[])[]): number {
    let read = 0;
    let total = 0;
    for (const c of customers)
      for (const p of c) {
        read += p.weight * (this.embedder.readableShare?.(p.text) ?? 1);
        total += p.weight;
      }
    return total > 0 ? read / total : 1;
  }

  /**
   * Each customer's pooled text vector. Each text's weight is multiplied by the share of it the model
   * reads (TextEmbedder.readableShare): with the English-only offline model, a Chinese review would
   * otherwise add a vector much like every other Chinese review's, three times over, and drown the
   * goods the model does read (measured on the demo shop: Chinese customers of every persona fell
   * into one segment). A customer with nothing readable — or no text at all — gets the model's vector
   * of the empty text: the same for all of them, so the text view does not tell them apart (the
   * lexical view reads every language, and behaviour does the rest).
   */
  async pooled(customers: readonly (readonly WeightedText[])[], options: PoolOptions = {}): Promise<{ vectors: Float32Array[]; embedded: number }> {
    const parts = customers.map((c) => {
      const readable = c.map((p) => ({ text: p.text, weight: p.weight * (this.embedder.readableShare?.(p.text) ?? 1) })).filter((p) => p.weight > 0);
      return readable.length > 0 ? readable : [{ text: '', weight: 1 }];
    });
    const { byText, embedded } = await this.vectors(
      parts.flatMap((c) => c.map((p) => p.text)),
      options,
    );
    return { vectors: parts.map((c) => poolVectors(c.map((p) => ({ vector: byText.get(p.text)!, weight: p.weight })))), embedded };
  }
}
