// Keywords that tell segments apart. c-TF-IDF (ctfidf.ts) ranks a segment's words, but on its own it
// lets a word the whole shop writes lead every segment: the retailer's name in Chinese reviews (京东),
// "set", "heart" and "bag" in a gift shop. Two rules on top of it:
//   - a word may stand in a segment's list only when the segment's customers use it clearly more often
//     than the shop's (lift: share of the segment's customers who use it ÷ the shop's share ≥ MIN_LIFT,
//     or halfway to the most a segment of that size can reach, for very large segments);
//   - each of a segment's first LEAD_WORDS is its own: a word leads only the segment where its lift is
//     highest, so no two segments open with the same words. Further down a list, words may repeat.
// A run of one segment keeps plain c-TF-IDF (nothing to tell apart).
import { tokenize, wordScores } from './ctfidf.js';

export const MIN_LIFT = 1.5;
export const LEAD_WORDS = 3;

/**
 * The `top` keywords of each class. `documents[c]` holds class c's texts, one per customer (a sample);
 * `sizes[c]` the class's real size when the texts are a sample (weights the shop's shares).
 */
export function distinctKeywords(documents: readonly (readonly string[])[], top = 10, sizes?: readonly number[]): string[][] {
  // Cut once: both the scores and the shares read the words (cutting is most of naming's time).
  const words = documents.map((texts) => texts.map(tokenize));
  const scores = wordScores(words);
  if (documents.length < 2) return scores.map((m) => ranked(m).slice(0, top));
  // Share of each class's customers who use each word.
  const rates = words.map((texts) => {
    const users = new Map<string, number>();
    for (const t of texts) for (const w of new Set(t)) users.set(w, (users.get(w) ?? 0) + 1);
    return new Map([...users].map(([w, n]) => [w, n / Math.max(1, texts.length)]));
  });
  const weight = sizes ?? documents.map((d) => d.length);
  const total = weight.reduce((a, b) => a + b, 0);
  const shopRate = new Map<string, number>();
  rates.forEach((m, c) => {
    for (const [w, r] of m) shopRate.set(w, (shopRate.get(w) ?? 0) + (r * weight[c]!) / Math.max(1, total));
  });
  const lift = (c: number, w: string) => (rates[c]!.get(w) ?? 0) / shopRate.get(w)!;
  const eligible = scores.map((m, c) => {
    const share = weight[c]! / Math.max(1, total);
    const needed = share > 0 ? Math.min(MIN_LIFT, (1 + 1 / share) / 2) : MIN_LIFT;
    return ranked(m).filter((w) => lift(c, w) >= needed);
  });
  // The class where each word is most over-represented owns it as a lead word.
  const owner = new Map<string, number>();
  eligible.forEach((words, c) => {
    for (const w of words) {
      const o = owner.get(w);
      if (o === undefined || lift(c, w) > lift(o, w) || (lift(c, w) === lift(o, w) && scores[c]!.get(w)! > scores[o]!.get(w)!)) owner.set(w, c);
    }
  });
  return eligible.map((words, c) => {
    const leads = words.filter((w) => owner.get(w) === c).slice(0, LEAD_WORDS);
    return [...leads, ...words.filter((w) => !leads.includes(w))].slice(0, top);
  });
}

function ranked(scores: Map<string, number>): string[] {
  return [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
}
