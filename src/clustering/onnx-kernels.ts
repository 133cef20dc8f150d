// The distance kernels on onnxruntime's CPU kernels (MLAS): three tiny graphs built here with the
// project's graph builder. Two compute s = ‖c‖² − 2·x·cᵀ with one GEMM per block of rows: `nearest`
// adds ArgMin and ReduceMin over the centres, `scores` returns s; `sums` is Lloyd's centre update
// (one-hot labels × rows). ‖x‖² (the same for every centre of
// a row) is added afterwards in float64, so the choice of centre never depends on it.
//
// Rows go in blocks (views of the caller's matrix, not copies) so the n × m result stays bounded.
import os from 'node:os';
import ort from 'onnxruntime-node';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { DataType } from '../onnx/onnx-proto.js';
import { squaredNorms, type DistanceKernels } from './kernels.js';
import type { Matrix } from './matrix.js';

/** Floats of one block's n × m result at most (64 MB). */
const BLOCK_FLOATS = 16 * 1024 * 1024;
const BLOCK_ROWS = 32_768;

/** Lloyd's update as a GEMM: the one-hot label matrix (k × n) times the rows (n × d). */
function sumsGraph(): Uint8Array {
  const g = new GraphBuilder('sums');
  const oneHot = g.input('one_hot', DataType.FLOAT, ['k', 'n']);
  const x = g.input('x', DataType.FLOAT, ['n', 'd']);
  g.op('MatMul', [oneHot, x], {}, 1, 'sums');
  g.output('sums', DataType.FLOAT, ['k', 'd']);
  return g.serialize({ producer: 'segment-api', opset: 13 });
}

/**
 * One Lloyd step in one pass over a block of rows: the nearest centre of each row (as `nearest`) and
 * the sums of the rows by that new label (OneHot along axis 0, k × n, times the rows). Reading each
 * block once instead of twice (assign, then sums) is what this saves: at 20,000 × 527 a block is 42 MB.
 */
function stepGraph(): Uint8Array {
  const g = new GraphBuilder('step');
  const x = g.input('x', DataType.FLOAT, ['n', 'd']);
  const pointsT = g.input('points_t', DataType.FLOAT, ['d', 'm']);
  const pointNorms = g.input('point_norms', DataType.FLOAT, ['m']);
  const depth = g.input('depth', DataType.INT64, [1]);
  const dots = g.op('MatMul', [x, pointsT]);
  const s = g.op('Add', [g.op('Mul', [dots, g.scalar('minus_two', -2)]), pointNorms]);
  const label = g.op('ArgMin', [s], { axis: 1, keepdims: 0 }, 1, 'label');
  g.op('ReduceMin', [s], { axes: [1], keepdims: 0 }, 1, 'best');
  const oneHot = g.op('OneHot', [label, depth, g.floats('off_on', [2], Float32Array.from([0, 1]))], { axis: 0 });
  g.op('MatMul', [oneHot, x], {}, 1, 'sums');
  g.output('label', DataType.INT64, ['n']);
  g.output('best', DataType.FLOAT, ['n']);
  g.output('sums', DataType.FLOAT, ['m', 'd']);
  return g.serialize({ producer: 'segment-api', opset: 13 });
}

function graph(withArgMin: boolean): Uint8Array {
  const g = new GraphBuilder(withArgMin ? 'nearest' : 'scores');
  const x = g.input('x', DataType.FLOAT, ['n', 'd']);
  const pointsT = g.input('points_t', DataType.FLOAT, ['d', 'm']);
  const pointNorms = g.input('point_norms', DataType.FLOAT, ['m']);
  const dots = g.op('MatMul', [x, pointsT]);
  const scaled = g.op('Mul', [dots, g.scalar('minus_two', -2)]);
  if (withArgMin) {
    const s = g.op('Add', [scaled, pointNorms]);
    g.op('ArgMin', [s], { axis: 1, keepdims: 0 }, 1, 'label');
    g.op('ReduceMin', [s], { axes: [1], keepdims: 0 }, 1, 'best');
    g.output('label', DataType.INT64, ['n']);
    g.output('best', DataType.FLOAT, ['n']);
  } else {
    g.op('Add', [scaled, pointNorms], {}, 1, 'scores');
    g.output('scores', DataType.FLOAT, ['n', 'm']);
  }
  return g.serialize({ producer: 'segment-api', opset: 13 });
}

/** Below this size a matrix in shared memory gets one private copy; above, each block is copied. */
const PRIVATE_COPY_BYTES = 256 * 1024 * 1024;
const privateCopies = new WeakMap<Float32Array, Float32Array>();

/**
 * onnxruntime refuses tensors over a SharedArrayBuffer ("Invalid argument"), and the clustering
 * worker receives the vectors in one. A matrix of moderate size is copied once (and the copy kept
 * while the matrix lives); a larger one is copied block by block as it is read, so memory stays
 * bounded (the block, not the matrix).
 */
function readable(x: Matrix): Float32Array {
  if (!(x.data.buffer instanceof SharedArrayBuffer)) return x.data;
  let copy = privateCopies.get(x.data);
  if (!copy && x.data.byteLength <= PRIVATE_COPY_BYTES) {
    copy = Float32Array.from(x.data);
    privateCopies.set(x.data, copy);
  }
  return copy ?? x.data;
}

/** A block of rows as a tensor's data: a view when the memory is private, else a copy. */
function block(data: Float32Array, from: number, to: number): Float32Array {
  return data.buffer instanceof SharedArrayBuffer ? data.slice(from, to) : data.subarray(from, to);
}

/**
 * Writes a block's nearest centres (`label`, `best` outputs) into the caller's labels and distances
 * (‖x‖² added back in float64); returns how many labels changed.
 */
function takeNearest(
  out: ort.InferenceSession.OnnxValueMapType,
  start: number,
  end: number,
  labels: Int32Array,
  distances: Float64Array,
  norms: Float64Array,
): number {
  const label = out.label!.data as BigInt64Array;
  const best = out.best!.data as Float32Array;
  let changed = 0;
  for (let i = start; i < end; i++) {
    const c = Number(label[i - start]);
    if (labels[i] !== c) changed++;
    labels[i] = c;
    distances[i] = Math.max(0, norms[i]! + best[i - start]!);
  }
  return changed;
}

export async function createOnnxKernels(threads = os.availableParallelism()): Promise<DistanceKernels> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const [nearest, scores, sums, step] = await Promise.all([
    ort.InferenceSession.create(graph(true), options),
    ort.InferenceSession.create(graph(false), options),
    ort.InferenceSession.create(sumsGraph(), options),
    ort.InferenceSession.create(stepGraph(), options),
  ]);
  const feeds = (x: Matrix, start: number, end: number, points: Float32Array) => {
    const { dim } = x;
    const rows = readable(x);
    const m = points.length / dim;
    const transposed = new Float32Array(dim * m);
    for (let c = 0; c < m; c++) for (let j = 0; j < dim; j++) transposed[j * m + c] = points[c * dim + j]!;
    return {
      x: new ort.Tensor('float32', block(rows, start * dim, end * dim), [end - start, dim]),
      points_t: new ort.Tensor('float32', transposed, [dim, m]),
      point_norms: new ort.Tensor('float32', Float32Array.from(squaredNorms(points, dim)), [m]),
    };
  };
  const blockRows = (m: number) => Math.max(1, Math.min(BLOCK_ROWS, Math.floor(BLOCK_FLOATS / Math.max(1, m))));

  return {
    name: 'onnx',

    async assign(x, centroids, labels, distances, norms) {
      const k = centroids.length / x.dim;
      const step = blockRows(k);
      let changed = 0;
      for (let start = 0; start < x.rows; start += step) {
        const end = Math.min(x.rows, start + step);
        const out = await nearest.run(feeds(x, start, end, centroids));
        changed += takeNearest(out, start, end, labels, distances, norms);
      }
      return changed;
    },

    async assignAndSum(x, centroids, labels, distances, norms) {
      const k = centroids.length / x.dim;
      const size = blockRows(k);
      const total = new Float64Array(k * x.dim);
      const depth = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
      let changed = 0;
      for (let start = 0; start < x.rows; start += size) {
        const end = Math.min(x.rows, start + size);
        const out = await step.run({ ...feeds(x, start, end, centroids), depth });
        changed += takeNearest(out, start, end, labels, distances, norms);
        const s = out.sums!.data as Float32Array;
        for (let j = 0; j < total.length; j++) total[j] = total[j]! + s[j]!;
      }
      return { changed, sums: total };
    },

    async toPoints(x, points, norms) {
      const m = points.length / x.dim;
      const out = new Float32Array(x.rows * m);
      const step = blockRows(m);
      for (let start = 0; start < x.rows; start += step) {
        const end = Math.min(x.rows, start + step);
        const s = (await scores.run(feeds(x, start, end, points))).scores!.data as Float32Array;
        for (let i = start; i < end; i++) {
          const o = (i - start) * m;
          for (let c = 0; c < m; c++) out[i * m + c] = Math.max(0, norms[i]! + s[o + c]!);
        }
      }
      return out;
    },

    async sumsByLabel(x, labels, k) {
      const { dim } = x;
      const total = new Float64Array(k * dim);
      // Blocks of rows, each summed in float32 by the GEMM and added up in float64.
      const step = Math.max(1, Math.min(BLOCK_ROWS, Math.floor(BLOCK_FLOATS / Math.max(1, k))));
      for (let start = 0; start < x.rows; start += step) {
        const end = Math.min(x.rows, start + step);
        const n = end - start;
        const oneHot = new Float32Array(k * n);
        for (let i = 0; i < n; i++) oneHot[labels[start + i]! * n + i] = 1;
        const out = await sums.run({
          one_hot: new ort.Tensor('float32', oneHot, [k, n]),
          x: new ort.Tensor('float32', block(readable(x), start * dim, end * dim), [n, dim]),
        });
        const s = out.sums!.data as Float32Array;
        for (let j = 0; j < total.length; j++) total[j] = total[j]! + s[j]!;
      }
      return total;
    },
  };
}
