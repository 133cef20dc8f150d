// Class-based TF-IDF (BERTopic's c-TF-IDF): all texts of a segment form one document; a term's weight
// is its frequency in the segment (L1-normalised) × log(1 + A / f), A = average words per segment,
// f = the term's frequency across all segments. Words come from Intl.Segmenter, so Chinese is split
// into words as well as English.

const segmenter = new Intl.Segmenter(['en', 'zh'], { granularity: 'word' });

const STOPWORDS = new Set(
  ('a about above after again all also am an and any are as at be because been before being below between both but by can could did do does ' +
    'doing down during each even ever every few for from further get got had has have having he her here hers him his how i if in into is it its ' +
    'just last like made make many me more most much my no nor not now of off on once one only or other our out over own really same she should ' +
    'so some still such than that the their them then there these they this those through to too under until up us use used very was we well were ' +
    'what when where which while who why will with would you your email phone card 的 了 是 很 也 都 和 就 我 在 有 这 个 买 用 还 说 要 去 让 着 吗 呢 吧')
    .split(' '),
);

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text.toLowerCase())) {
    if (!s.isWordLike) continue;
    const w = s.segment;
    if (STOPWORDS.has(w) || /^\d+$/.test(w)) continue;
    if (/^\p{Script=Latin}/u.test(w) && w.length < 3) continue;
    out.push(w);
  }
  return out;
}

/** The `top` keywords of each class; `documents[c]` holds the texts of class c. */
export function classKeywords(documents: readonly (readonly string[])[], top = 10): string[][] {
  const counts = documents.map((texts) => {
    const m = new Map<string, number>();
    for (const t of texts) for (const w of tokenize(t)) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  });
  const totals = counts.map((m) => [...m.values()].reduce((s, v) => s + v, 0));
  const average = totals.reduce((s, v) => s + v, 0) / Math.max(1, counts.length);
  const across = new Map<string, number>();
  for (const m of counts) for (const [w, n] of m) across.set(w, (across.get(w) ?? 0) + n);
  return counts.map((m, c) =>
    [...m]
      .map(([w, n]) => ({ w, score: (n / Math.max(1, totals[c]!)) * Math.log(1 + average / across.get(w)!) }))
      .sort((a, b) => b.score - a.score || (a.w < b.w ? -1 : 1))
      .slice(0, top)
      .map((x) => x.w),
  );
}
