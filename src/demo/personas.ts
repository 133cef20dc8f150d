// The planted personas of the demo shop. Each has its own goods, words (English and Chinese) and
// behaviour, so segmentation quality can be measured against the truth written beside the data.

export interface Persona {
  key: string;
  name: string;
  category: string;
  /** Product titles this persona buys (English; the catalogue is shared by everyone). */
  products: string[];
  /** Price range of its products. */
  price: [min: number, max: number];
  searchesEn: string[];
  searchesZh: string[];
  reviewsEn: string[];
  reviewsZh: string[];
  behaviour: {
    /** Mean number of orders over the customer's life. */
    orders: number;
    /** Mean items per order. */
    itemsPerOrder: number;
    /** Mean days since the last order. */
    recencyDays: number;
    /** Mean tenure (days since sign-up). */
    tenureDays: number;
    /** Share of orders cancelled or returned. */
    returnRate: number;
    /** Mean review rating (1–5). */
    rating: number;
    /** Share of purchases from other personas' goods (noise). */
    wander: number;
  };
}

export const PERSONAS: readonly Persona[] = [
  {
    key: 'young-parents',
    name: 'Young parents',
    category: 'baby & kids',
    products: [
      'Baby stroller',
      'Disposable nappies pack',
      'Baby bottle set',
      'Toddler car seat',
      'Baby monitor',
      'Nursery night light',
      'Teething toy',
      'Kids picture book',
      'Baby wipes bulk pack',
      'Infant sleeping bag',
      'High chair',
      'Baby bath tub',
    ],
    price: [8, 180],
    searchesEn: [
      'baby stroller lightweight',
      'nappies size 3',
      'toddler car seat isofix',
      'baby bottle anti colic',
      'baby monitor with camera',
      'teething toys for babies',
      'kids bedtime books',
    ],
    searchesZh: ['婴儿推车 轻便', '纸尿裤 3号', '儿童安全座椅', '防胀气奶瓶', '婴儿监视器', '宝宝牙胶', '儿童绘本'],
    reviewsEn: [
      'Our baby loves it, the stroller folds easily.',
      'Great nappies, no leaks overnight for our toddler.',
      'The car seat was easy to install and our son is comfortable.',
      'Perfect for a newborn, the bottle is easy to clean.',
      'Helps our little one sleep through the night.',
    ],
    reviewsZh: [
      '宝宝很喜欢，推车折叠很方便。',
      '纸尿裤不漏，孩子晚上睡得好。',
      '安全座椅安装简单，儿子坐着很舒服。',
      '奶瓶很好清洗，适合新生儿。',
      '孩子晚上睡得更安稳了。',
    ],
    behaviour: { orders: 9, itemsPerOrder: 3, recencyDays: 12, tenureDays: 500, returnRate: 0.05, rating: 4.4, wander: 0.08 },
  },
  {
    key: 'gamers',
    name: 'Gamers',
    category: 'video games',
    products: [
      'Wireless game controller',
      'Gaming headset',
      'Mechanical keyboard RGB',
      'Gaming mouse',
      'Open world RPG game',
      'Racing game',
      'Console storage upgrade',
      'Gaming chair',
      'Battle royale season pass',
      'Controller charging dock',
    ],
    price: [20, 250],
    searchesEn: [
      'wireless controller ps5',
      'gaming headset surround',
      'rgb mechanical keyboard',
      'new rpg games',
      'gaming chair ergonomic',
      'fps mouse high dpi',
    ],
    searchesZh: ['无线游戏手柄', '电竞耳机', '机械键盘 RGB', '角色扮演游戏', '电竞椅', '游戏鼠标'],
    reviewsEn: [
      'The controller has great battery life for long gaming sessions.',
      'Amazing sound in multiplayer games, I can hear every footstep.',
      'Best RPG I played this year, the open world is huge.',
      'Keyboard switches feel great for competitive gaming.',
    ],
    reviewsZh: ['手柄续航很好，打游戏很久都没问题。', '耳机音效很棒，多人游戏听得很清楚。', '今年玩过最好的角色扮演游戏。', '键盘手感很好，适合竞技游戏。'],
    behaviour: { orders: 5, itemsPerOrder: 1.5, recencyDays: 25, tenureDays: 700, returnRate: 0.06, rating: 4.1, wander: 0.08 },
  },
  {
    key: 'runners',
    name: 'Runners',
    category: 'running & fitness',
    products: [
      'Road running shoes',
      'Trail running shoes',
      'GPS running watch',
      'Running shorts',
      'Hydration vest',
      'Compression socks',
      'Energy gels box',
      'Reflective running jacket',
      'Foam roller',
      'Marathon training plan book',
    ],
    price: [10, 300],
    searchesEn: [
      'running shoes cushioned',
      'trail shoes waterproof',
      'gps watch marathon',
      'hydration vest ultra',
      'energy gels for long runs',
      'compression socks running',
    ],
    searchesZh: ['跑步鞋 缓震', '越野跑鞋', '跑步手表 GPS', '跑步水袋背心', '能量胶', '压缩袜 跑步'],
    reviewsEn: [
      'Very comfortable shoes, ran my first marathon in them.',
      'The GPS watch tracks my pace and heart rate perfectly.',
      'Great grip on muddy trails during my weekend runs.',
      'Light jacket, keeps me visible on early morning runs.',
    ],
    reviewsZh: ['鞋子很舒服，穿着跑完了第一个马拉松。', '手表配速和心率记录很准。', '周末越野跑，抓地力很好。', '外套很轻，清晨跑步很安全。'],
    behaviour: { orders: 6, itemsPerOrder: 1.8, recencyDays: 18, tenureDays: 600, returnRate: 0.1, rating: 4.3, wander: 0.08 },
  },
  {
    key: 'home-cooks',
    name: 'Home cooks',
    category: 'kitchen & cooking',
    products: [
      'Cast iron skillet',
      'Chef knife',
      'Dutch oven',
      'Spice rack set',
      'Stand mixer',
      'Non-stick frying pan',
      'Wooden cutting board',
      'Pasta maker',
      'Italian cookbook',
      'Olive oil sampler',
    ],
    price: [12, 350],
    searchesEn: ['cast iron pan', 'japanese chef knife', 'dutch oven enamel', 'spices for curry', 'stand mixer for bread', 'homemade pasta recipes'],
    searchesZh: ['铸铁锅', '厨师刀', '珐琅锅', '香料套装', '厨师机 揉面', '意面 做法'],
    reviewsEn: [
      'The skillet heats evenly, perfect for searing steak.',
      'Sharp knife, makes chopping vegetables a joy.',
      'I bake bread every weekend with this mixer.',
      'Lovely recipes, my family enjoys every dinner.',
    ],
    reviewsZh: ['铸铁锅受热均匀，煎牛排很完美。', '刀很锋利，切菜很轻松。', '每个周末都用它做面包。', '菜谱很好，家人都喜欢晚餐。'],
    behaviour: { orders: 7, itemsPerOrder: 2, recencyDays: 30, tenureDays: 900, returnRate: 0.04, rating: 4.5, wander: 0.08 },
  },
  {
    key: 'pet-owners',
    name: 'Pet owners',
    category: 'pet supplies',
    products: [
      'Grain-free dog food',
      'Cat litter',
      'Dog chew toys',
      'Cat scratching post',
      'Pet bed orthopedic',
      'Flea and tick treatment',
      'Dog leash',
      'Cat treats',
      'Aquarium filter',
      'Pet grooming brush',
    ],
    price: [5, 90],
    searchesEn: [
      'grain free dog food',
      'clumping cat litter',
      'durable dog toys',
      'cat scratching post tall',
      'flea treatment for dogs',
      'puppy training treats',
    ],
    searchesZh: ['无谷狗粮', '猫砂 结团', '狗狗玩具 耐咬', '猫抓板', '宠物驱虫', '猫零食'],
    reviewsEn: [
      'My dog loves this food and his coat looks shiny.',
      'The cat litter clumps well and controls odour.',
      'Our puppy has not destroyed this toy yet.',
      'My cats use the scratching post every day.',
    ],
    reviewsZh: ['狗狗很爱吃，毛发变亮了。', '猫砂结团好，没有异味。', '小狗咬了很久玩具还没坏。', '猫咪每天都用这个猫抓板。'],
    behaviour: { orders: 12, itemsPerOrder: 2.2, recencyDays: 8, tenureDays: 800, returnRate: 0.03, rating: 4.6, wander: 0.08 },
  },
  {
    key: 'luxury-fashion',
    name: 'Luxury fashion',
    category: 'luxury fashion',
    products: [
      'Silk evening dress',
      'Italian leather handbag',
      'Cashmere coat',
      'Designer sunglasses',
      'Leather ankle boots',
      'Gold plated watch',
      'Silk scarf',
      'Tailored wool blazer',
    ],
    price: [180, 1500],
    searchesEn: ['silk evening gown', 'designer leather handbag', 'cashmere coat women', 'luxury sunglasses', 'italian leather boots', 'gold watch elegant'],
    searchesZh: ['真丝晚礼服', '名牌皮包', '羊绒大衣', '奢侈品墨镜', '意大利皮靴', '金色手表'],
    reviewsEn: [
      'Elegant dress, the silk feels luxurious.',
      'Beautiful handbag, the leather quality is exceptional.',
      'The coat fits perfectly, very stylish for the season.',
      'Returned it, the size ran small but the fabric is gorgeous.',
    ],
    reviewsZh: ['裙子很优雅，真丝手感很好。', '包包很漂亮，皮质一流。', '大衣很合身，很有品味。', '尺码偏小退货了，但面料很好。'],
    behaviour: { orders: 3, itemsPerOrder: 1.3, recencyDays: 45, tenureDays: 400, returnRate: 0.25, rating: 4.0, wander: 0.06 },
  },
  {
    key: 'bargain-hunters',
    name: 'Bargain hunters',
    category: 'deals & clearance',
    products: [
      'Clearance phone case',
      'Discount socks multipack',
      'Budget USB cable',
      'Bargain storage boxes',
      'Cheap sunglasses',
      'Value pack batteries',
      'Outlet t-shirt',
      'Reduced price mug set',
    ],
    price: [1, 15],
    searchesEn: ['cheap phone case', 'discount code', 'clearance sale', 'buy one get one free', 'cheapest usb cable', 'deals under 5 pounds'],
    searchesZh: ['便宜 手机壳', '优惠券', '清仓大甩卖', '买一送一', '最便宜 数据线', '特价 促销'],
    reviewsEn: [
      'Cheap and does the job, good value for money.',
      'Broke after a week, you get what you pay for.',
      'Great deal in the sale, bought five.',
      'Not worth it even at this low price.',
    ],
    reviewsZh: ['便宜好用，性价比高。', '用了一周就坏了，一分钱一分货。', '打折的时候买的，很划算。', '这么便宜也不值得买。'],
    behaviour: { orders: 14, itemsPerOrder: 3, recencyDays: 6, tenureDays: 300, returnRate: 0.18, rating: 3.1, wander: 0.1 },
  },
  {
    key: 'gadget-fans',
    name: 'Gadget fans',
    category: 'electronics',
    products: [
      'Noise cancelling headphones',
      'Smart home speaker',
      'Wireless earbuds',
      '4K action camera',
      'Smartwatch',
      'Portable SSD',
      'Drone with camera',
      'USB-C docking station',
      'E-reader',
    ],
    price: [40, 900],
    searchesEn: [
      'noise cancelling headphones',
      'smart speaker voice assistant',
      'wireless earbuds anc',
      'action camera 4k',
      'portable ssd 2tb',
      'camera drone',
    ],
    searchesZh: ['降噪耳机', '智能音箱', '无线耳机', '运动相机 4K', '移动固态硬盘', '无人机 航拍'],
    reviewsEn: [
      'Noise cancellation is excellent, battery lasts all week.',
      'Smart speaker setup took two minutes, works with all my devices.',
      'The drone camera takes stunning 4K video.',
      'Fast transfer speeds, the SSD is tiny.',
    ],
    reviewsZh: ['降噪效果很好，电池能用一周。', '智能音箱两分钟就设置好了。', '无人机拍的4K视频很震撼。', '传输速度很快，硬盘很小巧。'],
    behaviour: { orders: 4, itemsPerOrder: 1.2, recencyDays: 60, tenureDays: 1000, returnRate: 0.08, rating: 4.2, wander: 0.08 },
  },
];
