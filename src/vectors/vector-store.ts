// The vector layer as a port: the service talks to this interface only, and two adapters implement
// it — Qdrant (production) and an embedded store (the default). One contract test suite
// (test/vectors/vector-store.contract.ts) holds both to the same behaviour.
//
// Semantics follow Qdrant's, so the adapters agree: point ids are unsigned integers; `score` is a
// similarity for Cosine (higher is nearer) and a distance for Euclid (lower is nearer); results come
// nearest first; filters use Qdrant's must / must_not / should shape.

export type VectorName = 'text' | 'lexical' | 'behaviour' | 'combined';
export const VECTOR_NAMES: readonly VectorName[] = ['text', 'lexical', 'behaviour', 'combined'];
export type Distance = 'Cosine' | 'Euclid';

export interface CollectionSpec {
  vectors: Record<VectorName, { size: number; distance: Distance }>;
  /** Payload fields to index for filtering (Qdrant payload indexes; the embedded store filters any field). */
  indexedFields: Record<string, 'keyword' | 'integer' | 'bool' | 'float'>;
}

export type PayloadValue = string | number | boolean | null | string[];
export type Payload = Record<string, PayloadValue>;

export interface Point {
  id: number;
  vectors: Record<VectorName, Float32Array>;
  payload: Payload;
}

export interface StoredPoint {
  id: number;
  payload: Payload;
  vectors?: Partial<Record<VectorName, Float32Array>>;
}

export interface ScoredPoint extends StoredPoint {
  score: number;
}

export type Condition =
  | { key: string; match: { value: string | number | boolean } }
  | { key: string; match: { any: (string | number)[] } }
  | { key: string; range: { gt?: number; gte?: number; lt?: number; lte?: number } }
  | { is_empty: { key: string } }
  /** Only these point ids (Qdrant's HasIdCondition). */
  | { has_id: number[] };

export interface Filter {
  must?: Condition[];
  must_not?: Condition[];
  should?: Condition[];
}

/** How far preparing a collection's index has got. */
export interface PrepareProgress {
  vector: VectorName;
  rows: number;
  of: number;
}

export interface SearchRequest {
  using: VectorName;
  vector: Float32Array;
  limit: number;
  offset?: number;
  filter?: Filter;
  withVectors?: boolean;
}

export type RecommendStrategy = 'average_vector' | 'best_score';

export interface RecommendRequest {
  using: VectorName;
  positive: number[];
  negative?: number[];
  strategy: RecommendStrategy;
  limit: number;
  offset?: number;
  filter?: Filter;
}

export interface PayloadUpdate {
  ids: number[];
  payload: Payload;
}

/** Which named vectors a read returns: all, none, or those listed. */
export type WithVectors = boolean | readonly VectorName[];

export interface VectorStore {
  readonly kind: 'embedded' | 'qdrant';
  ensureCollection(name: string, spec: CollectionSpec): Promise<void>;
  collectionExists(name: string): Promise<boolean>;
  deleteCollection(name: string): Promise<void>;
  /** Points the alias at `collection` (atomically replacing any previous target). */
  setAlias(alias: string, collection: string): Promise<void>;
  /** The collection an alias points at, if any. */
  resolveAlias(alias: string): Promise<string | undefined>;
  upsert(collection: string, points: Point[]): Promise<void>;
  /**
   * `erase`: the points must also be gone from what the store keeps on disk when this returns (a
   * customer forgotten), not only from answers; the embedded store rewrites its files for it.
   */
  delete(collection: string, ids: number[], options?: { erase?: boolean }): Promise<void>;
  retrieve(collection: string, ids: number[], withVectors?: boolean): Promise<StoredPoint[]>;
  /**
   * Every point (optionally filtered), in id order, `batchSize` at a time; `withVectors` is every named
   * vector (true) or only those listed (what a segmentation run reads of 1M points).
   */
  scroll(collection: string, options?: { batchSize?: number; filter?: Filter; withVectors?: WithVectors }): AsyncIterable<StoredPoint[]>;
  /**
   * Makes searches of the collection as fast as they will be (a server does it before it reports
   * ready): the embedded store builds its HNSW indexes, in worker threads; Qdrant keeps
   * its indexes built on the server, so there it only checks the collection exists.
   */
  prepare(collection: string, onProgress?: (progress: PrepareProgress) => void): Promise<void>;
  search(collection: string, request: SearchRequest): Promise<ScoredPoint[]>;
  /** Nearest to the positive examples and away from the negative ones; the examples themselves are excluded. */
  recommend(collection: string, request: RecommendRequest): Promise<ScoredPoint[]>;
  count(collection: string, filter?: Filter): Promise<number>;
  /** Merges payload fields into points; each update may carry a different payload. */
  setPayload(collection: string, updates: PayloadUpdate[]): Promise<void>;
  close(): Promise<void>;
}
