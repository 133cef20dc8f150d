// assignSegment: the nearest active segment for a shopper who is not in the shop yet, from their
// words and behaviour, built exactly as the embed job builds vectors (same model, the index's stored
// scaler, lexical model and view balance; texts pooled as a customer's are), for real-time personalisation.
import type { PrismaClient } from '../db/database.js';
import { InputError } from '../errors/domain-errors.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import { CustomerSpace, lexicalModelOf, nearestCentroid } from '../customer-vectors/customer-space.js';
import type { BehaviourSummary, CustomerProfiles } from '../profiles/customer-profiles.js';
import { scrubPersonalData } from '../profiles/personal-data.js';
import { profileDocument, profileTexts } from '../profiles/profile-text.js';
import { textWeights, TextVectors } from '../customer-vectors/text-pool.js';
import { PrismaTextVectorCache } from '../customer-vectors/text-cache.js';
import type { VectorName } from '../vectors/vector-store.js';
import { toFloats } from './run/segment-runs.js';

export interface ProspectProfile {
  texts: string[];
  categories: string[];
  behaviour: BehaviourSummary;
}

export async function assignProspect(prisma: PrismaClient, embedder: TextEmbedder, profiles: CustomerProfiles, prospect: ProspectProfile) {
  const run = await prisma.segmentationRun.findFirst({ where: { active: true }, include: { segments: true } });
  if (!run) throw new InputError('No active segmentation run: run one first.');
  // The row without its lexical bytes: the decoded model is kept per index (lexicalModelOf).
  const index = await prisma.vectorIndex.findUnique({ where: { collection: run.collection }, omit: { lexical: true } });
  if (!index || index.modelId !== embedder.modelId) throw new InputError('The active run was built with another model than the one loaded.');
  const model = await lexicalModelOf(
    prisma,
    index,
    async () => (await prisma.vectorIndex.findUnique({ where: { id: index.id }, select: { lexical: true } }))?.lexical,
  );
  const space = CustomerSpace.fromIndex(index, model);
  const sources = { reviews: prospect.texts.map(scrubPersonalData), searches: [], categories: prospect.categories, titles: [] };
  const asOf = await profiles.asOf();
  // Pooled as a customer's texts are: each text's vector from the cache when a customer wrote or
  // bought it too, else embedded (and not kept: a prospect is not a customer).
  const texts = profileTexts([
    ...sources.reviews.map((text) => ({ text, kind: 'review' as const, at: null, count: 1 })),
    ...sources.categories.map((text) => ({ text, kind: 'category' as const, at: null, count: 1 })),
  ]);
  const pooled = await new TextVectors(embedder, new PrismaTextVectorCache(prisma)).pooled([textWeights(texts, asOf)], { store: false });
  const vectors = space.vectors({ behaviour: prospect.behaviour, document: profileDocument(sources) }, asOf, pooled.vectors[0]!);
  const vector = vectors[run.vectorName as VectorName];
  const nearest = nearestCentroid(
    vector,
    run.segments.map((s) => toFloats(s.centroid)),
  );
  const best = run.segments[nearest.index]!;
  return { segment: best, distance: nearest.distance, outlier: nearest.distance > best.outlierDistance };
}
