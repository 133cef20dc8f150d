// The Qdrant adapter (@qdrant/js-client-rest). Named vectors per collection, payload indexes on the
// fields we filter on, batched upserts that wait for the write, retries with exponential backoff on
// transient failures, and UnavailableError when the server cannot be reached at all.
import pRetry from 'p-retry';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { ConflictError, NotFoundError, UnavailableError } from '../../errors/domain-errors.js';
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
} from '../vector-store.js';

export interface QdrantOptions {
  url: string;
  apiKey?: string;
  /** Points per upsert request. */
  batchSize?: number;
  retries?: number;
  /** For new collections on a cluster (docker-compose's `qdrant-cluster` profile): shards, copies, copies a write must reach. */
  shards?: number;
  replicationFactor?: number;
  writeConsistencyFactor?: number;
}

type Raw = { id: string | number; payload?: Record<string, unknown> | null; vector?: unknown; score?: number };

export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  private readonly client: QdrantClient;
  private readonly batchSize: number;
  private readonly retries: number;

  constructor(private readonly options: QdrantOptions) {
    this.client = new QdrantClient({ url: options.url, apiKey: options.apiKey, checkCompatibility: false });
    this.batchSize = options.batchSize ?? 256;
    this.retries = options.retries ?? 4;
  }

  async ensureCollection(name: string, spec: CollectionSpec): Promise<void> {
    const { exists } = await this.call(() => this.client.collectionExists(name));
    if (exists) {
      // As the embedded store: an existing collection must have the asked-for vectors, or writes would
      // fail point by point later.
      const info = await this.call(() => this.client.getCollection(name));
      const have = (info.config.params.vectors ?? {}) as Record<string, { size?: number; distance?: string } | undefined>;
      for (const v of VECTOR_NAMES) {
        const h = have[v];
        if (h?.size !== spec.vectors[v].size || h?.distance !== spec.vectors[v].distance) {
          // The store's state, not the caller's input: CONFLICT (nothing the request could change fixes it).
          throw new ConflictError(
            `collection ${name} exists with ${v} ${h ? `${h.size}/${h.distance}` : 'missing'}, not ${spec.vectors[v].size}/${spec.vectors[v].distance}: delete it or embed into a new one`,
          );
        }
      }
    } else {
      await this.call(() =>
        this.client.createCollection(name, {
          vectors: Object.fromEntries(VECTOR_NAMES.map((v) => [v, { size: spec.vectors[v].size, distance: spec.vectors[v].distance }])),
          ...(this.options.shards ? { shard_number: this.options.shards } : {}),
          ...(this.options.replicationFactor ? { replication_factor: this.options.replicationFactor } : {}),
          ...(this.options.writeConsistencyFactor ? { write_consistency_factor: this.options.writeConsistencyFactor } : {}),
        }),
      );
    }
    for (const [field, schema] of Object.entries(spec.indexedFields)) {
      await this.call(() => this.client.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true }));
    }
  }

  async collectionExists(name: string): Promise<boolean> {
    return (await this.call(() => this.client.collectionExists(name))).exists;
  }

  /** Qdrant builds and keeps its indexes on the server: nothing to do here but find the collection. */
  async prepare(collection: string): Promise<void> {
    if (!(await this.collectionExists(collection))) throw new NotFoundError(`vector collection "${collection}" does not exist`);
  }

  async deleteCollection(name: string): Promise<void> {
    await this.call(() => this.client.deleteCollection(name));
  }

  async setAlias(alias: string, collection: string): Promise<void> {
    // One request: the alias moves atomically, readers never see it missing.
    const current = await this.resolveAlias(alias);
    await this.call(() =>
      this.client.updateCollectionAliases({
        actions: [...(current ? [{ delete_alias: { alias_name: alias } }] : []), { create_alias: { collection_name: collection, alias_name: alias } }],
      }),
    );
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    const { aliases } = await this.call(() => this.client.getAliases());
    return aliases.find((a) => a.alias_name === alias)?.collection_name;
  }

  async upsert(collection: string, points: Point[]): Promise<void> {
    for (let i = 0; i < points.length; i += this.batchSize) {
      const batch = points.slice(i, i + this.batchSize);
      await this.call(() =>
        this.client.upsert(collection, {
          wait: true,
          points: batch.map((p) => ({
            id: p.id,
            vector: Object.fromEntries(VECTOR_NAMES.map((v) => [v, Array.from(p.vectors[v])])),
            payload: p.payload,
          })),
        }),
      );
    }
  }

  // `erase` asks nothing more of Qdrant: a deleted point is gone from answers at once and from its
  // segments when the optimizer next rewrites them (README: deletion).
  async delete(collection: string, ids: number[], _options?: { erase?: boolean }): Promise<void> {
    if (ids.length) await this.call(() => this.client.delete(collection, { wait: true, points: ids }));
  }

  async retrieve(collection: string, ids: number[], withVectors = false): Promise<StoredPoint[]> {
    const points = await this.call(() => this.client.retrieve(collection, { ids, with_payload: true, with_vector: withVectors }));
    const byId = new Map((points as Raw[]).map((p) => [Number(p.id), toStored(p, withVectors)]));
    return ids.map((id) => byId.get(id)).filter((p): p is StoredPoint => p !== undefined);
  }

  async *scroll(collection: string, options: { batchSize?: number; filter?: Filter; withVectors?: WithVectors } = {}): AsyncIterable<StoredPoint[]> {
    let offset: string | number | undefined | null = undefined;
    do {
      const page: { points: Raw[]; next_page_offset?: unknown } = await this.call(
        () =>
          this.client.scroll(collection, {
            limit: options.batchSize ?? 1000,
            offset: offset ?? undefined,
            filter: toQdrantFilter(options.filter),
            with_payload: true,
            with_vector: (options.withVectors ?? false) as boolean | string[],
          }) as Promise<{ points: Raw[]; next_page_offset?: unknown }>,
      );
      if (page.points.length) yield page.points.map((p) => toStored(p, options.withVectors ?? false));
      offset = (page.next_page_offset as string | number | null | undefined) ?? null;
    } while (offset !== null);
  }

  async search(collection: string, request: SearchRequest): Promise<ScoredPoint[]> {
    const result = await this.call(() =>
      this.client.query(collection, {
        query: Array.from(request.vector),
        using: request.using,
        limit: request.limit,
        offset: request.offset,
        filter: request.filter,
        with_payload: true,
        with_vector: request.withVectors ?? false,
      }),
    );
    return (result.points as Raw[]).map((p) => ({ ...toStored(p, request.withVectors ?? false), score: p.score ?? 0 }));
  }

  async recommend(collection: string, request: RecommendRequest): Promise<ScoredPoint[]> {
    const result = await this.call(() =>
      this.client.query(collection, {
        query: { recommend: { positive: request.positive, negative: request.negative ?? [], strategy: request.strategy } },
        using: request.using,
        limit: request.limit,
        offset: request.offset,
        filter: request.filter,
        with_payload: true,
      }),
    );
    return (result.points as Raw[]).map((p) => ({ ...toStored(p, false), score: p.score ?? 0 }));
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    return (await this.call(() => this.client.count(collection, { filter: toQdrantFilter(filter), exact: true }))).count;
  }

  async setPayload(collection: string, updates: PayloadUpdate[]): Promise<void> {
    for (let i = 0; i < updates.length; i += 500) {
      const operations = updates.slice(i, i + 500).map((u) => ({ set_payload: { payload: u.payload, points: u.ids } }));
      await this.call(() => this.client.batchUpdate(collection, { wait: true, operations }));
    }
  }

  async close(): Promise<void> {}

  /** Retries transient failures (network, 429, 5xx) with exponential backoff (p-retry), then maps what is left to domain errors. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await pRetry(fn, { retries: this.retries, minTimeout: 100, factor: 2, randomize: false, shouldRetry: ({ error }) => isTransient(error) });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) throw new NotFoundError((error as Error).message);
      if (status === undefined) throw new UnavailableError(`Qdrant at ${this.options.url} is unreachable: ${(error as Error).message}`);
      throw error;
    }
  }
}

/** The HTTP status of a failed Qdrant call; undefined when no answer came (network). */
function statusOf(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}

function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status === 429 || status >= 500;
}

function toStored(p: Raw, withVectors: WithVectors): StoredPoint {
  const point: StoredPoint = { id: Number(p.id), payload: (p.payload ?? {}) as Payload };
  if (withVectors !== false && p.vector && typeof p.vector === 'object') {
    point.vectors = {};
    for (const [name, v] of Object.entries(p.vector as Record<string, number[]>)) point.vectors[name as VectorName] = Float32Array.from(v);
  }
  return point;
}

/** Our filter is a subset of Qdrant's (the contract suite holds the two adapters to the same meaning). */
function toQdrantFilter(filter: Filter | undefined): Schemas['Filter'] | undefined {
  return filter;
}
