// Automatic names: an RFM archetype (how the segment behaves next to the whole population) and its
// content (top categories), e.g. "At risk · running & fitness", plus a one-paragraph description.
import type { BehaviourSummary } from '../../profiles/customer-profiles.js';

/** A group's figures for each behavioural feature of a customer (null where nobody has a value). */
export type BehaviourStats = { [K in keyof Omit<BehaviourSummary, 'categoryShares' | 'ratingCount'>]: number | null };

export interface SegmentFacts {
  size: number;
  share: number;
  medians: BehaviourStats;
  topCategories: { category: string; share: number }[];
  keywords: string[];
}

/** Ratios of the segment's medians to the population's; the archetype follows from them. */
export function rfmArchetype(segment: BehaviourStats, population: BehaviourStats): string {
  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? 1 : b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
  const r = ratio(segment.recencyDays, population.recencyDays); // > 1: bought longer ago than usual
  const f = ratio(segment.frequency, population.frequency);
  const m = ratio(segment.monetary, population.monetary);
  const t = ratio(segment.tenureDays, population.tenureDays);
  if (r <= 0.75 && f >= 1.25 && m >= 1.25) return 'Champions';
  if (m >= 2) return 'Big spenders';
  if (f >= 1.25 && r <= 1.25) return 'Loyal';
  if (t <= 0.6 && f <= 1) return 'New';
  if (r >= 1.5 && (f >= 1 || m >= 1)) return 'At risk';
  if (r >= 1.5) return 'Hibernating';
  if (m <= 0.5) return 'Low spenders';
  return 'Regulars';
}

/**
 * "Archetype · what they buy (or write)". Without an archetype (every segment of the run has the same
 * one, so it tells none apart: a shop of reviews without orders is all "Regulars") the content alone.
 */
export function segmentName(archetype: string | undefined, facts: SegmentFacts): string {
  const [first, second] = facts.topCategories;
  const content = !first
    ? facts.keywords.slice(0, 2).join(' & ')
    : second && first.share < 0.6 && second.share >= 0.25
      ? `${first.category} & ${second.category}`
      : first.category;
  if (!archetype) return content || 'Customers';
  return content ? `${archetype} · ${content}` : archetype;
}

export function segmentDescription(archetype: string, facts: SegmentFacts, population: BehaviourStats): string {
  const m = facts.medians;
  const fmt = (x: number | null, digits = 0) => (x === null ? 'n/a' : x.toLocaleString('en-GB', { maximumFractionDigits: digits }));
  const parts = [
    `${archetype}: ${facts.size.toLocaleString('en-GB')} customers (${(facts.share * 100).toFixed(1)} %).`,
    `Median last order ${fmt(m.recencyDays)} days ago (all: ${fmt(population.recencyDays)}), ${fmt(m.frequency)} orders (all: ${fmt(population.frequency)}), ` +
      `spend ${fmt(m.monetary)} (all: ${fmt(population.monetary)}), average order ${fmt(m.averageOrderValue)}.`,
  ];
  if (facts.topCategories.length) {
    parts.push(
      `Spend mostly on ${facts.topCategories
        .slice(0, 3)
        .map((c) => `${c.category} (${Math.round(c.share * 100)} %)`)
        .join(', ')}.`,
    );
  }
  if (m.returnRate !== null && m.returnRate >= Math.max(0.15, 2 * (population.returnRate ?? 0))) {
    parts.push(`Returns or cancels often (${Math.round(m.returnRate * 100)} % of orders).`);
  }
  if (facts.keywords.length) parts.push(`Words: ${facts.keywords.slice(0, 6).join(', ')}.`);
  return parts.join(' ');
}

/**
 * Names unique within a run: where segments share a name, each gets its most distinctive keyword that
 * the others of that name do not have ("Regulars · bags · vintage", "Regulars · bags · christmas"),
 * else a number. People pick segments by name; two of the same name cannot be told apart.
 */
export function uniqueNames(names: readonly string[], keywords: readonly (readonly string[])[]): string[] {
  const out = [...names];
  const groups = new Map<string, number[]>();
  names.forEach((n, i) => groups.set(n, [...(groups.get(n) ?? []), i]));
  // Another segment's name is taken too: "A" made unique as "A · x" must not become a third's "A · x".
  const taken = new Set(names);
  for (const [name, members] of groups) {
    if (members.length < 2) continue;
    const used = new Set<string>();
    for (const i of members) {
      const others = new Set(members.filter((j) => j !== i).flatMap((j) => keywords[j]!.slice(0, 3)));
      const word = keywords[i]!.find((w) => !others.has(w) && !used.has(w) && !name.includes(w) && !taken.has(`${name} · ${w}`));
      if (word) used.add(word);
      out[i] = word ? `${name} · ${word}` : name;
    }
  }
  // Still the same (no distinctive keyword): number them, skipping numbers another segment's name holds.
  const final = new Set<string>();
  for (let i = 0; i < out.length; i++) {
    let name = out[i]!;
    for (let n = 2; final.has(name); n++) name = `${out[i]} (${n})`;
    final.add(name);
    out[i] = name;
  }
  return out;
}
