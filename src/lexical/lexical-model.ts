// The lexical view of a customer, fitted on the shop's own texts: two readings of the same words,
// each unit length and weighted √½, concatenated (so the view has unit norm):
//   - latent semantic analysis: TF-IDF over words and character n-grams (tfidf.ts) → truncated SVD
//     (randomized-svd.ts) → L2, as scikit-learn's LSA pipeline; it keeps what exact terms say;
//   - word vectors learnt from the shop's texts (word-vectors.ts), SIF-averaged; they let texts that
//     share no word but talk of the same goods meet.
// It reads any language jieba and Unicode can split, so it is what reads Chinese when no
// Chinese-capable sentence model is installed. On 20,000 real Chinese reviews (k-means at k = 10)
// LSA alone reached NMI 0.49–0.50, word vectors alone 0.51–0.55, both together 0.58–0.61 (scikit-learn's
// best baseline 0.51). Estimator-shaped: fit on a sample, transform any text; stored as bytes.
//
// Across languages: a shop's customers who write both Chinese and English are its parallel corpus.
// Given them (`bridges`), the LSA part is fitted on their documents alone — cross-language LSI
// (Dumais, Letsche, Littman & Landauer 1997): each latent direction then holds a Chinese phrase and the
// English written beside it, and a customer who writes only one of the two lands on the same direction
// for the words the bilingual customers wrote (on the shop family: same-persona Chinese and English
// writers' LSA centroids 0.94 → 0.56 of the distance between different personas'; README "Customer
// vectors"). Fitted on everyone, the SVD keeps each language's words on directions of their own — there
// are always components enough for both.
// The word vectors learn from the bridges too (word-vectors.ts: co-occurrence across scripts).
// The vocabulary and its weights still come from every document.
import { sampleIndices, seededRng } from '../clustering/random.js';
import { words } from '../text/words.js';
import { projectRow, randomizedSvd } from './randomized-svd.js';
import { DEFAULT_TFIDF, TfidfVectorizer, type TfidfOptions, type TfidfState, type WeightedText } from './tfidf.js';
import { DEFAULT_WORD_VECTORS, WordVectors, type WordVectorOptions, type WordVectorState } from './word-vectors.js';

export interface LexicalOptions {
  /** Dimensions of the LSA part (scikit-learn's LSA example uses 100). */
  components: number;
  /** Texts the vocabulary, the SVD and the word vectors are fitted on, at most (a seeded sample). */
  fitSample: number;
  seed: number;
  tfidf: TfidfOptions;
  wordVectors: Omit<WordVectorOptions, 'seed'>;
}

export const DEFAULT_LEXICAL: LexicalOptions = { components: 100, fitSample: 50_000, seed: 0, tfidf: DEFAULT_TFIDF, wordVectors: DEFAULT_WORD_VECTORS };

/**
 * Fewest bridge documents (in the fit sample) the LSA part is fitted on, as a count and as a share of
 * the sample; fewer: on every document. Words no bridge customer wrote get no LSA direction (the word
 * vectors still read them), so a handful of bridges must not speak for a large shop.
 */
export const MIN_BRIDGES = 20;
export const MIN_BRIDGE_SHARE = 0.01;

export interface LexicalState {
  tfidf: TfidfState;
  /** Term-major LSA components, float32: components[term * lsaDimensions + c]. */
  components: Float32Array;
  lsaDimensions: number;
  /** Share of the TF-IDF matrix's sum of squares the LSA part keeps (of the bridge documents' rows, when fitted on them). */
  explainedShare: number;
  wordVectors: WordVectorState;
  /** Texts the model was fitted on. */
  documents: number;
  /**
   * Word coverage (TfidfVectorizer.wordCoverage) of a seeded sample of the fit's texts: the yardstick
   * for vocabulary drift. Absent in fits made before it was recorded.
   */
  coverage?: number;
  /** Bridge documents the LSA part was fitted on (absent: fitted on every document). */
  bridges?: number;
}

/** Texts read to measure word coverage (at fit time and for drift). */
export const COVERAGE_SAMPLE = 2000;

/**
 * Characters of texts whose analysis a model keeps (see LexicalModel.analyse), each text at most
 * ANALYSED_TEXT_LENGTH long. A character costs at most about 40 bytes kept (a word of one Chinese
 * character: its string and array slot; its columns; the key): under 100 MB a model in the worst
 * case, and some 60,000 product titles of ordinary length.
 */
export const ANALYSED_CHARACTERS = 2_000_000;
export const ANALYSED_TEXT_LENGTH = 500;

export class LexicalModel {
  private readonly vectorizer: TfidfVectorizer;
  private readonly wordVectors: WordVectors;
  private readonly analysed = new Map<string, { words: readonly string[]; columns: Int32Array }>();
  private analysedCharacters = 0;

  constructor(readonly state: LexicalState) {
    this.vectorizer = new TfidfVectorizer(state.tfidf);
    this.wordVectors = new WordVectors(state.wordVectors);
  }

  get dimensions(): number {
    return this.state.lsaDimensions + this.state.wordVectors.dimensions;
  }

  /**
   * `bridges`, parallel to `texts`: which documents mix the shop's two languages (the caller decides:
   * language-balance.ts's bridgeDocuments). With at least MIN_BRIDGES of them in the sample (and
   * MIN_BRIDGE_SHARE of it), the LSA part is fitted on those alone (see the header).
   */
  static fit(texts: readonly string[], options: Partial<LexicalOptions> & { bridges?: readonly boolean[] } = {}): LexicalModel {
    const o = { ...DEFAULT_LEXICAL, ...options };
    const picked = texts.length > o.fitSample ? sampleIndices(texts.length, o.fitSample, seededRng(o.seed ^ 0x1e7)) : undefined;
    const sample = picked ? picked.map((i) => texts[i]!) : texts;
    if (options.bridges && options.bridges.length !== texts.length) throw new RangeError(`bridges: ${options.bridges.length} flags for ${texts.length} texts`);
    const bridge = options.bridges && (picked ? picked.map((i) => options.bridges![i]!) : options.bridges);
    const vectorizer = TfidfVectorizer.fit(sample, o.tfidf);
    const rows = sample.map((t) => vectorizer.transform(t));
    const bridgeRows = bridge ? rows.filter((_, i) => bridge[i]) : [];
    const onBridges = bridgeRows.length >= Math.max(MIN_BRIDGES, MIN_BRIDGE_SHARE * rows.length);
    // Both halves learn from the bridges, or neither.
    const svd = randomizedSvd(onBridges ? bridgeRows : rows, vectorizer.size, { components: o.components, seed: o.seed });
    // Fewer texts or terms than components: as wide as the data allows, padded with zeros, so every
    // fit has the same width.
    const components = new Float32Array(vectorizer.size * o.components);
    for (let term = 0; term < vectorizer.size; term++) {
      components.set(svd.componentsT.subarray(term * svd.k, (term + 1) * svd.k), term * o.components);
    }
    const wordVectors = WordVectors.fit(
      sample.map((t) => words(t)),
      { ...o.wordVectors, seed: o.seed },
      onBridges ? bridge : undefined,
    );
    const coverageRows = sampleIndices(sample.length, Math.min(sample.length, COVERAGE_SAMPLE), seededRng(o.seed ^ 0xc0e));
    return new LexicalModel({
      tfidf: vectorizer.state,
      components,
      lsaDimensions: o.components,
      explainedShare: svd.explainedShare.reduce((a, b) => a + b, 0),
      wordVectors: wordVectors.state,
      documents: sample.length,
      coverage: vectorizer.wordCoverage(coverageRows.map((i) => sample[i]!)),
      ...(onBridges ? { bridges: bridgeRows.length } : {}),
    });
  }

  /** Share of these texts' word occurrences the fitted vocabulary knows (see LexicalState.coverage). */
  wordCoverage(texts: Iterable<string>): number {
    return this.vectorizer.wordCoverage(texts);
  }

  /**
   * The unit-length view of one text, or of weighted parts of one ([LSA, word vectors] · √½); zeros
   * when no word of it is known.
   */
  transform(text: string | readonly (WeightedText & { remember?: boolean })[]): Float32Array {
    // Words are cut once per part (jieba is the costly step) and read by both halves.
    const given: readonly (WeightedText & { remember?: boolean })[] = typeof text === 'string' ? [{ text, weight: 1 }] : text;
    const parts = given.map((p) => ({ ...p, ...(p.words ? { words: p.words } : p.remember ? this.analyse(p.text) : this.analyseOnce(p.text)) }));
    const lsa = unit(projectRow(this.vectorizer.transform(parts), this.state.components, this.state.lsaDimensions));
    const wv = this.wordVectors.embed(parts);
    const halves = [lsa, wv].filter((p) => p.some((x) => x !== 0));
    const weight = halves.length === 2 ? Math.SQRT1_2 : 1;
    const out = new Float32Array(this.dimensions);
    lsa.forEach((x, i) => (out[i] = x * weight));
    wv.forEach((x, i) => (out[this.state.lsaDimensions + i] = x * weight));
    return out;
  }

  /**
   * A text's words and term columns, remembered for the model's life (least recently used forgotten
   * first, ANALYSED_CHARACTERS of texts at most): a customer's view is computed from all their texts
   * whenever one of them changes, and the shop's own texts are shared (a title bought by thousands),
   * so each is cut once, not once per buyer and change (bench:live: tokenising was the largest part of
   * a live round). Only for texts the caller marks: the shop's words, not what customers wrote, which
   * is seldom shared and must not outlive a customer who asks to be forgotten.
   */
  private analyse(text: string): { words: readonly string[]; columns: Int32Array } {
    const known = this.analysed.get(text);
    if (known) {
      // Most recently used last: the first in the map is the first forgotten.
      this.analysed.delete(text);
      this.analysed.set(text, known);
      return known;
    }
    const analysed = this.analyseOnce(text);
    if (text.length <= ANALYSED_TEXT_LENGTH) {
      // A copy as the key: a piece cut from a customer's document would keep the whole document alive.
      this.analysed.set(Buffer.from(text, 'utf8').toString('utf8'), analysed);
      this.analysedCharacters += text.length;
      while (this.analysedCharacters > ANALYSED_CHARACTERS) {
        const [oldest] = this.analysed.keys();
        this.analysed.delete(oldest!);
        this.analysedCharacters -= oldest!.length;
      }
    }
    return analysed;
  }

  private analyseOnce(text: string): { words: readonly string[]; columns: Int32Array } {
    const ws = words(text);
    return { words: ws, columns: this.vectorizer.columns(text, ws) };
  }

  /** One buffer: a JSON header (vocabularies, shapes), then the float32 matrices. */
  toBytes(): Buffer {
    const { components, wordVectors, ...rest } = this.state;
    const { vectors, ...wordHeader } = wordVectors;
    const header = Buffer.from(
      JSON.stringify({ format: 1, ...rest, wordVectors: wordHeader, componentsLength: components.length, vectorsLength: vectors.length }),
    );
    const size = Buffer.alloc(4);
    size.writeUInt32LE(header.length);
    return Buffer.concat([
      size,
      header,
      Buffer.from(components.buffer, components.byteOffset, components.byteLength),
      Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength),
    ]);
  }

  static fromBytes(bytes: Uint8Array): LexicalModel {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = buffer.readUInt32LE(0);
    const header = JSON.parse(buffer.subarray(4, 4 + headerLength).toString('utf8')) as Omit<LexicalState, 'components' | 'wordVectors'> & {
      format: number;
      componentsLength: number;
      vectorsLength: number;
      wordVectors: Omit<WordVectorState, 'vectors'>;
    };
    if (header.format !== 1) throw new Error(`lexical model format ${header.format} is not known`);
    // Copied out: a float32 view needs 4-byte alignment, which a database driver's buffer need not have.
    const floats = (from: number, length: number) => new Float32Array(Uint8Array.from(buffer.subarray(from, from + length * 4)).buffer);
    const start = 4 + headerLength;
    const components = floats(start, header.componentsLength);
    const vectors = floats(start + header.componentsLength * 4, header.vectorsLength);
    const { format: _format, componentsLength: _c, vectorsLength: _v, wordVectors, ...rest } = header;
    return new LexicalModel({ ...rest, components, wordVectors: { ...wordVectors, vectors } });
  }
}

function unit(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / Math.sqrt(norm);
  return v;
}
