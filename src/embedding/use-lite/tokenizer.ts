// A TypeScript port of the Universal Sentence Encoder lite tokenizer shipped in
// `@energetic-ai/embeddings` (SentencePiece vocabulary, Viterbi over a trie). It reproduces the
// reference ids exactly, quirks included, because a Unigram tokenizer.json for transformers.js
// disagrees on ~1.4 % of natural lines (../shared/models/USE-LITE.md):
//  - a running score of exactly 0 counts as "unset" in the Viterbi step (text starting with ':');
//  - ties keep the later candidate (`>=`), which decides runs of repeated characters;
//  - the backtrack steps by the piece's UTF-16 length, not its code-point length;
//  - consecutive unknowns (id 0) merge into one.
// test/embedding/use-lite-tokenizer.test.ts compares it with the reference on thousands of texts.

export type Vocabulary = ReadonlyArray<readonly [piece: string, score: number | null]>;

const SEPARATOR = '\u2581';
/** ids 0–5 (unknown, <s>, </s>, extra tokens) are never matched. */
const RESERVED = 6;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Set when a piece ends here. */
  piece?: { length: number; score: number; id: number };
}

interface Match {
  /** Length of the piece in code points. */
  length: number;
  score: number;
  id: number;
}

export class UseLiteTokenizer {
  private readonly root: TrieNode = { children: new Map() };
  private readonly pieceLengths: Int32Array;

  constructor(vocabulary: Vocabulary) {
    this.pieceLengths = new Int32Array(vocabulary.length);
    vocabulary.forEach(([piece], id) => (this.pieceLengths[id] = piece.length));
    for (let id = RESERVED; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id]!;
      let node = this.root;
      const symbols = Array.from(piece);
      for (const symbol of symbols) {
        let child = node.children.get(symbol);
        if (!child) {
          child = { children: new Map() };
          node.children.set(symbol, child);
        }
        node = child;
      }
      // `null` scores behave as 0 in the reference's arithmetic; a later duplicate piece wins.
      node.piece = { length: symbols.length, score: score ?? 0, id };
    }
  }

  /** Token ids for one text: no BOS/EOS, no truncation (the embedder truncates). */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    const input = normalized.length > 0 ? SEPARATOR + normalized.replace(/ /g, SEPARATOR) : normalized;
    const symbols = Array.from(input);
    const n = symbols.length;

    // Lattice: for each end position, the candidate pieces ending there, by ascending start.
    const endingAt: Array<Array<{ start: number; match: Match }>> = Array.from({ length: n + 1 }, () => []);
    for (let start = 0; start < n; start++) {
      for (const match of this.prefixMatches(symbols, start)) {
        endingAt[start + match.length]!.push({ start, match });
      }
    }
    for (const list of endingAt) list.sort((a, b) => a.start - b.start);

    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    for (let end = 0; end <= n; end++) {
      for (const { start, match } of endingAt[end]!) {
        const score = match.score + best[start]!;
        if (best[end] === 0 || score >= best[end]!) {
          best[end] = score;
          words[end] = match.id;
        }
      }
    }

    const ids: number[] = [];
    for (let i = n; i > 0; i -= this.pieceLengths[words[i]!]!) ids.push(words[i]!);
    const merged: number[] = [];
    let previousUnknown = false;
    for (const id of ids) {
      if (!(previousUnknown && id === 0)) merged.push(id);
      previousUnknown = id === 0;
    }
    return merged.reverse();
  }

  private prefixMatches(symbols: readonly string[], start: number): Match[] {
    const matches: Match[] = [];
    let node = this.root.children.get(symbols[start]!);
    for (let i = start; i < symbols.length && node; i++) {
      if (node.piece) matches.push(node.piece);
      node = node.children.get(symbols[i + 1]!);
    }
    // No piece starts with this symbol: it becomes the unknown id, one symbol long, score 0.
    if (matches.length === 0) matches.push({ length: 1, score: 0, id: 0 });
    return matches;
  }
}
