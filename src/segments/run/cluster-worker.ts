// Runs clustering off the main thread, so the API keeps answering (job progress included) while a
// segmentation computes, and projects the run's 2-D map. The matrix lives in a SharedArrayBuffer, so
// handing it over copies nothing (onnxruntime, which refuses shared memory, gets copies: onnx-kernels.ts).
import { parentPort, Worker } from 'node:worker_threads';
import { cluster, type ClusteringOptions, type ClusteringResult } from '../../clustering/choose-k.js';
import type { Matrix } from '../../clustering/matrix.js';
import { DistanceMatrix, silhouetteSamples } from '../../clustering/metrics.js';
import { sampleIndices, seededRng } from '../../clustering/random.js';
import { fitProjection, project, type Projection } from '../../projection/pca-projection.js';

interface Request {
  x: Matrix;
  options: Omit<ClusteringOptions, 'onProgress' | 'kernels'>;
}

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; message: string }
  | { type: 'result'; clustering: ClusteringResult; segmentSilhouettes: (number | null)[]; projection: Projection; map: Float32Array }
  | { type: 'error'; message: string };

if (parentPort) {
  const port = parentPort;
  port.once('message', ({ x, options }: Request) => void answer(x, options));
  const answer = async (x: Matrix, options: Request['options']) => {
    try {
      const clustering = await cluster(x, { ...options, onProgress: (done, total, message) => port.postMessage({ type: 'progress', done, total, message }) });
      const segmentSilhouettes = await silhouettesBySegment(x, clustering.result.labels, clustering.chosenK, options.seed);
      // The run's 2-D map, here too: the vectors are already in this thread.
      port.postMessage({ type: 'progress', done: 0, total: 1, message: 'projecting the map' } satisfies WorkerMessage);
      const projection = fitProjection(x, { seed: options.seed, labels: clustering.result.labels });
      const map = project(x, projection);
      port.postMessage({ type: 'result', clustering, segmentSilhouettes, projection, map } satisfies WorkerMessage, [map.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    }
  };
}

/** Clusters `x` (whose data must sit in a SharedArrayBuffer) in a worker thread; `signal` terminates it. */
export function clusterInWorker(
  x: Matrix,
  options: Omit<ClusteringOptions, 'onProgress' | 'kernels'>,
  onProgress: (done: number, total: number, message: string) => void,
  signal?: AbortSignal,
): Promise<{ clustering: ClusteringResult; segmentSilhouettes: (number | null)[]; projection: Projection; map: Float32Array }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url));
    const abort = () => {
      void worker.terminate();
      reject(new Error('cancelled'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.done, m.total, m.message);
      else {
        signal?.removeEventListener('abort', abort);
        void worker.terminate();
        if (m.type === 'result') resolve({ clustering: m.clustering, segmentSilhouettes: m.segmentSilhouettes, projection: m.projection, map: m.map });
        else reject(new Error(m.message));
      }
    });
    worker.on('error', reject);
    worker.postMessage({ x, options } satisfies Request);
  });
}

/** Mean silhouette of each segment, on a seeded sample of at most 3,000 rows. */
async function silhouettesBySegment(x: Matrix, labels: Int32Array, k: number, seed: number): Promise<(number | null)[]> {
  const rows = sampleIndices(x.rows, Math.min(x.rows, 3000), seededRng(seed ^ 0x2545f491));
  const sample: Matrix = { rows: rows.length, dim: x.dim, data: new Float32Array(rows.length * x.dim) };
  rows.forEach((r, i) => sample.data.set(x.data.subarray(r * x.dim, (r + 1) * x.dim), i * x.dim));
  const sampleLabels = rows.map((r) => labels[r]!);
  const s = silhouetteSamples(await DistanceMatrix.of(sample), sampleLabels, k);
  const sums = new Float64Array(k);
  const counts = new Int32Array(k);
  sampleLabels.forEach((c, i) => {
    sums[c] = sums[c]! + s[i]!;
    counts[c] = counts[c]! + 1;
  });
  return Array.from(sums, (v, c) => (counts[c] ? v / counts[c] : null));
}
