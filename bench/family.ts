// bench:quality's `family` part: the shop family (src/demo/shop-family.ts) through the product with
// the defaults, scored against the planted personas (test/support/shop-family-score.ts): ARI and NMI
// with automatic k and with k = the planted number, how far segments follow the writers' language, and
// whether automatic k lands within ±1 of the planted number; min and median per property. BENCH_FAMILY=tuning|held-out|all picks the seeds
// (held-out by default: the half no default was chosen on); BENCH_FAMILY_SEEDS=1,2,3 names seeds.
import { FAMILY_HELD_OUT_SEEDS, FAMILY_TUNING_SEEDS } from '../src/demo/shop-family.js';
import { scoreFamilyShop, type FamilyScore } from '../test/support/shop-family-score.js';

export function familySeeds(): number[] {
  const named = process.env.BENCH_FAMILY_SEEDS;
  if (named) return named.split(',').map(Number);
  const which = process.env.BENCH_FAMILY ?? 'held-out';
  return which === 'tuning' ? FAMILY_TUNING_SEEDS : which === 'all' ? [...FAMILY_TUNING_SEEDS, ...FAMILY_HELD_OUT_SEEDS] : FAMILY_HELD_OUT_SEEDS;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** One line per shop, then the summary the issue asks for: min and median, and by property. */
export function printFamily(label: string, scores: FamilyScore[]): void {
  console.log(`\nShop family (${label}): ${scores.length} shops`);
  console.log(
    '| seed | customers | personas (meaning pairs, behaviour pairs) | zh / both | review-only | auto k | ARI auto | ARI k = planted | ceiling | NMI persona | NMI language | personas split by language | s |',
  );
  console.log('| ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of scores) {
    const p = s.spec;
    console.log(
      `| ${s.seed} | ${p.customers} | ${s.planted} (${p.meaningPairs}, ${p.behaviourPairs}) | ${pct(p.chinese)} / ${pct(p.bilingual)} | ${p.reviewOnly ? 'yes' : ''} | ${s.autoK} | ${s.autoAri.toFixed(3)} | ${s.plantedAri.toFixed(3)} | ${s.ceiling.toFixed(3)} | ${s.plantedNmi.toFixed(3)} | ${s.languageNmi.toFixed(3)} | ${s.splitByLanguage} | ${s.seconds.toFixed(0)} |`,
    );
  }
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const summary = (name: string, group: FamilyScore[]) => {
    if (group.length === 0) return;
    const auto = group.map((s) => s.autoAri);
    const fixed = group.map((s) => s.plantedAri);
    const within = group.filter((s) => Math.abs(s.autoK - s.planted) <= 1).length;
    console.log(
      `| ${name} | ${group.length} | ${median(auto).toFixed(3)} | ${Math.min(...auto).toFixed(3)} | ${median(fixed).toFixed(3)} | ${Math.min(...fixed).toFixed(3)} | ${median(group.map((s) => s.ceiling)).toFixed(3)} | ${within} of ${group.length} | ${median(group.map((s) => s.languageNmi)).toFixed(3)} | ${group.reduce((n, s) => n + s.splitByLanguage, 0)} |`,
    );
  };
  console.log(
    '\n| shops | n | median ARI (auto k) | min | median ARI (k = planted) | min | median ceiling | auto k within ±1 | median NMI vs language | personas split by language |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  summary('all', scores);
  summary(
    'review-only',
    scores.filter((s) => s.spec.reviewOnly),
  );
  summary(
    '≥ 40 % Chinese',
    scores.filter((s) => s.spec.chinese >= 0.4),
  );
  summary(
    '< 5 % bilingual',
    scores.filter((s) => s.spec.bilingual < 0.05),
  );
  summary(
    '≥ 12 personas',
    scores.filter((s) => s.planted >= 12),
  );
  summary(
    '≥ 2 meaning pairs',
    scores.filter((s) => s.spec.meaningPairs >= 2),
  );
  summary(
    '≥ 2 behaviour pairs',
    scores.filter((s) => s.spec.behaviourPairs >= 2),
  );
}

export async function family(): Promise<FamilyScore[]> {
  const seeds = familySeeds();
  const scores: FamilyScore[] = [];
  for (const seed of seeds) {
    const s = await scoreFamilyShop(seed);
    scores.push(s);
    console.error(
      `seed ${seed}: ${s.planted} personas, auto k ${s.autoK} ARI ${s.autoAri.toFixed(3)}, k = ${s.planted} ARI ${s.plantedAri.toFixed(3)} (${s.seconds.toFixed(0)} s)`,
    );
  }
  printFamily(process.env.BENCH_FAMILY_SEEDS ? `seeds ${process.env.BENCH_FAMILY_SEEDS}` : (process.env.BENCH_FAMILY ?? 'held-out'), scores);
  return scores;
}
