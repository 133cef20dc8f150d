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
//   Hard shop (src/demo/hard-shop.ts, BENCH_HARD_CUSTOMERS, default 3,000): ten planted personas in
//   pairs that only words or only behaviour tell apart; ARI/NMI of our segmentation with automatic k
//   and with k = 10, against scikit-learn TF-IDF (+ LSA) + KMeans on the same customers' words with
//   k = 10 given, and RFM-only k-means at k = 10.
//   Lookalikes (with the retail part): for the 20 most-bought products, half the buyers as seeds.
// BENCH_PARTS=zh,retail,hard chooses the parts (all by default).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../src/app/services.js';
import { loadSettings } from '../src/config/settings.js';
import { openRowSource } from '../src/ingest/file-source.js';
import { loadHardShop, writeShop } from '../src/demo/hard-shop.js';
import { family } from './family.js';
import { documentText } from '../src/profiles/profile-text.js';
import { importOnlineRetail, londonTimeToDate } from '../src/ingest/online-retail.js';
import { kmeans } from '../src/clustering/kmeans.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../src/clustering/metrics.js';
import { readChineseReviews } from '../src/ingest/chinese-reviews.js';
import { LexicalModel } from '../src/lexical/lexical-model.js';
import { classKeywords } from '../src/segments/naming/ctfidf.js';
import { sampleIndices, seededRng } from '../src/clustering/random.js';
import { pythonReference } from '../test/support/python.js';

const settings = loadSettings();
const rows = Number(process.env.BENCH_ZH_ROWS ?? Infinity);
const K = 10;

const parts = (process.env.BENCH_PARTS ?? 'zh,zh-shop,retail,hard,family').split(',');
if (parts.includes('zh')) await chinese();
if (parts.includes('zh-shop')) await chineseShop();
if (parts.includes('retail')) await onlineRetail();
if (parts.includes('hard')) await hard();
if (parts.includes('family')) await family();

async function chinese(): Promise<void> {
  const reviews = readChineseReviews(settings.chineseReviewsPath, rows);
  const texts = reviews.map((r) => r.text);
  const categories = reviews.map((r) => r.category);
  console.log(`Chinese reviews: ${texts.length} texts, ${new Set(categories).size} categories, k = ${K}\n`);

  type Line = { method: string; nmi: number; ari: number; seconds: number };
  const lines: Line[] = [];
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

  const started = performance.now();
  const model = LexicalModel.fit(texts, { seed: 1 });
  const data = new Float32Array(texts.length * model.dimensions);
  texts.forEach((t, i) => data.set(model.transform(t), i * model.dimensions));
  const fitSeconds = (performance.now() - started) / 1000;
  const runs: { labels: Int32Array; seconds: number }[] = [];
  for (const seed of [1, 2, 3]) {
    const t = performance.now();
    const labels = (await kmeans({ rows: texts.length, dim: model.dimensions, data }, { k: K, seed, nInit: 4 })).labels;
    runs.push({ labels, seconds: (performance.now() - t) / 1000 });
  }
  lines.push({
    method: `lexical view (LSA of ${model.state.tfidf.terms.length} terms, ${model.state.wordVectors.words.length} word vectors → ${model.dimensions} dims) + our k-means`,
    nmi: mean(runs.map((r) => normalizedMutualInfo(r.labels, categories))),
    ari: mean(runs.map((r) => adjustedRandIndex(r.labels, categories))),
    seconds: fitSeconds + mean(runs.map((r) => r.seconds)),
  });
  const ours = runs[0]!.labels;

  for (const [analyzer, ngram, name] of [
    ['char', [1, 2], 'character (1,2)-grams'],
    ['word', [1, 1], 'jieba words'],
  ] as const) {
    const b = pythonReference<{ tfidf: number[]; lsa: number[]; tfidf_seconds: number; lsa_seconds: number }>('text-baselines.py', {
      texts,
      k: K,
      seed: 0,
      analyzer,
      ngram,
    });
    lines.push({
      method: `scikit-learn TF-IDF (${name}) + KMeans`,
      nmi: normalizedMutualInfo(b.tfidf, categories),
      ari: adjustedRandIndex(b.tfidf, categories),
      seconds: b.tfidf_seconds,
    });
    lines.push({
      method: `scikit-learn TF-IDF (${name}) → LSA(100) + KMeans`,
      nmi: normalizedMutualInfo(b.lsa, categories),
      ari: adjustedRandIndex(b.lsa, categories),
      seconds: b.lsa_seconds,
    });
  }

  const best = Math.max(...lines.slice(1).map((l) => l.nmi));
  console.log('| method | NMI | ARI | NMI ÷ best baseline | seconds |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const l of lines) console.log(`| ${l.method} | ${l.nmi.toFixed(3)} | ${l.ari.toFixed(3)} | ${(l.nmi / best).toFixed(2)} | ${l.seconds.toFixed(1)} |`);

  console.log('\nKeywords of our clusters (seed 1), c-TF-IDF over jieba words:');
  const members: number[][] = Array.from({ length: K }, () => []);
  ours.forEach((c, i) => members[c]!.push(i));
  const keywords = classKeywords(
    members.map((m) => m.map((i) => texts[i]!)),
    8,
  );
  members.forEach((m, c) => {
    const counts = new Map<string, number>();
    for (const i of m) counts.set(categories[i]!, (counts.get(categories[i]!) ?? 0) + 1);
    const [main, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
    console.log(`  ${String(m.length).padStart(5)}  ${main} ${((n / Math.max(1, m.length)) * 100).toFixed(0)} %  ${keywords[c]!.join(' ')}`);
  });
}

/**
 * The Chinese reviews as a shop, through the product with its defaults: one customer per review (its
 * rating 5 when positive, 1 when negative; no orders), embedded, segmented at k = 10 with the default
 * `combined` vector and with `lexical`; NMI against the categories, and each segment's keywords.
 */
async function chineseShop(): Promise<void> {
  const reviews = readChineseReviews(settings.chineseReviewsPath, Number(process.env.BENCH_ZH_SHOP_ROWS ?? rows));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-zh-shop-'));
  const services = await createServices(loadSettings({ ...process.env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
  const idle = { signal: new AbortController().signal, progress: () => {} };
  try {
    const at = new Date('2026-01-01T00:00:00Z');
    const truth = await writeShop(services.ingest, {
      products: [],
      customers: reviews.map((_, i) => ({ id: `z${i}`, attributes: {} })),
      orders: [],
      searches: [],
      reviews: reviews.map((r, i) => ({
        id: `zr${i}`,
        customerId: `z${i}`,
        rating: r.positive ? 5 : 1,
        text: r.text.slice(0, 5000),
        language: 'zh',
        reviewedAt: at,
      })),
      truth: reviews.map((r, i) => ({ customerId: `z${i}`, persona: r.category })),
    });
    let t = performance.now();
    await (await services.indexer()).run(idle);
    const embedSeconds = (performance.now() - t) / 1000;
    const collection = await services.db.prisma.vectorIndex.findFirst({ orderBy: { id: 'desc' }, select: { views: true } });
    console.log(`\nChinese reviews as a shop: ${reviews.length} customers (one review each, no orders); embed ${embedSeconds.toFixed(0)} s`);
    console.log(
      `views: ${JSON.stringify(Object.fromEntries(Object.entries((collection?.views ?? {}) as Record<string, { weight: number; note?: string }>).map(([v, s]) => [v, s.note ? `${s.weight.toFixed(3)} (${s.note})` : s.weight.toFixed(3)])))}`,
    );
    console.log('| vector | k | NMI | ARI | seconds |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const vector of ['combined', 'lexical'] as const) {
      t = performance.now();
      const run = await services.segments.run(idle, { k: K, vector });
      const members = await services.db.prisma.membership.findMany({
        where: { runId: run.runId },
        select: { segmentId: true, customer: { select: { externalId: true } } },
      });
      const labels = members.map((m) => m.segmentId);
      const categories = members.map((m) => truth.get(m.customer.externalId)!);
      console.log(
        `| ${vector}${vector === 'combined' ? ' (default)' : ''} | ${run.k} | ${normalizedMutualInfo(labels, categories).toFixed(3)} | ${adjustedRandIndex(labels, categories).toFixed(3)} | ${((performance.now() - t) / 1000).toFixed(0)} |`,
      );
      if (vector === 'combined') {
        const segments = await services.db.prisma.segment.findMany({ where: { runId: run.runId }, orderBy: { size: 'desc' } });
        for (const s of segments) console.log(`  ${String(s.size).padStart(5)}  ${s.autoName} — ${(s.keywords as string[]).slice(0, 6).join(' ')}`);
      }
    }
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
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
    console.log(
      `\nOnline Retail before 2011-09-09: ${imported.customers} customers, ${imported.orders} orders; import ${importSeconds.toFixed(0)} s, embed ${embedSeconds.toFixed(0)} s, segment ${segmentSeconds.toFixed(0)} s (automatic k = ${run.k})`,
    );

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
    const rfm = pythonReference<{ labels: number[] }>('rfm-kmeans.py', {
      rows: members.map((m) => [m.recencyDays ?? 9999, m.frequency, m.monetary]),
      k: run.k,
      seed: 0,
    }).labels;
    const segments = await services.db.prisma.segment.findMany({ where: { runId: run.runId }, orderBy: { size: 'desc' } });

    console.log('\n| segmentation | k | η² of holdout log(1 + spend) | ratio to RFM k-means |');
    console.log('| --- | ---: | ---: | ---: |');
    const base = etaSquared(rfm, y);
    console.log(
      `| ours (defaults: combined vector, automatic k) | ${run.k} | ${etaSquared(ours, y).toFixed(3)} | ${(etaSquared(ours, y) / base).toFixed(2)} |`,
    );
    console.log(`| scikit-learn k-means on standardised log-RFM, same k | ${run.k} | ${base.toFixed(3)} | 1.00 |`);
    console.log('\nSegments:');
    for (const s of segments) console.log(`  ${String(s.size).padStart(5)}  ${s.autoName} — ${(s.keywords as string[]).slice(0, 6).join(', ')}`);
    const tops = segments.map((s) => (s.keywords as string[]).slice(0, 3));
    const shared = tops.flat().filter((w, i, all) => all.indexOf(w) !== i);
    console.log(
      `Top-3 keywords: ${shared.length === 0 ? 'distinct in every segment' : `shared: ${[...new Set(shared)].join(', ')}`}; names ${new Set(segments.map((s) => s.autoName)).size === segments.length ? 'all distinct' : 'repeat'}`,
    );

    await retailLookalikes(services);
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

/**
 * Lookalikes on Online Retail: for each of the 20 products bought by the most customers, half of its
 * buyers (seeded) are the seeds; the audience asked for is twice the other half; recall is the share
 * of the other half it holds. Against random picks (expected recall = size / candidates) and
 * scikit-learn TF-IDF of the same customers' words, in the same run.
 */
async function retailLookalikes(services: Awaited<ReturnType<typeof createServices>>): Promise<void> {
  const p = services.db.prisma;
  const products = await p.$queryRaw<
    { product_id: number; title: string; buyers: number }[]
  >`SELECT i.product_id, min(pr.title) AS title, count(DISTINCT o.customer_id)::int AS buyers
     FROM order_item i JOIN "order" o ON o.id = i.order_id JOIN product pr ON pr.id = i.product_id
     WHERE o.status = 'COMPLETED' AND pr.category IS DISTINCT FROM 'non-product'
     GROUP BY i.product_id ORDER BY buyers DESC, i.product_id LIMIT 20`;
  const customers = await p.customer.findMany({ select: { id: true, externalId: true }, orderBy: { id: 'asc' } });
  const row = new Map(customers.map((c, i) => [c.id, i]));
  const profiles = await services.profiles();
  const asOf = await profiles.asOf();
  const documents: string[] = [];
  for (let i = 0; i < customers.length; i += 1000) {
    for (const pr of await profiles.build(
      customers.slice(i, i + 1000).map((c) => c.id),
      asOf,
    ))
      documents[row.get(pr.id)!] = documentText(pr.document);
  }
  const vectors = ['combined', 'text', 'lexical', 'behaviour'] as const;
  const recalls: Record<string, number[]> = Object.fromEntries([...vectors, 'random', 'tfidf'].map((v) => [v, []]));
  const tasks: { seeds: number[]; rest: Set<number>; size: number }[] = [];
  for (const product of products) {
    const buyers = (
      await p.$queryRaw<
        { customer_id: number }[]
      >`SELECT DISTINCT o.customer_id FROM order_item i JOIN "order" o ON o.id = i.order_id WHERE i.product_id = ${product.product_id} AND o.status = 'COMPLETED' ORDER BY 1`
    ).map((b) => b.customer_id);
    const rng = seededRng(product.product_id);
    const seedRows = new Set(sampleIndices(buyers.length, Math.floor(buyers.length / 2), rng));
    const seeds = buyers.filter((_, i) => seedRows.has(i));
    const rest = new Set(buyers.filter((_, i) => !seedRows.has(i)));
    const size = 2 * rest.size;
    tasks.push({ seeds, rest, size });
    const external = seeds.map((id) => customers[row.get(id)!]!.externalId);
    for (const vector of vectors) {
      const audience = await services.lookalikes.build({ seeds: external, size, excludeSeeds: true, vector, strategy: 'average_vector' });
      recalls[vector]!.push(audience.ranked.filter((r) => rest.has(r.customerId)).length / rest.size);
    }
    recalls.random!.push(Math.min(1, size / (customers.length - seeds.length)));
  }
  const baseline = pythonReference<{ ranked: number[][] }>('tfidf-lookalike.py', {
    documents,
    tasks: tasks.map((t) => ({ seeds: t.seeds.map((id) => row.get(id)!), size: t.size })),
  });
  baseline.ranked.forEach((ranked, i) => recalls.tfidf!.push(ranked.filter((r) => tasks[i]!.rest.has(customers[r]!.id)).length / tasks[i]!.rest.size));

  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  console.log(
    `\nLookalikes: the 20 most-bought products (${Math.min(...products.map((x) => x.buyers))}–${Math.max(...products.map((x) => x.buyers))} buyers), half the buyers as seeds, audience 2× the other half`,
  );
  console.log('| ranking | mean recall of the hidden buyers | lift over random | ÷ TF-IDF |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, label] of [
    ['combined', 'ours, combined vector'],
    ['lexical', 'ours, lexical vector (the default)'],
    ['text', 'ours, text vector (sentence model)'],
    ['behaviour', 'ours, behaviour vector'],
    ['tfidf', "scikit-learn TF-IDF, cosine to the seeds' mean"],
    ['random', 'random picks (expected)'],
  ] as const) {
    console.log(
      `| ${label} | ${mean(recalls[name]!).toFixed(3)} | ${(mean(recalls[name]!) / mean(recalls.random!)).toFixed(2)}× | ${(mean(recalls[name]!) / mean(recalls.tfidf!)).toFixed(2)} |`,
    );
  }
}

async function hard(): Promise<void> {
  const customers = Number(process.env.BENCH_HARD_CUSTOMERS ?? 3000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hard-'));
  const services = await createServices(loadSettings({ ...process.env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
  const idle = { signal: new AbortController().signal, progress: () => {} };
  try {
    const truth = await loadHardShop(services.ingest, { customers, seed: 7 });
    await (await services.indexer()).run(idle);
    const lines: { method: string; k: number; ari: number; nmi: number }[] = [];
    let order: string[] = [];
    for (const k of [undefined, 10]) {
      const run = await services.segments.run(idle, { k });
      const members = await services.db.prisma.membership.findMany({
        where: { runId: run.runId },
        select: { segmentId: true, recencyDays: true, frequency: true, monetary: true, customer: { select: { id: true, externalId: true } } },
        orderBy: { customerId: 'asc' },
      });
      order = members.map((m) => m.customer.externalId);
      const t = order.map((id) => truth.get(id)!);
      lines.push({
        method: k ? 'ours, combined vector, k given' : 'ours, combined vector, automatic k',
        k: run.k,
        ari: adjustedRandIndex(
          members.map((m) => m.segmentId),
          t,
        ),
        nmi: normalizedMutualInfo(
          members.map((m) => m.segmentId),
          t,
        ),
      });
      if (k) {
        const rfm = pythonReference<{ labels: number[] }>('rfm-kmeans.py', {
          rows: members.map((m) => [m.recencyDays ?? 9999, m.frequency, m.monetary]),
          k,
          seed: 0,
        }).labels;
        lines.push({ method: 'scikit-learn k-means on standardised log-RFM', k, ari: adjustedRandIndex(rfm, t), nmi: normalizedMutualInfo(rfm, t) });
        const profiles = await services.profiles();
        const asOf = await profiles.asOf();
        const docs = new Map<number, string>();
        for (let i = 0; i < members.length; i += 1000) {
          for (const p of await profiles.build(
            members.slice(i, i + 1000).map((m) => m.customer.id),
            asOf,
          ))
            docs.set(p.id, documentText(p.document));
        }
        const texts = members.map((m) => docs.get(m.customer.id) ?? '');
        const b = pythonReference<{ tfidf: number[]; lsa: number[] }>('text-baselines.py', { texts, k, seed: 0, analyzer: 'word', ngram: [1, 1] });
        lines.push({ method: 'scikit-learn TF-IDF (jieba words) + KMeans', k, ari: adjustedRandIndex(b.tfidf, t), nmi: normalizedMutualInfo(b.tfidf, t) });
        lines.push({
          method: 'scikit-learn TF-IDF (jieba words) → LSA(100) + KMeans',
          k,
          ari: adjustedRandIndex(b.lsa, t),
          nmi: normalizedMutualInfo(b.lsa, t),
        });
      }
    }
    console.log(`\nHard shop: ${customers} customers, 10 planted personas`);
    console.log('| method | k | ARI | NMI |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const l of lines) console.log(`| ${l.method} | ${l.k} | ${l.ari.toFixed(3)} | ${l.nmi.toFixed(3)} |`);
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
