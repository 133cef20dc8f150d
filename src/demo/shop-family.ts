// A family of generated shops for the quality protocol (bench:quality's `family` part, test/demo):
// each seed draws a shop of its own structure, so that a default chosen on some shops can be judged on
// others it was not chosen on. Per shop, from the seed:
//   - 4–16 personas, built from goods groups and topics (vocabulary.ts) as singles, pairs that differ
//     only in what they write (same goods, same behaviour, other topic) and pairs that differ only in
//     behaviour (same goods and words, another way of buying); persona sizes uneven to a drawn degree;
//   - 0–70 % of customers write Chinese, up to 25 % write both (language by text), the rest English —
//     independent of the persona, so the same persona writes every language;
//   - single-order customers, customers who write nothing, noise customers (a blend of two personas,
//     labelled with the first), purchases outside the persona's goods, a retailer's name written in
//     many reviews, and sentiment words that follow the rating;
//   - one shop in six "review-only": everyone buys once, in the same way; only goods and words differ.
// The truth (customer → persona) is returned apart; it never reaches the shop data. Seeds split into
// halves (FAMILY_TUNING_SEEDS, FAMILY_HELD_OUT_SEEDS): defaults are chosen on the first, reported on the second.
import { completedOrder, type HardShop } from './hard-shop.js';
import { normal, pick, poisson, rngFor, type Rng } from './random.js';
import { FAMILY_GOODS, FAMILY_TOPIC_GOODS, FAMILY_TOPICS, type Words } from './vocabulary.js';

const DAY = 86_400_000;
export const FAMILY_AS_OF = new Date('2026-11-01T00:00:00Z');

/** Seeds 1–20 tune defaults; seeds 101–120 are held out (never looked at while tuning). */
export const FAMILY_TUNING_SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
export const FAMILY_HELD_OUT_SEEDS = Array.from({ length: 20 }, (_, i) => i + 101);

export interface Behaviour {
  orders: number;
  itemsPerOrder: number;
  recencyDays: number;
  tenureDays: number;
  quantity: number;
}

/** Ways of buying; a persona's is drawn from one and jittered. */
export const ARCHETYPES: Record<string, Behaviour> = {
  frequent: { orders: 13, itemsPerOrder: 3, recencyDays: 10, tenureDays: 700, quantity: 1.5 },
  steady: { orders: 5, itemsPerOrder: 2, recencyDays: 45, tenureDays: 600, quantity: 1 },
  lapsed: { orders: 2, itemsPerOrder: 1.3, recencyDays: 280, tenureDays: 650, quantity: 1 },
  bulk: { orders: 3, itemsPerOrder: 4, recencyDays: 60, tenureDays: 500, quantity: 8 },
  newcomer: { orders: 1.5, itemsPerOrder: 1.5, recencyDays: 15, tenureDays: 45, quantity: 1 },
};
/** Pairs that differ only in behaviour take two ways of buying this far apart. */
const BEHAVIOUR_PAIRS: [string, string][] = [
  ['frequent', 'lapsed'],
  ['bulk', 'newcomer'],
  ['frequent', 'newcomer'],
  ['steady', 'lapsed'],
  ['bulk', 'lapsed'],
];
const REVIEW_ONLY: Behaviour = { orders: 1, itemsPerOrder: 1.2, recencyDays: 180, tenureDays: 400, quantity: 1 };

export const SENTIMENT: Record<'good' | 'bad', Words> = {
  good: { en: ['love it', 'really good', 'excellent quality', 'very happy'], zh: ['很好', '不错', '非常满意', '质量很好'] },
  bad: { en: ['disappointed', 'poor quality', 'broke quickly', 'not worth it'], zh: ['差评', '质量差', '很快就坏了', '不值这个价'] },
};
const COMMON: Words = {
  en: ['fast delivery', 'good value', 'arrived on time', 'as described', 'nice packaging', 'would order again'],
  zh: ['物流很快', '性价比高', '准时送达', '和描述一致', '包装不错', '还会再买'],
};
const RETAILERS = ['Shopwell', 'Marketly', 'Cartfield', 'Buymore', 'Dealhub'];
const RETAILERS_ZH = ['京东', '天猫', '淘宝', '拼多多', '苏宁'];

export interface FamilyPersona {
  key: string;
  goods: string;
  topic: string;
  behaviour: Behaviour;
  /** Share of the shop's customers. */
  share: number;
}

export interface FamilyShopSpec {
  seed: number;
  customers: number;
  personas: FamilyPersona[];
  /** Customers writing only Chinese / both languages (by text); the rest write English. */
  chinese: number;
  bilingual: number;
  singleOrder: number;
  textFree: number;
  noise: number;
  /** Share of a persona's goods bought outside its group. */
  outOfPool: number;
  reviewOnly: boolean;
  /** Pairs in the shop that differ only in words / only in behaviour. */
  meaningPairs: number;
  behaviourPairs: number;
  retailer: { en: string; zh: string };
}

const uniform = (rng: Rng, low: number, high: number) => low + (high - low) * rng();

function jitter(rng: Rng, b: Behaviour): Behaviour {
  const f = () => uniform(rng, 0.8, 1.25);
  return {
    orders: b.orders * f(),
    itemsPerOrder: b.itemsPerOrder * f(),
    recencyDays: b.recencyDays * f(),
    tenureDays: b.tenureDays * f(),
    quantity: b.quantity * f(),
  };
}

/** The structure of the shop of this seed (no customers yet). */
export function familyShopSpec(seed: number, customers?: number): FamilyShopSpec {
  const rng = rngFor(seed, 'family-spec');
  const reviewOnly = rng() < 1 / 6;
  const target = 4 + Math.floor(rng() * 13);
  const topicsByGoods = new Map<string, string[]>();
  for (const [topic, goods] of Object.entries(FAMILY_TOPIC_GOODS)) topicsByGoods.set(goods, [...(topicsByGoods.get(goods) ?? []), topic]);
  const usedTopics = new Set<string>();
  const personas: Omit<FamilyPersona, 'share'>[] = [];
  let meaningPairs = 0;
  let behaviourPairs = 0;
  const freeTopics = (goods: string) => (topicsByGoods.get(goods) ?? []).filter((t) => !usedTopics.has(t));
  const behaviourOf = (name: string) => (reviewOnly ? REVIEW_ONLY : jitter(rng, ARCHETYPES[name]!));
  for (let guard = 0; personas.length < target && guard < 200; guard++) {
    const r = rng();
    const goodsWithTwo = [...topicsByGoods.keys()].filter((g) => freeTopics(g).length >= 2);
    if (r < 0.35 && goodsWithTwo.length > 0 && personas.length + 2 <= target) {
      // Differ only in meaning: same goods, same behaviour, other words.
      const goods = pick(rng, goodsWithTwo);
      const [a, b] = shuffle(rng, freeTopics(goods)).slice(0, 2) as [string, string];
      const behaviour = behaviourOf(pick(rng, Object.keys(ARCHETYPES)));
      for (const topic of [a, b]) {
        usedTopics.add(topic);
        personas.push({ key: topic, goods, topic, behaviour });
      }
      meaningPairs++;
    } else if (r < 0.6 && !reviewOnly && personas.length + 2 <= target) {
      // Differ only in behaviour: same goods and words, another way of buying.
      const topic = pick(
        rng,
        Object.keys(FAMILY_TOPIC_GOODS).filter((t) => !usedTopics.has(t)),
      );
      if (!topic) continue;
      const [x, y] = pick(rng, BEHAVIOUR_PAIRS);
      usedTopics.add(topic);
      for (const name of [x, y]) {
        personas.push({ key: `${topic}-${name}`, goods: FAMILY_TOPIC_GOODS[topic]!, topic, behaviour: behaviourOf(name) });
      }
      behaviourPairs++;
    } else {
      const topic = Object.keys(FAMILY_TOPIC_GOODS).filter((t) => !usedTopics.has(t));
      if (topic.length === 0) break;
      const t = pick(rng, topic);
      usedTopics.add(t);
      personas.push({ key: t, goods: FAMILY_TOPIC_GOODS[t]!, topic: t, behaviour: behaviourOf(pick(rng, Object.keys(ARCHETYPES))) });
    }
  }
  // Uneven sizes: log-normal weights of a drawn spread, each persona at least 3 % of the shop.
  const spread = uniform(rng, 0, 0.9);
  const raw = personas.map(() => Math.exp(spread * normal(rng, 0, 1)));
  const total = raw.reduce((a, b) => a + b, 0);
  const floored = raw.map((w) => Math.max(0.03, w / total));
  const sum = floored.reduce((a, b) => a + b, 0);
  const chinese = uniform(rng, 0, 0.7);
  const bilingual = Math.min(1 - chinese, uniform(rng, 0, 0.25));
  return {
    seed,
    customers: customers ?? 600 + 100 * Math.floor(rng() * 9),
    personas: personas.map((p, i) => ({ ...p, share: floored[i]! / sum })),
    chinese,
    bilingual,
    singleOrder: reviewOnly ? 1 : uniform(rng, 0.05, 0.3),
    textFree: uniform(rng, 0, 0.15),
    noise: uniform(rng, 0, 0.08),
    outOfPool: uniform(rng, 0.05, 0.25),
    reviewOnly,
    meaningPairs,
    behaviourPairs,
    retailer: { en: pick(rng, RETAILERS), zh: pick(rng, RETAILERS_ZH) },
  };
}

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const productId = (goods: string, j: number) => `f-${goods}-${String(j + 1).padStart(2, '0')}`;

/** The shop of a spec: products, customers, orders, searches, reviews, and the truth apart. */
export function familyShop(spec: FamilyShopSpec): HardShop {
  const asOf = FAMILY_AS_OF.getTime();
  const goodsKeys = Object.keys(FAMILY_GOODS);
  const products = goodsKeys.flatMap((goods) =>
    FAMILY_GOODS[goods]!.map((title, j) => ({
      id: productId(goods, j),
      title,
      category: goods,
      price: Math.round((8 + 150 * rngFor(spec.seed, `family-price:${goods}:${j}`)()) * 100) / 100,
    })),
  );
  const price = new Map(products.map((p) => [p.id, p.price]));
  const shop: HardShop = { products, customers: [], orders: [], searches: [], reviews: [], truth: [] };
  const cumulative: number[] = [];
  spec.personas.reduce((s, p) => (cumulative.push(s + p.share), s + p.share), 0);

  for (let i = 0; i < spec.customers; i++) {
    const rng = rngFor(spec.seed, `family:${i}`);
    const draw = rng();
    const persona =
      spec.personas[
        Math.max(
          0,
          cumulative.findIndex((c) => draw < c),
        )
      ] ?? spec.personas[spec.personas.length - 1]!;
    const blend = rng() < spec.noise ? pick(rng, spec.personas) : undefined;
    const b = persona.behaviour;
    const id = `f${String(i + 1).padStart(6, '0')}`;
    const l = rng();
    const language = l < spec.chinese ? 'zh' : l < spec.chinese + spec.bilingual ? 'mixed' : 'en';
    const tenureDays = Math.max(30, normal(rng, b.tenureDays, b.tenureDays / 4));
    const signupAt = new Date(asOf - tenureDays * DAY);
    shop.customers.push({ id, country: language === 'zh' ? 'China' : 'United Kingdom', signupAt, attributes: {} });
    shop.truth.push({ customerId: id, persona: persona.key });

    const orderCount = spec.reviewOnly ? 1 : rng() < spec.singleOrder ? 1 : Math.max(1, poisson(rng, b.orders));
    const recency = spec.reviewOnly ? uniform(rng, 0, 360) : normal(rng, b.recencyDays, b.recencyDays / 3);
    const lastOrder = asOf - Math.min(tenureDays - 1, Math.max(0, recency)) * DAY;
    const bought: string[] = [];
    const own = () => (blend && rng() < 0.4 ? blend : persona);
    for (let o = 0; o < orderCount; o++) {
      const placedAt = o === 0 ? lastOrder : signupAt.getTime() + rng() * (lastOrder - signupAt.getTime());
      const lines = new Map<string, number>();
      for (let k = Math.max(1, poisson(rng, b.itemsPerOrder)); k > 0; k--) {
        const from = own();
        const goods = rng() < spec.outOfPool ? pick(rng, goodsKeys) : from.goods;
        const pid = productId(goods, Math.floor(rng() * FAMILY_GOODS[goods]!.length));
        lines.set(pid, (lines.get(pid) ?? 0) + Math.max(1, poisson(rng, b.quantity)));
        bought.push(pid);
      }
      shop.orders.push(completedOrder(`${id}-o${o + 1}`, id, placedAt, lines, price));
    }
    if (rng() < spec.textFree) continue;

    const lang = (): 'en' | 'zh' => (language === 'mixed' ? (rng() < 0.5 ? 'zh' : 'en') : language);
    for (let s = 1 + poisson(rng, 1.2); s > 0; s--) {
      shop.searches.push({
        id: `${id}-s${s}`,
        customerId: id,
        text: pick(rng, FAMILY_TOPICS[own().topic]![lang()]),
        searchedAt: new Date(Math.round((lastOrder - rng() * 30 * DAY) / 1000) * 1000),
      });
    }
    for (let v = Math.min(bought.length, 1 + poisson(rng, 1)); v > 0; v--) {
      const language = lang();
      const rating = Math.min(5, Math.max(1, Math.round(normal(rng, 3.8, 1.2))));
      shop.reviews.push({
        id: `${id}-r${v}`,
        customerId: id,
        productId: pick(rng, bought),
        rating,
        text: review(rng, FAMILY_TOPICS[own().topic]!, rating, spec.retailer, language),
        language,
        reviewedAt: new Date(Math.round(Math.min(asOf, lastOrder + rng() * 10 * DAY) / 1000) * 1000),
      });
    }
  }
  return shop;
}

function review(rng: Rng, topic: Words, rating: number, retailer: FamilyShopSpec['retailer'], language: 'en' | 'zh'): string {
  const a = pick(rng, topic[language]);
  const b = pick(rng, topic[language]);
  const feeling = pick(rng, SENTIMENT[rating >= 4 ? 'good' : 'bad'][language]);
  const extra = rng() < 0.5 ? pick(rng, COMMON[language]) : '';
  const where = rng() < 0.4 ? (language === 'zh' ? `在${retailer.zh}买的` : `bought on ${retailer.en}`) : '';
  return (
    shuffle(
      rng,
      [feeling, a, b, extra, where].filter((p) => p !== ''),
    ).join(language === 'zh' ? '，' : ', ') + (language === 'zh' ? '。' : '.')
  );
}
