// Shops drawn from the value models themselves: each customer buys at a Poisson rate λ ~ Gamma(r, α)
// (per day) and leaves after a repeat purchase with probability p ~ Beta(a, b) (BG/NBD) — or also
// right after the first (MBG/NBD, where one-off buyers can be gone) — each purchase worth
// Gamma(p, ν) with ν ~ Gamma(q, γ) (Gamma–Gamma). Unlike the demo shop, whose personas never leave,
// these shops have customers who slipped away, so churn risk has something to find.
import { seededRng } from '../../src/clustering/random.js';
import type { BatchWriter } from '../../src/ingest/batch-writer.js';
import type { PurchaseModelVariant } from '../../src/value/bg-nbd.js';
import type { CustomerHistory } from '../../src/value/purchase-history.js';

export const TRUE_PARAMS = { r: 0.25, alpha: 30, a: 0.8, b: 2.4, p: 6, q: 4, v: 15 };

/** Gamma(shape, rate) by Marsaglia–Tsang. */
export function gamma(rng: () => number, shape: number, rate: number): number {
  if (shape < 1) return gamma(rng, shape + 1, rate) * rng() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = Math.sqrt(-2 * Math.log(rng() || 1e-300)) * Math.cos(2 * Math.PI * rng());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    if (Math.log(rng()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export interface SimulatedCustomer extends CustomerHistory {
  /** Days (from the customer's first) of every purchase, the first at 0, and each one's value. */
  purchases: { day: number; value: number }[];
}

/** Customers with ages between 30 and 400 days, drawn from BG/NBD or MBG/NBD. */
export function simulateCustomers(
  n: number,
  seed: number,
  { variant = 'BG', params = {} }: { variant?: PurchaseModelVariant; params?: Partial<typeof TRUE_PARAMS> } = {},
): SimulatedCustomer[] {
  const rng = seededRng(seed);
  const { r, alpha, a, b, p, q, v } = { ...TRUE_PARAMS, ...params };
  const out: SimulatedCustomer[] = [];
  for (let i = 0; i < n; i++) {
    const lambda = gamma(rng, r, alpha);
    const ga = gamma(rng, a, 1);
    const dropout = ga / (ga + gamma(rng, b, 1));
    const nu = gamma(rng, q, v);
    const age = Math.round(30 + rng() * 370);
    const purchases = [{ day: 0, value: gamma(rng, p, nu) }];
    let t = 0;
    for (;;) {
      // Gone after the last purchase: after a repeat purchase in BG/NBD, after the first too in MBG/NBD.
      if ((variant === 'MBG' || purchases.length > 1) && rng() < dropout) break;
      t += -Math.log(1 - rng()) / lambda;
      const day = Math.floor(t);
      if (day > age) break;
      if (day === purchases.at(-1)!.day) continue; // one purchase a day
      purchases.push({ day, value: gamma(rng, p, nu) });
    }
    const repeat = purchases.slice(1);
    out.push({
      customerId: i + 1,
      frequency: repeat.length,
      recency: purchases.at(-1)!.day,
      age,
      monetary: repeat.length > 0 ? repeat.reduce((s, x) => s + x.value, 0) / repeat.length : 0,
      purchases,
    });
  }
  return out;
}

const TASTES = [
  ['trail running shoes', 'running socks', 'energy gel', 'hydration vest', 'sports watch'],
  ['espresso beans', 'milk frother', 'coffee grinder', 'ceramic mug', 'pour over kettle'],
  ['watercolour paints', 'sketchbook', 'brush set', 'easel', 'masking tape'],
  ['dog food', 'dog lead', 'chew toy', 'dog bed', 'grooming brush'],
];

/**
 * Loads such a shop: customers `s0…`, four tastes of five products each (a customer buys mostly from
 * their taste), their purchases as orders ending at `end`. `price` overrides every line's value.
 */
export async function loadValueShop(
  writer: BatchWriter,
  options: { customers: number; seed: number; end?: Date; price?: number },
): Promise<SimulatedCustomer[]> {
  // MBG/NBD: a shop where one-off buyers leave too, as on real shops (Online Retail, CDNOW).
  const customers = simulateCustomers(options.customers, options.seed, { variant: 'MBG' });
  const rng = seededRng(options.seed + 1);
  const end = (options.end ?? new Date('2024-06-30T12:00:00Z')).getTime();
  await writer.upsert(
    'products',
    TASTES.flatMap((titles, t) => titles.map((title, j) => ({ id: `p${t}-${j}`, title, category: `taste ${t}`, price: 10 }))),
    'records',
    { live: false },
  );
  await writer.upsert(
    'customers',
    customers.map((c, i) => ({ id: `s${i}`, country: i % 2 ? 'DE' : 'GB' })),
    'records',
    { live: false },
  );
  const orders = customers.flatMap((c, i) => {
    const taste = i % TASTES.length;
    const start = end - c.age * 86_400_000;
    return c.purchases.map((purchase, k) => {
      const t = rng() < 0.85 ? taste : Math.floor(rng() * TASTES.length);
      return {
        id: `s${i}-${k}`,
        customerId: `s${i}`,
        placedAt: new Date(start + purchase.day * 86_400_000).toISOString(),
        items: [{ productId: `p${t}-${Math.floor(rng() * 5)}`, quantity: 1, unitPrice: options.price ?? Math.round(purchase.value * 100) / 100 }],
      };
    });
  });
  for (let i = 0; i < orders.length; i += 5000) await writer.upsert('orders', orders.slice(i, i + 5000), 'records', { live: false });
  return customers;
}
