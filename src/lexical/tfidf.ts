// TF-IDF over two kinds of terms, fitted on the shop's own texts:
//   words  — from text/words (jieba for Chinese, so 物流 and 屏幕 are terms, not 物 and 流);
//   grams  — character n-grams: single characters and bigrams inside runs of Chinese characters
//            (they catch compounds jieba's dictionary does not know, and spelling variants) and
//            3-grams of padded Latin words (plurals and misspellings share most of them).
// On 20,000 Chinese reviews (k-means at k = 10 on the LSA of this), grams with single characters
// raised NMI against the categories from 0.47 to 0.49–0.50; words alone gave 0.40–0.45.
// As scikit-learn's TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm='l2') per kind; the two
// blocks are each L2-normalised and weighted 1/√2, so a row has unit norm and words and grams count
// alike. The vocabulary keeps each kind's terms found in at least `minDf` documents and at most
// `maxDfShare` of them, the `maxTerms` most frequent.
import { normaliseText, words } from '../text/words.js';

export interface TfidfOptions {
  minDf: number;
  maxDfShare: number;
  /** Terms kept per kind (words, grams). */
  maxTerms: number;
}

export const DEFAULT_TFIDF: TfidfOptions = { minDf: 2, maxDfShare: 0.5, maxTerms: 20_000 };

export interface WeightedText {
  text: string;
  weight: number;
  /** words(text), when the caller has them already. */
  words?: readonly string[];
  /** columns(text), when the caller has them already. */
  columns?: Int32Array;
}

export interface SparseRow {
  indices: Int32Array;
  values: Float32Array;
}

export interface TfidfState {
  /** Terms in column order; words first, then grams (prefixed `w:` and `g:`). */
  terms: string[];
  idf: number[];
  documents: number;
}

const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_WORD = /^[\p{Script=Latin}]+$/u;

/** The terms of one text, prefixed by kind, with repeats (term frequency = count). */
export function terms(text: string, ws: readonly string[] = words(text)): string[] {
  const out: string[] = [];
  for (const w of ws) out.push(`w:${w}`);
  for (const run of normaliseText(text).match(HAN_RUN) ?? []) {
    for (let i = 0; i < run.length; i++) {
      out.push(`g:${run[i]}`);
      if (i + 1 < run.length) out.push(`g:${run.slice(i, i + 2)}`);
    }
  }
  for (const w of ws) {
    if (!LATIN_WORD.test(w) || w.length < 3) continue;
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) out.push(`g:${padded.slice(i, i + 3)}`);
  }
  return out;
}

export class TfidfVectorizer {
  private readonly column: Map<string, number>;
  private readonly wordCount: number;

  constructor(readonly state: TfidfState) {
    this.column = new Map(state.terms.map((t, i) => [t, i]));
    this.wordCount = state.terms.findIndex((t) => !t.startsWith('w:'));
    if (this.wordCount < 0) this.wordCount = state.terms.length;
  }

  get size(): number {
    return this.state.terms.length;
  }

  static fit(texts: Iterable<string>, options: TfidfOptions = DEFAULT_TFIDF): TfidfVectorizer {
    const df = new Map<string, number>();
    let documents = 0;
    for (const text of texts) {
      documents++;
      for (const t of new Set(terms(text))) df.set(t, (df.get(t) ?? 0) + 1);
    }
    const maxDf = Math.max(options.minDf, Math.floor(options.maxDfShare * documents));
    const keep = (prefix: string) =>
      [...df]
        .filter(([t, n]) => t.startsWith(prefix) && n >= options.minDf && n <= maxDf)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, options.maxTerms)
        .map(([t]) => t)
        .sort();
    const kept = [...keep('w:'), ...keep('g:')];
    // Smooth idf, as scikit-learn: ln((1 + n) / (1 + df)) + 1.
    const idf = kept.map((t) => Math.log((1 + documents) / (1 + df.get(t)!)) + 1);
    return new TfidfVectorizer({ terms: kept, idf, documents });
  }

  /** The vocabulary's columns of a text's terms, with repeats (terms outside the vocabulary left out). */
  columns(text: string, ws?: readonly string[]): Int32Array {
    const out: number[] = [];
    for (const t of terms(text, ws)) {
      const c = this.column.get(t);
      if (c !== undefined) out.push(c);
    }
    return Int32Array.from(out);
  }

  /**
   * Share of the texts' word occurrences that are terms of the vocabulary (words only: grams of a
   * new word mostly exist already). Measured on the fit's texts and later on the shop's texts of the
   * day, it says how much of what customers now write the fit no longer reads.
   */
  wordCoverage(texts: Iterable<string>): number {
    let known = 0;
    let all = 0;
    for (const text of texts) {
      for (const w of words(text)) {
        all++;
        if (this.column.has(`w:${w}`)) known++;
      }
    }
    return all === 0 ? 1 : known / all;
  }

  /**
   * One text — or weighted parts of one, whose terms count `weight` times — as a sparse row: sublinear
   * tf × idf, each kind L2-normalised and weighted 1/√2 (1 when alone).
   */
  transform(text: string | readonly WeightedText[]): SparseRow {
    const counts = new Map<number, number>();
    for (const { text: part, weight, words: ws, columns } of typeof text === 'string' ? [{ text, weight: 1 }] : text) {
      for (const c of columns ?? this.columns(part, ws)) counts.set(c, (counts.get(c) ?? 0) + weight);
    }
    const indices = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    const values = new Float32Array(indices.length);
    let wordNorm = 0;
    let gramNorm = 0;
    indices.forEach((c, i) => {
      // Sublinear tf; a count below 1 (a down-weighted part) scales linearly instead of going negative.
      const n = counts.get(c)!;
      const v = (n >= 1 ? 1 + Math.log(n) : n) * this.state.idf[c]!;
      values[i] = v;
      if (c < this.wordCount) wordNorm += v * v;
      else gramNorm += v * v;
    });
    const blocks = (wordNorm > 0 ? 1 : 0) + (gramNorm > 0 ? 1 : 0);
    const share = blocks === 2 ? Math.SQRT1_2 : 1;
    indices.forEach((c, i) => {
      values[i] = (values[i]! * share) / Math.sqrt(c < this.wordCount ? wordNorm : gramNorm);
    });
    return { indices, values };
  }
}
