// The demo shop's products and campaign catalog (version 1), generated for the moment it is
// served: coupons per category, a flash sale live now and one starting within minutes, a members'
// deal, and item neighbours (what a shop would build with `npm run neighbours`).

/** The demo's products: 6 per category, prices in EUR. */
export const PRODUCTS = [
  [
    'Shoes',
    ['Trail Running Shoe', 'Leather Boot', 'Canvas Sneaker', 'Hiking Boot', 'Sandal', 'Slipper'],
    60,
  ],
  [
    'Socks',
    [
      'Merino Socks',
      'Running Socks',
      'Wool Hiking Socks',
      'Cotton Socks',
      'Ankle Socks',
      'Compression Socks',
    ],
    9,
  ],
  [
    'Jackets',
    ['Rain Jacket', 'Down Jacket', 'Fleece Jacket', 'Softshell', 'Windbreaker', 'Parka'],
    120,
  ],
  [
    'Bags',
    ['Canvas Tote', 'Daypack', 'Duffel', 'Messenger Bag', 'Hip Pack', 'Travel Backpack'],
    35,
  ],
].flatMap(([category, names, base], c) =>
  names.map((name, i) => ({
    item_id: `SKU-${c + 1}0${i + 1}`,
    item_name: name,
    item_category: category,
    price: Math.round((base + i * base * 0.15) * 100) / 100,
  })),
);

const MINUTE = 60_000;

/** The catalog as the shop serves it at `now` (ms). */
export function demoCatalog(now = Date.now()) {
  const iso = (ms) => new Date(ms).toISOString();
  const byCategory = new Map();
  for (const p of PRODUCTS) {
    const list = byCategory.get(p.item_category) ?? [];
    list.push(p);
    byCategory.set(p.item_category, list);
  }
  const items = {};
  PRODUCTS.forEach((p, i) => {
    const same = byCategory.get(p.item_category).filter((q) => q !== p);
    // Same-category items first, then the matching item of the next category (socks with shoes…).
    const next = PRODUCTS[(i + 6) % PRODUCTS.length];
    items[p.item_id] = {
      name: p.item_name,
      category: p.item_category.toLowerCase(),
      price: p.price,
      url: `/?product=${p.item_id}`,
      popularity: 200 - i * 7,
      neighbours: [
        ...same.slice(0, 3).map((q, k) => [q.item_id, Math.round((0.4 / (k + 1)) * 1000) / 1000]),
        [next.item_id, 0.15],
      ],
    };
  });
  const coupon = (category, percent, extra = {}) => ({
    id: `c-${category.toLowerCase()}-${percent}`,
    type: 'coupon',
    title: `${percent}% off ${category.toLowerCase()}`,
    description: `On everything in ${category}.`,
    category: category.toLowerCase(),
    discount: { percent },
    code: `${category.toUpperCase().slice(0, 4)}${percent}`,
    valid_from: iso(now - 24 * 60 * MINUTE),
    valid_to: iso(now + 7 * 24 * 60 * MINUTE),
    max_claims: 1,
    placements: ['home', 'cart'],
    ...extra,
  });
  const sale = (id, title, category, startsIn, lasts) => ({
    id,
    type: 'flash_sale',
    title,
    category: category.toLowerCase(),
    starts_at: iso(now + startsIn),
    ends_at: iso(now + startsIn + lasts),
    placements: ['home'],
    items: byCategory
      .get(category)
      .slice(0, 3)
      .map((p, k) => ({
        item_id: p.item_id,
        item_name: p.item_name,
        url: `/?product=${p.item_id}`,
        price: p.price,
        sale_price: Math.round(p.price * 0.7 * 100) / 100,
        stock: 3 + k * 4,
        category: category.toLowerCase(),
      })),
  });
  return {
    version: 1,
    server_time: iso(now),
    currency: 'EUR',
    placements: {
      home: { limit: 3 },
      cart: { limit: 1, types: ['coupon'] },
      product: { limit: 6 },
    },
    offers: [
      coupon('Shoes', 10),
      coupon('Socks', 15),
      coupon('Jackets', 10, { min_spend: 100 }),
      coupon('Bags', 12),
      sale('fs-jackets', 'Jackets: ten-minute sale', 'Jackets', -2 * MINUTE, 10 * MINUTE),
      sale('fs-shoes', 'Shoes: sale starting soon', 'Shoes', 3 * MINUTE, 15 * MINUTE),
      {
        id: 'm-free-shipping',
        type: 'member_deal',
        title: 'Free shipping for members',
        category: 'any',
        discount: { amount: 5 },
        code: 'MEMBERSHIP',
        placements: ['home'],
      },
    ],
    items,
  };
}
