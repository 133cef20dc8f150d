// Step 1 of a run: the active collection's vectors of ONE name, read once, batch by batch, straight
// into one float32 matrix in shared memory (the clustering worker reads it without a copy). Only the
// named vector asked for is read from the store: `combined` alone is 527 floats a customer, and the
// other views would triple what a 1M-customer run holds.
import type { Matrix } from '../../clustering/matrix.js';
import { throwIfCancelled, type JobControl } from '../../jobs/job-control.js';
import type { VectorName, VectorStore } from '../../vectors/vector-store.js';

export interface LoadedVectors {
  /** Customer ids, row by row. */
  ids: number[];
  /** The shop's own customer ids, row by row. */
  externalIds: string[];
  x: Matrix;
}

const BATCH = 2000;

export async function loadVectors(store: VectorStore, collection: string, vector: VectorName, control: JobControl): Promise<LoadedVectors> {
  const total = await store.count(collection);
  control.progress(0, total, 'loading vectors');
  const ids: number[] = [];
  const externalIds: string[] = [];
  let data: Float32Array = new Float32Array(0);
  let dim = 0;
  for await (const batch of store.scroll(collection, { batchSize: BATCH, withVectors: [vector] })) {
    throwIfCancelled(control.signal);
    for (const p of batch) {
      const v = p.vectors?.[vector];
      if (!v) throw new Error(`point ${p.id} has no '${vector}' vector`);
      if (dim === 0) {
        dim = v.length;
        data = new Float32Array(new SharedArrayBuffer(total * dim * 4));
      }
      // Points written while we read (an embed job) may outnumber the count taken before.
      if (ids.length === total) break;
      data.set(v, ids.length * dim);
      ids.push(p.id);
      externalIds.push(String(p.payload.customerId));
    }
    control.progress(ids.length, total, 'loading vectors');
  }
  return { ids, externalIds, x: { rows: ids.length, dim, data: data.subarray(0, ids.length * dim) } };
}
