// `npm run bench:segment`: clustering speed and memory at 100k and 1M customers (synthetic clustered
// vectors at the real dimension, 527 = USE-lite 512 + the behaviour features; BENCH_SIZES, BENCH_DIM,
// BENCH_K to change), each measured in a fresh process so peak memory is that run's alone, and
// compared in the same run with the TypeScript kernels, ml-kmeans and scikit-learn on the same data.
//   - segmentation clustering with the k-means protocol (automatic k over the default range, sampled k
//     choice): wall time and peak RSS, with the ONNX kernels (the default) and the TypeScript ones,
//     against scikit-learn's same protocol; and the service's default, spectral clustering;
//   - one full k-means fit at fixed k (one initialisation each): ours, ml-kmeans, scikit-learn KMeans;
//   - from 200k rows also mini-batch k-means: ours against scikit-learn's MiniBatchKMeans.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kmeans as mlKMeans } from 'ml-kmeans';
import { cluster, CLUSTERING_DEFAULTS, EIGENGAP_NOISE, EIGENGAP_POWER, SILHOUETTE_TIE } from '../src/clustering/choose-k.js';
import { GRAPH_REGULARISATION, NEIGHBOURS } from '../src/clustering/spectral.js';
import { kmeans } from '../src/clustering/kmeans.js';
import type { Matrix } from '../src/clustering/matrix.js';
import { miniBatchKMeans } from '../src/clustering/minibatch-kmeans.js';
import { PYTHON } from '../test/support/sklearn-bridge.js';
import { projectRoot } from '../src/config/settings.js';
import { mulberry32, normal } from '../src/demo/random.js';

const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const DIM = Number(process.env.BENCH_DIM ?? 527);
const K = Number(process.env.BENCH_K ?? 8);
const ML_KMEANS_MAX_ROWS = Number(process.env.BENCH_ML_KMEANS_MAX_ROWS ?? 1_000_000);
const MINI_BATCH_FROM = 200_000;
/** The TypeScript kernels took 667 s for the service's clustering at 100k × 527 before this bench's ONNX kernels. */
const TS_KERNELS_MAX_ROWS = Number(process.env.BENCH_TS_MAX_ROWS ?? 20_000);

function synthetic(rows: number, dim: number, k: number, seed: number): Matrix {
  const rng = mulberry32(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: dim }, () => normal(rng, 0, 1)));
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const c = centres[Math.floor(rng() * k)]!;
    for (let j = 0; j < dim; j++) data[i * dim + j] = c[j]! + normal(rng, 0, 0.6);
  }
  return { rows, dim, data };
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

// Worker: one measurement in this process, printed as JSON.
if (process.argv[2] === 'worker') {
  const [, , , what, rowsText] = process.argv;
  const rows = Number(rowsText);
  const x = synthetic(rows, DIM, K, rows);
  const baseline = maxRssMb();
  const t = performance.now();
  let inertia = 0;
  let k = K;
  if (what === 'service' || what === 'service-spectral') {
    const r = await cluster(x, { seed: 1, algorithm: what === 'service' ? 'kmeans' : 'spectral' });
    inertia = r.result.inertia;
    k = r.chosenK;
  } else if (what === 'ours') {
    inertia = (await kmeans(x, { k: K, seed: 1, nInit: 1 })).inertia;
  } else if (what === 'ours-minibatch') {
    inertia = (await miniBatchKMeans(x, { k: K, seed: 1, nInit: 3 })).inertia;
  } else if (what === 'ml-kmeans') {
    const points = Array.from({ length: rows }, (_, i) => Array.from(x.data.subarray(i * DIM, (i + 1) * DIM)));
    const started = performance.now();
    const r = mlKMeans(points, K, { initialization: 'kmeans++', seed: 1, maxIterations: 300 });
    inertia = points.reduce((s, p, i) => s + p.reduce((d, v, j) => d + (v - r.centroids[r.clusters[i]!]![j]!) ** 2, 0), 0);
    console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, peakMb: maxRssMb(), baselineMb: baseline, inertia, k }));
    process.exit(0);
  } else if (what === 'write-protocol' || what === 'write-spectral-protocol') {
    const { kRange, nInit, minSegmentShare } = CLUSTERING_DEFAULTS;
    const spectral = what === 'write-spectral-protocol';
    const header = JSON.stringify({
      rows,
      dim: DIM,
      k_min: kRange[0],
      k_max: kRange[1],
      n_init: nInit,
      fit_sample: 20_000,
      silhouette_sample: 3000,
      min_share: minSegmentShare,
      tie: SILHOUETTE_TIE,
      seed: 1,
      ...(spectral
        ? {
            algorithm: 'spectral',
            neighbours: NEIGHBOURS,
            regularisation: GRAPH_REGULARISATION,
            eigengap_noise: EIGENGAP_NOISE,
            eigengap_power: EIGENGAP_POWER,
          }
        : {}),
    });
    fs.writeFileSync(process.argv[5]!, Buffer.concat([Buffer.from(`${header}\n`), Buffer.from(x.data.buffer)]));
    process.exit(0);
  } else if (what === 'write' || what === 'write-minibatch') {
    const file = process.argv[5]!;
    const header = JSON.stringify({ rows, dim: DIM, k: K, n_init: what === 'write' ? 1 : 3, fit: true, metrics: false, minibatch: what === 'write-minibatch' });
    fs.writeFileSync(file, Buffer.concat([Buffer.from(`${header}\n`), Buffer.from(x.data.buffer), Buffer.alloc(rows * 4)]));
    process.exit(0);
  }
  console.log(JSON.stringify({ seconds: (performance.now() - t) / 1000, peakMb: maxRssMb(), baselineMb: baseline, inertia, k }));
  process.exit(0);
}

interface Measure {
  seconds: number;
  peakMb: number;
  baselineMb: number;
  inertia: number;
  k: number;
}
const self = fileURLToPath(import.meta.url);
const measure = (what: string, rows: number, kernels: 'onnx' | 'typescript' = 'onnx'): Measure => {
  const r = spawnSync(process.execPath, ['--max-old-space-size=16000', self, 'worker', what, String(rows)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    env: { ...process.env, CLUSTER_KERNELS: kernels },
  });
  if (r.status !== 0) throw new Error(`${what} at ${rows}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
};

const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};
for (const rows of SIZES) {
  const label = `${rows.toLocaleString('en-US')} × ${DIM}-d`;
  const service = measure('service', rows);
  say(
    `${label}: segmentation clustering, k-means protocol, ONNX kernels (automatic k over ${CLUSTERING_DEFAULTS.kRange.join('–')} → k = ${service.k}) ${service.seconds.toFixed(1)} s, peak RSS ${service.peakMb.toFixed(0)} MB (data and runtime before clustering: ${service.baselineMb.toFixed(0)} MB)`,
  );
  const spectral = measure('service-spectral', rows);
  say(
    `  the default, spectral (neighbour graph of a 20,000-row sample, automatic k, every row to its nearest centre): ${spectral.seconds.toFixed(1)} s (k = ${spectral.k}), peak RSS ${spectral.peakMb.toFixed(0)} MB, inertia ratio to the k-means protocol ${(spectral.inertia / service.inertia).toFixed(4)}`,
  );
  {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-segment-')), 'data.bin');
    spawnSync(process.execPath, [self, 'worker', 'write-spectral-protocol', String(rows), file]);
    const sk = spawnSync(PYTHON, [path.join(projectRoot, 'scripts', 'sklearn-protocol.py'), file], { encoding: 'utf8' });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    if (sk.status === 0) {
      const p = JSON.parse(sk.stdout) as { k: number; inertia: number; seconds: number; seconds_choosing: number; seconds_final: number; maxrss_mb: number };
      say(
        `  scikit-learn running the same spectral protocol (kneighbors_graph, ARPACK, KMeans per k, nearest centre): ${p.seconds.toFixed(1)} s (${p.seconds_choosing.toFixed(1)} s choosing k, ${p.seconds_final.toFixed(1)} s assigning), k = ${p.k}, peak ${p.maxrss_mb.toFixed(0)} MB → time ratio ours/scikit-learn ${(spectral.seconds / p.seconds).toFixed(2)}, inertia ratio ${(spectral.inertia / p.inertia).toFixed(4)}`,
      );
    } else say(`  scikit-learn spectral protocol not run: ${sk.stderr || sk.error?.message}`);
  }
  const protocolFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-segment-')), 'data.bin');
  spawnSync(process.execPath, [self, 'worker', 'write-protocol', String(rows), protocolFile]);
  const sk = spawnSync(PYTHON, [path.join(projectRoot, 'scripts', 'sklearn-protocol.py'), protocolFile], { encoding: 'utf8' });
  fs.rmSync(path.dirname(protocolFile), { recursive: true, force: true });
  if (sk.status === 0) {
    const p = JSON.parse(sk.stdout) as { k: number; inertia: number; seconds: number; seconds_choosing: number; seconds_final: number; maxrss_mb: number };
    say(
      `  scikit-learn, the same protocol in float32: ${p.seconds.toFixed(1)} s (${p.seconds_choosing.toFixed(1)} s choosing k, ${p.seconds_final.toFixed(1)} s final fit), k = ${p.k}, peak ${p.maxrss_mb.toFixed(0)} MB → time ratio ours/scikit-learn ${(service.seconds / p.seconds).toFixed(2)}, inertia ratio ${(service.inertia / p.inertia).toFixed(4)}`,
    );
  } else say(`  scikit-learn protocol not run: ${sk.stderr || sk.error?.message}`);
  if (rows <= TS_KERNELS_MAX_ROWS) {
    const reference = measure('service', rows, 'typescript');
    say(
      `  the same with the TypeScript kernels: ${reference.seconds.toFixed(1)} s (k = ${reference.k}) → ONNX ${(reference.seconds / service.seconds).toFixed(1)}× faster; inertia ratio ${(service.inertia / reference.inertia).toFixed(4)}`,
    );
  } else say(`  TypeScript kernels not run above ${TS_KERNELS_MAX_ROWS.toLocaleString('en-US')} rows (BENCH_TS_MAX_ROWS)`);
  const ours = measure('ours', rows);
  const sklearn = (mode: 'write' | 'write-minibatch') => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-segment-')), 'data.bin');
    spawnSync(process.execPath, [self, 'worker', mode, String(rows), file]);
    const sk = spawnSync(PYTHON, [path.join(projectRoot, 'scripts', 'sklearn-check.py'), file], { encoding: 'utf8' });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    if (sk.status !== 0) say(`  scikit-learn not run: ${sk.stderr || sk.error?.message}`);
    return sk.status === 0 ? (JSON.parse(sk.stdout) as { seconds: number; inertia: number; maxrss_mb: number }) : undefined;
  };
  say(
    `${label}, k = ${K}, full k-means, one initialisation: ours ${ours.seconds.toFixed(2)} s, peak ${ours.peakMb.toFixed(0)} MB, inertia ${ours.inertia.toExponential(4)}`,
  );
  const full = sklearn('write');
  if (full)
    say(
      `  scikit-learn KMeans: ${full.seconds.toFixed(2)} s, peak ${full.maxrss_mb.toFixed(0)} MB, inertia ${full.inertia.toExponential(4)} → time ratio ours/scikit-learn ${(ours.seconds / full.seconds).toFixed(2)}`,
    );
  if (rows >= MINI_BATCH_FROM) {
    const mini = measure('ours-minibatch', rows);
    const skMini = sklearn('write-minibatch');
    say(
      `  mini-batch, 3 initialisations: ours ${mini.seconds.toFixed(2)} s, peak ${mini.peakMb.toFixed(0)} MB, inertia ${mini.inertia.toExponential(4)}` +
        (skMini
          ? `; scikit-learn MiniBatchKMeans ${skMini.seconds.toFixed(2)} s, inertia ${skMini.inertia.toExponential(4)} → time ratio ${(mini.seconds / skMini.seconds).toFixed(2)}`
          : ''),
    );
  }
  if (rows <= ML_KMEANS_MAX_ROWS) {
    const ml = measure('ml-kmeans', rows);
    say(
      `  ml-kmeans (full k-means): ${ml.seconds.toFixed(2)} s, peak ${ml.peakMb.toFixed(0)} MB, inertia ${ml.inertia.toExponential(4)} → time ratio ours/ml-kmeans ${(ours.seconds / ml.seconds).toFixed(2)}`,
    );
  } else say(`  ml-kmeans not run above ${ML_KMEANS_MAX_ROWS.toLocaleString('en-US')} rows (BENCH_ML_KMEANS_MAX_ROWS)`);
}
console.log('\nSummary\n' + lines.map((l) => `- ${l}`).join('\n'));
