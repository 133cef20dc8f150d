// assignSegment: the nearest active segment for a shopper who is not in the shop yet, from their
// words and behaviour, built exactly as the embed job builds vectors (same model, stored scaler,
// same behaviour weight), for real-time personalisation.
import type { PrismaClient } from '../db/database.js';
import { InputError } from '../errors/domain-errors.js';
import type { TextEmbedder } from '../embedding/text-embedder.js';
import { featureRow, type BehaviourSummary, type CustomerProfile, type CustomerProfiles } from '../profiles/customer-profiles.js';
import { scrubPersonalData } from '../profiles/personal-data.js';
import { buildProfileText } from '../profiles/profile-text.js';
import { scaleRow, type RobustScalerState } from '../profiles/robust-scaler.js';
import { toFloats } from './segmentation-service.js';

export interface ProspectProfile {
  texts: string[];
  categories: string[];
  behaviour: BehaviourSummary;
}

export async function assignProspect(prisma: PrismaClient, embedder: TextEmbedder, profiles: CustomerProfiles, prospect: ProspectProfile) {
  const run = await prisma.segmentationRun.findFirst({ where: { active: true }, include: { segments: true } });
  if (!run) throw new InputError('No active segmentation run: run one first.');
  const index = await prisma.vectorIndex.findUnique({ where: { collection: run.collection } });
  if (!index || index.modelId !== embedder.modelId) throw new InputError('The active run was built with another model than the one loaded.');
  const text = buildProfileText(
    { reviews: prospect.texts.map(scrubPersonalData), searches: [], categories: prospect.categories, titles: [] },
    (t) => embedder.countTokens(t),
    embedder.maxTokens,
  );
  const [textVector] = await embedder.embed([text]);
  const features = index.features as string[];
  const categories = features.filter((f) => f.startsWith('share:')).map((f) => f.slice(6));
  const profile: CustomerProfile = { id: 0, externalId: 'prospect', country: null, text, behaviour: prospect.behaviour };
  const asOf = await profiles.asOf();
  const behaviour = scaleRow(index.scaler as unknown as RobustScalerState, featureRow(profile, categories, asOf)).map((x) => x / Math.sqrt(features.length));
  const vector =
    run.vectorName === 'text' ? textVector! : run.vectorName === 'behaviour' ? behaviour : Float32Array.from([...textVector!, ...behaviour.map((x) => x * index.behaviourWeight)]);
  let best = run.segments[0]!;
  let bestDistance = Infinity;
  for (const s of run.segments) {
    const c = toFloats(s.centroid);
    let d = 0;
    for (let i = 0; i < c.length; i++) d += (vector[i]! - c[i]!) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = s;
    }
  }
  const distance = Math.sqrt(bestDistance);
  return { segment: best, distance, outlier: distance > best.outlierDistance };
}
