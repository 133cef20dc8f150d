// The embedded VectorStore: the default when QDRANT_URL is unset. Each collection lives in memory
// and on disk under data/vectors/<name>/ as a snapshot plus a write-ahead log. Every write is
// appended to the log and fsynced before it is applied, so a restart replays it and a process
// killed mid-write loses at most the batch it was writing (the torn frame is dropped). The log is
// folded into a new snapshot (written aside, then renamed over) when it grows large and on close.
// The HNSW indexes a server builds are kept beside the snapshot they index (index.json names it), so
// the next start reads them in seconds instead of building them for minutes, when it first needs them
// (prepare, or a search); the log written after them is applied to them then.
import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, InputError, NotFoundError } from '../../errors/domain-errors.js';
import {
  VECTOR_NAMES,
  type CollectionSpec,
  type Filter,
  type Payload,
  type PayloadUpdate,
  type Point,
  type RecommendRequest,
  type ScoredPoint,
  type SearchRequest,
  type StoredPoint,
  type VectorName,
  type VectorStore,
  type WithVectors,
  type PrepareProgress,
} from '../vector-store.js';
import { Collection, DEFAULT_TUNING, type SearchTuning } from './collection.js';
import { matchesFilter } from './payload-filter.js';
import { appendRecords, readRecords, writeFileAtomically, encodeRecord, type LogRecord } from './write-ahead-log.js';
import { log } from '../../observability/log.js';

const SNAPSHOT = 'snapshot.log';
const WAL = 'wal.log';
const SPEC = 'spec.json';
const ALIASES = 'aliases.json';
const SNAPSHOT_CHUNK = 10_000;
const INDEX_META = 'index.json';
const indexFile = (vector: VectorName) => `index-${vector}.hnsw`;

interface Open {
  collection: Collection;
  walBytes: number;
  /**
   * The log holds upserts or deletes, not only payloads. A payload-only log (a segmentation's
   * labels) leaves rows, vectors and the kept indexes as the snapshot has them: it need not be folded
   * on close, where a fold rewrites the whole snapshot (8.8 s at 100,000 customers) for a record of a
   * few hundred kilobytes that a start replays in milliseconds.
   */
  walRows: boolean;
  /** Size of the snapshot on disk (0: none yet). */
  snapshotBytes: number;
  /** The vectors whose indexes on disk fit the snapshot on disk. */
  savedIndexes: Set<VectorName>;
}

/** What index.json says: which snapshot the kept indexes number the rows of, and how they were built. */
interface IndexMeta {
  snapshot: { size: number; mtimeMs: number; ino: number };
  rows: number;
  hnswM: number;
  hnswEfConstruction: number;
  vectors: VectorName[];
}

export interface EmbeddedStoreOptions {
  /** Directory for persistence; undefined keeps everything in memory (benchmarks). */
  dir?: string;
  tuning?: Partial<SearchTuning>;
  /** Fold the log into a snapshot once it is this large. */
  compactBytes?: number;
}

export class EmbeddedVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  private readonly open = new Map<string, Open>();
  private readonly tuning: SearchTuning;
  private aliases: Record<string, string>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EmbeddedStoreOptions = {}) {
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    if (options.dir) fs.mkdirSync(options.dir, { recursive: true });
    this.aliases =
      options.dir && fs.existsSync(path.join(options.dir, ALIASES))
        ? (JSON.parse(fs.readFileSync(path.join(options.dir, ALIASES), 'utf8')) as Record<string, string>)
        : {};
  }

  async ensureCollection(name: string, spec: CollectionSpec): Promise<void> {
    return this.serial(() => {
      checkName(name);
      const existing = this.load(name);
      if (existing) {
        for (const v of VECTOR_NAMES) {
          const have = existing.collection.spec.vectors[v];
          if (have.size !== spec.vectors[v].size || have.distance !== spec.vectors[v].distance) {
            // The store's state, not the caller's input: CONFLICT (nothing the request could change fixes it).
            throw new ConflictError(
              `collection ${name} exists with ${v} ${have.size}/${have.distance}, not ${spec.vectors[v].size}/${spec.vectors[v].distance}: delete it or embed into a new one`,
            );
          }
        }
        return;
      }
      if (this.options.dir) {
        const dir = this.collectionDir(name);
        fs.mkdirSync(dir, { recursive: true });
        writeFileAtomically(path.join(dir, SPEC), Buffer.from(JSON.stringify(spec, null, 2)));
      }
      this.open.set(name, { collection: new Collection(spec, this.tuning), walBytes: 0, walRows: false, snapshotBytes: 0, savedIndexes: new Set() });
    });
  }

  async collectionExists(name: string): Promise<boolean> {
    return this.load(name) !== undefined;
  }

  async deleteCollection(name: string): Promise<void> {
    return this.serial(() => {
      // An index still being built for it stops (its worker thread is terminated).
      this.open.get(name)?.collection.drop();
      this.open.delete(name);
      if (this.options.dir) fs.rmSync(this.collectionDir(name), { recursive: true, force: true });
      for (const [alias, target] of Object.entries(this.aliases)) if (target === name) delete this.aliases[alias];
      this.saveAliases();
    });
  }

  async setAlias(alias: string, collection: string): Promise<void> {
    return this.serial(() => {
      this.require(collection);
      this.aliases[alias] = collection;
      this.saveAliases();
    });
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    return this.aliases[alias];
  }

  async upsert(collection: string, points: Point[]): Promise<void> {
    if (points.length === 0) return;
    return this.serial(() => {
      const open = this.require(collection);
      // Validate before logging, so the log never holds a write that cannot be applied.
      for (const p of points) {
        if (!Number.isSafeInteger(p.id) || p.id < 0) throw new InputError(`point id ${p.id} must be an unsigned integer`);
        for (const v of VECTOR_NAMES) {
          const size = open.collection.spec.vectors[v].size;
          if (p.vectors[v]?.length !== size) throw new InputError(`point ${p.id}: vector "${v}" must have ${size} dimensions`);
        }
      }
      this.log(collection, open, [upsertRecord(points)]);
      open.collection.upsert(points);
      this.maybeCompact(collection, open);
    });
  }

  async delete(collection: string, ids: number[], options: { erase?: boolean } = {}): Promise<void> {
    return this.serial(() => {
      const open = this.require(collection);
      this.log(collection, open, [{ header: { op: 'delete', ids }, body: Buffer.alloc(0) }]);
      open.collection.delete(ids);
      // The snapshot and the log still hold the points' earlier writes: erasing folds them into a
      // snapshot without them and empties the log (the old files are replaced, not edited).
      if (options.erase) this.compact(collection, open);
      else this.maybeCompact(collection, open);
    });
  }

  async setPayload(collection: string, updates: PayloadUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    return this.serial(() => {
      const open = this.require(collection);
      this.log(collection, open, [{ header: { op: 'payload', updates }, body: Buffer.alloc(0) }]);
      for (const u of updates) open.collection.setPayload(u.ids, u.payload);
      this.maybeCompact(collection, open);
    });
  }

  async retrieve(collection: string, ids: number[], withVectors = false): Promise<StoredPoint[]> {
    const c = this.require(collection).collection;
    return ids.map((id) => c.get(id, withVectors)).filter((p): p is StoredPoint => p !== undefined);
  }

  async *scroll(collection: string, options: { batchSize?: number; filter?: Filter; withVectors?: WithVectors } = {}): AsyncIterable<StoredPoint[]> {
    const c = this.require(collection).collection;
    const batchSize = options.batchSize ?? 1000;
    let batch: StoredPoint[] = [];
    for (const id of [...c.idsInOrder()]) {
      const point = c.get(id, options.withVectors ?? false);
      if (!point || (options.filter && !matchesFilter(point.payload, options.filter, id))) continue;
      batch.push(point);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async prepare(collection: string, onProgress?: (progress: PrepareProgress) => void): Promise<void> {
    const built = await this.require(collection).collection.prepare(onProgress);
    // Kept on disk, so the next start reads them instead of building them again. Only when one was
    // built: an embed job that updated a few customers finds its indexes in service, and folding the
    // snapshot and rewriting every index for it would cost seconds at each job (close keeps them).
    if (built === 0) return;
    await this.serial(async () => {
      const open = this.open.get(collection);
      if (open) await this.keepIndexesOrWarn(collection, open);
    });
  }

  async search(collection: string, request: SearchRequest): Promise<ScoredPoint[]> {
    const c = this.require(collection).collection;
    checkVector(c, request.using, request.vector);
    return c.search(request.using, request.vector, request.limit, request.offset ?? 0, request.filter, new Set(), request.withVectors);
  }

  async recommend(collection: string, request: RecommendRequest): Promise<ScoredPoint[]> {
    const c = this.require(collection).collection;
    const negative = request.negative ?? [];
    const exclude = new Set([...request.positive, ...negative]);
    const vectors = (ids: number[]) =>
      ids.map((id) => {
        const v = c.vectorOf(id, request.using);
        if (!v) throw new NotFoundError(`point ${id} is not in ${collection}`);
        return v;
      });
    const pos = vectors(request.positive);
    const neg = vectors(negative);
    if (pos.length === 0) throw new InputError('recommend needs at least one positive example');
    const offset = request.offset ?? 0;

    if (request.strategy === 'average_vector') {
      // Qdrant's rule: avg(positive) + (avg(positive) − avg(negative)).
      const avgPos = average(pos);
      const query = neg.length ? avgPos.map((x, j) => 2 * x - average(neg)[j]!) : avgPos;
      return c.search(request.using, Float32Array.from(query), request.limit, offset, request.filter, exclude);
    }

    // best_score: each candidate scores by its nearest positive; if a negative is nearer, it scores
    // −(that similarity)² (Qdrant's rule). Candidates: every point when search is exact, else the
    // HNSW neighbours of each example.
    const cosine = c.distanceOf(request.using) === 'Cosine';
    const similarity = (s: number) => (cosine ? s : -s);
    const k = request.limit + offset;
    const candidateRows = new Set<number>();
    const accept = c.acceptor(request.filter, exclude);
    if (c.size < this.tuning.exactSearchLimit) {
      for (const id of c.idsInOrder()) {
        const row = c.rowIdOf(id)!;
        if (accept(row)) candidateRows.add(row);
      }
    } else {
      const perExample = Math.max(k, Math.ceil((4 * k) / pos.length));
      for (const v of [...pos, ...neg]) {
        for (const hit of c.search(request.using, v, perExample, 0, request.filter, exclude)) candidateRows.add(c.rowIdOf(hit.id)!);
      }
    }
    const best = (examples: Float32Array[]) => {
      const out = new Map<number, number>();
      for (const e of examples) {
        for (const [row, s] of c.scoreRows(request.using, e, candidateRows)) out.set(row, Math.max(out.get(row) ?? -Infinity, similarity(s)));
      }
      return out;
    };
    const bestPos = best(pos);
    const bestNeg = neg.length ? best(neg) : new Map<number, number>();
    const scored = [...candidateRows].map((row) => {
      const p = bestPos.get(row)!;
      const n = bestNeg.get(row);
      return { row, score: n === undefined || p > n ? p : -(n * n) };
    });
    scored.sort((a, b) => b.score - a.score || c.idAt(a.row) - c.idAt(b.row));
    return scored.slice(offset, k).map(({ row, score }) => ({ ...c.get(c.idAt(row), false)!, score }));
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    return this.require(collection).collection.count(filter);
  }

  async close(): Promise<void> {
    // Index builds under way stop (their worker threads would keep a closing process alive); the
    // indexes already built are kept below.
    for (const open of this.open.values()) open.collection.drop();
    await this.serial(async () => {
      for (const [name, open] of this.open) {
        if (open.walRows) this.compact(name, open);
        await this.keepIndexesOrWarn(name, open);
      }
      this.open.clear();
    });
  }

  /** Writes run one at a time, in call order. */
  private serial<T>(fn: () => T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private collectionDir(name: string) {
    return path.join(this.options.dir!, name);
  }

  private require(name: string): Open {
    const open = this.load(name);
    if (!open) throw new NotFoundError(`vector collection "${name}" does not exist`);
    return open;
  }

  private load(name: string): Open | undefined {
    const cached = this.open.get(name);
    if (cached || !this.options.dir) return cached;
    const dir = this.collectionDir(name);
    if (!fs.existsSync(path.join(dir, SPEC))) return undefined;
    const spec = JSON.parse(fs.readFileSync(path.join(dir, SPEC), 'utf8')) as CollectionSpec;
    // A collection written by an older version, before a named vector existed, opens with that vector
    // empty (size 0): its points stay readable and deletable (forgetting a customer must reach every
    // collection), and ensureCollection with the current layout refuses it with what to do.
    for (const v of VECTOR_NAMES) spec.vectors[v] ??= { size: 0, distance: 'Euclid' };
    const collection = new Collection(spec, this.tuning);
    const snapshot = path.join(dir, SNAPSHOT);
    if (fs.existsSync(snapshot)) {
      // The snapshot is mostly vectors: its size bounds its points (the headers make it a little more).
      const bytesPerPoint = 4 * VECTOR_NAMES.reduce((sum, v) => sum + spec.vectors[v].size, 0);
      if (bytesPerPoint > 0) collection.reserve(Math.ceil(fs.statSync(snapshot).size / bytesPerPoint));
    }
    for (const record of readRecords(snapshot)) apply(collection, record);
    // Before the log: the kept indexes hear of the rows it writes.
    const savedIndexes = this.keptIndexes(name, collection);
    const wal = readRecords(path.join(dir, WAL), (endsAt, dropped, kept) =>
      log('vectors').warn(
        { collection: name, droppedBytes: dropped, endsAt, records: kept },
        `vector collection ${name}: the write-ahead log ended in a torn record (${dropped} bytes, from an interrupted write); opened at the last whole record (byte ${endsAt}, ${kept} records)`,
      ),
    );
    let walRows = false;
    for (const record of wal) {
      apply(collection, record);
      walRows ||= record.header.op !== 'payload';
    }
    const open = {
      collection,
      walBytes: fs.existsSync(path.join(dir, WAL)) ? fs.statSync(path.join(dir, WAL)).size : 0,
      walRows,
      snapshotBytes: fs.existsSync(snapshot) ? fs.statSync(snapshot).size : 0,
      savedIndexes,
    };
    this.open.set(name, open);
    return open;
  }

  private log(name: string, open: Open, records: LogRecord[]): void {
    if (!this.options.dir) return;
    const file = path.join(this.collectionDir(name), WAL);
    appendRecords(file, records);
    open.walBytes = fs.statSync(file).size;
    open.walRows ||= records.some((r) => r.header.op !== 'payload');
  }

  /**
   * After a logged write has been applied: fold a large log into a snapshot — once the log is past
   * compactBytes and past the snapshot's own size. A fold rewrites the whole snapshot, so with a fixed
   * threshold a growing collection was rewritten every 64 MB of writes: an embed job of 100,000
   * customers (a 604 MB snapshot) folded nine times, and of a million it would write the snapshot
   * about ninety times over (bench:scale). Against the snapshot's size, every byte is rewritten a
   * bounded number of times, and a start replays at most about a snapshot's worth of log.
   */
  private maybeCompact(name: string, open: Open): void {
    if (open.walBytes > Math.max(this.options.compactBytes ?? 64 * 1024 * 1024, open.snapshotBytes)) this.compact(name, open);
  }

  private compact(name: string, open: Open): void {
    if (!this.options.dir) return;
    const dir = this.collectionDir(name);
    const chunks: Buffer[] = [];
    let batch: Point[] = [];
    for (const point of open.collection.rows()) {
      batch.push(point);
      if (batch.length >= SNAPSHOT_CHUNK) {
        chunks.push(encodeRecord(upsertRecord(batch)));
        batch = [];
      }
    }
    if (batch.length) chunks.push(encodeRecord(upsertRecord(batch)));
    // The kept indexes number the rows of the snapshot being replaced: no longer theirs (and not
    // rewritten here, at every fold of a busy log: keepIndexes does that after a prepare and on close).
    this.forgetIndexes(dir, open);
    // Snapshot first, then the empty log: a crash in between replays a log the snapshot already holds.
    writeFileAtomically(path.join(dir, SNAPSHOT), chunks);
    writeFileAtomically(path.join(dir, WAL), Buffer.alloc(0));
    open.walBytes = 0;
    open.walRows = false;
    open.snapshotBytes = chunks.reduce((sum, c) => sum + c.length, 0);
  }

  private async keepIndexesOrWarn(name: string, open: Open): Promise<void> {
    try {
      await this.keepIndexes(name, open);
    } catch (error) {
      // Keeping them only saves the next start a build: a full disk must not stop a close or a prepare.
      log('vectors').warn({ err: error, collection: name }, `could not keep the search indexes of ${name} on disk; the next start builds them`);
      try {
        this.forgetIndexes(this.collectionDir(name), open);
      } catch {
        // Nothing left to do: index.json, if still there, names a snapshot that fits no index written since.
      }
    }
  }

  /**
   * Writes the collection's finished indexes beside its snapshot, folding the log into the snapshot
   * first (the indexes hold its writes; the snapshot must too). Nothing to do when those on disk
   * already fit, or when a deleted row leaves the indexes numbered unlike a snapshot.
   */
  private async keepIndexes(name: string, open: Open): Promise<void> {
    if (!this.options.dir) return;
    const inService = open.collection.finishedIndexes();
    if (!inService || inService.size === 0) return;
    if (!open.walRows && !open.collection.builtSinceKept && [...inService.keys()].every((v) => open.savedIndexes.has(v))) return;
    const dir = this.collectionDir(name);
    // Either way the files on disk go first (compact forgets them too). A payload-only log leaves the
    // rows as the snapshot has them: the indexes fit it without a fold.
    if (open.walRows || !fs.existsSync(path.join(dir, SNAPSHOT))) this.compact(name, open);
    else this.forgetIndexes(dir, open);
    // With those that were still on disk, unread: forgetting their files read them (readKeptNow).
    const finished = open.collection.finishedIndexes();
    if (!finished) return;
    const started = performance.now();
    for (const [vector, index] of finished) {
      const file = path.join(dir, indexFile(vector));
      // hnswlib writes on a thread of its own: searches go on meanwhile (writes wait in the queue).
      await index.writeIndex(`${file}.tmp`);
      const handle = await fs.promises.open(`${file}.tmp`, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      fs.renameSync(`${file}.tmp`, file);
    }
    const snapshot = fs.statSync(path.join(dir, SNAPSHOT));
    const meta: IndexMeta = {
      snapshot: { size: snapshot.size, mtimeMs: snapshot.mtimeMs, ino: snapshot.ino },
      rows: open.collection.rowCount,
      hnswM: this.tuning.hnswM,
      hnswEfConstruction: this.tuning.hnswEfConstruction,
      vectors: [...finished.keys()],
    };
    // Last: until it is written, the files above are not taken for the snapshot's indexes.
    writeFileAtomically(path.join(dir, INDEX_META), Buffer.from(JSON.stringify(meta, null, 2)));
    open.savedIndexes = new Set(finished.keys());
    open.collection.keptIndexesWritten();
    log('vectors').info(
      { collection: name, vectors: meta.vectors, rows: meta.rows, ms: Math.round(performance.now() - started) },
      `search indexes of ${name} kept on disk`,
    );
  }

  private forgetIndexes(dir: string, open: Open): void {
    // Those still on disk only, never read, would be lost with their files: read first.
    open.collection.readKeptNow();
    fs.rmSync(path.join(dir, INDEX_META), { force: true });
    // The .tmp of a write that was cut off too: it holds vectors, perhaps of customers erased since.
    for (const vector of VECTOR_NAMES) for (const file of [indexFile(vector), `${indexFile(vector)}.tmp`]) fs.rmSync(path.join(dir, file), { force: true });
    open.savedIndexes = new Set();
  }

  /**
   * The kept indexes that fit the snapshot just read (same file, same rows, same build settings), handed
   * to the collection to read when it needs them (Collection.keepOnDisk); one that turns out unreadable
   * then is built again.
   */
  private keptIndexes(name: string, collection: Collection): Set<VectorName> {
    const dir = this.collectionDir(name);
    const kept = new Set<VectorName>();
    if (!fs.existsSync(path.join(dir, INDEX_META)) || !fs.existsSync(path.join(dir, SNAPSHOT))) return kept;
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, INDEX_META), 'utf8')) as IndexMeta;
      const snapshot = fs.statSync(path.join(dir, SNAPSHOT));
      const fits =
        meta.snapshot.size === snapshot.size &&
        meta.snapshot.mtimeMs === snapshot.mtimeMs &&
        meta.snapshot.ino === snapshot.ino &&
        meta.rows === collection.rowCount &&
        meta.hnswM === this.tuning.hnswM &&
        meta.hnswEfConstruction === this.tuning.hnswEfConstruction;
      if (!fits) return kept;
      // Checked again when they are read (perhaps much later): the same index.json and snapshot.
      const metaAt = fs.statSync(path.join(dir, INDEX_META));
      const stillFits = () => {
        try {
          const m = fs.statSync(path.join(dir, INDEX_META));
          const s = fs.statSync(path.join(dir, SNAPSHOT));
          return m.ino === metaAt.ino && m.mtimeMs === metaAt.mtimeMs && s.ino === snapshot.ino && s.mtimeMs === snapshot.mtimeMs && s.size === snapshot.size;
        } catch {
          return false;
        }
      };
      for (const vector of meta.vectors) {
        if (!VECTOR_NAMES.includes(vector) || collection.spec.vectors[vector].size === 0) continue;
        collection.keepOnDisk(vector, path.join(dir, indexFile(vector)), meta.rows, stillFits);
        kept.add(vector);
      }
    } catch (error) {
      log('vectors').warn({ err: error, collection: name }, `the kept search indexes of ${name} could not be read; they will be built again`);
    }
    return kept;
  }

  private saveAliases(): void {
    if (this.options.dir) writeFileAtomically(path.join(this.options.dir, ALIASES), Buffer.from(JSON.stringify(this.aliases, null, 2)));
  }
}

function upsertRecord(points: Point[]): LogRecord {
  const parts: Buffer[] = [];
  for (const p of points) for (const v of VECTOR_NAMES) parts.push(Buffer.from(p.vectors[v].buffer, p.vectors[v].byteOffset, p.vectors[v].byteLength));
  return { header: { op: 'upsert', ids: points.map((p) => p.id), payloads: points.map((p) => p.payload) }, body: Buffer.concat(parts) };
}

function apply(collection: Collection, record: LogRecord): void {
  const h = record.header;
  if (h.op === 'upsert') {
    const ids = h.ids as number[];
    const payloads = h.payloads as Payload[];
    // A view, not a copy: readRecords gives each body its own aligned buffer (upsert copies the rows).
    const { buffer, byteOffset, byteLength } = record.body;
    const body = new Float32Array(buffer, byteOffset, byteLength / 4);
    let offset = 0;
    const points = ids.map((id, i) => {
      const vectors = {} as Record<VectorName, Float32Array>;
      for (const v of VECTOR_NAMES) {
        const size = collection.spec.vectors[v].size;
        vectors[v] = body.subarray(offset, offset + size);
        offset += size;
      }
      return { id, vectors, payload: payloads[i]! };
    });
    collection.upsert(points);
  } else if (h.op === 'delete') collection.delete(h.ids as number[]);
  else if (h.op === 'payload') for (const u of h.updates as PayloadUpdate[]) collection.setPayload(u.ids, u.payload);
}

function average(vectors: Float32Array[]): number[] {
  const out = new Array<number>(vectors[0]!.length).fill(0);
  for (const v of vectors) for (let j = 0; j < v.length; j++) out[j] = out[j]! + v[j]! / vectors.length;
  return out;
}

function checkName(name: string) {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name)) throw new InputError(`collection name "${name}" may use letters, digits, _ . - only`);
}

function checkVector(c: Collection, name: VectorName, v: Float32Array) {
  const size = c.spec.vectors[name].size;
  if (v.length !== size) throw new InputError(`query vector "${name}" must have ${size} dimensions, got ${v.length}`);
}
