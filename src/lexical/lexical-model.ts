// The lexical view of a customer: TF-IDF of their texts over the shop's own vocabulary (words and
// character n-grams, tfidf.ts), reduced by truncated SVD (randomized-svd.ts) and L2-normalised —
// latent semantic analysis, as scikit-learn's LSA pipeline (TfidfVectorizer → TruncatedSVD →
// Normalizer). It reads any language jieba and Unicode can split, so it is what reads Chinese when
// no Chinese-capable sentence model is installed. Estimator-shaped: fit on a sample, transform any text.
import { sampleIndices, seededRng } from '../clustering/random.js';
import { projectRow, randomizedSvd } from './randomized-svd.js';
import { DEFAULT_TFIDF, TfidfVectorizer, type TfidfOptions, type TfidfState } from './tfidf.js';

export interface LexicalOptions {
  /** Dimensions of the view (scikit-learn's LSA example uses 100). */
  components: number;
  /** Texts the vocabulary and the SVD are fitted on, at most (a seeded sample of the rest). */
  fitSample: number;
  seed: number;
  tfidf: TfidfOptions;
}

export const DEFAULT_LEXICAL: LexicalOptions = { components: 100, fitSample: 50_000, seed: 0, tfidf: DEFAULT_TFIDF };

export interface LexicalState {
  tfidf: TfidfState;
  /** Term-major components, float32: components[term * dimensions + c]. */
  components: Float32Array;
  dimensions: number;
  /** Share of the TF-IDF matrix's sum of squares the view keeps. */
  explainedShare: number;
}

export class LexicalModel {
  private readonly vectorizer: TfidfVectorizer;

  constructor(readonly state: LexicalState) {
    this.vectorizer = new TfidfVectorizer(state.tfidf);
  }

  get dimensions(): number {
    return this.state.dimensions;
  }

  static fit(texts: readonly string[], options: Partial<LexicalOptions> = {}): LexicalModel {
    const o = { ...DEFAULT_LEXICAL, ...options };
    const sample = texts.length > o.fitSample ? sampleIndices(texts.length, o.fitSample, seededRng(o.seed ^ 0x1e7)).map((i) => texts[i]!) : texts;
    const vectorizer = TfidfVectorizer.fit(sample, o.tfidf);
    const rows = sample.map((t) => vectorizer.transform(t));
    const svd = randomizedSvd(rows, vectorizer.size, { components: o.components, seed: o.seed });
    // Fewer texts or terms than components: the view is as wide as the data allows, padded with zeros
    // so every fit of a shop has the same width.
    const components = new Float32Array(vectorizer.size * o.components);
    for (let term = 0; term < vectorizer.size; term++) {
      components.set(svd.componentsT.subarray(term * svd.k, (term + 1) * svd.k), term * o.components);
    }
    return new LexicalModel({ tfidf: vectorizer.state, components, dimensions: o.components, explainedShare: svd.explainedShare.reduce((a, b) => a + b, 0) });
  }

  /** The unit-length view of one text; zeros when none of its terms is in the vocabulary. */
  transform(text: string): Float32Array {
    const v = projectRow(this.vectorizer.transform(text), this.state.components, this.state.dimensions);
    let norm = 0;
    for (const x of v) norm += x * x;
    if (norm > 0) {
      const s = 1 / Math.sqrt(norm);
      for (let i = 0; i < v.length; i++) v[i] = v[i]! * s;
    }
    return v;
  }
}
