// A customer's words and goods as text: for the sentence model, each distinct text apart (with its
// kind, latest date and count, which customer-vectors turns into its weight in the pooled vector);
// for the lexical view, one document of everything. No text of a long history is left out (a single
// very long text is read up to MAX_CHUNKS pieces).
import { boundedSegments } from '../text/words.js';

export interface ProfileSources {
  /** Newest first. */
  reviews: string[];
  /** Newest first. */
  searches: string[];
  /** Categories of bought goods, most bought first. */
  categories: string[];
  /** Titles of bought goods, most bought first. */
  titles: string[];
}

export type TextKind = 'review' | 'search' | 'title' | 'category';

/** One distinct text of a customer's history. */
export interface ProfileText {
  text: string;
  kind: TextKind;
  /** When last written or bought; null when unknown (a prospect's texts). */
  at: Date | null;
  /** How often: 1 per review or search, order lines for a title or category. */
  count: number;
}

export type TokenCounter = (text: string) => number;

const SEPARATOR = '. ';

/**
 * The pieces of a document part (one per text it joins; a text with its own ". " in more). A
 * document's words and terms are its pieces' together — ". " ends every word, n-gram and run of
 * Chinese characters — so the lexical view may read them piece by piece, and remember each piece.
 */
export function documentPieces(part: string): string[] {
  return part ? part.split(SEPARATOR) : [];
}
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * Cleaned, each distinct text once per kind (case-insensitive; the same text written twice counts
 * twice and keeps its latest date). A text that is both a search and a category stays two parts, each
 * weighted by its own kind; the model still sees it once (the cache is keyed by the text).
 */
export function profileTexts(texts: readonly ProfileText[]): ProfileText[] {
  const by = new Map<string, ProfileText>();
  for (const t of texts) {
    const text = cleanText(t.text);
    if (!text) continue;
    const key = `${t.kind}\0${text.toLowerCase()}`;
    const known = by.get(key);
    if (!known) by.set(key, { ...t, text });
    else {
      known.count += t.count;
      if (t.at && (!known.at || t.at > known.at)) known.at = t.at;
    }
  }
  return [...by.values()];
}

/**
 * A text in pieces the model reads whole (≤ maxTokens by its own tokenizer), cut between words
 * (Intl.Segmenter, so Chinese too), at most `maxChunks` of them: a 100,000-character review becomes
 * several vectors averaged, not one cut after its first sentence.
 */
export function chunkText(text: string, countTokens: TokenCounter, maxTokens: number, maxChunks: number): string[] {
  if (countTokens(text) <= maxTokens) return [text];
  // A chunk is looked for in a window of text long enough to hold maxTokens tokens of any usual length.
  const window = maxTokens * 16;
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length && chunks.length < maxChunks) {
    const pieces = [...boundedSegments(text.slice(start, start + window), wordSegmenter)].map((s) => s.segment);
    // The longest run of pieces that fits (binary search on the tokenizer's count); at least one.
    let lo = 1;
    let hi = pieces.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (countTokens(pieces.slice(0, mid).join('').trim()) <= maxTokens) lo = mid;
      else hi = mid - 1;
    }
    const taken = pieces.slice(0, lo).join('');
    if (taken.trim()) chunks.push(taken.trim());
    start += taken.length;
  }
  return chunks.length > 0 ? chunks : [text];
}

/** A customer's whole history of words for the lexical view, nothing cut: their own words apart from their goods'. */
export interface ProfileDocument {
  /** Reviews and searches: what the customer wrote. */
  own: string;
  /** Categories and titles of what they bought: what the shop wrote. */
  goods: string;
}

export function profileDocument(sources: ProfileSources): ProfileDocument {
  const join = (parts: string[]) => dedupe(parts.map(cleanText).filter(Boolean)).join(SEPARATOR);
  return { own: join([...sources.reviews, ...sources.searches]), goods: join([...sources.categories, ...sources.titles]) };
}

/** The document as one text (fitting the lexical model, hashing, baselines). */
export function documentText(document: ProfileDocument): string {
  return [document.own, document.goods].filter(Boolean).join(SEPARATOR);
}

/** One line per part; trailing sentence punctuation goes, the separator supplies it. */
export function cleanText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.。!！?？]+$/u, '');
}

function dedupe(parts: string[]): string[] {
  const seen = new Set<string>();
  return parts.filter((p) => {
    const key = p.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
