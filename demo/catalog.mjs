// The demo shop's products and campaign catalog (version 1), generated for the moment it is
// served. Everything is deterministic except the clock: coupons per category (some with a
// minimum spend), flash sales on a 10-minute cycle (one always live and ending within minutes,
// the next one starting when it ends), members' deals, item neighbours (what a shop would build
// from its own traffic with `npm run neighbours`) and the candidate policies the devices evaluate
// for off-policy evaluation. Placements: `home` (up to 3 offers of any type), `cart` (one
// coupon), `category-<id>` (the category page's slot: that category's coupons and members'
// deals) and `product` (the recommendations strip).

/**
 * The shop's categories: `id` is the GA4 `item_category` lower-cased (what the profile and the
 * catalog use), `name` what the shop shows.
 */
export const CATEGORIES = [
  {
    id: 'womens',
    name: 'Women',
    ga4: 'Womens',
    blurb: 'Dresses, knitwear and everyday layers.',
    products: [
      ['Linen Shirt Dress', 79],
      ['Merino Crew Jumper', 95],
      ['High-Rise Straight Jeans', 89],
      ['Silk Blend Blouse', 69],
      ['Wool Wrap Coat', 229],
      ['Pleated Midi Skirt', 59],
      ['Cotton Breton Top', 35],
      ['Cashmere Scarf', 119],
    ],
  },
  {
    id: 'mens',
    name: 'Men',
    ga4: 'Mens',
    blurb: 'Shirts, chinos and coats that last.',
    products: [
      ['Oxford Button-Down Shirt', 59],
      ['Slim Chinos', 69],
      ['Lambswool V-Neck', 85],
      ['Selvedge Denim Jeans', 129],
      ['Quilted Field Jacket', 189],
      ['Heavyweight T-Shirt', 29],
      ['Flannel Overshirt', 79],
      ['Wool Peacoat', 249],
    ],
  },
  {
    id: 'shoes',
    name: 'Shoes',
    ga4: 'Shoes',
    blurb: 'Boots, sneakers and sandals.',
    products: [
      ['Leather Chelsea Boot', 149],
      ['Canvas Low-Top Sneaker', 55],
      ['Trail Running Shoe', 119],
      ['Suede Loafer', 129],
      ['Leather Sandal', 65],
      ['Waterproof Hiking Boot', 169],
      ['Wool Slipper', 45],
    ],
  },
  {
    id: 'accessories',
    name: 'Bags & accessories',
    ga4: 'Accessories',
    blurb: 'Totes, belts, hats and small leather goods.',
    products: [
      ['Canvas Tote', 29],
      ['Leather Belt', 45],
      ['Ribbed Beanie', 25],
      ['Leather Card Holder', 39],
      ['Roll-Top Backpack', 99],
      ['Merino Socks (3 pack)', 24],
      ['Weekender Duffel', 139],
    ],
  },
  {
    id: 'outdoor',
    name: 'Outdoor',
    ga4: 'Outdoor',
    blurb: 'Rain shells, fleeces and kit for the hills.',
    products: [
      ['Packable Rain Jacket', 139],
      ['Grid Fleece Pullover', 75],
      ['Insulated Vest', 109],
      ['Trekking Poles', 59],
      ['Insulated Bottle', 32],
      ['Daypack 20 L', 89],
    ],
  },
];

/** Every product as the shop tags it in GA4 (`item_category` as the shop writes it). */
export const PRODUCTS = CATEGORIES.flatMap((category, c) =>
  category.products.map(([name, price], i) => ({
    item_id: `${category.id.slice(0, 3).toUpperCase()}-${c + 1}${String(i + 1).padStart(2, '0')}`,
    item_name: name,
    item_category: category.ga4,
    price,
  })),
);

const MINUTE = 60_000;
/** Flash sales run back to back, each for one cycle. */
export const FLASH_CYCLE_MS = 10 * MINUTE;

/** A small deterministic hash (FNV-1a), for popularity and stock that look organic. */
function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** What goes with what across categories (a shopper of shirts looks at shoes next, …). */
const COMPLEMENTS = {
  womens: ['shoes', 'accessories'],
  mens: ['shoes', 'accessories'],
  shoes: ['accessories', 'outdoor'],
  accessories: ['womens', 'mens'],
  outdoor: ['shoes', 'accessories'],
};

const round2 = (n) => Math.round(n * 100) / 100;

/** Item-to-item neighbours: close prices in the same category first, then two complements. */
function neighboursOf(product) {
  const category = product.item_category.toLowerCase();
  const same = PRODUCTS.filter((p) => p !== product && p.item_category === product.item_category)
    .map((p) => ({ p, gap: Math.abs(Math.log(p.price / product.price)) }))
    .sort((a, b) => a.gap - b.gap || (a.p.item_id < b.p.item_id ? -1 : 1))
    .slice(0, 4)
    .map(({ p }, k) => [p.item_id, round2(0.45 / (k + 1))]);
  const other = COMPLEMENTS[category].map((id) => {
    const pool = PRODUCTS.filter((p) => p.item_category.toLowerCase() === id);
    return [pool[hash(product.item_id + id) % pool.length].item_id, 0.12];
  });
  return [...same, ...other];
}

/** The demo's URL of a product page and of its picture. */
export const productUrl = (id) => `/product.html?id=${encodeURIComponent(id)}`;
export const imageUrl = (id) => `/img/${encodeURIComponent(id)}.svg`;

/** The catalog as the shop serves it at `now` (ms). */
export function demoCatalog(now = Date.now()) {
  const iso = (ms) => new Date(ms).toISOString();
  const items = {};
  for (const p of PRODUCTS) {
    items[p.item_id] = {
      name: p.item_name,
      category: p.item_category.toLowerCase(),
      price: p.price,
      url: productUrl(p.item_id),
      image: imageUrl(p.item_id),
      popularity: 40 + (hash(p.item_id) % 400),
      neighbours: neighboursOf(p),
    };
  }
  const coupon = (category, percent, extra = {}) => ({
    id: `c-${category.id}-${percent}`,
    type: 'coupon',
    title: `${percent}% off ${category.name.toLowerCase()}`,
    description: extra.min_spend
      ? `On ${category.name.toLowerCase()} orders over €${extra.min_spend}.`
      : `On everything in ${category.name}.`,
    category: category.id,
    discount: { percent },
    code: `${category.id.toUpperCase().slice(0, 5)}${percent}`,
    valid_from: iso(now - 24 * 60 * MINUTE),
    valid_to: iso(now + 7 * 24 * 60 * MINUTE),
    max_claims: 1,
    placements: ['home', 'cart', `category-${category.id}`],
    ...extra,
  });
  // One flash sale per cycle, rotating over the categories: the current one is live and ends
  // within ten minutes, the next one starts when it ends.
  const cycle = Math.floor(now / FLASH_CYCLE_MS);
  const sale = (k) => {
    const category = CATEGORIES[k % CATEGORIES.length];
    const products = PRODUCTS.filter((p) => p.item_category === category.ga4);
    const start = k * FLASH_CYCLE_MS;
    return {
      id: `fs-${category.id}-${k}`,
      type: 'flash_sale',
      title: `${category.name}: ten-minute flash sale`,
      description: `30% off three ${category.name.toLowerCase()} favourites while stocks last.`,
      category: category.id,
      starts_at: iso(start),
      ends_at: iso(start + FLASH_CYCLE_MS),
      placements: ['home'],
      items: [0, 2, 4].map((i) => {
        const p = products[(i + k) % products.length];
        return {
          item_id: p.item_id,
          item_name: p.item_name,
          url: productUrl(p.item_id),
          image: imageUrl(p.item_id),
          price: p.price,
          sale_price: round2(p.price * 0.7),
          stock: 2 + (hash(`${p.item_id}:${k}`) % 14),
          category: category.id,
        };
      }),
    };
  };
  const [womens, mens, shoes, accessories, outdoor] = CATEGORIES;
  return {
    version: 1,
    server_time: iso(now),
    currency: 'EUR',
    placements: {
      home: { limit: 3 },
      cart: { limit: 1, types: ['coupon'] },
      product: { limit: 8 },
      // The banner slot of each category page: that category's coupons and members' deals.
      ...Object.fromEntries(CATEGORIES.map((c) => [`category-${c.id}`, { limit: 1 }])),
    },
    // The policies `npm run ope` compares with the one running: the device works out each one's
    // probability of the offer it showed and reports only that, rounded (no model output leaves).
    policies: [
      // The running policy itself: on its own logs every weight is 1 (a check of the pipeline).
      { id: 'current', decisions: {} },
      { id: 'greedy', decisions: { exploration: 0 } },
      { id: 'big-discount', rule: 'biggest_discount' },
    ],
    offers: [
      coupon(womens, 10),
      coupon(womens, 20, { min_spend: 150 }),
      coupon(mens, 10),
      coupon(mens, 20, { min_spend: 150 }),
      coupon(shoes, 15),
      coupon(accessories, 12),
      coupon(outdoor, 10, { min_spend: 80 }),
      sale(cycle),
      sale(cycle + 1),
      {
        id: 'm-free-shipping',
        type: 'member_deal',
        title: 'Free shipping for members',
        description: '€5 off shipping on every order.',
        category: 'any',
        discount: { amount: 5 },
        code: 'MEMBERSHIP',
        placements: ['home'],
      },
      {
        id: 'm-outdoor-early',
        type: 'member_deal',
        title: 'Members: 20% off outdoor kit',
        description: 'Early access for members, this week only.',
        category: 'outdoor',
        discount: { percent: 20 },
        code: 'MEMBEROUT20',
        valid_to: iso(now + 5 * 24 * 60 * MINUTE),
        placements: ['home', 'category-outdoor'],
      },
    ],
    items,
  };
}
