// Scores a shop of the family (src/demo/shop-family.ts) through the product — written through the
// ingest writer into a throw-away PGlite, embedded and segmented with the defaults (automatic k, and
// k = the planted number of personas) — against its planted personas: ARI and NMI, how far segments
// follow the writers' language (NMI against the language group, and personas whose Chinese and English
// writers land in different segments). Used by bench:quality's `family` part and by test/demo.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src/app/services.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../../src/clustering/metrics.js';
import { loadSettings } from '../../src/config/settings.js';
import { writeShop } from '../../src/demo/hard-shop.js';
import { familyShop, familyShopSpec, type FamilyShopSpec } from '../../src/demo/shop-family.js';
import { activeCollection } from '../../src/customer-vectors/customer-space.js';
import { LexicalModel } from '../../src/lexical/lexical-model.js';

export interface FamilyScore {
  seed: number;
  spec: FamilyShopSpec;
  planted: number;
  autoK: number;
  autoAri: number;
  autoNmi: number;
  plantedAri: number;
  plantedNmi: number;
  /** NMI of the planted-k segments against the writers' language group (zh / en / both / none). */
  languageNmi: number;
  /** Personas whose Chinese and English writers land in different segments (planted k). */
  splitByLanguage: number;
  /**
   * What the vectors allow: ARI of assigning each customer to the nearest of the personas' true mean
   * `combined` vectors. A persona that only words tell apart cannot be found for a customer who wrote
   * nothing, nor a noise customer who blends two: this is the ceiling the clustering is read against.
   */
  ceiling: number;
  /** Bilingual customers the lexical model's fit learnt across languages from (0: it fitted on everyone). */
  bridges: number;
  seconds: number;
}

export async function scoreFamilyShop(seed: number, options: { customers?: number; env?: NodeJS.ProcessEnv } = {}): Promise<FamilyScore> {
  const started = performance.now();
  const spec = familyShopSpec(seed, options.customers);
  const env = options.env ?? process.env;
  const shop = familyShop(spec);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-family-'));
  const services = await createServices(loadSettings({ ...env, DATA_DIR: dataDir, PGLITE_DIR: 'memory://' }));
  const idle = { signal: new AbortController().signal, progress: () => {} };
  // The writers' language group: only Chinese, only English, both, or nothing written.
  const wrote = new Map<string, Set<string>>();
  for (const t of [
    ...shop.reviews.map((r) => ({ c: r.customerId, l: r.language ?? 'en' })),
    ...shop.searches.map((s) => ({ c: s.customerId, l: /[\u4e00-\u9fff]/.test(s.text) ? 'zh' : 'en' })),
  ])
    wrote.set(t.c, (wrote.get(t.c) ?? new Set()).add(t.l));
  const languageOf = (id: string) => {
    const l = wrote.get(id);
    return !l ? 'none' : l.size > 1 ? 'both' : [...l][0]!;
  };
  try {
    const truth = await writeShop(services.ingest, shop);
    await (await services.indexer()).run(idle);
    const index = await services.db.prisma.vectorIndex.findFirstOrThrow({ orderBy: { id: 'desc' }, select: { lexical: true } });
    const bridges = index.lexical ? (LexicalModel.fromBytes(index.lexical).state.bridges ?? 0) : 0;
    const planted = spec.personas.length;
    const scores: { k: number; ari: number; nmi: number; labels: number[]; ids: string[] }[] = [];
    for (const k of [undefined, planted]) {
      const run = await services.segments.run(idle, { k });
      const members = await services.db.prisma.membership.findMany({
        where: { runId: run.runId },
        select: { segmentId: true, customer: { select: { externalId: true } } },
        orderBy: { customerId: 'asc' },
      });
      const labels = members.map((m) => m.segmentId);
      const t = members.map((m) => truth.get(m.customer.externalId)!);
      scores.push({
        k: run.k,
        ari: adjustedRandIndex(labels, t),
        nmi: normalizedMutualInfo(labels, t),
        labels,
        ids: members.map((m) => m.customer.externalId),
      });
    }
    const fixed = scores[1]!;
    const ceiling = await trueCentroidAri(services, fixed.ids, truth);
    const languages = fixed.ids.map(languageOf);
    // A persona is split by language when its Chinese writers' commonest segment is not its English writers'.
    let split = 0;
    for (const p of spec.personas) {
      const commonest = (lang: string) => {
        const counts = new Map<number, number>();
        fixed.ids.forEach((id, i) => {
          if (truth.get(id) === p.key && languages[i] === lang) counts.set(fixed.labels[i]!, (counts.get(fixed.labels[i]!) ?? 0) + 1);
        });
        return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
      };
      const zh = commonest('zh');
      const en = commonest('en');
      if (zh !== undefined && en !== undefined && zh !== en) split++;
    }
    return {
      seed,
      spec,
      planted,
      autoK: scores[0]!.k,
      autoAri: scores[0]!.ari,
      autoNmi: scores[0]!.nmi,
      plantedAri: fixed.ari,
      plantedNmi: fixed.nmi,
      languageNmi: normalizedMutualInfo(fixed.labels, languages),
      ceiling,
      bridges,
      splitByLanguage: split,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await services.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function trueCentroidAri(services: Awaited<ReturnType<typeof createServices>>, ids: string[], truth: Map<string, string>): Promise<number> {
  const customers = await services.db.prisma.customer.findMany({ where: { externalId: { in: ids } }, select: { id: true, externalId: true } });
  const collection = await activeCollection(services.vectors);
  const points = await services.vectors.retrieve(
    collection,
    customers.map((c) => c.id),
    true,
  );
  const externalOf = new Map(customers.map((c) => [c.id, c.externalId]));
  const rows = points.map((p) => ({ persona: truth.get(externalOf.get(p.id)!)!, v: p.vectors!.combined! }));
  const personas = [...new Set(rows.map((r) => r.persona))];
  const d = rows[0]!.v.length;
  const centres = personas.map(() => new Float64Array(d));
  const counts = personas.map(() => 0);
  for (const r of rows) {
    const c = personas.indexOf(r.persona);
    counts[c]!++;
    for (let j = 0; j < d; j++) centres[c]![j] = centres[c]![j]! + r.v[j]!;
  }
  centres.forEach((c, i) => c.forEach((x, j) => (c[j] = x / counts[i]!)));
  const nearest = rows.map((r) => {
    let best = 0;
    let bestDistance = Infinity;
    centres.forEach((c, i) => {
      let distance = 0;
      for (let j = 0; j < d; j++) distance += (r.v[j]! - c[j]!) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [i, distance];
    });
    return best;
  });
  return adjustedRandIndex(
    nearest,
    rows.map((r) => r.persona),
  );
}
