// Word vectors learnt from the shop's own texts, and a text's vector from its words' — for shops whose
// language no installed sentence model reads (Chinese with the offline default).
//   fit:   co-occurrence counts of words within `window` positions (weighted 1/distance, as GloVe),
//          positive pointwise mutual information with context-distribution smoothing (α = 0.75;
//          Levy, Goldberg & Dagan 2015), then a truncated SVD of the sparse PPMI matrix
//          (randomized-svd.ts); a word's vector is its row of U·√Σ, L2-normalised.
//          Bridge documents (customers who write both of a shop's languages; lexical-model.ts) also
//          pair every Chinese word with every other-script word of the document: the same meaning
//          written in both never falls within one window, yet it is what makes 瑜伽 and "yoga" neighbours.
//   embed: smooth-inverse-frequency average of the text's word vectors (weight a / (a + p(w)); Arora,
//          Liang & Ma 2017), L2-normalised: rare, specific words (洗发水, 前台) outweigh common ones.
// Why: reviews are short, and two reviews of the same goods often share no word (头发 vs 洗发水);
// learnt vectors put such words close. On the 20,000 Chinese reviews this read the categories better
// than TF-IDF or its LSA (bench:quality has the figures).
import { isHan } from '../text/words.js';
import type { SparseRow } from './tfidf.js';
import { projectRow, randomizedSvd } from './randomized-svd.js';

export interface WordVectorOptions {
  dimensions: number;
  window: number;
  /** Words seen fewer times get no vector. */
  minCount: number;
  /** Most words kept (the most frequent). */
  maxWords: number;
  /** SIF's a: smaller favours rarer words more. */
  sifA: number;
  /**
   * Across scripts in a bridge document: each occurrence of a word spreads up to this much
   * co-occurrence over the document's words of the other script (a window gives ≈ 4.6). Chosen on the
   * shop family's tuning half: 0 → 16 took same-persona Chinese and English writers' word-vector
   * centroids from 0.93 to 0.77 of the distance between different personas' (64: 0.75).
   */
  bridgeWeight: number;
  seed: number;
}

export const DEFAULT_WORD_VECTORS: WordVectorOptions = { dimensions: 100, window: 5, minCount: 3, maxWords: 50_000, sifA: 1e-3, bridgeWeight: 16, seed: 0 };

export interface WordVectorState {
  words: string[];
  /** Each word's share of all word occurrences (SIF's p(w)). */
  probability: number[];
  /** words × dimensions, row-major, unit rows. */
  vectors: Float32Array;
  dimensions: number;
  sifA: number;
}

export class WordVectors {
  private readonly index: Map<string, number>;

  constructor(readonly state: WordVectorState) {
    this.index = new Map(state.words.map((w, i) => [w, i]));
  }

  /** `bridges`, parallel to `documents`: which are bridge documents (see the header). */
  static fit(documents: readonly (readonly string[])[], options: Partial<WordVectorOptions> = {}, bridges?: readonly boolean[]): WordVectors {
    const o = { ...DEFAULT_WORD_VECTORS, ...options };
    const counts = new Map<string, number>();
    let occurrences = 0;
    for (const d of documents) {
      for (const w of d) counts.set(w, (counts.get(w) ?? 0) + 1);
      occurrences += d.length;
    }
    const words = [...counts]
      .filter(([, c]) => c >= o.minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, o.maxWords)
      .map(([w]) => w);
    const v = words.length;
    const index = new Map(words.map((w, i) => [w, i]));
    // Co-occurrence, one map per word: a single map of all pairs would pass V8's limit of 2²⁴ entries
    // on long whole-history documents, while a row holds at most V.
    const cooccurrence = Array.from({ length: v }, () => new Map<number, number>());
    const rowTotals = new Float64Array(v);
    let total = 0;
    // Each vocabulary word's script, once (read for every word of every bridge document).
    const han = bridges ? words.map(isHan) : [];
    for (const [n, d] of documents.entries()) {
      const ids = d.map((w) => index.get(w)).filter((i): i is number => i !== undefined);
      if (bridges?.[n] && o.bridgeWeight > 0) total += acrossScripts(ids, han, cooccurrence, rowTotals, o.bridgeWeight);
      for (let a = 0; a < ids.length; a++) {
        const from = Math.max(0, a - o.window);
        const to = Math.min(ids.length, a + o.window + 1);
        for (let b = from; b < to; b++) {
          if (a === b) continue;
          const weight = 1 / Math.abs(a - b);
          const row = cooccurrence[ids[a]!]!;
          row.set(ids[b]!, (row.get(ids[b]!) ?? 0) + weight);
          rowTotals[ids[a]!] = rowTotals[ids[a]!]! + weight;
          total += weight;
        }
      }
    }
    const context = Array.from(rowTotals, (c) => c ** 0.75);
    const contextTotal = context.reduce((s, c) => s + c, 0);
    const rows: SparseRow[] = cooccurrence.map((row, i) => {
      const e: [number, number][] = [];
      for (const [j, c] of row) {
        const pmi = Math.log((c * contextTotal) / (rowTotals[i]! * context[j]!));
        if (pmi > 0) e.push([j, pmi]);
      }
      row.clear();
      e.sort((a, b) => a[0] - b[0]);
      return { indices: Int32Array.from(e, (x) => x[0]), values: Float32Array.from(e, (x) => x[1]) };
    });
    const dimensions = o.dimensions;
    const vectors = new Float32Array(v * dimensions);
    if (v > 0 && total > 0) {
      const svd = randomizedSvd(rows, v, { components: dimensions, seed: o.seed });
      const out = new Float32Array(svd.k);
      rows.forEach((r, i) => {
        // X V = U Σ; U √Σ = X V / √Σ.
        projectRow(r, svd.componentsT, svd.k, out);
        let norm = 0;
        for (let c = 0; c < svd.k; c++) {
          const s = svd.singularValues[c]!;
          out[c] = s > 0 ? out[c]! / Math.sqrt(s) : 0;
          norm += out[c]! ** 2;
        }
        if (norm > 0) for (let c = 0; c < svd.k; c++) vectors[i * dimensions + c] = out[c]! / Math.sqrt(norm);
      });
    }
    const probability = words.map((w) => counts.get(w)! / Math.max(1, occurrences));
    return new WordVectors({ words, probability, vectors, dimensions, sifA: o.sifA });
  }

  /** The SIF-weighted mean of the words' vectors (each part's words times its weight), unit length; zeros when no word is known. */
  embed(parts: readonly { words: readonly string[]; weight: number }[]): Float32Array {
    const d = this.state.dimensions;
    const out = new Float32Array(d);
    for (const { words, weight: partWeight } of parts)
      for (const w of words) {
        const i = this.index.get(w);
        if (i === undefined) continue;
        const weight = partWeight * (this.state.sifA / (this.state.sifA + this.state.probability[i]!));
        for (let c = 0; c < d; c++) out[c] = out[c]! + weight * this.state.vectors[i * d + c]!;
      }
    let norm = 0;
    for (const x of out) norm += x * x;
    if (norm > 0) for (let c = 0; c < d; c++) out[c] = out[c]! / Math.sqrt(norm);
    return out;
  }
}

/**
 * Co-occurrence of each Han word with each other-script word of one document, symmetric:
 * weight · c_h · c_o / max(N_han, N_other), so that each occurrence spreads at most `weight`. Returns
 * the co-occurrence added (both directions).
 */
function acrossScripts(
  ids: readonly number[],
  isHanWord: readonly boolean[],
  cooccurrence: Map<number, number>[],
  rowTotals: Float64Array,
  weight: number,
): number {
  const han = new Map<number, number>();
  const other = new Map<number, number>();
  for (const i of ids) {
    const side = isHanWord[i] ? han : other;
    side.set(i, (side.get(i) ?? 0) + 1);
  }
  if (han.size === 0 || other.size === 0) return 0;
  let nHan = 0;
  let nOther = 0;
  for (const c of han.values()) nHan += c;
  for (const c of other.values()) nOther += c;
  const scale = weight / Math.max(nHan, nOther);
  let added = 0;
  for (const [h, ch] of han)
    for (const [o, co] of other) {
      const w = scale * ch * co;
      cooccurrence[h]!.set(o, (cooccurrence[h]!.get(o) ?? 0) + w);
      cooccurrence[o]!.set(h, (cooccurrence[o]!.get(h) ?? 0) + w);
      rowTotals[h] = rowTotals[h]! + w;
      rowTotals[o] = rowTotals[o]! + w;
      added += 2 * w;
    }
  return added;
}
