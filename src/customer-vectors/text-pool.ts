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
  /**
   * The shop's own words (a product title, a category), not anything a customer wrote: its vector may
   * be kept in the process (SharedTextMemo). A customer's words are only ever kept in the database
   * cache, which forgetting them clears.
   */
  shared?: boolean;
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
    const weight = KIND_WEIGHT[t.kind](t.count) * 2 ** ((day - EPOCH_DAY) / RECENCY_HALF_LIFE_DAYS);
    return t.kind === 'title' || t.kind === 'category' ? { text: t.text, weight, shared: true } : { text: t.text, weight };
  });
}

/**
 * Vectors of the shop's own texts (titles, categories) kept in the process, least recently used
 * first out. Every customer's history names the goods they bought, so an embed job asks the cache for
 * the same few thousand titles in every batch: on a 10,000-customer shop with 5,000 products, reading
 * them back from `text_embedding` took a third of the job (bench:scale; README "Scale"). Customers'
 * own words never enter it: forgetting a customer clears the database cache, which every process reads.
 * Each vector is tagged with the rebuild it was read or embedded under, so a rebuild (`refreshedSince`)
 * does not take a vector from before it. Outside a rebuild any kept vector serves: one model id gives
 * one vector per text in every process (a new model build is a new process).
 */
export class SharedTextMemo {
  private readonly entries = new Map<string, { vector: Float32Array; since: number }>();

  constructor(readonly capacity = SHARED_MEMO_ENTRIES) {}

  get(key: string, refreshedSince: Date | undefined): Float32Array | undefined {
    const entry = this.entries.get(key);
    if (!entry || (refreshedSince && entry.since < refreshedSince.getTime())) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.vector;
  }

  set(key: string, vector: Float32Array, refreshedSince: Date | undefined): void {
    this.entries.delete(key);
    this.entries.set(key, { vector, since: refreshedSince?.getTime() ?? -Infinity });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Titles and categories kept in the process: 20,000 of USE-lite's 512-d vectors are 40 MB. */
export const SHARED_MEMO_ENTRIES = 20_000;

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
  /** Texts that are the shop's own words (WeightedText.shared): looked up in and kept by the memo. */
  shared?: ReadonlySet<string>;
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
    private readonly memo?: SharedTextMemo,
  ) {}

  /** Texts being embedded by a call under way, by key (until they are in the cache). */
  private readonly embedding = new Map<string, Promise<Float32Array>>();

  /**
   * Vectors of these texts, by text: from the cache, the rest embedded (in pieces when long) and
   * cached unless `store` is false (a prospect's words are not kept); `refreshedSince` embeds every text again
   * (a full rebuild). `embedded` counts the texts that went through the model.
   */
  async vectors(texts: readonly string[], options: PoolOptions = {}): Promise<{ byText: Map<string, Float32Array>; embedded: number }> {
    const byText = new Map<string, Float32Array>();
    const unread: { text: string; key: string }[] = [];
    const memo = this.memo;
    const shared = options.shared;
    // Only the shop's own words are looked up in or kept by the memo.
    const memoised = (text: string) => memo !== undefined && shared !== undefined && shared.has(text);
    for (const text of new Set(texts)) {
      const key = textKey(text);
      const v = memoised(text) ? memo!.get(key, options.refreshedSince) : undefined;
      if (v) byText.set(text, v);
      else unread.push({ text, key });
    }
    const cached =
      this.cache && unread.length > 0
        ? await this.cache.get(
            this.embedder.modelId,
            unread.map((u) => u.key),
            { since: options.refreshedSince },
          )
        : new Map<string, Float32Array>();
    const missing: { text: string; key: string }[] = [];
    for (const u of unread) {
      const v = cached.get(u.key);
      if (v) {
        byText.set(u.text, v);
        if (memoised(u.text)) memo!.set(u.key, v, options.refreshedSince);
      } else missing.push(u);
    }
    if (missing.length === 0) return { byText, embedded: 0 };

    // A text another call is embedding right now (the indexer keeps two batches in flight, and
    // customers of both bought the same goods) is waited for, not embedded twice.
    const elsewhere = missing.flatMap((m) => {
      const vector = this.embedding.get(m.key);
      return vector ? [{ ...m, vector }] : [];
    });
    const own = missing.filter((m) => !this.embedding.has(m.key));
    const count = (t: string) => this.embedder.countTokens(t);
    const chunks = own.map((m) => chunkText(m.text, count, this.embedder.maxTokens, MAX_CHUNKS));
    const flatChunks = chunks.flat();
    const embedded = (flatChunks.length > 0 ? this.embedder.embed(flatChunks) : Promise.resolve([])).then((flat) => {
      const out = new Map<string, Float32Array>();
      let at = 0;
      own.forEach((m, i) => {
        const pieces = chunks[i]!.map(() => ({ vector: flat[at++]!, weight: 1 }));
        out.set(m.key, pieces.length === 1 ? pieces[0]!.vector : poolVectors(pieces));
      });
      return out;
    });
    for (const m of own) {
      const vector = embedded.then((out) => out.get(m.key)!);
      vector.catch(() => {}); // a failed embedding fails this call; a waiter, if any, hears it too
      this.embedding.set(m.key, vector);
    }
    // Until the vectors are in the cache: a call that reads the cache meanwhile waits for them here.
    try {
      const fresh = await embedded;
      for (const m of own) {
        const v = fresh.get(m.key)!;
        byText.set(m.text, v);
        if (memoised(m.text)) memo!.set(m.key, v, options.refreshedSince);
      }
      for (const m of elsewhere) byText.set(m.text, await m.vector);
      if (this.cache && (options.store ?? true) && fresh.size > 0)
        await this.cache.put(this.embedder.modelId, fresh, { overwrite: options.refreshedSince !== undefined });
    } finally {
      for (const m of own) this.embedding.delete(m.key);
    }
    return { byText, embedded: own.length };
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
    const shared = new Set(customers.flatMap((c) => c.filter((p) => p.shared).map((p) => p.text)));
    const { byText, embedded } = await this.vectors(
      parts.flatMap((c) => c.map((p) => p.text)),
      { ...options, shared },
    );
    return { vectors: parts.map((c) => poolVectors(c.map((p) => ({ vector: byText.get(p.text)!, weight: p.weight })))), embedded };
  }
}
