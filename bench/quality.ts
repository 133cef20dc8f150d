// `npm run bench:quality`: how well the service reads customers' words, on real data, against
// scikit-learn baselines computed in the same run on the same texts.
//   Chinese: ../shared/datasets/chinese-reviews-dev (20,000 real reviews, 10 categories; one review =
//   one customer; CHINESE_REVIEWS_PATH). The lexical view (LSA of TF-IDF over jieba words and character
//   n-grams, with SIF-averaged PPMI word vectors learnt from the same texts) clustered by our k-means at k = 10, NMI/ARI against the categories (mean of
//   3 seeds), against scikit-learn's character (1,2)-gram TF-IDF + KMeans, the same → LSA + KMeans, and
//   jieba-word TF-IDF + KMeans. Then the keywords (c-TF-IDF) of each of our clusters with its main
//   category. BENCH_ZH_ROWS limits the rows.
//   Online Retail usefulness: ../shared/datasets/online-retail imported through the product with only
//   the lines before 2011-09-09, embedded and segmented with the defaults (automatic k); then the share
//   of the variance of each customer's log(1 + spend) in the three months after that is explained by
//   segment membership (η²), against scikit-learn k-means on standardised log-RFM at the same k.
// BENCH_PARTS=zh,retail chooses the parts (both by default).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { loadSettings } from '../src/config/settings.js';
import { openRowSource } from '../src/ingest/file-source.js';
import { importOnlineRetail, londonTimeToDate } from '../src/ingest/online-retail.js';
import { kmeans } from '../src/clustering/kmeans.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../src/clustering/metrics.js';
import { readChineseReviews } from '../src/ingest/chinese-reviews.js';
import { LexicalModel } from '../src/lexical/lexical-model.js';
import { classKeywords } from '../src/segments/naming/ctfidf.js';
import { pythonReference } from '../test/support/python.js';

const settings = loadSettings();
const rows = Number(process.env.BENCH_ZH_ROWS ?? Infinity);
const K = 10;

const parts = (process.env.BENCH_PARTS ?? 'zh,retail').split(',');
if (parts.includes('zh')) chinese();
if (parts.includes('retail')) await onlineRetail();

function chinese(): void {
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
}

async function onlineRetail(): Promise<void> {
  const cutoff = londonTimeToDate('2011-09-09 00:00:00');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-retail-'));
  const services = await createServices(loadSettings({ ...process.env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
  const idle = { signal: new AbortController().signal, progress: () => {} };
  try {
    let t = performance.now();
    const imported = await importOnlineRetail(services.ingest, { file: settings.onlineRetailPath, before: cutoff });
    const importSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    await (await services.indexer()).run(idle);
    const embedSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const run = await services.segments.run(idle, {});
    const segmentSeconds = (performance.now() - t) / 1000;
    console.log(`\nOnline Retail before 2011-09-09: ${imported.customers} customers, ${imported.orders} orders; import ${importSeconds.toFixed(0)} s, embed ${embedSeconds.toFixed(0)} s, segment ${segmentSeconds.toFixed(0)} s (automatic k = ${run.k})`);

    // Spend in the holdout: every line from the cutoff on, by customer (cancellations subtract).
    const holdout = new Map<string, number>();
    const source = openRowSource(settings.onlineRetailPath);
    for await (const { row } of source.rows()) {
      const r = row as Record<string, string>;
      const id = r.CustomerID?.replace(/\.0$/, '');
      if (!id || !r.InvoiceDate || londonTimeToDate(r.InvoiceDate) < cutoff) continue;
      holdout.set(id, (holdout.get(id) ?? 0) + Number(r.Quantity) * Number(r.UnitPrice));
    }
    const members = await services.db.prisma.membership.findMany({
      where: { runId: run.runId },
      select: { segmentId: true, recencyDays: true, frequency: true, monetary: true, customer: { select: { externalId: true } } },
      orderBy: { customerId: 'asc' },
    });
    const y = members.map((m) => Math.log1p(Math.max(0, holdout.get(m.customer.externalId) ?? 0)));
    const ours = members.map((m) => m.segmentId);
    const rfm = pythonReference<{ labels: number[] }>('rfm-kmeans.py', { rows: members.map((m) => [m.recencyDays ?? 9999, m.frequency, m.monetary]), k: run.k, seed: 0 }).labels;
    const segments = await services.db.prisma.segment.findMany({ where: { runId: run.runId }, orderBy: { size: 'desc' } });

    console.log('\n| segmentation | k | η² of holdout log(1 + spend) | ratio to RFM k-means |');
    console.log('| --- | ---: | ---: | ---: |');
    const base = etaSquared(rfm, y);
    console.log(`| ours (defaults: combined vector, automatic k) | ${run.k} | ${etaSquared(ours, y).toFixed(3)} | ${(etaSquared(ours, y) / base).toFixed(2)} |`);
    console.log(`| scikit-learn k-means on standardised log-RFM, same k | ${run.k} | ${base.toFixed(3)} | 1.00 |`);
    console.log('\nSegments:');
    for (const s of segments) console.log(`  ${String(s.size).padStart(5)}  ${s.autoName} — ${(s.keywords as string[]).slice(0, 6).join(', ')}`);
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Share of the variance of y explained by the groups (between-group sum of squares / total). */
function etaSquared(groups: readonly (number | string)[], y: readonly number[]): number {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const sums = new Map<number | string, { n: number; sum: number }>();
  groups.forEach((g, i) => {
    const s = sums.get(g) ?? { n: 0, sum: 0 };
    s.n++;
    s.sum += y[i]!;
    sums.set(g, s);
  });
  const total = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  let between = 0;
  for (const { n, sum } of sums.values()) between += n * (sum / n - mean) ** 2;
  return total === 0 ? 0 : between / total;
}
