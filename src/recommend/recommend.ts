// On-device ranking of items for one shopper: the catalog's item neighbours (built by the shop
// from its own session logs, `npm run neighbours`) combined with the shopper's recent items and
// category interests from the local profile, with popularity as a prior. Pure and deterministic:
// the same catalog, profile and request always give the same list.
import { titleCase } from '../decide/explain.js';
import type { CatalogItem } from '../decide/types.js';
import type { ProfileSnapshot } from '../profile/snapshot.js';
import { isolateBidi } from '../util/bidi.js';

/** How a recent item came to the profile, most telling last. */
export type RecentKind = 'viewed' | 'carted' | 'purchased';

export interface RecommendedItem {
  itemId: string;
  /** The ranking score (see {@link rankItems}); comparable within one list only. */
  score: number;
  /** From the catalog's `items`, when it describes the item. */
  category?: string;
  name?: string;
  url?: string;
  image?: string;
  price?: number;
  /** The recent item whose neighbour evidence counted most, if any. */
  because?: { itemId: string; kind: RecentKind; name?: string };
  /** One short, true line ("Because you viewed Chelsea boot"). */
  explanation: string;
}

/** Templates of the explanation line; `{item}` and `{category}` are filled in. */
export interface RecommendationMessages {
  viewed: string;
  carted: string;
  purchased: string;
  browsesCategory: string;
  popularInCategory: string;
  popular: string;
  generic: string;
  /** An item the shopper viewed, offered again (session repeats, `recently-viewed`). */
  seen: string;
  /** Like a recent item by its category, price and name (content-based). */
  similar: string;
}

export const DEFAULT_RECOMMENDATION_MESSAGES: RecommendationMessages = {
  viewed: 'Because you viewed {item}',
  carted: 'Because you added {item} to your cart',
  purchased: 'Because you bought {item}',
  browsesCategory: 'Because you often browse {category}',
  popularInCategory: 'Popular in {category}',
  popular: 'Popular right now',
  generic: 'You may also like',
  seen: 'You viewed this recently',
  similar: 'Similar to {item}',
};

/** The keys of {@link RecommendationMessages} (kept apart so that config checks need no strings). */
export const RECOMMENDATION_MESSAGE_KEYS: readonly (keyof RecommendationMessages)[] = [
  'viewed',
  'carted',
  'purchased',
  'browsesCategory',
  'popularInCategory',
  'popular',
  'generic',
  'seen',
  'similar',
];

/** The default options with the page's (`config.recommendations`) over them. */
export function recommendOptionsWith(page: Partial<RecommendOptions>): RecommendOptions {
  return {
    ...DEFAULT_RECOMMEND_OPTIONS,
    ...page,
    messages: { ...DEFAULT_RECOMMENDATION_MESSAGES, ...page.messages },
  };
}

/**
 * What a list shows: `for-you` everything (items viewed in this visit included, ranked by how
 * often shoppers come back to them); `discover` only items the shopper has not viewed;
 * `recently-viewed` the viewed items themselves, newest first.
 */
export type RecommendMode = 'for-you' | 'discover' | 'recently-viewed';
export const RECOMMEND_MODES: readonly RecommendMode[] = ['for-you', 'discover', 'recently-viewed'];

export interface RecommendOptions {
  /** Distinct recent items (viewed, carted, bought, newest first) whose neighbours count. */
  recentItems: number;
  /** Weight of the k-th most recent item (k = 0 for the newest) is `recencyDecay^k`. */
  recencyDecay: number;
  /** Added for an item of a category times that category's share of the shopper's interest. */
  categoryWeight: number;
  /** Added times `log(1 + popularity) / log(1 + highest popularity)`. */
  popularityWeight: number;
  /** Each item of a category already in the list multiplies a candidate's score by this. */
  diversity: number;
  /** Popular items considered when the request names no candidates. */
  popularPool: number;
  /**
   * Score added to the k-th most recent distinct item (k = 0 the newest) when it was viewed in
   * the current visit: how often the next click returns to it, on the neighbour weights' scale.
   * The catalog's `recommendations.repeat` (learned by `npm run neighbours`) takes precedence.
   */
  repeat: readonly number[];
  /** A visit ends after this many minutes without a view (GA4's session timeout). */
  visitGapMinutes: number;
  /** Weight of content-based candidates (same category, price band, name words). */
  contentWeight: number;
  /** The newest recent items whose content-based look-alikes are candidates. */
  contentItems: number;
  messages: RecommendationMessages;
}

export const DEFAULT_RECOMMEND_OPTIONS: RecommendOptions = {
  recentItems: 10,
  recencyDecay: 0.3,
  categoryWeight: 0.05,
  popularityWeight: 0.01,
  diversity: 0.7,
  popularPool: 100,
  // Learned on YOOCHOOSE's training days (`npm run eval:recs -- --tune yes`, README).
  repeat: [2.09, 0.503, 0.147, 0.0727, 0.0333, 0.0196, 0.0113, 0.00606, 0.00424, 0.00182],
  visitGapMinutes: 30,
  contentWeight: 0.05,
  contentItems: 3,
  messages: DEFAULT_RECOMMENDATION_MESSAGES,
};

export interface RankInput {
  items: Readonly<Record<string, CatalogItem>>;
  /** Undefined without personalization: popularity (and diversity) only. */
  profile: ProfileSnapshot | undefined;
  limit: number;
  /** Default `for-you`. */
  mode?: RecommendMode;
  /** Items to rank; by default the neighbours of the recent items plus the most popular items. */
  candidates?: readonly string[];
  /** Never returned (e.g. the product on the page). */
  exclude?: readonly string[];
  /** The catalog's learned repeat scores (`recommendations.repeat`), over `options.repeat`. */
  repeat?: readonly number[];
}

/** An item's content: its category's other items are compared on price and name words. */
interface ContentEntry {
  id: string;
  price: number | undefined;
  words: readonly string[];
}

interface ItemsIndex {
  /** `log(1 + highest popularity)`, or 0 when no item has a popularity. */
  logMaxPopularity: number;
  /** Item ids with a popularity, most popular first (ties by id). */
  popular: string[];
  /** Items by category, most popular first (ties by id), at most {@link CONTENT_SCAN} each. */
  byCategory: Map<string, ContentEntry[]>;
}

/** Items of one category compared per recent item: bounds the content-based work per call. */
export const CONTENT_SCAN = 300;
/** Look-alikes kept per recent item (the most similar). */
export const CONTENT_PER_ITEM = 20;
/** Prices further apart than this ratio are not in the same band. */
export const PRICE_BAND_RATIO = 1.5;

const indexes = new WeakMap<object, ItemsIndex>();

/** Lower-case words of two or more letters or digits, distinct. */
export function nameWords(name: string | undefined): string[] {
  if (name === undefined) return [];
  return [...new Set(name.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [])];
}

const byPopularity = (a: [string, number], b: [string, number]) =>
  b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Computed once per catalog `items` object. */
function indexOf(items: Readonly<Record<string, CatalogItem>>): ItemsIndex {
  let index = indexes.get(items);
  if (index) return index;
  const withPopularity: [string, number][] = [];
  const categories = new Map<string, [string, number][]>();
  for (const id in items) {
    const item = items[id]!;
    const p = item.popularity;
    if (p !== undefined && p > 0) withPopularity.push([id, p]);
    if (item.category !== undefined) {
      let list = categories.get(item.category);
      if (!list) categories.set(item.category, (list = []));
      list.push([id, p ?? 0]);
    }
  }
  withPopularity.sort(byPopularity);
  const byCategory = new Map<string, ContentEntry[]>();
  for (const [category, list] of categories) {
    list.sort(byPopularity);
    byCategory.set(
      category,
      list.slice(0, CONTENT_SCAN).map(([id]) => ({
        id,
        price: items[id]!.price,
        words: nameWords(items[id]!.name),
      })),
    );
  }
  index = {
    logMaxPopularity: withPopularity.length > 0 ? Math.log1p(withPopularity[0]![1]) : 0,
    popular: withPopularity.map(([id]) => id),
    byCategory,
  };
  indexes.set(items, index);
  return index;
}

/**
 * Content similarity of two items of one category, in [0, 1]: half the share of name words they
 * have in common (Jaccard), half how close their prices are (1 at the same price, 0 at
 * {@link PRICE_BAND_RATIO} apart or when a price is unknown). Items further apart in price than
 * the band are not similar (0).
 */
export function contentSimilarity(
  a: { price: number | undefined; words: readonly string[] },
  b: { price: number | undefined; words: readonly string[] },
): number {
  let price = 0;
  if (a.price !== undefined && b.price !== undefined && a.price > 0 && b.price > 0) {
    const distance = Math.abs(Math.log(a.price / b.price)) / Math.log(PRICE_BAND_RATIO);
    if (distance > 1) return 0;
    price = 1 - distance;
  }
  let common = 0;
  for (const w of a.words) if (b.words.includes(w)) common++;
  const union = a.words.length + b.words.length - common;
  return 0.5 * (union > 0 ? common / union : 0) + 0.5 * price;
}

interface Recent {
  id: string;
  kind: RecentKind;
  name?: string;
  /** When it was last seen (ms since epoch). */
  at: number;
}

/** Distinct recent items of every kind, newest first (an item takes its newest sighting). */
export function recentItems(profile: ProfileSnapshot, max: number): Recent[] {
  const all: Recent[] = [];
  const add = (list: ProfileSnapshot['recent']['viewed'], kind: RecentKind) => {
    for (const r of list) {
      all.push({ id: r.id, kind, at: r.at, ...(r.name !== undefined ? { name: r.name } : {}) });
    }
  };
  add(profile.recent.viewed, 'viewed');
  add(profile.recent.carted, 'carted');
  // A purchase in a category the shopper turned off is no evidence (it still excludes the item).
  const muted = new Set(profile.mutedCategories ?? []);
  add(
    profile.recent.purchased.filter((r) => r.category === undefined || !muted.has(r.category)),
    'purchased',
  );
  // Newest first; at the same moment the stronger signal (purchase > cart > view) wins.
  const strength = { viewed: 0, carted: 1, purchased: 2 };
  all.sort((a, b) => b.at - a.at || strength[b.kind] - strength[a.kind]);
  const seen = new Set<string>();
  const out: Recent[] = [];
  for (const r of all) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(r);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * How many of the newest `recent` items belong to the current visit: the newest was seen at most
 * `gapMs` before `now`, and each older one at most `gapMs` before the one after it.
 */
export function visitLength(recent: readonly { at: number }[], now: number, gapMs: number): number {
  let n = 0;
  let after = now;
  for (const r of recent) {
    if (after - r.at > gapMs) break;
    after = r.at;
    n++;
  }
  return n;
}

interface Scored {
  id: string;
  order: number;
  score: number;
  category: string | undefined;
  evidence: number;
  repeat: number;
  content: number;
  interest: number;
}

/**
 * Ranks items for one shopper. In `for-you` (the default) and `discover` mode, for each
 * candidate `c`:
 *
 *   score(c) = repeat[k]  if c is the k-th most recent item, viewed in this visit (`for-you`)
 *            + Σ_k recencyDecay^k · w(r_k → c)          (neighbour evidence)
 *            + contentWeight · Σ_k recencyDecay^k · sim(r_k, c), k < contentItems (content)
 *            + categoryWeight · share(category(c))        (interest)
 *            + popularityWeight · log(1+pop(c)) / log(1+max pop)   (prior)
 *
 * where r_0, r_1, … are the shopper's distinct recent items, newest first, `w(r → c)` is `c`'s
 * weight in `r`'s neighbour list in the catalog (0 when absent), `sim` the
 * {@link contentSimilarity} of two items of the same category, and `share` the category's part of
 * the profile's decayed category scores. `discover` leaves out every item the shopper viewed;
 * `recently-viewed` returns the viewed items themselves, newest first. Items in the cart, bought
 * (the profile's recent purchases) or in `exclude` are never returned. The list is built
 * greedily: each step takes the highest `score · diversity^n`, `n` being how many items of its
 * category are already in the list; ties go to the candidate listed first, then to the smaller id.
 */
export function rankItems(
  input: RankInput,
  options: RecommendOptions = DEFAULT_RECOMMEND_OPTIONS,
): RecommendedItem[] {
  const { items, profile } = input;
  const limit = Math.max(0, Math.floor(input.limit));
  if (limit === 0) return [];
  const mode = input.mode ?? 'for-you';
  const index = indexOf(items);

  const excluded = new Set<string>(input.exclude ?? []);
  const recent = profile ? recentItems(profile, options.recentItems) : [];
  if (profile) {
    for (const line of profile.cart.lines) excluded.add(line.id);
    for (const r of profile.recent.purchased) excluded.add(r.id);
  }
  if (mode === 'recently-viewed') return recentlyViewed(input, limit, options, excluded);
  if (mode === 'discover' && profile) for (const r of profile.recent.viewed) excluded.add(r.id);

  // Repeats: the items viewed in this visit, by recency rank.
  const repeatScore = new Map<string, number>();
  if (mode === 'for-you' && profile) {
    const repeat = input.repeat ?? options.repeat;
    const visit = visitLength(recent, profile.at, options.visitGapMinutes * 60_000);
    for (let k = 0; k < visit && k < repeat.length; k++) {
      const r = recent[k]!;
      if (r.kind === 'viewed' && repeat[k]! > 0) repeatScore.set(r.id, repeat[k]!);
    }
  }

  // Neighbour evidence, with the recent item that contributed most to each candidate.
  const evidence = new Map<string, { score: number; best: number; from: Recent }>();
  const addEvidence = (
    map: Map<string, { score: number; best: number; from: Recent }>,
    id: string,
    part: number,
    from: Recent,
  ) => {
    const e = map.get(id);
    if (!e) map.set(id, { score: part, best: part, from });
    else {
      e.score += part;
      if (part > e.best) {
        e.best = part;
        e.from = from;
      }
    }
  };
  let weight = 1;
  for (const r of recent) {
    const neighbours = items[r.id]?.neighbours;
    if (neighbours) {
      for (const [id, w] of neighbours) if (w > 0) addEvidence(evidence, id, weight * w, r);
    }
    weight *= options.recencyDecay;
  }

  // Content-based look-alikes of the newest recent items.
  const content = new Map<string, { score: number; best: number; from: Recent }>();
  if (options.contentWeight > 0) {
    weight = 1;
    for (let k = 0; k < recent.length && k < options.contentItems; k++) {
      const r = recent[k]!;
      const item = items[r.id];
      const peers = item?.category !== undefined ? index.byCategory.get(item.category) : undefined;
      if (peers) {
        const self = { price: item!.price, words: nameWords(item!.name ?? r.name) };
        const alike: [ContentEntry, number][] = [];
        for (const peer of peers) {
          if (peer.id === r.id || excluded.has(peer.id)) continue;
          const sim = contentSimilarity(self, peer);
          if (sim > 0) alike.push([peer, sim]);
        }
        // The closest few only: the list is short, and a long tail would only slow the selection.
        alike.sort((a, b) => b[1] - a[1] || (a[0].id < b[0].id ? -1 : 1));
        for (const [peer, sim] of alike.slice(0, CONTENT_PER_ITEM)) {
          addEvidence(content, peer.id, weight * options.contentWeight * sim, r);
        }
      }
      weight *= options.recencyDecay;
    }
  }

  // Interest: each category's share of the decayed category scores.
  const share = new Map<string, number>();
  if (profile) {
    const total = profile.categories.reduce((s, c) => s + (c.score > 0 ? c.score : 0), 0);
    if (total > 0) {
      for (const c of profile.categories) if (c.score > 0) share.set(c.category, c.score / total);
    }
  }

  // Candidates, in a stable order (ties keep it).
  let candidateIds: readonly string[];
  if (input.candidates) candidateIds = input.candidates;
  else {
    const pool: string[] = [...repeatScore.keys(), ...evidence.keys(), ...content.keys()];
    const inPool = new Set(pool);
    let added = 0;
    for (const id of index.popular) {
      if (added >= options.popularPool) break;
      if (inPool.has(id) || excluded.has(id)) continue;
      pool.push(id);
      inPool.add(id);
      added++;
    }
    candidateIds = pool;
  }

  const scored: Scored[] = [];
  const seen = new Set<string>();
  candidateIds.forEach((id, order) => {
    if (seen.has(id) || excluded.has(id)) return;
    seen.add(id);
    const item = items[id];
    const category = item?.category;
    const e = evidence.get(id)?.score ?? 0;
    const repeat = repeatScore.get(id) ?? 0;
    const c = content.get(id)?.score ?? 0;
    const interest = category !== undefined ? (share.get(category) ?? 0) : 0;
    const popularity = item?.popularity;
    const prior =
      popularity !== undefined && popularity > 0 && index.logMaxPopularity > 0
        ? Math.log1p(popularity) / index.logMaxPopularity
        : 0;
    scored.push({
      id,
      order,
      score: repeat + e + c + options.categoryWeight * interest + options.popularityWeight * prior,
      category,
      evidence: e,
      repeat,
      content: c,
      interest,
    });
  });

  return select(scored, limit, options.diversity).map((s) => {
    // The explanation follows the largest personal part of the score.
    let from: Recent | undefined;
    let template: keyof RecommendationMessages;
    if (s.repeat > 0 && s.repeat >= s.evidence && s.repeat >= s.content) template = 'seen';
    else if (s.evidence > 0 && s.evidence >= s.content) {
      from = evidence.get(s.id)!.from;
      template = from.kind;
    } else if (s.content > 0) {
      from = content.get(s.id)!.from;
      template = 'similar';
    } else template = generalTemplate(items[s.id], s.interest);
    return describe(items, s, template, options.messages, from);
  });
}

/** The explanation of an item no recent item speaks for. */
function generalTemplate(
  item: CatalogItem | undefined,
  interest: number,
): keyof RecommendationMessages {
  if (interest > 0) return 'browsesCategory';
  if (item?.popularity !== undefined && item.popularity > 0) {
    return item.category !== undefined ? 'popularInCategory' : 'popular';
  }
  return 'generic';
}

/** Greedy, category-diversified selection of `limit` items. */
function select(scored: Scored[], limit: number, diversity: number): Scored[] {
  const chosen: Scored[] = [];
  const perCategory = new Map<string, number>();
  const taken = new Uint8Array(scored.length);
  while (chosen.length < limit && chosen.length < scored.length) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < scored.length; i++) {
      if (taken[i]) continue;
      const s = scored[i]!;
      const n = s.category !== undefined ? (perCategory.get(s.category) ?? 0) : 0;
      const value = n > 0 ? s.score * diversity ** n : s.score;
      const b = best >= 0 ? scored[best]! : undefined;
      if (
        value > bestValue ||
        (value === bestValue &&
          b !== undefined &&
          (s.order < b.order || (s.order === b.order && s.id < b.id)))
      ) {
        best = i;
        bestValue = value;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    const s = scored[best]!;
    chosen.push(s);
    if (s.category !== undefined)
      perCategory.set(s.category, (perCategory.get(s.category) ?? 0) + 1);
  }
  return chosen;
}

/** The shopper's viewed items, newest first (`recently-viewed`); `candidates` filter them. */
function recentlyViewed(
  input: RankInput,
  limit: number,
  options: RecommendOptions,
  excluded: ReadonlySet<string>,
): RecommendedItem[] {
  const viewed = input.profile?.recent.viewed ?? [];
  const only = input.candidates ? new Set(input.candidates) : undefined;
  const out: RecommendedItem[] = [];
  for (const r of viewed) {
    if (out.length >= limit) break;
    if (excluded.has(r.id) || (only && !only.has(r.id))) continue;
    const item = input.items[r.id];
    const category = item?.category ?? r.category;
    const s: Scored = {
      id: r.id,
      order: out.length,
      score: 1 / (out.length + 1),
      category,
      evidence: 0,
      repeat: 0,
      content: 0,
      interest: 0,
    };
    const described = describe(input.items, s, 'seen', options.messages, undefined);
    // The profile remembers what the catalog may not describe (an item no longer listed).
    if (described.name === undefined && r.name !== undefined) described.name = r.name;
    if (described.price === undefined && r.price !== undefined) described.price = r.price;
    out.push(described);
  }
  return out;
}

function describe(
  items: Readonly<Record<string, CatalogItem>>,
  s: Scored,
  template: keyof RecommendationMessages,
  messages: RecommendationMessages,
  from: Recent | undefined,
): RecommendedItem {
  const item = items[s.id];
  const label = from ? (from.name ?? items[from.id]?.name ?? from.id) : '';
  const category = s.category !== undefined ? titleCase(s.category) : '';
  const out: RecommendedItem = {
    itemId: s.id,
    score: s.score,
    explanation: messages[template]
      .replace('{item}', isolateBidi(label))
      .replace('{category}', isolateBidi(category)),
  };
  if (s.category !== undefined) out.category = s.category;
  if (item?.name !== undefined) out.name = item.name;
  if (item?.url !== undefined) out.url = item.url;
  if (item?.image !== undefined) out.image = item.image;
  if (item?.price !== undefined) out.price = item.price;
  if (from) {
    out.because = {
      itemId: from.id,
      kind: from.kind,
      ...(from.name !== undefined ? { name: from.name } : {}),
    };
  }
  return out;
}

export interface RecommendRequest {
  /** Where the list is shown; its catalog `items` (if any) are the candidates. */
  placement: string;
  /** Items to return at most; default the placement's `limit`, else 8. At most 50. */
  limit?: number;
  /** Rank exactly these item ids (e.g. a flash sale's items) instead of the default pool. */
  candidates?: readonly string[];
  /** Never return these (e.g. the product on the page). */
  exclude?: readonly string[];
  /** What the list shows (see {@link RecommendMode}); default `for-you`. */
  mode?: RecommendMode;
}

export interface Recommendation {
  placement: string;
  items: RecommendedItem[];
  /** False without consent: popularity and diversity only, nothing from the profile. */
  personalized: boolean;
  /** ms since epoch (local clock). */
  at: number;
}

/** Most candidates or excluded ids a request may name. */
export const MAX_REQUEST_ITEMS = 1000;
