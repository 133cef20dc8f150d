// The embed job: customers → profiles → vectors in the store. For each customer it writes three
// named vectors: `text` (the sentence embedding of the profile text), `behaviour` (robust-scaled
// features / √F, so its norm is comparable to the unit text vector) and `combined` = [text,
// w · behaviour] with w = BEHAVIOUR_WEIGHT.
//
// Work is skipped by content hash: an unchanged profile text is never embedded again, an unchanged
// point never rewritten. Hashes are recorded after each batch's vectors are stored, so a job killed
// part-way resumes where it stopped, and point ids are customer ids, so nothing is ever stored twice.
// Each model fills its own collection; the `customers` alias moves to it only when it is complete.
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../db/database.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import { throwIfCancelled, type JobControl } from '../jobs/job-registry.js';
import { CustomerProfiles, featureNames, featureRow } from '../profiles/customer-profiles.js';
import { fitRobustScaler, scaleRow, type RobustScalerState } from '../profiles/robust-scaler.js';
import type { CollectionSpec, Payload, Point, VectorStore } from '../vectors/vector-store.js';

export const CUSTOMERS_ALIAS = 'customers';
/** Payload fields that belong to segmentation; an embed job carries them over when it rewrites a point. */
export const SEGMENT_PAYLOAD_FIELDS = ['segmentId', 'runId', 'distance', 'provisional', 'outlier'] as const;
const TOP_CATEGORIES = 8;

export interface IndexerOptions {
  behaviourWeight: number;
  batchSize?: number;
  /** Told about every batch of points written, e.g. to give new customers a provisional segment. */
  onPointsWritten?: (collection: string, customerIds: number[]) => Promise<unknown>;
}

export interface EmbedReport {
  collection: string;
  modelId: string;
  customers: number;
  /** Profiles whose text went through the model. */
  embedded: number;
  /** Points written (text or behaviour changed). */
  written: number;
  unchanged: number;
  aliasSwitched: boolean;
  seconds: number;
}

export function collectionName(modelId: string): string {
  return `customers__${modelId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export class CustomerIndexer {
  private readonly profiles: CustomerProfiles;
  private readonly batchSize: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly embedder: TextEmbedder,
    private readonly store: VectorStore,
    private readonly options: IndexerOptions,
  ) {
    this.profiles = new CustomerProfiles(prisma, (t) => embedder.countTokens(t), embedder.maxTokens);
    this.batchSize = options.batchSize ?? 256;
  }

  get collection(): string {
    return collectionName(this.embedder.modelId);
  }

  async run(control: JobControl, options: { onlyChanged?: boolean } = {}): Promise<EmbedReport> {
    const started = performance.now();
    const onlyChanged = options.onlyChanged ?? true;
    const total = await this.prisma.customer.count();
    control.progress(0, total, 'preparing');
    const asOf = await this.profiles.asOf();
    const index = await this.indexFor(asOf, control);
    const spec = collectionSpec(this.embedder.dimensions, index.features.length);
    await this.store.ensureCollection(this.collection, spec);

    const report: EmbedReport = { collection: this.collection, modelId: this.embedder.modelId, customers: 0, embedded: 0, written: 0, unchanged: 0, aliasSwitched: false, seconds: 0 };
    const norm = 1 / Math.sqrt(index.features.length);
    let after = 0;
    for (;;) {
      throwIfCancelled(control.signal);
      const ids = await this.profiles.customerIds(after, this.batchSize);
      if (ids.length === 0) break;
      after = ids[ids.length - 1]!;
      const [profiles, known] = await Promise.all([
        this.profiles.build(ids, asOf),
        this.prisma.customerVector.findMany({ where: { indexId: index.id, customerId: { in: ids } } }),
      ]);
      const knownBy = new Map(known.map((k) => [k.customerId, k]));

      const work = profiles.map((profile) => {
        const textHash = sha256(`${this.embedder.modelId}\0${profile.text}`);
        const behaviour = scaleRow(index.scaler, featureRow(profile, index.categories, asOf)).map((x) => x * norm);
        const pointHash = sha256(`${textHash}\0${Buffer.from(behaviour.buffer).toString('base64')}\0${index.behaviourWeight}\0${profile.country ?? ''}`);
        const previous = knownBy.get(profile.id);
        return { profile, textHash, pointHash, behaviour, previous };
      });
      const changed = onlyChanged ? work.filter((w) => w.previous?.pointHash !== w.pointHash) : work;
      report.unchanged += work.length - changed.length;

      if (changed.length > 0) {
        // Texts that did not change keep their stored text vector; only new texts meet the model.
        const reuse = changed.filter((w) => onlyChanged && w.previous?.textHash === w.textHash);
        const fresh = changed.filter((w) => !reuse.includes(w));
        const existing = await this.store.retrieve(this.collection, changed.map((w) => w.profile.id), reuse.length > 0);
        const existingBy = new Map(existing.map((p) => [p.id, p]));
        const textVectors = new Map<number, Float32Array>();
        for (const w of reuse) {
          const v = existingBy.get(w.profile.id)?.vectors?.text;
          if (v) textVectors.set(w.profile.id, v);
          else fresh.push(w); // stored point missing: embed after all
        }
        const embedded = await this.embedder.embed(fresh.map((w) => w.profile.text));
        fresh.forEach((w, i) => textVectors.set(w.profile.id, embedded[i]!));
        report.embedded += fresh.length;

        const points: Point[] = changed.map((w) => {
          const text = textVectors.get(w.profile.id)!;
          const combined = new Float32Array(text.length + w.behaviour.length);
          combined.set(text);
          combined.set(w.behaviour.map((x) => x * index.behaviourWeight), text.length);
          const carried: Payload = {};
          const before = existingBy.get(w.profile.id)?.payload;
          if (before) for (const f of SEGMENT_PAYLOAD_FIELDS) if (before[f] !== undefined) carried[f] = before[f]!;
          return {
            id: w.profile.id,
            vectors: { text, behaviour: w.behaviour, combined },
            payload: { customerId: w.profile.externalId, country: w.profile.country, modelId: this.embedder.modelId, textHash: w.textHash, ...carried },
          };
        });
        await this.store.upsert(this.collection, points);
        // Recorded after the vectors are safely stored: a crash in between only redoes this batch.
        await this.prisma.$transaction(
          changed.map((w) =>
            this.prisma.customerVector.upsert({
              where: { customerId_indexId: { customerId: w.profile.id, indexId: index.id } },
              create: { customerId: w.profile.id, indexId: index.id, textHash: w.textHash, pointHash: w.pointHash },
              update: { textHash: w.textHash, pointHash: w.pointHash, embeddedAt: new Date() },
            }),
          ),
        );
        report.written += changed.length;
        await this.options.onPointsWritten?.(this.collection, changed.map((w) => w.profile.id));
      }
      report.customers += profiles.length;
      control.progress(report.customers, total, `${report.embedded} embedded, ${report.unchanged} unchanged`);
    }

    if (index.status !== 'READY') {
      await this.prisma.vectorIndex.update({ where: { id: index.id }, data: { status: 'READY', readyAt: new Date() } });
    }
    // Readers follow the alias; it moves to this model's collection only now that it is complete.
    if ((await this.store.resolveAlias(CUSTOMERS_ALIAS)) !== this.collection) {
      await this.store.setAlias(CUSTOMERS_ALIAS, this.collection);
      report.aliasSwitched = true;
    }
    report.seconds = (performance.now() - started) / 1000;
    return report;
  }

  /** The stored index for this model, or a new one with a scaler fitted on every customer now. */
  private async indexFor(asOf: Date, control: JobControl) {
    let stored = await this.prisma.vectorIndex.findUnique({ where: { collection: this.collection } });
    if (stored && stored.behaviourWeight !== this.options.behaviourWeight) {
      // A new weight rewrites every point (its hash includes the weight) but re-embeds no text.
      stored = await this.prisma.vectorIndex.update({ where: { id: stored.id }, data: { behaviourWeight: this.options.behaviourWeight } });
    }
    if (stored) {
      const features = stored.features as string[];
      return {
        id: stored.id,
        status: stored.status,
        features,
        categories: features.filter((f) => f.startsWith('share:')).map((f) => f.slice('share:'.length)),
        scaler: stored.scaler as unknown as RobustScalerState,
        behaviourWeight: stored.behaviourWeight,
      };
    }
    const categories = await this.profiles.topCategories(TOP_CATEGORIES);
    const features = featureNames(categories);
    const rows: (number | null)[][] = [];
    let after = 0;
    for (;;) {
      throwIfCancelled(control.signal);
      const ids = await this.profiles.customerIds(after, 2000);
      if (ids.length === 0) break;
      after = ids[ids.length - 1]!;
      for (const p of await this.profiles.build(ids, asOf, false)) rows.push(featureRow(p, categories, asOf));
      control.progress(0, undefined, `fitting the behaviour scaler (${rows.length} customers)`);
    }
    const scaler = fitRobustScaler(features, rows);
    const created = await this.prisma.vectorIndex.create({
      data: {
        collection: this.collection,
        modelId: this.embedder.modelId,
        textDimensions: this.embedder.dimensions,
        features,
        scaler: scaler as unknown as object,
        behaviourWeight: this.options.behaviourWeight,
      },
    });
    return { id: created.id, status: created.status, features, categories, scaler, behaviourWeight: created.behaviourWeight };
  }
}

export function collectionSpec(textDimensions: number, behaviourDimensions: number): CollectionSpec {
  return {
    vectors: {
      text: { size: textDimensions, distance: 'Cosine' },
      behaviour: { size: behaviourDimensions, distance: 'Euclid' },
      combined: { size: textDimensions + behaviourDimensions, distance: 'Euclid' },
    },
    indexedFields: { customerId: 'keyword', country: 'keyword', segmentId: 'keyword', runId: 'keyword', provisional: 'bool', outlier: 'bool' },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
