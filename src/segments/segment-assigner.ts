// assignSegment: the nearest active segment for a shopper who is not in the shop yet, from their
// words and behaviour, built exactly as the embed job builds vectors (same model, the index's stored
// scaler, lexical model and view balance), for real-time personalisation.
import type { PrismaClient } from '../db/database.js';
import { InputError } from '../errors/domain-errors.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import { CustomerSpace, lexicalModelOf, nearestCentroid } from '../customer-vectors/customer-space.js';
import type { BehaviourSummary, CustomerProfiles } from '../profiles/customer-profiles.js';
import { scrubPersonalData } from '../profiles/personal-data.js';
import { buildProfileText, profileDocument } from '../profiles/profile-text.js';
import type { VectorName } from '../vectors/vector-store.js';
import { toFloats } from './segmentation-service.js';

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
  const model = await lexicalModelOf(index.id, async () => (await prisma.vectorIndex.findUnique({ where: { id: index.id }, select: { lexical: true } }))?.lexical);
  const space = CustomerSpace.fromIndex(index, model);
  const sources = { reviews: prospect.texts.map(scrubPersonalData), searches: [], categories: prospect.categories, titles: [] };
  const text = buildProfileText(sources, (t) => embedder.countTokens(t), embedder.maxTokens);
  const [textVector] = await embedder.embed([text]);
  const vectors = space.vectors({ behaviour: prospect.behaviour, document: profileDocument(sources) }, await profiles.asOf(), textVector!);
  const vector = vectors[run.vectorName as VectorName];
  const nearest = nearestCentroid(vector, run.segments.map((s) => toFloats(s.centroid)));
  const best = run.segments[nearest.index]!;
  return { segment: best, distance: nearest.distance, outlier: nearest.distance > best.outlierDistance };
}
