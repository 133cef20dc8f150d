// A collection's HNSW index built in a worker thread. Building is one core's synchronous work per
// index (hnswlib inserts one point at a time): at 100,000 customers the four indexes took 200 s of
// one core while the other waited (bench:scale). Each index is built on a thread of its own from a
// copy of the rows it covers, written to a file hnswlib reads back on the collection's thread (about
// a second), and the rows changed meanwhile are put right there (Collection.prepareIndex).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import hnswlib from 'hnswlib-node';

export interface IndexBuildRequest {
  space: 'cosine' | 'l2';
  dim: number;
  /** Rows [0, rows) of the matrix, row-major, on a SharedArrayBuffer (not copied again to the worker). */
  data: Float32Array;
  rows: number;
  /** 1 where the row holds a live point (only those are added; labels are row numbers). */
  alive: Uint8Array;
  capacity: number;
  m: number;
  efConstruction: number;
  /** Progress is reported every this many rows, and at the last. */
  progressEvery: number;
  file: string;
}
type Reply = { type: 'progress'; rows: number } | { type: 'done' } | { type: 'error'; message: string };

if (parentPort) {
  const port = parentPort;
  port.once('message', (r: IndexBuildRequest) => {
    void (async () => {
      try {
        const index = new hnswlib.HierarchicalNSW(r.space, r.dim);
        index.initIndex(r.capacity, r.m, r.efConstruction, 100);
        for (let row = 0; row < r.rows; row++) {
          if (r.alive[row]) index.addPoint(Array.from(r.data.subarray(row * r.dim, (row + 1) * r.dim)), row);
          if ((row + 1) % r.progressEvery === 0 || row + 1 === r.rows) port.postMessage({ type: 'progress', rows: row + 1 } satisfies Reply);
        }
        await index.writeIndex(r.file);
        port.postMessage({ type: 'done' } satisfies Reply);
      } catch (error) {
        port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies Reply);
      }
    })();
  });
}

export interface IndexBuild {
  /** Resolves to the built index, read on this thread; rejects when the build failed or was cancelled. */
  index: Promise<hnswlib.HierarchicalNSW>;
  cancel(): void;
}

/** Builds an index of `rows` rows of `matrix` in a worker thread; `onRows` hears how far it got. */
export function buildIndexInWorker(request: Omit<IndexBuildRequest, 'file' | 'data'> & { matrix: Float32Array }, onRows: (rows: number) => void): IndexBuild {
  const { matrix, ...rest } = request;
  // The rows as they are now: later writes to the collection do not reach the worker's copy.
  const data = new Float32Array(new SharedArrayBuffer(rest.rows * rest.dim * 4));
  data.set(matrix.subarray(0, rest.rows * rest.dim));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hnsw-')), 'index.bin');
  const worker = new Worker(new URL(import.meta.url));
  let written = false;
  const cleanUp = () => fs.rmSync(path.dirname(file), { recursive: true, force: true });
  const index = new Promise<hnswlib.HierarchicalNSW>((resolve, reject) => {
    worker.on('message', (m: Reply) => {
      if (m.type === 'progress') onRows(m.rows);
      else if (m.type === 'error') reject(new Error(m.message));
      else {
        written = true;
        const built = new hnswlib.HierarchicalNSW(rest.space, rest.dim);
        built.readIndex(file).then(() => resolve(built), reject);
      }
    });
    worker.once('error', reject);
    // Cancelled, or gone without a word: nothing will come.
    worker.once('exit', () => {
      if (!written) reject(new Error('the index build stopped before it finished'));
    });
  }).finally(() => {
    void worker.terminate();
    cleanUp();
  });
  worker.postMessage({ ...rest, data, file } satisfies IndexBuildRequest);
  return {
    index,
    cancel: () => void worker.terminate(),
  };
}

/** An index file kept beside a snapshot: it must hold `rows` points, and still be the file `stillFits` names. */
export interface KeptIndexFile {
  file: string;
  rows: number;
  /** Read perhaps long after the snapshot was: another process sharing the directory may have written a new snapshot and indexes since (same row count, other numbering). */
  stillFits: () => boolean;
}

/**
 * A kept index read on a thread of libuv's pool (hnswlib's readIndex): about two seconds for a 727-d
 * index of 100,000 points that the caller's thread does not wait through.
 */
export function readIndexOffThread(space: 'cosine' | 'l2', dim: number, kept: KeptIndexFile): IndexBuild {
  const built = new hnswlib.HierarchicalNSW(space, dim);
  let cancelled = false;
  const index = (kept.stillFits() ? built.readIndex(kept.file) : Promise.reject(rewritten())).then(() => {
    if (cancelled) throw new Error('the index read was cancelled');
    return checkedRead(built, kept);
  });
  return { index, cancel: () => void (cancelled = true) };
}

/** The same read on the caller's thread (before the files are deleted: nothing else can wait then). */
export function readIndexNow(space: 'cosine' | 'l2', dim: number, kept: KeptIndexFile): hnswlib.HierarchicalNSW {
  if (!kept.stillFits()) throw rewritten();
  const built = new hnswlib.HierarchicalNSW(space, dim);
  built.readIndexSync(kept.file);
  return checkedRead(built, kept);
}

function checkedRead(built: hnswlib.HierarchicalNSW, kept: KeptIndexFile): hnswlib.HierarchicalNSW {
  if (built.getCurrentCount() !== kept.rows) throw new Error(`it holds ${built.getCurrentCount()} points, not ${kept.rows}`);
  return built;
}

function rewritten(): Error {
  return new Error('the files on disk were rewritten since the snapshot was read');
}
