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

const DAY = 86_400_000;
export const HARD_AS_OF = new Date('2026-11-01T00:00:00Z');

const GOODS: Record<string, string[]> = {
  outdoor: [
    'Three person tent',
    'Down sleeping bag',
    'Trekking poles',
    'Camping stove',
    'Headlamp',
    'Water filter',
    'Hiking boots',
    'Rain jacket',
    'Insulated bottle',
    'Daypack 30L',
    'Camp chair',
    'First aid kit',
  ],
  kitchen: [
    'Stand mixer',
    'Non-stick frying pan',
    'Chef knife',
    'Baking tray set',
    'Glass food containers',
    'Digital kitchen scale',
    'Silicone spatula',
    'Cast iron pot',
    'Blender',
    'Measuring cups',
    'Cutting board',
    'Oven mitts',
  ],
  electronics: [
    'Wireless headphones',
    'USB-C hub',
    'Mechanical keyboard',
    '27 inch monitor',
    'Webcam HD',
    'Wireless mouse',
    'Laptop stand',
    'Portable SSD',
    'Desk lamp LED',
    'Bluetooth speaker',
    'Phone charger',
    'Noise cancelling earbuds',
  ],
  beauty: [
    'Hydrating serum',
    'Sunscreen SPF50',
    'Gentle cleanser',
    'Night cream',
    'Clay mask',
    'Lip balm set',
    'Eye cream',
    'Toner mist',
    'Vitamin C drops',
    'Makeup remover',
    'Hand cream',
    'Face roller',
  ],
  home: [
    'Linen cushion cover',
    'Scented candle',
    'Ceramic vase',
    'Wall art print',
    'Throw blanket',
    'Table lamp',
    'Woven basket',
    'Wall mirror',
    'Photo frame set',
    'Indoor plant pot',
    'Rug 120x170',
    'Curtain set',
  ],
};

interface Words {
  en: string[];
  zh: string[];
}

const TOPICS: Record<string, Words> = {
  family: {
    en: [
      'camping with the kids',
      'family weekend trip',
      'safe for children',
      'roomy for four',
      'easy to set up with kids',
      'our son loved it',
      'campsite with the family',
      'warm enough for the little ones',
      'school holiday camping',
      'kid friendly',
    ],
    zh: [
      '带孩子露营',
      '家庭周末出游',
      '孩子用很安全',
      '四个人住很宽敞',
      '和孩子一起搭很容易',
      '儿子很喜欢',
      '全家去营地',
      '小朋友晚上很暖和',
      '暑假去露营',
      '适合亲子',
    ],
  },
  alpine: {
    en: [
      'ultralight for the summit',
      'fast and light ascent',
      'grams matter on the ridge',
      'alpine start at 3am',
      'thru-hike ready',
      'packs down tiny',
      'above the tree line',
      'long mountain traverse',
      'solo trek in the alps',
      'base weight under five kilos',
    ],
    zh: [
      '登顶很轻便',
      '轻装快速攀登',
      '山脊上每克都重要',
      '凌晨三点出发登山',
      '适合长距离徒步',
      '收纳体积很小',
      '高海拔林线以上',
      '长距离山地穿越',
      '独自去阿尔卑斯徒步',
      '背包重量很轻',
    ],
  },
  baking: {
    en: [
      'sourdough bread rises well',
      'perfect for baking cakes',
      'cookies came out even',
      'pastry dough',
      'weekend baking with flour',
      'birthday cake',
      'croissants at home',
      'kneading bread dough',
      'muffins and scones',
      'icing and frosting',
    ],
    zh: [
      '做酸面包发酵很好',
      '烤蛋糕很合适',
      '饼干烤得很均匀',
      '做酥皮面团',
      '周末在家烘焙',
      '生日蛋糕',
      '在家做可颂',
      '揉面团做面包',
      '做松饼和司康',
      '裱花奶油',
    ],
  },
  mealprep: {
    en: [
      'meal prep for the week',
      'high protein lunches',
      'portion control',
      'healthy dinners',
      'chicken and rice boxes',
      'low carb recipes',
      'batch cooking on sunday',
      'macros for the gym',
      'vegetables and quinoa',
      'calorie counting',
    ],
    zh: ['一周备餐', '高蛋白午餐', '控制份量', '健康晚餐', '鸡胸肉配米饭', '低碳水食谱', '周日批量做饭', '健身计算营养', '蔬菜配藜麦', '计算卡路里'],
  },
  gaming: {
    en: [
      'low latency for fps games',
      'rgb lighting for my setup',
      'long gaming sessions',
      'competitive ranked matches',
      'esports ready',
      'streaming my gameplay',
      'great in multiplayer',
      'high refresh rate gaming',
      'clicky switches for games',
      'night raids with friends',
    ],
    zh: [
      '玩射击游戏延迟低',
      '电竞桌面灯效',
      '长时间打游戏',
      '排位赛很给力',
      '电竞级别',
      '直播游戏',
      '多人游戏很好用',
      '高刷新率玩游戏',
      '游戏键盘手感',
      '和朋友开黑',
    ],
  },
  office: {
    en: [
      'video calls from home',
      'working from home all day',
      'spreadsheets and reports',
      'ergonomic for my back',
      'quiet in meetings',
      'home office desk',
      'teams and zoom calls',
      'productivity at work',
      'typing reports all day',
      'remote work setup',
    ],
    zh: [
      '在家开视频会议',
      '居家办公一整天',
      '做表格写报告',
      '保护腰背很舒适',
      '开会很安静',
      '家里的办公桌',
      '线上会议很清晰',
      '工作效率提高',
      '整天打字写文档',
      '远程办公设备',
    ],
  },
  skincare: {
    en: [
      'dry skin feels hydrated',
      'gentle on sensitive skin',
      'no breakouts',
      'glowing skin',
      'fine lines look softer',
      'light texture absorbs fast',
      'morning skincare routine',
      'fragrance free',
      'evens my skin tone',
      'good for combination skin',
    ],
    zh: ['干皮用很保湿', '敏感肌也温和', '没有长痘', '皮肤有光泽', '细纹变淡了', '质地轻薄吸收快', '早上护肤步骤', '无香精', '肤色更均匀', '混合皮适用'],
  },
  decor: {
    en: [
      'cosy living room',
      'scandinavian style',
      'matches our sofa',
      'warm neutral colours',
      'bedroom makeover',
      'looks elegant on the shelf',
      'minimalist decor',
      'boho vibe',
      'new flat styling',
      'soft natural textures',
    ],
    zh: ['客厅很温馨', '北欧风格', '和沙发很搭', '暖色调很舒服', '卧室改造', '放在架子上很好看', '极简装饰', '波西米亚风', '新家布置', '自然柔和的质感'],
  },
};

/** Phrases every persona uses: they blur the personas' words, as real reviews do. */
const COMMON: Words = {
  en: [
    'fast delivery',
    'good value for money',
    'would buy again',
    'arrived on time',
    'nice packaging',
    'as described',
    'not bad',
    'five stars',
    'customer service was helpful',
    'a bit expensive',
  ],
  zh: ['物流很快', '性价比高', '还会回购', '准时送达', '包装不错', '和描述一致', '还行', '五星好评', '客服很耐心', '有点贵'],
};

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
      shop.orders.push({
        id: `${id}-o${o + 1}`,
        customerId: id,
        placedAt: new Date(Math.round(placedAt / 1000) * 1000),
        status: 'COMPLETED',
        items: [...lines].map(([productId, quantity]) => ({ productId, quantity, unitPrice: price.get(productId)!, returned: false })),
      });
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

/** Writes the hard shop through the batch writer (parents first); returns the truth (customer id → persona). */
export async function loadHardShop(writer: BatchWriter, options: { customers: number; seed: number }): Promise<Map<string, string>> {
  const shop = hardShop(options);
  const CHUNK = 5000;
  for (const [entity, records] of [
    ['products', shop.products],
    ['customers', shop.customers],
    ['orders', shop.orders],
    ['searches', shop.searches],
    ['reviews', shop.reviews],
  ] as const) {
    for (let i = 0; i < records.length; i += CHUNK) await writer.upsert(entity, records.slice(i, i + CHUNK));
  }
  return new Map(shop.truth.map((t) => [t.customerId, t.persona]));
}
