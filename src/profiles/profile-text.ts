// A customer's words and goods as one text for the sentence encoder. Most informative and most
// recent first — their own reviews, then their searches, then what they buy (categories, then
// titles by how often) — and cut to the model's token limit by the model's own tokenizer.

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

export type TokenCounter = (text: string) => number;

const SEPARATOR = '. ';
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

export function buildProfileText(sources: ProfileSources, countTokens: TokenCounter, maxTokens: number): string {
  const parts = dedupe([...sources.reviews, ...sources.searches, ...sources.categories, ...sources.titles].map(clean).filter(Boolean));
  let text = '';
  for (const part of parts) {
    const candidate = text ? text + SEPARATOR + part : part;
    if (countTokens(candidate) <= maxTokens) {
      text = candidate;
      continue;
    }
    // The first part that does not fit is cut at the last word boundary that does (words from
    // Intl.Segmenter, so Chinese is cut between words too), then the text is full.
    const prefix = text ? text + SEPARATOR : '';
    const pieces = [...wordSegmenter.segment(part)].map((s) => s.segment);
    let lo = 0;
    let hi = pieces.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (countTokens(prefix + pieces.slice(0, mid).join('').trimEnd()) <= maxTokens) lo = mid;
      else hi = mid - 1;
    }
    if (lo > 0) text = prefix + pieces.slice(0, lo).join('').trimEnd();
    break;
  }
  return text;
}

/** A customer's whole history of words for the lexical view, nothing cut: their own words apart from their goods'. */
export interface ProfileDocument {
  /** Reviews and searches: what the customer wrote. */
  own: string;
  /** Categories and titles of what they bought: what the shop wrote. */
  goods: string;
}

export function profileDocument(sources: ProfileSources): ProfileDocument {
  const join = (parts: string[]) => dedupe(parts.map(clean).filter(Boolean)).join(SEPARATOR);
  return { own: join([...sources.reviews, ...sources.searches]), goods: join([...sources.categories, ...sources.titles]) };
}

/** The document as one text (fitting the lexical model, hashing, baselines). */
export function documentText(document: ProfileDocument): string {
  return [document.own, document.goods].filter(Boolean).join(SEPARATOR);
}

/** One line per part; trailing sentence punctuation goes, the separator supplies it. */
function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/[.。!！?？]+$/u, '');
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
