// One sentence vector from two models, each for the script it was trained on: a text with Latin
// letters goes to an English model, one with Han characters to a Chinese one (the whole text: each
// model reads the other script's letters as unknown). The vector is the two models' vectors side by
// side, each scaled by √(the share of the text's letters in its script), unit length: an English
// text lies in the first half, a Chinese one in the second, a mixed one in both by its mix. The two
// halves are not aligned — a review and its translation land apart (bge-small-zh against USE-lite:
// the Chinese model alone does not align the languages either, README "Models") — so this reads
// each language better, and meaning across languages is left to the lexical view's bilingual fit
// and the script offsets (customer-vectors/language-balance.ts).
import { letterShares, type Script, type TextEmbedder } from './text-embedder.js';

export class ScriptRoutedEmbedder implements TextEmbedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxTokens: number;

  constructor(
    modelId: string,
    private readonly parts: Record<Script, TextEmbedder>,
  ) {
    this.modelId = modelId;
    this.dimensions = parts.latin.dimensions + parts.han.dimensions;
    this.maxTokens = Math.min(parts.latin.maxTokens, parts.han.maxTokens);
  }

  /** In this embedder's window (the smaller one): each model's count scaled by its own window. */
  countTokens(text: string): number {
    return Math.max(...(['latin', 'han'] as const).map((s) => Math.ceil((this.parts[s].countTokens(text) * this.maxTokens) / this.parts[s].maxTokens)));
  }

  /** The letters either model reads. */
  readableShare(text: string): number {
    const s = letterShares(text);
    return Math.min(1, s.latin + s.han);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    // Letters neither model reads (Cyrillic, kana…) still get a unit vector, from the Latin model;
    // readableShare tells pooling to give them no weight.
    const shares = texts.map((t) => {
      const s = letterShares(t);
      return s.latin + s.han > 0 ? s : { latin: 1, han: 0 };
    });
    const out = texts.map(() => new Float32Array(this.dimensions));
    let offset = 0;
    for (const script of ['latin', 'han'] as const) {
      const part = this.parts[script];
      // Each model sees only the texts with letters of its script.
      const mine = texts.flatMap((_, i) => (shares[i]![script] > 0 ? [i] : []));
      const vectors = mine.length ? await part.embed(mine.map((i) => texts[i]!)) : [];
      mine.forEach((i, j) => {
        const scale = Math.sqrt(shares[i]![script]);
        vectors[j]!.forEach((x, d) => (out[i]![offset + d] = x * scale));
      });
      offset += part.dimensions;
    }
    for (const v of out) {
      let norm = 0;
      for (const x of v) norm += x * x;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < v.length; d++) v[d] = v[d]! * scale;
    }
    return out;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.parts.latin.dispose(), this.parts.han.dispose()]);
  }
}
