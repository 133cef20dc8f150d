// A deliberately hard shop, for quality measurements (bench:quality, test/demo): ten personas in five
// pairs that only a reader of BOTH words and behaviour can tell apart —
//   three pairs buy from the same goods with the same behaviour and differ only in what they write
//   (family camping vs ultralight alpine; baking vs meal prep; gaming vs home office);
//   two pairs buy and write alike and differ only in behaviour (frequent vs lapsed).
// 30 % of customers write Chinese, 15 % mix Chinese and English text by text, 10 % have a single order,
// and everyone buys 15 % of their goods from other pools. Texts are composed from each persona's
// phrases and phrases every persona uses, so no two customers write the same review. The persona of
// each customer is returned apart, as the truth; it never reaches the shop data.
import type { CustomerRecord, OrderRecord, ProductRecord, ReviewRecord, SearchRecord } from '../ingest/records.js';
import type { BatchWriter } from '../ingest/batch-writer.js';
import { normal, pick, poisson, rngFor, type Rng } from './random.js';
import { COMMON, GOODS, TOPICS, type Words } from './vocabulary.js';

const DAY = 86_400_000;
export const HARD_AS_OF = new Date('2026-11-01T00:00:00Z');

interface Behaviour {
  orders: number;
  itemsPerOrder: number;
  recencyDays: number;
  tenureDays: number;
  quantity: number;
}

const STEADY: Behaviour = { orders: 5, itemsPerOrder: 2, recencyDays: 45, tenureDays: 600, quantity: 1 };
const FREQUENT: Behaviour = { orders: 14, itemsPerOrder: 3, recencyDays: 8, tenureDays: 700, quantity: 2 };
const LAPSED: Behaviour = { orders: 2, itemsPerOrder: 1.3, recencyDays: 260, tenureDays: 600, quantity: 1 };

export interface HardPersona {
  key: string;
  goods: keyof typeof GOODS;
  topic: keyof typeof TOPICS;
  behaviour: Behaviour;
}

export const HARD_PERSONAS: readonly HardPersona[] = [
  { key: 'family-campers', goods: 'outdoor', topic: 'family', behaviour: STEADY },
  { key: 'alpinists', goods: 'outdoor', topic: 'alpine', behaviour: STEADY },
  { key: 'bakers', goods: 'kitchen', topic: 'baking', behaviour: STEADY },
  { key: 'meal-preppers', goods: 'kitchen', topic: 'mealprep', behaviour: STEADY },
  { key: 'gamers', goods: 'electronics', topic: 'gaming', behaviour: STEADY },
  { key: 'home-workers', goods: 'electronics', topic: 'office', behaviour: STEADY },
  { key: 'skincare-devotees', goods: 'beauty', topic: 'skincare', behaviour: FREQUENT },
  { key: 'skincare-lapsed', goods: 'beauty', topic: 'skincare', behaviour: LAPSED },
  { key: 'decor-regulars', goods: 'home', topic: 'decor', behaviour: FREQUENT },
  { key: 'decor-lapsed', goods: 'home', topic: 'decor', behaviour: LAPSED },
];

export interface HardShop {
  products: ProductRecord[];
  customers: CustomerRecord[];
  orders: OrderRecord[];
  searches: SearchRecord[];
  reviews: ReviewRecord[];
  truth: { customerId: string; persona: string }[];
}

const productId = (goods: string, j: number) => `h-${goods}-${String(j + 1).padStart(2, '0')}`;

export function hardShop(options: { customers: number; seed: number }): HardShop {
  const asOf = HARD_AS_OF.getTime();
  const products: ProductRecord[] = Object.entries(GOODS).flatMap(([goods, titles]) =>
    titles.map((title, j) => ({
      id: productId(goods, j),
      title,
      category: goods,
      price: Math.round((10 + 140 * rngFor(options.seed, `hard-price:${goods}:${j}`)()) * 100) / 100,
    })),
  );
  const price = new Map(products.map((p) => [p.id, p.price ?? 0]));
  const shop: HardShop = { products, customers: [], orders: [], searches: [], reviews: [], truth: [] };
  const goodsKeys = Object.keys(GOODS);

  for (let i = 0; i < options.customers; i++) {
    const rng = rngFor(options.seed, `hard:${i}`);
    const persona = HARD_PERSONAS[i % HARD_PERSONAS.length]!;
    const b = persona.behaviour;
    const id = `h${String(i + 1).padStart(6, '0')}`;
    const language = (() => {
      const r = rng();
      return r < 0.3 ? 'zh' : r < 0.45 ? 'mixed' : 'en';
    })();
    const tenureDays = Math.max(30, normal(rng, b.tenureDays, b.tenureDays / 4));
    const signupAt = new Date(asOf - tenureDays * DAY);
    shop.customers.push({ id, country: language === 'zh' ? 'China' : 'United Kingdom', signupAt, attributes: {} });
    shop.truth.push({ customerId: id, persona: persona.key });

    const orderCount = rng() < 0.1 ? 1 : Math.max(1, poisson(rng, b.orders));
    const lastOrder = asOf - Math.min(tenureDays - 1, Math.max(0, normal(rng, b.recencyDays, b.recencyDays / 3))) * DAY;
    const bought: string[] = [];
    for (let o = 0; o < orderCount; o++) {
      const placedAt = o === 0 ? lastOrder : signupAt.getTime() + rng() * (lastOrder - signupAt.getTime());
      const lines = new Map<string, number>();
      for (let k = Math.max(1, poisson(rng, b.itemsPerOrder)); k > 0; k--) {
        const goods = rng() < 0.15 ? pick(rng, goodsKeys) : persona.goods;
        const pid = productId(goods, Math.floor(rng() * GOODS[goods]!.length));
        lines.set(pid, (lines.get(pid) ?? 0) + Math.max(1, poisson(rng, b.quantity)));
        if (goods === persona.goods) bought.push(pid);
      }
      shop.orders.push(completedOrder(`${id}-o${o + 1}`, id, placedAt, lines, price));
    }

    const lang = () => (language === 'mixed' ? (rng() < 0.5 ? 'zh' : 'en') : language);
    for (let s = 1 + poisson(rng, 1.5); s > 0; s--) {
      const l = lang();
      shop.searches.push({
        id: `${id}-s${s}`,
        customerId: id,
        text: pick(rng, TOPICS[persona.topic]![l]),
        searchedAt: new Date(Math.round((lastOrder - rng() * 30 * DAY) / 1000) * 1000),
      });
    }
    for (let v = Math.min(bought.length, poisson(rng, 1.5)); v > 0; v--) {
      const l = lang();
      shop.reviews.push({
        id: `${id}-r${v}`,
        customerId: id,
        productId: pick(rng, bought),
        rating: Math.min(5, Math.max(1, Math.round(normal(rng, 4, 0.8)))),
        text: review(rng, TOPICS[persona.topic]!, l),
        language: l,
        reviewedAt: new Date(Math.round(Math.min(asOf, lastOrder + rng() * 10 * DAY) / 1000) * 1000),
      });
    }
  }
  return shop;
}

function review(rng: Rng, topic: Words, language: 'en' | 'zh'): string {
  const a = pick(rng, topic[language]);
  const b = pick(rng, topic[language]);
  const c = pick(rng, COMMON[language]);
  if (language === 'zh') return pick(rng, [`${a}，${b}。${c}。`, `${c}，${a}。`, `${a}，${c}，${b}。`]);
  return pick(rng, [`${a}, ${b}. ${c}.`, `${c} — ${a}.`, `Bought it: ${a}; ${c}, and ${b}.`]);
}

/** A completed order of these lines (product id → quantity) at the products' prices, placed at `placedAt` (ms, to the second). */
export function completedOrder(
  id: string,
  customerId: string,
  placedAt: number,
  lines: ReadonlyMap<string, number>,
  price: ReadonlyMap<string, number | undefined>,
): OrderRecord {
  return {
    id,
    customerId,
    placedAt: new Date(Math.round(placedAt / 1000) * 1000),
    status: 'COMPLETED',
    items: [...lines].map(([productId, quantity]) => ({ productId, quantity, unitPrice: price.get(productId) ?? 0, returned: false })),
  };
}

/** Writes the hard shop through the batch writer (parents first); returns the truth (customer id → persona). */
export async function loadHardShop(writer: BatchWriter, options: { customers: number; seed: number }): Promise<Map<string, string>> {
  return writeShop(writer, hardShop(options));
}

/** Writes a generated shop through the batch writer (parents first); returns the truth (customer id → persona). */
export async function writeShop(writer: BatchWriter, shop: HardShop): Promise<Map<string, string>> {
  const CHUNK = 5000;
  for (const [entity, records] of [
    ['products', shop.products],
    ['customers', shop.customers],
    ['orders', shop.orders],
    ['searches', shop.searches],
    ['reviews', shop.reviews],
  ] as const) {
    for (let i = 0; i < records.length; i += CHUNK) await writer.upsert(entity, records.slice(i, i + CHUNK), 'records', { live: false });
  }
  return new Map(shop.truth.map((t) => [t.customerId, t.persona]));
}
