// `npm run bench:quality`: how well the service reads customers' words, on real data, against
// scikit-learn baselines computed in the same run on the same texts.
//   Chinese: ../shared/datasets/chinese-reviews-dev (20,000 real reviews, 10 categories; one review =
//   one customer; CHINESE_REVIEWS_PATH). The lexical view (LSA of TF-IDF over jieba words and character
//   n-grams, with SIF-averaged PPMI word vectors learnt from the same texts) clustered by our k-means at k = 10, NMI/ARI against the categories (mean of
//   3 seeds), against scikit-learn's character (1,2)-gram TF-IDF + KMeans, the same → LSA + KMeans, and
//   jieba-word TF-IDF + KMeans. Then the keywords (c-TF-IDF) of each of our clusters with its main
//   category. BENCH_ZH_ROWS limits the rows.
import { loadSettings } from '../src/config/settings.js';
import { kmeans } from '../src/clustering/kmeans.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../src/clustering/metrics.js';
import { readChineseReviews } from '../src/ingest/chinese-reviews.js';
import { LexicalModel } from '../src/lexical/lexical-model.js';
import { classKeywords } from '../src/segments/naming/ctfidf.js';
import { pythonReference } from '../test/support/python.js';

const settings = loadSettings();
const rows = Number(process.env.BENCH_ZH_ROWS ?? Infinity);
const K = 10;

const reviews = readChineseReviews(settings.chineseReviewsPath, rows);
const texts = reviews.map((r) => r.text);
const categories = reviews.map((r) => r.category);
console.log(`Chinese reviews: ${texts.length} texts, ${new Set(categories).size} categories, k = ${K}\n`);

type Line = { method: string; nmi: number; ari: number; seconds: number };
const lines: Line[] = [];
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

let started = performance.now();
const model = LexicalModel.fit(texts, { seed: 1 });
const data = new Float32Array(texts.length * model.dimensions);
texts.forEach((t, i) => data.set(model.transform(t), i * model.dimensions));
const fitSeconds = (performance.now() - started) / 1000;
const runs = [1, 2, 3].map((seed) => {
  const t = performance.now();
  const labels = kmeans({ rows: texts.length, dim: model.dimensions, data }, { k: K, seed, nInit: 4 }).labels;
  return { labels, seconds: (performance.now() - t) / 1000 };
});
lines.push({
  method: `lexical view (LSA of ${model.state.tfidf.terms.length} terms, ${model.state.wordVectors.words.length} word vectors → ${model.dimensions} dims) + our k-means`,
  nmi: mean(runs.map((r) => normalizedMutualInfo(r.labels, categories))),
  ari: mean(runs.map((r) => adjustedRandIndex(r.labels, categories))),
  seconds: fitSeconds + mean(runs.map((r) => r.seconds)),
});
const ours = runs[0]!.labels;

for (const [analyzer, ngram, name] of [['char', [1, 2], 'character (1,2)-grams'], ['word', [1, 1], 'jieba words']] as const) {
  started = performance.now();
  const b = pythonReference<{ tfidf: number[]; lsa: number[]; tfidf_seconds: number; lsa_seconds: number }>('text-baselines.py', { texts, k: K, seed: 0, analyzer, ngram });
  lines.push({ method: `scikit-learn TF-IDF (${name}) + KMeans`, nmi: normalizedMutualInfo(b.tfidf, categories), ari: adjustedRandIndex(b.tfidf, categories), seconds: b.tfidf_seconds });
  lines.push({ method: `scikit-learn TF-IDF (${name}) → LSA(100) + KMeans`, nmi: normalizedMutualInfo(b.lsa, categories), ari: adjustedRandIndex(b.lsa, categories), seconds: b.lsa_seconds });
}

const best = Math.max(...lines.slice(1).map((l) => l.nmi));
console.log('| method | NMI | ARI | NMI ÷ best baseline | seconds |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const l of lines) console.log(`| ${l.method} | ${l.nmi.toFixed(3)} | ${l.ari.toFixed(3)} | ${(l.nmi / best).toFixed(2)} | ${l.seconds.toFixed(1)} |`);

console.log('\nKeywords of our clusters (seed 1), c-TF-IDF over jieba words:');
const members: number[][] = Array.from({ length: K }, () => []);
ours.forEach((c, i) => members[c]!.push(i));
const keywords = classKeywords(members.map((m) => m.map((i) => texts[i]!)), 8);
members.forEach((m, c) => {
  const counts = new Map<string, number>();
  for (const i of m) counts.set(categories[i]!, (counts.get(categories[i]!) ?? 0) + 1);
  const [main, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
  console.log(`  ${String(m.length).padStart(5)}  ${main} ${((n / Math.max(1, m.length)) * 100).toFixed(0)} %  ${keywords[c]!.join(' ')}`);
});
