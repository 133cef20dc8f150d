// The embed job: customers → profiles → vectors in the store. For each customer it writes four
// named vectors (built by customer-vectors/CustomerSpace): `text` (their texts' sentence embeddings,
// each distinct text embedded once and cached, pooled by weight: customer-vectors/text-pool.ts),
// `lexical` (the shop-fitted lexical view of every word of their history), `behaviour` (robust-scaled
// features / √F) and `combined` (the three, balanced).
//
// Work is skipped by content hash: a text already in the cache is never embedded again, a customer
// whose texts and weights are unchanged is not re-pooled, an unchanged point never rewritten. Hashes
// are recorded after each batch's vectors are stored, so a job killed part-way resumes where it
// stopped, and point ids are customer ids, so nothing is ever stored twice.
// Sharing the work: the job prepares the index (the fits below), then splits the customers into parts
// of `shardSize` by id (EMBED_SHARD_JOB), which every worker on the queue takes one at a time — on
// several machines when the vector store is shared (Qdrant). The job finishes (index READY, alias
// moved) only when every part has; a part whose worker died is run again, harmlessly (the hashes).
// Each model fills its own collection; the `customers` alias moves to it only when it is complete.
// The scaler, the lexical model and the views' variances are fitted once, when the index is created,
// and stored with it: customers embedded later are placed exactly like the rest.
// Vocabulary drift: each run reads a seeded sample of the shop's words and measures how much of them the
// lexical fit knows. When that coverage has fallen LEXICAL_DRIFT below the coverage at fit time, the job
// starts a new generation of the model's collection (`…__lex2`, `…__lex3`): everything fitted anew and
// every customer written there (texts come from the cache), while readers keep the old generation
// through the alias until the new one is complete — a lexical fit is versioned like a model, and
// vectors of two fits never share a collection.
import { createHash } from 'node:crypto';
import { announceChange } from '../db/change-notifications.js';
import type { PrismaClient } from '../db/database.js';
import { refreshStatistics } from '../db/statistics.js';
import { toJson, vectorIndexSpace } from '../db/json-columns.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import { throwIfCancelled, type JobControl } from '../jobs/job-control.js';
import { mapYielding, yieldToEventLoop } from '../shared/yielding.js';
import { seededRng } from '../clustering/random.js';
import {
  balanceViews,
  collectionSpec,
  liveShare,
  CUSTOMERS_ALIAS,
  CustomerSpace,
  DEFAULT_VIEW_WEIGHTS,
  lexicalModelOf,
  meanVector,
  rememberLexicalModel,
  totalVariance,
  VIEWS,
  type View,
  type ViewBalance,
  type ViewWeights,
} from '../customer-vectors/customer-space.js';
import { bridgeDocuments, fitLanguageOffsets, removeLanguage, scriptShares } from '../customer-vectors/language-balance.js';
import { COVERAGE_SAMPLE, LexicalModel, DEFAULT_LEXICAL } from '../lexical/lexical-model.js';
import { sampleIndices } from '../clustering/random.js';
import { CustomerProfiles, featureNames, featureRow, HABIT_FEATURES, type CustomerProfile } from '../profiles/customer-profiles.js';
import { habitualRating, meanRatingWeight, measureRatingReliability, MIN_REPEAT_RATERS } from '../profiles/rating-reliability.js';
import { documentText, type ProfileDocument } from '../profiles/profile-text.js';
import { PrismaTextVectorCache } from '../customer-vectors/text-cache.js';
import { SharedTextMemo, textKey, textWeights, TextVectors, type WeightedText } from '../customer-vectors/text-pool.js';
import { fitRobustScaler } from '../profiles/robust-scaler.js';
import type { Payload, Point, VectorStore } from '../vectors/vector-store.js';
import { log } from '../observability/log.js';

export { CUSTOMERS_ALIAS, collectionSpec };
/** Payload fields that belong to segmentation; an embed job carries them over when it rewrites a point. */
export const SEGMENT_PAYLOAD_FIELDS = ['segmentId', 'runId', 'distance', 'provisional', 'outlier'] as const;
const TOP_CATEGORIES = 8;

/**
 * Customers' texts pooled to measure the text view's variance and its scripts' offsets when an index
 * is built (each script's mean of a 512-d view wants some hundreds of writers; the texts are embedded
 * once and cached, so the batches find them there).
 */
const TEXT_VARIANCE_SAMPLE = 1000;
/** Documents transformed to measure the lexical view's variance. */
const LEXICAL_VARIANCE_SAMPLE = 2000;
/** A drop of word coverage (share of word occurrences the lexical fit knows) that calls for a refit. */
export const LEXICAL_DRIFT = 0.1;
/** Below this many customers with words, coverage is too noisy to call drift. */
const DRIFT_MIN_DOCUMENTS = 200;

/** The job kind of one part of an embed job. */
export const EMBED_SHARD_JOB = 'embedShard';

/** One part of an embed job: the customers with ids in (after, until], `until` null for "and beyond". */
export interface EmbedShard {
  collection: string;
  asOf: string;
  after: number;
  until: number | null;
  onlyChanged: boolean;
  /** A rebuild (onlyChanged false): when it began, ISO. */
  rebuildSince?: string;
}

/** What one part did (EmbedReport's counts). */
export interface ShardReport {
  customers: number;
  embedded: number;
  pooled: number;
  written: number;
  unchanged: number;
}

export interface IndexerOptions {
  viewWeights?: ViewWeights;
  /** Customers read, embedded and written together. */
  batchSize?: number;
  /** Customers per part of an embed job: the unit that workers share (one worker per part). */
  shardSize?: number;
  /**
   * Whether other processes may run the parts: only when they write to the same vector store
   * (Qdrant), or when one process owns everything anyway (PGlite). Otherwise a part run by another
   * process would land in that process's own embedded store, and its customers' hashes would say done.
   */
  shareParts?: boolean;
  /**
   * Told about every batch of points written, e.g. to give new customers a provisional segment:
   * `written` every customer written (as written, so the listener need not read it back), `moved`
   * those whose point is new or differs from the one stored before (a rebuild rewrites unchanged
   * points too).
   */
  onPointsWritten?: (collection: string, written: WrittenBatch, moved: ReadonlySet<number>) => Promise<unknown>;
}

/** A batch of points as just written: each customer's vectors and behaviour. */
export interface WrittenBatch {
  /** The day the behaviour was read as of (recency counts to it). */
  asOf: Date;
  points: ReadonlyMap<number, { vectors: Point['vectors']; behaviour: CustomerProfile['behaviour'] }>;
}

export interface EmbedReport {
  collection: string;
  modelId: string;
  customers: number;
  /** Distinct texts that went through the model (the others came from the cache). */
  embedded: number;
  /** Customers whose text vector was pooled anew (their texts or weights changed). */
  pooled: number;
  /** Points written (text or behaviour changed). */
  written: number;
  unchanged: number;
  aliasSwitched: boolean;
  /** Word coverage of the lexical fit: when it was fitted, and on today's texts (absent for a new fit). */
  lexicalCoverage?: { fitted: number; now: number; documents: number };
  /** This run began a new generation of the collection (vocabulary drift). */
  refitted: boolean;
  seconds: number;
}

/**
 * The layout of the points (which named vectors, how `combined` is made). A new layout gets new
 * collections and new index rows, so an upgrade embeds beside the old collection while readers keep
 * using it, and the alias moves when the new one is complete. v2: the lexical view; v3: `combined`
 * balances five views (value split into value and habits); v4: the word views lose their
 * scripts' offsets in `combined`, and behaviour views count by their share of varying features.
 */
export const VECTOR_LAYOUT = 'v4';

const COLLECTION_PREFIX = `customers__${VECTOR_LAYOUT}__`;

/** The model's collection; generations after the first (lexical refits) get a suffix. */
export function collectionName(modelId: string, generation = 1): string {
  return `${COLLECTION_PREFIX}${modelId.replace(/[^A-Za-z0-9_.-]/g, '_')}${generation > 1 ? `__lex${generation}` : ''}`;
}

function generationOf(collection: string): number {
  const m = /__lex(\d+)$/.exec(collection);
  return m ? Number(m[1]) : 1;
}

/** What every batch of one collection shares: where it writes, the fitted space, and the day it is as of. */
interface BatchContext {
  collection: string;
  indexId: number;
  space: CustomerSpace;
  asOf: Date;
  onlyChanged: boolean;
  /** A rebuild: texts cached since then count as embedded in this run. */
  refreshedSince?: Date;
  /** The balance's scales, in a fixed order (the stored JSON need not keep its key order: jsonb does not). */
  viewsKey: string;
}

type VectorIndexRow = Parameters<typeof CustomerSpace.fromIndex>[0];

function batchContext(stored: VectorIndexRow, asOf: Date, onlyChanged: boolean, refreshedSince?: Date, model?: LexicalModel): BatchContext {
  const space = CustomerSpace.fromIndex(stored, model);
  return {
    collection: stored.collection,
    indexId: stored.id,
    space,
    asOf,
    onlyChanged,
    ...(refreshedSince ? { refreshedSince } : {}),
    viewsKey: VIEWS.map((v) => `${v}=${space.views[v].scale}`).join(','),
  };
}

export class CustomerIndexer {
  private readonly profiles: CustomerProfiles;
  private readonly texts: TextVectors;
  private readonly batchSize: number;
  private readonly shardSize: number;
  /** The active collection's batch context, kept between live refreshes. */
  private live: BatchContext | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly embedder: TextEmbedder,
    private readonly store: VectorStore,
    private readonly options: IndexerOptions,
  ) {
    this.profiles = new CustomerProfiles(prisma);
    this.texts = new TextVectors(embedder, new PrismaTextVectorCache(prisma), new SharedTextMemo());
    this.batchSize = options.batchSize ?? 256;
    this.shardSize = options.shardSize ?? 2000;
  }

  /** The model's first collection: the key that lets one embed job at a time work for this model. */
  get collection(): string {
    return collectionName(this.embedder.modelId);
  }

  async run(control: JobControl, options: { onlyChanged?: boolean } = {}): Promise<EmbedReport> {
    const started = performance.now();
    const onlyChanged = options.onlyChanged ?? true;
    // A rebuild re-embeds every text once, whichever worker meets it first: texts cached since this
    // instant (the database's clock, which stamps the cache) count as done.
    const rebuildSince = onlyChanged ? undefined : (await this.prisma.$queryRaw<{ now: Date }[]>`SELECT now() AS now`)[0]!.now.toISOString();
    control.progress(0, undefined, 'preparing');
    await refreshStatistics(this.prisma);
    const total = await this.prisma.customer.count();
    control.progress(0, total, 'preparing');
    const asOf = await this.profiles.asOf();
    const { collection, lexicalCoverage, refitted } = await this.currentGeneration(asOf, control);
    const index = await this.indexFor(collection, asOf, control);
    const spec = collectionSpec(this.embedder.dimensions, index.space.lexical.dimensions, index.features.length);
    await this.store.ensureCollection(collection, spec);

    const report: EmbedReport = {
      collection,
      modelId: this.embedder.modelId,
      customers: 0,
      embedded: index.embedded,
      pooled: 0,
      written: 0,
      unchanged: 0,
      aliasSwitched: false,
      lexicalCoverage,
      refitted,
      seconds: 0,
    };
    const shards = (await this.shardBounds()).map(({ after, until }): EmbedShard => ({
      collection,
      asOf: asOf.toISOString(),
      after,
      until,
      onlyChanged,
      rebuildSince,
    }));
    control.progress(0, total, `embedding in ${shards.length} part${shards.length === 1 ? '' : 's'}`);
    let done: ShardReport[];
    if (control.distribute && (this.options.shareParts ?? true)) done = await control.distribute<EmbedShard, ShardReport>(EMBED_SHARD_JOB, shards);
    else {
      // A direct call (no queue): the parts in turn, progress carried across them.
      done = [];
      for (const shard of shards) {
        const before = done.reduce((n, r) => n + r.customers, 0);
        done.push(await this.runShard(shard, { signal: control.signal, progress: (n) => control.progress(before + n, total) }));
      }
    }
    for (const r of done) {
      report.customers += r.customers;
      report.embedded += r.embedded;
      report.pooled += r.pooled;
      report.written += r.written;
      report.unchanged += r.unchanged;
    }

    // The collection's search indexes are built before readers move to it, so a server's first search
    // of it is as fast as its hundredth (not a build of minutes on the request's thread), and a CLI
    // run leaves them kept on disk for the next start. Nothing to do below the exact-search size, or
    // when they are in service (an update of some customers); an in-place rebuild dropped them.
    throwIfCancelled(control.signal);
    control.progress(total, total, 'building the search indexes');
    try {
      await this.store.prepare(collection, (p) => control.progress(total, total, `building the ${p.vector} search index: ${p.rows} of ${p.of} points`));
    } catch (error) {
      // The points are written: searches still answer (exactly, or building the index on first use),
      // so a failed build (a full temporary disk) does not fail the job; a server's start tries again.
      log('indexing').warn({ err: error, collection }, `could not build the search indexes of ${collection}`);
    }
    throwIfCancelled(control.signal);
    if (index.status !== 'READY') {
      await this.prisma.vectorIndex.update({ where: { id: index.id }, data: { status: 'READY', readyAt: new Date() } });
    }
    // Readers follow the alias; it moves to this model's collection only now that it is complete.
    if ((await this.store.resolveAlias(CUSTOMERS_ALIAS)) !== collection) {
      await this.store.setAlias(CUSTOMERS_ALIAS, collection);
      // No table records the alias: cached answers read through it are told here.
      await announceChange(this.prisma, 'alias');
      report.aliasSwitched = true;
    }
    report.seconds = (performance.now() - started) / 1000;
    return report;
  }

  /**
   * The customers split into parts of about `shardSize` by id: (after, until]. The last part is open
   * ended, so customers added while the job runs are embedded by it too.
   */
  private async shardBounds(): Promise<{ after: number; until: number | null }[]> {
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM customer) AS c
      WHERE n % ${this.shardSize} = 0 AND n < (SELECT count(*) FROM customer) ORDER BY id`;
    const cuts = rows.map((r) => Number(r.id));
    const bounds: { after: number; until: number | null }[] = [];
    let after = 0;
    for (const cut of cuts) {
      bounds.push({ after, until: cut });
      after = cut;
    }
    bounds.push({ after, until: null });
    return bounds;
  }

  /**
   * One part of an embed job (any worker may run it): its customers' profiles, their texts through
   * the cache and the model, their points written. Doing a part again is harmless — hashes skip what
   * is unchanged and point ids are customer ids — so a part whose worker died is simply run again.
   */
  async runShard(shard: EmbedShard, control: JobControl): Promise<ShardReport> {
    // The row without its lexical model, which is read and decoded once per index (lexicalModelOf).
    const stored = await this.prisma.vectorIndex.findUnique({ where: { collection: shard.collection }, omit: { lexical: true } });
    if (!stored) throw new Error(`No vector index ${shard.collection}: its embed job has not prepared it.`);
    // A worker configured with another model must not write into this model's collection.
    if (stored.modelId !== this.embedder.modelId)
      throw new Error(`This worker embeds with ${this.embedder.modelId}; collection ${shard.collection} is ${stored.modelId}'s.`);
    const model = await this.lexicalModelFor(stored);
    const rebuildSince = shard.rebuildSince ? new Date(shard.rebuildSince) : undefined;
    const batch = batchContext(stored, new Date(shard.asOf), shard.onlyChanged, rebuildSince, model);
    const report: ShardReport = { customers: 0, embedded: 0, pooled: 0, written: 0, unchanged: 0 };
    let after = shard.after;
    // Two batches in flight: while one batch's new texts are in the model (on its own thread), the next
    // one's profiles, lexical views and writes go on here. Batches hold different customers.
    const inFlight: Promise<void>[] = [];
    try {
      for (;;) {
        throwIfCancelled(control.signal);
        const ids = await this.profiles.customerIds(after, this.batchSize, shard.until ?? undefined);
        if (ids.length === 0) break;
        after = ids[ids.length - 1]!;
        const current = this.writeBatch(ids, batch, report).then(() =>
          control.progress(report.customers, undefined, `${report.pooled} pooled (${report.embedded} texts embedded), ${report.unchanged} unchanged`),
        );
        current.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
        inFlight.push(current);
        if (inFlight.length > 1) await inFlight.shift();
        // Let the server answer between batches: with the embedded database and texts from the cache,
        // a batch may never wait on I/O, and polls of this job's progress would queue until the end.
        await yieldToEventLoop();
      }
      while (inFlight.length > 0) await inFlight.shift();
    } finally {
      // A failed or cancelled part does not end while a batch of it still writes.
      await Promise.allSettled(inFlight);
    }
    return report;
  }

  /**
   * Live updates: these customers' points in the collection readers use now, written as an embed job
   * writes them (unchanged ones skipped by their hashes; new texts through the cache and the model),
   * as of the shop's latest order. Null when there is nothing to update: no complete collection yet,
   * or the active one belongs to another model (its embed job will cover them).
   */
  async refresh(customerIds: readonly number[]): Promise<(ShardReport & { collection: string }) | null> {
    const collection = await this.store.resolveAlias(CUSTOMERS_ALIAS);
    if (!collection) return null;
    // The row's space (its lexical model is megabytes) is read and decoded once per index, not per round:
    // a complete index's space never changes.
    const index = await this.prisma.vectorIndex.findUnique({ where: { collection }, select: { id: true, status: true, modelId: true } });
    if (!index || index.status !== 'READY' || index.modelId !== this.embedder.modelId) return null;
    const report: ShardReport = { customers: 0, embedded: 0, pooled: 0, written: 0, unchanged: 0 };
    if (this.live?.indexId !== index.id) {
      const stored = await this.prisma.vectorIndex.findUnique({ where: { id: index.id }, omit: { lexical: true } });
      if (!stored) return null;
      this.live = batchContext(stored, new Date(), true, undefined, await this.lexicalModelFor(stored));
    }
    const batch = { ...this.live, asOf: await this.profiles.asOf() };
    const ids = [...new Set(customerIds)].sort((a, b) => a - b);
    for (let start = 0; start < ids.length; start += this.batchSize) await this.writeBatch(ids.slice(start, start + this.batchSize), batch, report);
    return { ...report, collection };
  }

  /** An index's lexical model, read and decoded once per index in this process (lexicalModelOf). */
  private lexicalModelFor(index: { id: number; createdAt: Date }): Promise<LexicalModel | undefined> {
    return lexicalModelOf(
      this.prisma,
      index,
      async () => (await this.prisma.vectorIndex.findUnique({ where: { id: index.id }, select: { lexical: true } }))?.lexical,
    );
  }

  /** One batch of customers: profiles, texts through the cache and the model, points and hashes written. */
  private async writeBatch(ids: number[], batch: BatchContext, report: ShardReport): Promise<void> {
    const { collection, indexId, space, asOf, onlyChanged, refreshedSince, viewsKey } = batch;
    const [profiles, known] = await Promise.all([
      this.profiles.build(ids, asOf),
      this.prisma.customerVector.findMany({ where: { indexId, customerId: { in: ids } } }),
    ]);
    const knownBy = new Map(known.map((k) => [k.customerId, k]));
    const work = await mapYielding(profiles, (profile) => {
      const parts = textWeights(profile.texts, asOf);
      const textHash = textsHash(this.embedder.modelId, parts);
      const behaviour = space.behaviour(profile, asOf);
      const pointHash = sha256(
        `${textHash}\0${sha256(JSON.stringify(profile.document))}\0${Buffer.from(behaviour.buffer).toString('base64')}\0${viewsKey}\0${profile.country ?? ''}`,
      );
      const previous = knownBy.get(profile.id);
      return { profile, parts, textHash, pointHash, previous, behaviour };
    });
    const changed = onlyChanged ? work.filter((w) => w.previous?.pointHash !== w.pointHash) : work;
    report.unchanged += work.length - changed.length;

    if (changed.length > 0) {
      // Customers whose texts did not change keep their stored text vector; the others are pooled
      // again, and only texts not in the cache meet the model.
      const reuse = changed.filter((w) => onlyChanged && w.previous?.textHash === w.textHash);
      const fresh = changed.filter((w) => !reuse.includes(w));
      const existing = await this.store.retrieve(
        collection,
        changed.map((w) => w.profile.id),
        reuse.length > 0,
      );
      const existingBy = new Map(existing.map((p) => [p.id, p]));
      const textVectors = new Map<number, Float32Array>();
      for (const w of reuse) {
        const v = existingBy.get(w.profile.id)?.vectors?.text;
        if (v) textVectors.set(w.profile.id, v);
        else fresh.push(w); // stored point missing: embed after all
      }
      // onlyChanged: false is a full rebuild: each text is embedded again once in the run and
      // replaces its cached vector.
      const pooled = await this.texts.pooled(
        fresh.map((w) => w.parts),
        { refreshedSince },
      );
      fresh.forEach((w, i) => textVectors.set(w.profile.id, pooled.vectors[i]!));
      report.embedded += pooled.embedded;
      report.pooled += fresh.length;

      const points: Point[] = await mapYielding(changed, (w) => {
        const carried: Payload = {};
        const before = existingBy.get(w.profile.id)?.payload;
        if (before) for (const f of SEGMENT_PAYLOAD_FIELDS) if (before[f] !== undefined) carried[f] = before[f]!;
        return {
          id: w.profile.id,
          vectors: space.vectors(w.profile, asOf, textVectors.get(w.profile.id)!, w.behaviour),
          payload: { customerId: w.profile.externalId, country: w.profile.country, modelId: this.embedder.modelId, textHash: w.textHash, ...carried },
        };
      });
      await this.store.upsert(collection, points);
      // Recorded after the vectors are safely stored: a crash in between only redoes this batch.
      // One set-based statement for the batch (a row-by-row upsert cost more than the pooling). Only
      // customers that still exist: one forgotten while this batch ran loses the point just written.
      const recorded = await this.prisma.$queryRaw<{ customer_id: number }[]>`INSERT INTO customer_vector (customer_id, index_id, text_hash, point_hash)
         SELECT r.customer_id, ${indexId}, r.text_hash, r.point_hash
         FROM jsonb_to_recordset(${JSON.stringify(changed.map((w) => ({ customer_id: w.profile.id, text_hash: w.textHash, point_hash: w.pointHash })))}::jsonb) AS r(customer_id int, text_hash text, point_hash text)
         JOIN customer c ON c.id = r.customer_id
         ON CONFLICT (customer_id, index_id) DO UPDATE
           SET text_hash = EXCLUDED.text_hash, point_hash = EXCLUDED.point_hash, embedded_at = CURRENT_TIMESTAMP
         RETURNING customer_id`;
      const kept = new Set(recorded.map((r) => r.customer_id));
      const forgotten = changed.filter((w) => !kept.has(w.profile.id));
      if (forgotten.length > 0) {
        await this.store.delete(
          collection,
          forgotten.map((w) => w.profile.id),
        );
        // Their own words may have entered the text cache in this batch, after `deleteCustomer` cleared
        // it: cleared again here. A text someone else also wrote is simply embedded again when needed.
        const own = forgotten.flatMap((w) =>
          w.profile.texts.filter((t) => (t.kind === 'review' || t.kind === 'search') && t.text !== '').map((t) => textKey(t.text)),
        );
        await new PrismaTextVectorCache(this.prisma).delete([...new Set(own)]);
      }
      report.written += kept.size;
      const moved = new Set(changed.filter((w) => w.previous?.pointHash !== w.pointHash && kept.has(w.profile.id)).map((w) => w.profile.id));
      const written = new Map(
        changed.flatMap((w, i) => (kept.has(w.profile.id) ? [[w.profile.id, { vectors: points[i]!.vectors, behaviour: w.profile.behaviour }] as const] : [])),
      );
      await this.options.onPointsWritten?.(collection, { asOf, points: written }, moved);
    }
    report.customers += profiles.length;
  }

  /**
   * The collection this run writes: the model's newest generation, or the next one when the newest is
   * complete and its lexical fit no longer reads what customers write (coverage fell by LEXICAL_DRIFT).
   * A generation still being built is carried on, never judged.
   */
  private async currentGeneration(
    asOf: Date,
    control: JobControl,
  ): Promise<{ collection: string; lexicalCoverage?: EmbedReport['lexicalCoverage']; refitted: boolean }> {
    const newest = await this.prisma.vectorIndex.findFirst({
      where: { modelId: this.embedder.modelId, collection: { startsWith: COLLECTION_PREFIX } },
      orderBy: { id: 'desc' },
      select: { id: true, createdAt: true, collection: true, status: true },
    });
    if (!newest) return { collection: this.collection, refitted: false };
    const fitted = newest.status === 'READY' ? await this.lexicalModelFor(newest) : undefined;
    if (!fitted || fitted.state.coverage === undefined) return { collection: newest.collection, refitted: false };
    control.progress(0, undefined, "checking the lexical fit against today's words");
    const ids = (await this.prisma.customer.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((c) => c.id);
    const sample = sampleIndices(ids.length, Math.min(ids.length, COVERAGE_SAMPLE), seededRng(0xd21f7)).map((i) => ids[i]!);
    const texts: string[] = [];
    for (let i = 0; i < sample.length; i += 1000) {
      for (const p of await this.profiles.build(sample.slice(i, i + 1000), asOf)) {
        const text = documentText(p.document);
        if (text.trim() !== '') texts.push(text);
      }
    }
    const lexicalCoverage = { fitted: fitted.state.coverage, now: fitted.wordCoverage(texts), documents: texts.length };
    const drifted = texts.length >= DRIFT_MIN_DOCUMENTS && lexicalCoverage.fitted - lexicalCoverage.now >= LEXICAL_DRIFT;
    return drifted
      ? { collection: collectionName(this.embedder.modelId, generationOf(newest.collection) + 1), lexicalCoverage, refitted: true }
      : { collection: newest.collection, lexicalCoverage, refitted: false };
  }

  /**
   * The stored index for this model, or a new one: the behaviour scaler fitted on every customer now,
   * the lexical model on (a sample of) their documents, and each view's variance measured.
   */
  private async indexFor(
    collection: string,
    asOf: Date,
    control: JobControl,
  ): Promise<{ id: number; status: string; features: string[]; space: CustomerSpace; embedded: number }> {
    const weights = this.options.viewWeights ?? DEFAULT_VIEW_WEIGHTS;
    const stored = await this.prisma.vectorIndex.findUnique({ where: { collection }, omit: { lexical: true } });
    const storedSpace = stored && vectorIndexSpace(stored);
    // currentGeneration has usually decoded this index's model already: from the cache.
    const model = stored && storedSpace?.views ? await this.lexicalModelFor(stored) : undefined;
    if (stored && model && storedSpace?.views) {
      let views: ViewBalance = storedSpace.views;
      if (VIEWS.some((v) => views[v].weight !== weights[v] * (views[v].liveShare ?? 1) && views[v].variance > 0)) {
        // New weights rewrite every point (its hash includes the balance) but re-embed no text; what
        // was measured on the shop (variances, live shares, centre, script offsets) is kept.
        const before = views;
        views = balanceViews(
          Object.fromEntries(VIEWS.map((v) => [v, before[v].variance])) as Record<View, number>,
          weights,
          Object.fromEntries(VIEWS.flatMap((v) => (before[v].liveShare === undefined ? [] : [[v, before[v].liveShare]]))),
        );
        for (const v of VIEWS) {
          const { centre, languages, rating } = before[v];
          if (centre) views[v].centre = centre;
          if (languages) views[v].languages = languages;
          if (rating) views[v].rating = rating;
        }
        noteBridges(views, model);
        noteRating(views);
        await this.prisma.vectorIndex.update({ where: { id: stored.id }, data: { views: toJson(views), behaviourWeight: weights.value } });
      }
      const space = CustomerSpace.fromIndex({ ...stored, views }, model);
      return { id: stored.id, status: stored.status, features: space.features, space, embedded: 0 };
    }

    const categories = await this.profiles.topCategories(TOP_CATEGORIES);
    const features = featureNames(categories);
    const rating = await measureRatingReliability(this.prisma);
    const rows: (number | null)[][] = [];
    const ratingCounts: number[] = [];
    // Seeded reservoir samples: documents for the lexical fit, profile texts for the text variance.
    const rng = seededRng(0x5eed);
    const documents: ProfileDocument[] = [];
    const texts: { texts: WeightedText[]; own: string }[] = [];
    let seen = 0;
    let after = 0;
    for (;;) {
      throwIfCancelled(control.signal);
      const ids = await this.profiles.customerIds(after, 2000);
      if (ids.length === 0) break;
      after = ids[ids.length - 1]!;
      for (const p of await this.profiles.build(ids, asOf)) {
        rows.push(featureRow(p, categories, asOf));
        ratingCounts.push(p.behaviour.ratingCount);
        seen++;
        reservoir(documents, p.document, seen, DEFAULT_LEXICAL.fitSample, rng);
        reservoir(texts, { texts: textWeights(p.texts, asOf), own: p.document.own }, seen, TEXT_VARIANCE_SAMPLE, rng);
      }
      control.progress(0, undefined, `reading customers to fit the views (${rows.length})`);
    }
    // The scaler learns the ratings' spread as given; the view then reads each rating as a habit.
    const scaler = fitRobustScaler(features, rows);
    const ratingColumn = features.indexOf('meanRating');
    rows.forEach((r, i) => (r[ratingColumn] = habitualRating(rating, r[ratingColumn] as number | null, ratingCounts[i]!)));
    control.progress(0, undefined, `fitting the lexical view on ${documents.length} customers' words`);
    const lexical = LexicalModel.fit(documents.map(documentText), { bridges: bridgeDocuments(documents.map((d) => scriptShares(d.own))) });
    control.progress(0, undefined, 'measuring the views');
    // Unbalanced (all scales 0) until the variances below are known; only its view builders are used.
    const space = new CustomerSpace(features, scaler, lexical, balanceViews({ text: 0, lexical: 0, value: 0, habits: 0, mix: 0 }, weights));
    const behaviour = rows.map((r) => {
      const b = space.behaviourOfRow(r);
      return space.split(b, b, b);
    });
    // The sample's texts are embedded (and cached) here; the batches then find them in the cache.
    const sample = await this.texts.pooled(texts.map((t) => t.texts));
    const lexicalDocuments = documents.slice(0, LEXICAL_VARIANCE_SAMPLE);
    const lexicalSample = lexicalDocuments.map((d) => space.lexicalView(d));
    // Each word view's scripts' offsets, and its variance once they are gone (what `combined` holds).
    const withoutLanguage = (vectors: Float32Array[], own: string[]) => {
      const shares = own.map(scriptShares);
      const languages = fitLanguageOffsets(vectors, shares);
      return { languages, variance: totalVariance(languages ? vectors.map((v, i) => removeLanguage(v, shares[i]!, languages)) : vectors) };
    };
    const text = withoutLanguage(
      sample.vectors,
      texts.map((t) => t.own),
    );
    const lexicalView = withoutLanguage(
      lexicalSample,
      lexicalDocuments.map((d) => d.own),
    );
    const views = balanceViews(
      {
        text: text.variance,
        lexical: lexicalView.variance,
        value: totalVariance(behaviour.map((b) => b.value)),
        habits: totalVariance(behaviour.map((b) => b.habits)),
        mix: totalVariance(behaviour.map((b) => b.mix)),
      },
      weights,
      {
        text: this.texts.readableShare(texts.map((t) => t.texts)),
        value: liveShare(behaviour.map((b) => b.value)),
        habits: liveShare(
          behaviour.map((b) => b.habits),
          HABIT_FEATURES.map((f) => (f === 'meanRating' ? meanRatingWeight(rating, ratingCounts) : 1)),
        ),
        mix: liveShare(behaviour.map((b) => b.mix)),
      },
    );
    if (text.languages) views.text.languages = text.languages;
    if (lexicalView.languages) views.lexical.languages = lexicalView.languages;
    noteBridges(views, lexical);
    views.habits.rating = rating;
    noteRating(views);
    if (lexicalSample.length > 0) views.lexical.centre = meanVector(lexicalSample);
    const data = {
      features,
      scaler: toJson(scaler),
      behaviourWeight: weights.value,
      lexical: new Uint8Array(lexical.toBytes()),
      views: toJson(views),
    };
    // A row refitted in place (one built before the current balance of views) takes a new creation
    // time: decoded models are kept by id and creation time (lexicalModelOf), and another process may
    // hold the old fit's.
    const saved = stored
      ? await this.prisma.vectorIndex.update({ where: { id: stored.id }, data: { ...data, createdAt: new Date() }, omit: { lexical: true } })
      : await this.prisma.vectorIndex.create({
          data: { collection, modelId: this.embedder.modelId, textDimensions: this.embedder.dimensions, ...data },
          omit: { lexical: true },
        });
    rememberLexicalModel(this.prisma, saved, lexical);
    return { id: saved.id, status: saved.status, features, space: new CustomerSpace(features, scaler, lexical, views), embedded: sample.embedded };
  }
}

/** Says in the lexical view's note when its model learnt across languages from bilingual customers (kept through re-weighting). */
function noteBridges(views: ViewBalance, lexical: LexicalModel): void {
  const bridges = lexical.state.bridges;
  if (!bridges) return;
  views.lexical.note = [
    views.lexical.note,
    `LSA fitted on the ${bridges} customers who write both Chinese and English, so that one meaning meets across the languages`,
  ]
    .filter(Boolean)
    .join('; ');
}

/** Says in the habits view's note how much its ratings are read as a habit (kept through re-weighting). */
function noteRating(views: ViewBalance): void {
  const r = views.habits.rating;
  if (!r) return;
  const how =
    r.repeatRaters < MIN_REPEAT_RATERS
      ? `ratings are not read as a habit: ${r.repeatRaters} customers rated twice or more (${MIN_REPEAT_RATERS} needed to tell a habit from what was reviewed)`
      : r.icc === 0
        ? `ratings are not read as a habit: they do not repeat for the ${r.repeatRaters} customers who rated twice or more (intraclass correlation 0)`
        : `ratings read as a habit by their intraclass correlation ${r.icc.toFixed(2)} (from ${r.repeatRaters} customers who rated twice or more)`;
  views.habits.note = [views.habits.note, how].filter(Boolean).join('; ');
}

/** Keeps a uniform sample of at most `size` of the items seen so far (Algorithm R). */
function reservoir<T>(sample: T[], item: T, seen: number, size: number, rng: () => number): void {
  if (sample.length < size) sample.push(item);
  else {
    const j = Math.floor(rng() * seen);
    if (j < size) sample[j] = item;
  }
}

/** What decides whether a customer's text vector is pooled again: their texts' keys and weights. */
function textsHash(modelId: string, parts: readonly WeightedText[]): string {
  return sha256(`${modelId}\0${JSON.stringify(parts.map((p) => [textKey(p.text), p.weight]))}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
