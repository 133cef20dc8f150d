// A shop at the scale shops live at, for bench:scale: what grows with customers in a real shop grows
// here too. The demo shop sells 77 products and draws every text from a few hundred phrases, so a
// million of its customers write the same few hundred texts and the embedding cache answers nearly
// all of them; a real shop's distinct texts and vocabulary keep growing (Heaps' law). Here:
//   - thousands of products (SCALE_PRODUCTS by default): every goods group's titles under many brands and
//     variants, brands being made-up names, so the vocabulary grows with the catalogue; popularity
//     within a group is long-tailed;
//   - reviews of real length (about 30 words, 4–14 clauses): a persona's phrases, the shop's common
//     phrases, the product named by brand, details with numbers, the person it was for (a name from a
//     large made-up pool), and sentiment that follows the rating — nearly every review is distinct;
//   - searches that repeat as searches do: a brand and a product, or a persona's phrase;
//   - a quarter of customers write Chinese, a few both; the 21 personas of the shop family's topics,
//     each with a way of buying of its own, at long-tailed sizes.
// Customers are made chunk by chunk from (seed, index), so a million never sit in memory at once and
// any chunk gives the same records whatever came before. The persona of each customer is returned
// apart, as the truth; it never reaches the shop data.
import type { CustomerRecord, OrderRecord, ProductRecord, ReviewRecord, SearchRecord } from '../ingest/records.js';
import { completedOrder } from './hard-shop.js';
import { normal, pick, poisson, rngFor, type Rng } from './random.js';
import { ARCHETYPES, SENTIMENT, type Behaviour } from './shop-family.js';
import { COMMON, FAMILY_GOODS, FAMILY_TOPIC_GOODS, FAMILY_TOPICS } from './vocabulary.js';

const DAY = 86_400_000;
export const SCALE_AS_OF = new Date('2026-11-01T00:00:00Z');
export const SCALE_PRODUCTS = 5000;

export interface ScaleShopOptions {
  customers: number;
  seed: number;
  /** Products in the catalogue (default SCALE_PRODUCTS). */
  products?: number;
  /** Share of customers who write Chinese (default 0.25); 5 % more write both. */
  chineseShare?: number;
}

export interface ScaleChunk {
  customers: CustomerRecord[];
  orders: OrderRecord[];
  searches: SearchRecord[];
  reviews: ReviewRecord[];
  truth: { customerId: string; persona: string }[];
}

const SYLLABLES = [
  'nor',
  'vik',
  'lu',
  'ma',
  'sen',
  'tor',
  'ka',
  'ri',
  'el',
  'do',
  'zu',
  'fen',
  'ta',
  'lo',
  'ber',
  'qu',
  'in',
  'os',
  'ar',
  'ny',
  'pel',
  'gra',
  'mi',
  'sol',
  'vex',
  'ul',
  'ho',
  'bri',
  'tam',
  'eo',
];
const VARIANTS = [
  'black',
  'white',
  'olive',
  'navy',
  'grey',
  'red',
  'small',
  'medium',
  'large',
  'XL',
  '2-pack',
  '3-pack',
  'mini',
  'pro',
  'lite',
  '2025 edition',
  'plus',
  'eco',
  'travel size',
  'family size',
];

/** A made-up word of 2–3 syllables: brands and people's names, a vocabulary that grows with the shop. */
function madeUpName(rng: Rng): string {
  const n = 2 + (rng() < 0.4 ? 1 : 0);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(rng, SYLLABLES);
  return s[0]!.toUpperCase() + s.slice(1);
}

interface Catalogue {
  products: ProductRecord[];
  /** Per goods group: its products' indexes into `products`, most popular first. */
  byGroup: Map<string, number[]>;
  brandOf: string[];
  baseOf: string[];
  price: Map<string, number>;
}

const catalogues = new Map<string, Catalogue>();

/** The catalogue of this seed and size (memoised: every chunk of a shop reads it). */
export function scaleCatalogue(seed: number, size = SCALE_PRODUCTS): Catalogue {
  const key = `${seed}:${size}`;
  const cached = catalogues.get(key);
  if (cached) return cached;
  const rng = rngFor(seed, 'scale-catalogue');
  const brands = Array.from({ length: Math.max(20, Math.round(size / 12)) }, () => madeUpName(rng));
  const groups = Object.keys(FAMILY_GOODS);
  const catalogue: Catalogue = { products: [], byGroup: new Map(groups.map((g) => [g, []])), brandOf: [], baseOf: [], price: new Map() };
  for (let j = 0; j < size; j++) {
    const group = groups[j % groups.length]!;
    const titles = FAMILY_GOODS[group]!;
    const base = titles[Math.floor(j / groups.length) % titles.length]!;
    const brand = pick(rng, brands);
    const id = `s-${String(j + 1).padStart(7, '0')}`;
    const price = Math.round((5 + 200 * rng() ** 2) * 100) / 100;
    catalogue.products.push({ id, title: `${brand} ${base}, ${pick(rng, VARIANTS)}`, category: group, price });
    catalogue.byGroup.get(group)!.push(j);
    catalogue.brandOf.push(brand);
    catalogue.baseOf.push(base);
    catalogue.price.set(id, price);
  }
  catalogues.set(key, catalogue);
  return catalogue;
}

/** A product of the group, long-tailed: the first few sell most (rank ∝ u³). */
function popular(rng: Rng, catalogue: Catalogue, group: string): number {
  const members = catalogue.byGroup.get(group)!;
  return members[Math.floor(members.length * rng() ** 3)]!;
}

interface ScalePersona {
  key: string;
  topic: string;
  goods: string;
  behaviour: Behaviour;
  share: number;
}

/** The 21 topics of the shop family, each a persona with a way of buying, at long-tailed sizes. */
export function scalePersonas(seed: number): ScalePersona[] {
  const rng = rngFor(seed, 'scale-personas');
  const archetypes = Object.keys(ARCHETYPES);
  const topics = Object.keys(FAMILY_TOPIC_GOODS);
  const raw = topics.map(() => Math.exp(0.6 * normal(rng, 0, 1)));
  const total = raw.reduce((a, b) => a + b, 0);
  return topics.map((topic, i) => ({
    key: topic,
    topic,
    goods: FAMILY_TOPIC_GOODS[topic]!,
    behaviour: ARCHETYPES[pick(rng, archetypes)]!,
    share: raw[i]! / total,
  }));
}

const EN_DETAILS = [
  (n: number) => `used it for ${n} weeks`,
  (n: number) => `had it ${n} months now`,
  (n: number) => `took ${n} days to arrive`,
  (n: number) => `bought ${n} of them`,
  (n: number) => `${n} out of 5`,
  (n: number) => `my ${n}th order here`,
];
const ZH_DETAILS = [
  (n: number) => `用了${n}周`,
  (n: number) => `用了${n}个月了`,
  (n: number) => `${n}天就到了`,
  (n: number) => `买了${n}个`,
  (n: number) => `打${n}分`,
  (n: number) => `第${n}次在这里买`,
];

/** A review of real length in one language: 4–14 clauses of the persona's words, the shop's, the product's and the customer's own. */
function review(rng: Rng, persona: ScalePersona, catalogue: Catalogue, product: number, rating: number, language: 'en' | 'zh'): string {
  const topic = FAMILY_TOPICS[persona.topic]![language];
  const clauses: string[] = [];
  const count = 4 + Math.min(10, poisson(rng, 4));
  for (let c = 0; c < count; c++) {
    const r = rng();
    if (r < 0.4) clauses.push(pick(rng, topic));
    else if (r < 0.55) clauses.push(pick(rng, COMMON[language]));
    else if (r < 0.7) {
      const brand = catalogue.brandOf[product]!;
      clauses.push(language === 'zh' ? `这款${brand}` : `the ${brand} ${catalogue.baseOf[product]!.toLowerCase()}`);
    } else if (r < 0.85) clauses.push(pick(rng, language === 'zh' ? ZH_DETAILS : EN_DETAILS)(1 + poisson(rng, 3)));
    else {
      const name = madeUpName(rng);
      clauses.push(language === 'zh' ? `送给${name}的` : pick(rng, [`a gift for ${name}`, `${name} liked it`, `recommended by ${name}`]));
    }
  }
  clauses.splice(Math.floor(rng() * (clauses.length + 1)), 0, pick(rng, SENTIMENT[rating >= 4 ? 'good' : 'bad'][language]));
  return language === 'zh' ? `${clauses.join('，')}。` : `${clauses.join(', ')}.`.replace(/^./, (c) => c.toUpperCase());
}

/** Customers [from, to) of the shop: any chunk, in any order, gives the same records. */
export function scaleCustomers(options: ScaleShopOptions, from: number, to: number): ScaleChunk {
  const asOf = SCALE_AS_OF.getTime();
  const catalogue = scaleCatalogue(options.seed, options.products);
  const personas = scalePersonas(options.seed);
  const cumulative: number[] = [];
  personas.reduce((s, p) => (cumulative.push(s + p.share), s + p.share), 0);
  const groups = Object.keys(FAMILY_GOODS);
  const chineseShare = options.chineseShare ?? 0.25;
  const chunk: ScaleChunk = { customers: [], orders: [], searches: [], reviews: [], truth: [] };

  for (let i = from; i < Math.min(to, options.customers); i++) {
    const rng = rngFor(options.seed, `scale:${i}`);
    const draw = rng();
    const persona =
      personas[
        Math.max(
          0,
          cumulative.findIndex((c) => draw < c),
        )
      ] ?? personas[personas.length - 1]!;
    const b = persona.behaviour;
    const id = `s${String(i + 1).padStart(7, '0')}`;
    const l = rng();
    const language = l < chineseShare ? 'zh' : l < chineseShare + 0.05 ? 'mixed' : 'en';
    const tenureDays = Math.max(30, normal(rng, b.tenureDays, b.tenureDays / 4));
    const signupAt = new Date(asOf - tenureDays * DAY);
    chunk.customers.push({ id, country: language === 'zh' ? 'China' : 'United Kingdom', signupAt, attributes: {} });
    chunk.truth.push({ customerId: id, persona: persona.key });

    const orderCount = rng() < 0.2 ? 1 : Math.max(1, poisson(rng, b.orders));
    const lastOrder = asOf - Math.min(tenureDays - 1, Math.max(0, normal(rng, b.recencyDays, b.recencyDays / 3))) * DAY;
    const bought: number[] = [];
    for (let o = 0; o < orderCount; o++) {
      const placedAt = o === 0 ? lastOrder : signupAt.getTime() + rng() * (lastOrder - signupAt.getTime());
      const lines = new Map<string, number>();
      for (let k = Math.max(1, poisson(rng, b.itemsPerOrder)); k > 0; k--) {
        const product = popular(rng, catalogue, rng() < 0.15 ? pick(rng, groups) : persona.goods);
        const pid = catalogue.products[product]!.id;
        lines.set(pid, (lines.get(pid) ?? 0) + Math.max(1, poisson(rng, b.quantity)));
        bought.push(product);
      }
      chunk.orders.push(completedOrder(`${id}-o${o + 1}`, id, placedAt, lines, catalogue.price));
    }
    if (rng() < 0.1) continue; // writes nothing

    const lang = (): 'en' | 'zh' => (language === 'mixed' ? (rng() < 0.5 ? 'zh' : 'en') : language);
    for (let s = 1 + poisson(rng, 1.5); s > 0; s--) {
      const language = lang();
      const product = bought[Math.floor(rng() * bought.length)]!;
      const text =
        rng() < 0.5
          ? `${catalogue.brandOf[product]!.toLowerCase()} ${catalogue.baseOf[product]!.toLowerCase()}`
          : pick(rng, FAMILY_TOPICS[persona.topic]![language]);
      chunk.searches.push({ id: `${id}-s${s}`, customerId: id, text, searchedAt: new Date(Math.round((lastOrder - rng() * 30 * DAY) / 1000) * 1000) });
    }
    for (let v = Math.min(bought.length, poisson(rng, 1.4)); v > 0; v--) {
      const language = lang();
      const product = bought[Math.floor(rng() * bought.length)]!;
      const rating = Math.min(5, Math.max(1, Math.round(normal(rng, 3.9, 1.1))));
      chunk.reviews.push({
        id: `${id}-r${v}`,
        customerId: id,
        productId: catalogue.products[product]!.id,
        rating,
        text: review(rng, persona, catalogue, product, rating, language),
        language,
        reviewedAt: new Date(Math.round(Math.min(asOf, lastOrder + rng() * 10 * DAY) / 1000) * 1000),
      });
    }
  }
  return chunk;
}
