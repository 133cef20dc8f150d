// A deterministic demo shop: products for every persona, and customers who behave and write like
// their persona (in English, or in Chinese for about a quarter of them). The persona of each customer
// is returned separately as ground truth; it never reaches the shop data.
import type { CustomerRecord, OrderRecord, ProductRecord, ReviewRecord, SearchRecord } from '../ingest/records.js';
import { PERSONAS, type Persona } from './personas.js';
import { exponential, normal, pick, poisson, rngFor } from './random.js';

export interface DemoShopOptions {
  customers: number;
  seed: number;
  /** The shop's "today": recency is measured back from it. */
  asOf?: Date;
  /** Share of customers who write in Chinese. */
  chineseShare?: number;
}

export interface CustomerChunk {
  customers: CustomerRecord[];
  orders: OrderRecord[];
  searches: SearchRecord[];
  reviews: ReviewRecord[];
  truth: { customerId: string; persona: string }[];
}

const DAY = 86_400_000;
export const DEFAULT_AS_OF = new Date('2026-11-01T00:00:00Z');
const COUNTRIES_EN = ['United Kingdom', 'United States', 'Germany', 'France', 'Ireland', 'Netherlands'];
const COUNTRIES_ZH = ['China', 'Taiwan', 'Singapore', 'Hong Kong'];

export function demoProducts(seed: number): ProductRecord[] {
  return PERSONAS.flatMap((persona) =>
    persona.products.map((title, j) => {
      const rng = rngFor(seed, `product:${persona.key}:${j}`);
      const [min, max] = persona.price;
      return {
        id: productId(persona, j),
        title,
        category: persona.category,
        price: Math.round((min + (max - min) * rng() ** 1.5) * 100) / 100,
      };
    }),
  );
}

const productId = (persona: Persona, j: number) => `p-${persona.key}-${String(j + 1).padStart(2, '0')}`;

/** Customers [from, to) of the shop. Chunks can be generated in any order and give the same data. */
export function demoCustomers(options: DemoShopOptions, from: number, to: number): CustomerChunk {
  const asOf = (options.asOf ?? DEFAULT_AS_OF).getTime();
  const chineseShare = options.chineseShare ?? 0.25;
  const prices = new Map(demoProducts(options.seed).map((p) => [p.id, p.price ?? 0]));
  const chunk: CustomerChunk = { customers: [], orders: [], searches: [], reviews: [], truth: [] };

  for (let i = from; i < Math.min(to, options.customers); i++) {
    const rng = rngFor(options.seed, `customer:${i}`);
    const persona = PERSONAS[i % PERSONAS.length]!;
    const b = persona.behaviour;
    const id = `c${String(i + 1).padStart(6, '0')}`;
    const chinese = rng() < chineseShare;
    const tenureDays = Math.max(30, exponential(rng, b.tenureDays));
    const signupAt = new Date(asOf - tenureDays * DAY);
    chunk.customers.push({
      id,
      country: pick(rng, chinese ? COUNTRIES_ZH : COUNTRIES_EN),
      signupAt,
      attributes: { newsletter: rng() < 0.4, channel: pick(rng, ['web', 'app', 'store']) },
    });
    chunk.truth.push({ customerId: id, persona: persona.key });

    // Orders: the last one `recency` days ago, the others spread over the customer's tenure.
    const orderCount = Math.max(1, poisson(rng, b.orders));
    const lastOrder = asOf - Math.min(tenureDays - 1, exponential(rng, b.recencyDays)) * DAY;
    const bought: string[] = [];
    for (let o = 0; o < orderCount; o++) {
      const placedAt = o === 0 ? lastOrder : signupAt.getTime() + rng() * (lastOrder - signupAt.getTime());
      const itemCount = Math.max(1, poisson(rng, b.itemsPerOrder));
      const lines = new Map<string, number>();
      for (let k = 0; k < itemCount; k++) {
        const from = rng() < b.wander ? pick(rng, PERSONAS) : persona;
        const j = Math.floor(rng() * from.products.length);
        const pid = productId(from, j);
        lines.set(pid, (lines.get(pid) ?? 0) + 1 + (persona.key === 'bargain-hunters' ? poisson(rng, 1.5) : 0));
        if (from === persona) bought.push(pid);
      }
      // Returns: half the time the whole order goes back, otherwise one of its lines.
      const r = rng();
      const items = [...lines].map(([productId, quantity]) => ({ productId, quantity, unitPrice: prices.get(productId)!, returned: false }));
      if (r >= b.returnRate / 2 && r < b.returnRate) items[Math.floor(rng() * items.length)]!.returned = true;
      chunk.orders.push({
        id: `${id}-o${o + 1}`,
        customerId: id,
        placedAt: new Date(Math.round(placedAt / 1000) * 1000),
        status: r < b.returnRate / 2 ? 'RETURNED' : 'COMPLETED',
        items,
      });
    }

    const searchCount = 2 + poisson(rng, 2.5);
    const searchPool = chinese ? persona.searchesZh : persona.searchesEn;
    for (let s = 0; s < searchCount; s++) {
      chunk.searches.push({
        id: `${id}-s${s + 1}`,
        customerId: id,
        text: pick(rng, searchPool),
        searchedAt: new Date(Math.round((asOf - exponential(rng, b.recencyDays * 2) * DAY) / 1000) * 1000),
      });
    }

    const reviewCount = Math.min(bought.length, poisson(rng, 1.6));
    const reviewPool = chinese ? persona.reviewsZh : persona.reviewsEn;
    for (let v = 0; v < reviewCount; v++) {
      chunk.reviews.push({
        id: `${id}-r${v + 1}`,
        customerId: id,
        productId: pick(rng, bought),
        rating: Math.min(5, Math.max(1, Math.round(normal(rng, b.rating, 0.7)))),
        text: pick(rng, reviewPool),
        language: chinese ? 'zh' : 'en',
        reviewedAt: new Date(Math.round(Math.min(asOf, lastOrder + rng() * 10 * DAY) / 1000) * 1000),
      });
    }
  }
  return chunk;
}
