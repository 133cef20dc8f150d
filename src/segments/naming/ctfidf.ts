// Class-based TF-IDF (BERTopic's c-TF-IDF): all texts of a segment form one document; a term's weight
// is its frequency in the segment (L1-normalised) × log(1 + A / f), A = average words per segment,
// f = the term's frequency across all segments. Words come from text/words (jieba for Chinese, so
// keywords are dictionary words such as 京东 or 物流, never characters cut out of them).
import { keywordWords } from '../../text/words.js';

export const tokenize = keywordWords;

/** The `top` keywords of each class; `documents[c]` holds the texts of class c. */
export function classKeywords(documents: readonly (readonly string[])[], top = 10): string[][] {
  return classScores(documents).map((m) =>
    [...m]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, top)
      .map(([w]) => w),
  );
}

/** Every word of each class with its c-TF-IDF weight. */
export function classScores(documents: readonly (readonly string[])[]): Map<string, number>[] {
  return wordScores(documents.map((texts) => texts.map(tokenize)));
}

/** classScores of texts already cut into words (`words[c][i]`: the words of class c's i-th text). */
export function wordScores(words: readonly (readonly (readonly string[])[])[]): Map<string, number>[] {
  const counts = words.map((texts) => {
    const m = new Map<string, number>();
    for (const t of texts) for (const w of t) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  });
  const totals = counts.map((m) => [...m.values()].reduce((s, v) => s + v, 0));
  const average = totals.reduce((s, v) => s + v, 0) / Math.max(1, counts.length);
  const across = new Map<string, number>();
  for (const m of counts) for (const [w, n] of m) across.set(w, (across.get(w) ?? 0) + n);
  return counts.map((m, c) => new Map([...m].map(([w, n]) => [w, (n / Math.max(1, totals[c]!)) * Math.log(1 + average / across.get(w)!)])));
}
