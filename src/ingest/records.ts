// What the shop sends us, one schema per entity. The same schemas validate GraphQL input and rows
// from CSV/JSONL files, so a record means the same thing whichever door it comes through.
import { z } from 'zod';

export const ENTITIES = ['customers', 'products', 'orders', 'searches', 'reviews'] as const;
export type Entity = (typeof ENTITIES)[number];

/** Empty strings from CSV cells mean "not given". */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const externalId = z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

const customerId = externalId.refine((v) => !v.includes('@'), {
  message: 'must be a pseudonymous id, not an e-mail address',
});

const timestamp = z.preprocess(
  blankToUndefined,
  z.coerce.date({ error: 'must be an ISO-8601 date-time' }).refine((d) => !Number.isNaN(d.getTime()), {
    message: 'must be an ISO-8601 date-time',
  }),
);

const money = z.preprocess(blankToUndefined, z.coerce.number({ error: 'must be a number' }).finite('must be finite').min(0, 'must not be negative').max(1e9));

const jsonObject = z.preprocess(
  (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : safeJson(v)) : v),
  z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
);

/** CSV cells say true/false as text; `Boolean("false")` would be true. */
function parseBoolean(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim().toLowerCase();
  if (t === '') return undefined;
  if (['true', '1', 'yes', 'y'].includes(t)) return true;
  if (['false', '0', 'no', 'n'].includes(t)) return false;
  return v;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v; // left for the schema to reject with its own message
  }
}

export const CustomerRecord = z.object({
  id: customerId,
  country: z.preprocess(blankToUndefined, z.string().trim().max(64).optional()),
  signupAt: timestamp.optional(),
  attributes: jsonObject.optional(),
  /** Marketing consent as the shop records it; left out: unchanged (unknown for a new customer). */
  marketingConsent: z.preprocess(parseBoolean, z.boolean({ error: 'must be true or false' }).optional()),
});

export const ProductRecord = z.object({
  id: externalId,
  title: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(500),
  category: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()),
  price: money.optional(),
});

export const ORDER_STATUSES = ['COMPLETED', 'CANCELLED', 'RETURNED'] as const;

export const OrderItemRecord = z.object({
  productId: externalId,
  quantity: z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be at least 1').max(1_000_000),
  unitPrice: money,
  returned: z.preprocess(parseBoolean, z.boolean({ error: 'must be true or false' }).optional()),
});

export const OrderRecord = z.object({
  id: externalId,
  customerId,
  placedAt: timestamp,
  status: z.preprocess(blankToUndefined, z.enum(ORDER_STATUSES).optional()),
  items: z.array(OrderItemRecord).min(1, 'an order needs at least one item').max(1000),
});

export const SearchRecord = z.object({
  id: externalId,
  customerId,
  text: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(1000),
  searchedAt: timestamp,
});

export const ReviewRecord = z.object({
  id: externalId,
  customerId,
  productId: z.preprocess(blankToUndefined, externalId.optional()),
  rating: z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
  text: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(5000),
  language: z.preprocess(blankToUndefined, z.string().trim().min(2).max(35).optional()),
  reviewedAt: timestamp,
});

export const RECORD_SCHEMAS = {
  customers: CustomerRecord,
  products: ProductRecord,
  orders: OrderRecord,
  searches: SearchRecord,
  reviews: ReviewRecord,
} as const;

export type CustomerRecord = z.infer<typeof CustomerRecord>;
export type ProductRecord = z.infer<typeof ProductRecord>;
export type OrderRecord = z.infer<typeof OrderRecord>;
export type OrderItemRecord = z.infer<typeof OrderItemRecord>;
export type SearchRecord = z.infer<typeof SearchRecord>;
export type ReviewRecord = z.infer<typeof ReviewRecord>;

export interface RecordsByEntity {
  customers: CustomerRecord;
  products: ProductRecord;
  orders: OrderRecord;
  searches: SearchRecord;
  reviews: ReviewRecord;
}

/** A review's language when the shop did not say: any Han character makes it Chinese. */
export function detectLanguage(text: string): string {
  return /\p{Script=Han}/u.test(text) ? 'zh' : 'en';
}
