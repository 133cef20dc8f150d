// One collection held in memory: a row per point, a growable matrix per named vector, payloads, and
// exact or HNSW nearest-neighbour search with payload filters.
import os from 'node:os';
import hnswlib from 'hnswlib-node';
import type { CollectionSpec, Distance, Filter, Payload, Point, PrepareProgress, ScoredPoint, StoredPoint, VectorName, WithVectors } from '../vector-store.js';
import { VECTOR_NAMES } from '../vector-store.js';
import { buildIndexInWorker, readIndexNow, readIndexOffThread, type IndexBuild, type KeptIndexFile } from './index-build-worker.js';
import { matchesFilter } from './payload-filter.js';
import { log } from '../../observability/log.js';

export interface SearchTuning {
  /** Below this many points search is exact; from it on, an HNSW index is built (lazily). */
  exactSearchLimit: number;
  /** A filter matching fewer than this share of points is searched exactly. */
  exactFilterShare: number;
  hnswM: number;
  hnswEfConstruction: number;
  hnswEf: number;
  /**
   * An index whose rows are rewritten in place past this share of them (and past rebuildMinRows) is
   * dropped and built again rather than updated row by row (indexRewritten).
   */
  rebuildShare: number;
  rebuildMinRows: number;
  /**
   * A dropped index is built again once its vector has seen no rewrite for this long (or was
   * dropped REBUILD_LATEST_MS ago): a build while a bulk rewrite goes on would have the rest of it
   * to apply row by row when it comes back.
   */
  rebuildQuietMs: number;
}

/** A dropped index is built again this long after the drop at the latest, rewrites going on or not. */
const REBUILD_LATEST_MS = 60_000;
/** After a failed build, searches start another one no sooner than this. */
const REBUILD_RETRY_MS = 60_000;

/** An HNSW index, the labels it has room for, and the rows it held that were rewritten since it was built. */
type Hnsw = { index: hnswlib.HierarchicalNSW; rows: number; rewritten: Set<number> };

/** An index built in a worker from rows [0, upTo), the rows written or deleted since, and its whole build (applied and in service: true). */
type OffThreadBuild = { upTo: number; changed: Set<number>; build: IndexBuild; done?: Promise<boolean>; fromDisk?: true };

/**
 * An index kept on disk for rows [0, upTo) — the snapshot's — and not read yet (keepOnDisk), with the
 * rows written or deleted since. `rows`: the points the file must hold.
 */
type KeptOnDisk = KeptIndexFile & { upTo: number; changed: Set<number> };

/** prepare() reports its progress every this many rows of an index. */
const PREPARE_SLICE = 256;
const PREPARE_ORDER: readonly VectorName[] = ['combined', 'lexical', 'text', 'behaviour'];

/**
 * hnswM and hnswEfConstruction are Qdrant's defaults (m 16, ef_construct 100). On bench:scale's
 * 100,000 customers (combined, 727-d; 200 customers' ten nearest others against exact search) 100
 * built in 56 s with recall@10 0.9975, 200 in 88 s with 1.0000 (README "Vector stores").
 */
export const DEFAULT_TUNING: SearchTuning = {
  exactSearchLimit: 20_000,
  exactFilterShare: 0.1,
  hnswM: 16,
  hnswEfConstruction: 100,
  hnswEf: 128,
  rebuildShare: 0.2,
  rebuildMinRows: 1_000,
  rebuildQuietMs: 2_000,
};

class Matrix {
  data: Float32Array;
  constructor(
    readonly dim: number,
    capacity: number,
  ) {
    this.data = new Float32Array(dim * capacity);
  }
  ensure(rows: number): void {
    if (rows * this.dim <= this.data.length) return;
    const next = new Float32Array(Math.max(rows, Math.ceil((this.data.length / this.dim) * 2)) * this.dim);
    next.set(this.data);
    this.data = next;
  }
  row(r: number): Float32Array {
    return this.data.subarray(r * this.dim, (r + 1) * this.dim);
  }
}

export class Collection {
  private readonly matrices = new Map<VectorName, Matrix>();
  private readonly rowOf = new Map<number, number>();
  private ids: number[] = [];
  private payloads: (Payload | undefined)[] = [];
  private live = 0;
  private readonly indexes = new Map<VectorName, Hnsw>();
  /** Set when the collection is deleted: a prepare() under way stops instead of finishing for nothing. */
  private closed = false;
  /** prepare() calls under way: until they end, vectors without a finished index are searched exactly. */
  private preparing = 0;
  /**
   * Indexes kept on disk beside the snapshot, read only when something needs them (prepare(), or a
   * search that would use them): a process that never searches — `segment`, `import` — does not pay
   * for reading them (9 s and 480 MB at 100,000 customers, bench:scale).
   */
  private readonly onDisk = new Map<VectorName, KeptOnDisk>();
  /** Vectors whose index in service was built by this process (not read from disk) since keptIndexesWritten(). */
  private readonly builtHere = new Set<VectorName>();
  /**
   * Indexes prepare() is building in a worker thread from a copy of rows [0, upTo), and the rows
   * written or deleted since, put right when the index comes back (`upTo` then
   * moves on as the rows appended meanwhile are added).
   */
  private readonly offThread = new Map<VectorName, OffThreadBuild>();
  /** Vectors whose index was dropped for rewrites (indexRewritten): searched exactly until built again off this thread. */
  private readonly staleIndexes = new Set<VectorName>();
  /** When an index was first dropped for rewrites and a stale vector last rewritten (performance.now()); when a rebuild last failed. */
  private staleSince = 0;
  private lastRewriteAt = 0;
  private rebuildFailedAt = -Infinity;
  private sortedIds: number[] | undefined;

  constructor(
    readonly spec: CollectionSpec,
    private readonly tuning: SearchTuning,
  ) {
    for (const name of VECTOR_NAMES) this.matrices.set(name, new Matrix(spec.vectors[name].size, 1024));
  }

  get size(): number {
    return this.live;
  }

  upsert(points: Point[]): void {
    for (const point of points) {
      let row = this.rowOf.get(point.id);
      const rewrite = row !== undefined;
      if (rewrite && this.staleIndexes.size > 0) this.lastRewriteAt = performance.now();
      if (row === undefined) {
        // Rows are never reused while the collection is open: HNSW labels stay valid.
        row = this.ids.length;
        this.ids.push(point.id);
        this.payloads.push(undefined);
        this.rowOf.set(point.id, row);
        this.live++;
        this.sortedIds = undefined;
      }
      for (const name of VECTOR_NAMES) {
        const matrix = this.matrices.get(name)!;
        const vector = point.vectors[name];
        if (!vector || vector.length !== matrix.dim) {
          throw new RangeError(`point ${point.id}: vector "${name}" must have ${matrix.dim} dimensions, got ${vector?.length ?? 0}`);
        }
        matrix.ensure(row + 1);
        const target = matrix.row(row);
        target.set(vector);
        if (this.spec.vectors[name].distance === 'Cosine') normalize(target);
        const hnsw = this.indexes.get(name);
        if (hnsw && !(rewrite && this.indexRewritten(name, hnsw, row))) this.addToIndex(hnsw, target, row);
        // An index on disk or being built in a worker holds rows up to `upTo`: it hears of a changed
        // one when it is read or comes back.
        const kept = this.onDisk.get(name);
        if (kept && row < kept.upTo) this.keptChanged(name, kept, row);
        const away = this.offThread.get(name);
        if (away && row < away.upTo) away.changed.add(row);
      }
      this.payloads[row] = { ...point.payload };
    }
  }

  delete(ids: number[]): void {
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      this.rowOf.delete(id);
      this.ids[row] = -1;
      this.payloads[row] = undefined;
      this.live--;
      this.sortedIds = undefined;
      for (const { index } of this.indexes.values()) index.markDelete(row);
      for (const [name, kept] of this.onDisk) if (row < kept.upTo) this.keptChanged(name, kept, row);
      for (const away of this.offThread.values()) if (row < away.upTo) away.changed.add(row);
    }
  }

  setPayload(ids: number[], payload: Payload): void {
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row !== undefined) this.payloads[row] = { ...this.payloads[row], ...payload };
    }
  }

  get(id: number, withVectors: WithVectors): StoredPoint | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.pointAt(row, withVectors);
  }

  vectorOf(id: number, name: VectorName): Float32Array | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.matrices.get(name)!.row(row);
  }

  /** Live point ids in ascending order. */
  idsInOrder(): number[] {
    this.sortedIds ??= this.ids.filter((id) => id >= 0).sort((a, b) => a - b);
    return this.sortedIds;
  }

  count(filter?: Filter): number {
    if (!filter) return this.live;
    let n = 0;
    for (let row = 0; row < this.ids.length; row++) if (this.ids[row]! >= 0 && matchesFilter(this.payloads[row]!, filter, this.ids[row]!)) n++;
    return n;
  }

  /** Nearest `limit` points to `query` (after skipping `offset`), excluding `exclude`. */
  search(
    name: VectorName,
    query: Float32Array,
    limit: number,
    offset: number,
    filter: Filter | undefined,
    exclude: ReadonlySet<number>,
    withVectors = false,
  ): ScoredPoint[] {
    const distance = this.spec.vectors[name].distance;
    const q = distance === 'Cosine' ? normalize(Float32Array.from(query)) : query;
    const k = limit + offset;
    if (k <= 0 || this.live === 0) return [];
    const accept = this.acceptor(filter, exclude);
    // An index dropped for rewrites is built again in worker threads, and one kept on disk read, from
    // the first search that needs it; this search and those until it is back are exact.
    if ((this.staleIndexes.has(name) || this.onDisk.has(name)) && this.live >= this.tuning.exactSearchLimit) this.prepareWhenDue();
    // While prepare() runs, a vector whose index it has not finished is searched exactly, rather than
    // have its index built at once by this search (minutes at a million points, nothing else served).
    const useIndex =
      this.live >= this.tuning.exactSearchLimit &&
      (this.indexes.has(name) || (this.preparing === 0 && !this.staleIndexes.has(name))) &&
      (!filter || this.count(filter) >= this.tuning.exactFilterShare * this.live);
    const hits = useIndex ? this.searchIndex(name, q, k, accept) : this.searchExact(name, q, k, accept);
    return hits.slice(offset).map(({ row, score }) => ({ ...this.pointAt(row, withVectors), score }));
  }

  /** Exact scores of chosen rows (best-score recommendation rescoring). */
  scoreRows(name: VectorName, query: Float32Array, rows: Iterable<number>): Map<number, number> {
    const distance = this.spec.vectors[name].distance;
    const q = distance === 'Cosine' ? normalize(Float32Array.from(query)) : query;
    const m = this.matrices.get(name)!;
    const out = new Map<number, number>();
    for (const row of rows) out.set(row, score(distance, q, m.data, row * m.dim, m.dim));
    return out;
  }

  rowIdOf(id: number): number | undefined {
    return this.rowOf.get(id);
  }

  idAt(row: number): number {
    return this.ids[row]!;
  }

  distanceOf(name: VectorName): Distance {
    return this.spec.vectors[name].distance;
  }

  acceptor(filter: Filter | undefined, exclude: ReadonlySet<number>): (row: number) => boolean {
    return (row) => this.ids[row]! >= 0 && !exclude.has(this.ids[row]!) && (!filter || matchesFilter(this.payloads[row]!, filter, this.ids[row]!));
  }

  /** Every live row, with its vectors: for snapshots. */
  *rows(): Generator<Point> {
    for (let row = 0; row < this.ids.length; row++) {
      if (this.ids[row]! < 0) continue;
      const vectors = {} as Record<VectorName, Float32Array>;
      for (const name of VECTOR_NAMES) vectors[name] = this.matrices.get(name)!.row(row);
      yield { id: this.ids[row]!, vectors, payload: this.payloads[row]! };
    }
  }

  private pointAt(row: number, withVectors: WithVectors): StoredPoint {
    const point: StoredPoint = { id: this.ids[row]!, payload: { ...this.payloads[row]! } };
    if (withVectors !== false) {
      point.vectors = {};
      for (const name of withVectors === true ? VECTOR_NAMES : withVectors) point.vectors[name] = Float32Array.from(this.matrices.get(name)!.row(row));
    }
    return point;
  }

  private searchExact(name: VectorName, q: Float32Array, k: number, accept: (row: number) => boolean) {
    const m = this.matrices.get(name)!;
    const distance = this.spec.vectors[name].distance;
    const top = new TopK(k, distance === 'Cosine');
    for (let row = 0; row < this.ids.length; row++) {
      if (!accept(row)) continue;
      top.push(row, score(distance, q, m.data, row * m.dim, m.dim));
    }
    return top.sorted();
  }

  private searchIndex(name: VectorName, q: Float32Array, k: number, accept: (row: number) => boolean) {
    const hnsw = this.ensureIndex(name);
    hnsw.index.setEf(Math.max(this.tuning.hnswEf, k));
    const result = hnsw.index.searchKnn(Array.from(q), Math.min(k, this.live), accept);
    const cosine = this.spec.vectors[name].distance === 'Cosine';
    // hnswlib reports 1 − cos for 'cosine' and squared L2 for 'l2'; convert to Qdrant's scores.
    const hits = result.neighbors.map((row, i) => ({ row, score: cosine ? 1 - result.distances[i]! : Math.sqrt(Math.max(0, result.distances[i]!)) }));
    return hits.sort((a, b) => (cosine ? b.score - a.score : a.score - b.score) || this.ids[a.row]! - this.ids[b.row]!);
  }

  /**
   * Builds the HNSW index of every vector searched by index (collections of exactSearchLimit points
   * and more) in worker threads (index-build-worker.ts), so a server can do it before it reports ready
   * without stopping answering, on every core; searches meanwhile are exact. Without it, the first
   * search of each vector builds its index at once (minutes at a million points, nothing else served).
   */
  async prepare(onProgress?: (progress: PrepareProgress) => void): Promise<number> {
    if (this.live < this.tuning.exactSearchLimit) return 0;
    this.preparing++;
    let built = 0;
    try {
      // What the API searches most first: similar customers (combined), lookalikes and products
      // (lexical); as many at once as there are cores, each on a thread of its own.
      let next = 0;
      const threads = Math.max(1, Math.min(os.availableParallelism(), PREPARE_ORDER.length));
      // Settled, all of them, before `preparing` falls: a failed build must not leave another running
      // while searches take the first-search path and build that index again on this thread.
      const outcomes = await Promise.allSettled(
        Array.from({ length: threads }, async () => {
          while (next < PREPARE_ORDER.length) if (await this.prepareIndex(PREPARE_ORDER[next++]!, onProgress)) built++;
        }),
      );
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
      return built;
    } finally {
      this.preparing--;
    }
  }

  /**
   * Builds one index in a worker and puts it in service (true), or joins the build under way. One kept
   * on disk is read instead (false: nothing new to keep), and built when it cannot be.
   */
  private async prepareIndex(name: VectorName, onProgress?: (progress: PrepareProgress) => void): Promise<boolean> {
    const away = this.offThread.get(name);
    if (away) return (await away.done) ?? false;
    if (this.spec.vectors[name].size === 0 || this.indexes.has(name) || this.closed) return false;
    const kept = this.onDisk.get(name);
    if (kept) {
      this.onDisk.delete(name);
      const build = readIndexOffThread(this.space(name), this.matrices.get(name)!.dim, kept);
      const entry: OffThreadBuild = { upTo: kept.upTo, changed: kept.changed, build, fromDisk: true };
      this.offThread.set(name, entry);
      entry.done = (async () => {
        const started = performance.now();
        try {
          if (await this.finishBuild(name, entry)) {
            log('vectors').info({ vector: name, rows: kept.rows, ms: Math.round(performance.now() - started) }, `the kept ${name} search index read from disk`);
            return false;
          }
        } catch (error) {
          unreadable(name, error); // built again below: slower, never wrong
        }
        // Unreadable, or dropped for the rewrites since the snapshot: built from the rows as they are.
        return this.closed ? false : this.prepareIndex(name, onProgress);
      })();
      return entry.done;
    }
    const m = this.matrices.get(name)!;
    const upTo = this.ids.length;
    const alive = Uint8Array.from(this.ids, (id) => (id >= 0 ? 1 : 0));
    const build = buildIndexInWorker(
      {
        space: this.space(name),
        dim: m.dim,
        matrix: m.data,
        rows: upTo,
        alive,
        capacity: Math.max(1024, upTo * 2),
        m: this.tuning.hnswM,
        efConstruction: this.tuning.hnswEfConstruction,
        progressEvery: PREPARE_SLICE,
      },
      (rows) => onProgress?.({ vector: name, rows, of: this.ids.length }),
    );
    const entry: OffThreadBuild = { upTo, changed: new Set<number>(), build };
    this.offThread.set(name, entry);
    entry.done = this.finishBuild(name, entry);
    return entry.done;
  }

  private async finishBuild(name: VectorName, entry: OffThreadBuild): Promise<boolean> {
    const m = this.matrices.get(name)!;
    try {
      const index = await entry.build.index;
      const hnsw = { index, rows: index.getMaxElements(), rewritten: new Set<number>() };
      // Rows written while the worker built from its copy (their vector now, or gone), then rows
      // appended since, a slice at a time so the thread keeps answering; writes meanwhile land in
      // `changed` (rows below the cursor) or past the cursor. Rewrites count as they do in service:
      // past the share (a bulk rewrite that went on during the build), the build is dropped too.
      for (;;) {
        if (this.closed) return false;
        let slice = 0;
        for (const row of entry.changed) {
          entry.changed.delete(row);
          if (this.ids[row]! < 0) markDeleted(index, row);
          else if (this.indexRewritten(name, hnsw, row)) return false;
          else this.addToIndex(hnsw, m.row(row), row);
          if (++slice >= PREPARE_SLICE) break;
        }
        if (slice < PREPARE_SLICE) {
          // Every change applied: then the rows appended past the cursor.
          if (entry.upTo >= this.ids.length) break;
          const end = Math.min(this.ids.length, entry.upTo + PREPARE_SLICE);
          this.addRows(hnsw, name, entry.upTo, end);
          entry.upTo = end;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.indexes.set(name, hnsw);
      this.staleIndexes.delete(name);
      if (!entry.fromDisk) this.builtHere.add(name);
      return true;
    } catch (error) {
      if (!this.closed) throw error;
      return false;
    } finally {
      this.offThread.delete(name);
    }
  }

  /**
   * The finished indexes, for the store to keep beside a snapshot it writes of this collection. Their
   * labels are row numbers and a snapshot numbers only live rows, so they fit it only while no row has
   * been deleted (undefined otherwise: the next start builds them again, and keeps them then).
   */
  finishedIndexes(): Map<VectorName, hnswlib.HierarchicalNSW> | undefined {
    if (this.live !== this.ids.length) return undefined;
    return new Map([...this.indexes].map(([name, hnsw]) => [name, hnsw.index]));
  }

  /**
   * An index kept in `file` that holds the rows loaded so far (the snapshot's), `rows` points: read
   * when prepare() runs or a search needs it. Writes after it (the log replayed, later writes) are
   * put right then, as after a build in a worker; past the rebuild share it is built again instead.
   */
  keepOnDisk(name: VectorName, file: string, rows: number, stillFits: () => boolean): void {
    if (this.spec.vectors[name].size === 0) return;
    this.onDisk.set(name, { file, rows, upTo: this.ids.length, changed: new Set(), stillFits });
  }

  /**
   * Reads every index still kept on disk now, on this thread, and puts it in service with the rows
   * changed since applied. The store calls it before it deletes the files (a fold of the snapshot, or
   * writing the indexes again): an index nothing had needed yet is kept then, not lost. Not when a row
   * has been deleted: the indexes could not be kept beside a snapshot then (finishedIndexes), and are
   * only forgotten.
   */
  readKeptNow(): void {
    const pending = [...this.onDisk];
    this.onDisk.clear();
    if (this.live !== this.ids.length) return;
    for (const [name, kept] of pending) {
      try {
        const index = readIndexNow(this.space(name), this.matrices.get(name)!.dim, kept);
        const hnsw = { index, rows: index.getMaxElements(), rewritten: new Set<number>() };
        const m = this.matrices.get(name)!;
        // Within the rebuild share (keptChanged dropped it past that): each change applied.
        for (const row of kept.changed) this.addToIndex(hnsw, m.row(row), row);
        this.addRows(hnsw, name, kept.upTo, this.ids.length);
        this.indexes.set(name, hnsw);
      } catch (error) {
        unreadable(name, error);
      }
    }
  }

  /** Whether an index in service was built here since the store last kept them: the files on disk are not it. */
  get builtSinceKept(): boolean {
    return this.builtHere.size > 0;
  }

  /** The store wrote the finished indexes beside its snapshot. */
  keptIndexesWritten(): void {
    this.builtHere.clear();
  }

  /** Room for this many rows at once, so loading a large snapshot does not grow the matrices by doubling. */
  reserve(rows: number): void {
    for (const matrix of this.matrices.values()) matrix.ensure(rows);
  }

  /** Rows loaded so far, deleted ones included (the label space of an adopted index). */
  get rowCount(): number {
    return this.ids.length;
  }

  private newSearchIndex(name: VectorName): hnswlib.HierarchicalNSW {
    return new hnswlib.HierarchicalNSW(this.space(name), this.matrices.get(name)!.dim);
  }

  /** hnswlib's space for a named vector's distance. */
  private space(name: VectorName): 'cosine' | 'l2' {
    return this.spec.vectors[name].distance === 'Cosine' ? 'cosine' : 'l2';
  }

  /** The collection was deleted or closed: stop preparing its indexes (worker threads terminated). */
  drop(): void {
    this.closed = true;
    for (const { build } of this.offThread.values()) build.cancel();
  }

  private ensureIndex(name: VectorName) {
    let hnsw = this.indexes.get(name);
    if (hnsw) return hnsw;
    hnsw = this.newIndex(name);
    this.addRows(hnsw, name, 0, this.ids.length);
    this.indexes.set(name, hnsw);
    this.builtHere.add(name);
    return hnsw;
  }

  /** Adds the live rows in [from, to) of the vector to the index. */
  private addRows(hnsw: Hnsw, name: VectorName, from: number, to: number): void {
    const m = this.matrices.get(name)!;
    for (let row = from; row < to; row++) if (this.ids[row]! >= 0) this.addToIndex(hnsw, m.row(row), row);
  }

  private newIndex(name: VectorName): Hnsw {
    const index = this.newSearchIndex(name);
    const rows = Math.max(1024, this.ids.length * 2);
    index.initIndex(rows, this.tuning.hnswM, this.tuning.hnswEfConstruction, 100);
    return { index, rows, rewritten: new Set() };
  }

  /**
   * Counts a rewrite of a row the index holds; past the rebuild share of its rows, drops the index
   * (true: do not write to it). Rewriting a row in HNSW re-links its neighbourhood, which costs more
   * than inserting it, on the writer's thread: an embed job that rebuilt 100,000 customers in place
   * spent half of its main thread updating the four indexes, and a start replaying a large log into
   * kept indexes 160 s (bench:scale's shop, profiled). Building again in worker threads is cheaper
   * and off the writer's thread; a stream of single customers' updates stays under the share.
   * (Qdrant, likewise, leaves bulk writes unindexed until its optimizer rebuilds the segment.)
   */
  private indexRewritten(name: VectorName, hnsw: Hnsw, row: number): boolean {
    hnsw.rewritten.add(row);
    if (hnsw.rewritten.size <= this.rewriteAllowance()) return false;
    this.indexes.delete(name);
    this.markStale(name);
    return true;
  }

  private rewriteAllowance(): number {
    return Math.max(this.tuning.rebuildMinRows, this.tuning.rebuildShare * this.live);
  }

  /** A row an index kept on disk holds was written or deleted; past the share, it will not be read. */
  private keptChanged(name: VectorName, kept: KeptOnDisk, row: number): void {
    kept.changed.add(row);
    if (kept.changed.size <= this.rewriteAllowance()) return;
    this.onDisk.delete(name);
    this.markStale(name);
  }

  private markStale(name: VectorName): void {
    const now = performance.now();
    if (this.staleIndexes.size === 0) this.staleSince = now;
    this.staleIndexes.add(name);
    this.lastRewriteAt = now;
  }

  /**
   * Reads the indexes kept on disk and builds those dropped for rewrites again (prepare), unless a
   * prepare is under way — or, while one is dropped, until its rewrites have paused (a build during a
   * bulk rewrite would have the rest of it to apply row by row).
   */
  private prepareWhenDue(): void {
    const now = performance.now();
    if (this.preparing > 0 || this.closed || now - this.rebuildFailedAt < REBUILD_RETRY_MS) return;
    if (this.staleIndexes.size > 0 && now - this.lastRewriteAt < this.tuning.rebuildQuietMs && now - this.staleSince < REBUILD_LATEST_MS) return;
    this.prepare().catch((error: unknown) => {
      this.rebuildFailedAt = performance.now();
      log('vectors').warn({ err: error }, 'could not read or build a search index; searches stay exact');
    });
  }

  private addToIndex(hnsw: Hnsw, vector: Float32Array, row: number) {
    if (row >= hnsw.rows) {
      hnsw.rows = Math.max(row + 1, hnsw.rows * 2);
      hnsw.index.resizeIndex(hnsw.rows);
    }
    hnsw.index.addPoint(Array.from(vector), row);
  }
}

/** Marks a row deleted in an index; a row the index never held (deleted before it was added) has nothing to mark. */
function markDeleted(index: hnswlib.HierarchicalNSW, row: number): void {
  try {
    index.markDelete(row);
  } catch {
    // hnswlib: "Label not found"
  }
}

function score(distance: Distance, q: Float32Array, data: Float32Array, offset: number, dim: number): number {
  let s = 0;
  if (distance === 'Cosine') {
    for (let j = 0; j < dim; j++) s += q[j]! * data[offset + j]!;
    return s;
  }
  for (let j = 0; j < dim; j++) {
    const d = q[j]! - data[offset + j]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  return v;
}

/** Keeps the k best scores in a binary heap whose root is the worst kept; O(N log k). */
class TopK {
  private readonly rows: number[] = [];
  private readonly scores: number[] = [];
  constructor(
    private readonly k: number,
    private readonly higherIsBetter: boolean,
  ) {}

  push(row: number, score: number): void {
    if (this.rows.length < this.k) {
      this.rows.push(row);
      this.scores.push(score);
      this.siftUp(this.rows.length - 1);
    } else if (this.better(score, this.scores[0]!)) {
      this.rows[0] = row;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  sorted(): { row: number; score: number }[] {
    return this.rows
      .map((row, i) => ({ row, score: this.scores[i]! }))
      .sort((a, b) => (this.higherIsBetter ? b.score - a.score : a.score - b.score) || a.row - b.row);
  }

  private better(a: number, b: number) {
    return this.higherIsBetter ? a > b : a < b;
  }

  /** True when slot i should sit above slot j (it is worse). */
  private above(i: number, j: number) {
    return this.better(this.scores[j]!, this.scores[i]!);
  }

  private swap(i: number, j: number) {
    [this.rows[i], this.rows[j]] = [this.rows[j]!, this.rows[i]!];
    [this.scores[i], this.scores[j]] = [this.scores[j]!, this.scores[i]!];
  }

  private siftUp(i: number) {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number) {
    const n = this.rows.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < n && this.above(l, top)) top = l;
      if (r < n && this.above(r, top)) top = r;
      if (top === i) return;
      this.swap(i, top);
      i = top;
    }
  }
}

function unreadable(name: VectorName, error: unknown): void {
  log('vectors').warn({ err: error, vector: name }, `the kept ${name} search index could not be read; it will be built again`);
}
