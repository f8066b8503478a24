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
}

export const DEFAULT_RECOMMENDATION_MESSAGES: RecommendationMessages = {
  viewed: 'Because you viewed {item}',
  carted: 'Because you added {item} to your cart',
  purchased: 'Because you bought {item}',
  browsesCategory: 'Because you often browse {category}',
  popularInCategory: 'Popular in {category}',
  popular: 'Popular right now',
  generic: 'You may also like',
};

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
  messages: RecommendationMessages;
}

export const DEFAULT_RECOMMEND_OPTIONS: RecommendOptions = {
  recentItems: 10,
  recencyDecay: 0.7,
  categoryWeight: 0.05,
  popularityWeight: 0.01,
  diversity: 0.7,
  popularPool: 100,
  messages: DEFAULT_RECOMMENDATION_MESSAGES,
};

export interface RankInput {
  items: Readonly<Record<string, CatalogItem>>;
  /** Undefined without personalization: popularity (and diversity) only. */
  profile: ProfileSnapshot | undefined;
  limit: number;
  /** Items to rank; by default the neighbours of the recent items plus the most popular items. */
  candidates?: readonly string[];
  /** Never returned (e.g. the product on the page). */
  exclude?: readonly string[];
}

interface ItemsIndex {
  /** `log(1 + highest popularity)`, or 0 when no item has a popularity. */
  logMaxPopularity: number;
  /** Item ids with a popularity, most popular first (ties by id). */
  popular: string[];
}

const indexes = new WeakMap<object, ItemsIndex>();

/** Computed once per catalog `items` object. */
function indexOf(items: Readonly<Record<string, CatalogItem>>): ItemsIndex {
  let index = indexes.get(items);
  if (index) return index;
  const withPopularity: [string, number][] = [];
  for (const id in items) {
    const p = items[id]!.popularity;
    if (p !== undefined && p > 0) withPopularity.push([id, p]);
  }
  withPopularity.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  index = {
    logMaxPopularity: withPopularity.length > 0 ? Math.log1p(withPopularity[0]![1]) : 0,
    popular: withPopularity.map(([id]) => id),
  };
  indexes.set(items, index);
  return index;
}

interface Recent {
  id: string;
  kind: RecentKind;
  name?: string;
}

/** Distinct recent items of every kind, newest first (an item takes its newest sighting). */
export function recentItems(profile: ProfileSnapshot, max: number): Recent[] {
  const all: (Recent & { at: number })[] = [];
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
    out.push({ id: r.id, kind: r.kind, ...(r.name !== undefined ? { name: r.name } : {}) });
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Ranks items for one shopper. For each candidate `c`:
 *
 *   score(c) = Σ_k recencyDecay^k · w(r_k → c)          (neighbour evidence)
 *            + categoryWeight · share(category(c))        (interest)
 *            + popularityWeight · log(1+pop(c)) / log(1+max pop)   (prior)
 *
 * where r_0, r_1, … are the shopper's distinct recent items, newest first, and `w(r → c)` is
 * `c`'s weight in `r`'s neighbour list in the catalog (0 when absent); `share` is the category's
 * part of the profile's decayed category scores. Items in the cart, bought (the profile's recent
 * purchases) or in `exclude` are never returned. The list is built greedily: each step takes the
 * highest `score · diversity^n`, `n` being how many items of its category are already in the list;
 * ties go to the candidate listed first, then to the smaller id.
 */
export function rankItems(
  input: RankInput,
  options: RecommendOptions = DEFAULT_RECOMMEND_OPTIONS,
): RecommendedItem[] {
  const { items, profile } = input;
  const limit = Math.max(0, Math.floor(input.limit));
  if (limit === 0) return [];
  const index = indexOf(items);
  const m = options.messages;

  const excluded = new Set<string>(input.exclude ?? []);
  const recent = profile ? recentItems(profile, options.recentItems) : [];
  if (profile) {
    for (const line of profile.cart.lines) excluded.add(line.id);
    for (const r of profile.recent.purchased) excluded.add(r.id);
  }

  // Neighbour evidence, with the recent item that contributed most to each candidate.
  const evidence = new Map<string, { score: number; best: number; from: Recent }>();
  let weight = 1;
  for (const r of recent) {
    const neighbours = items[r.id]?.neighbours;
    if (neighbours) {
      for (const [id, w] of neighbours) {
        if (!(w > 0)) continue;
        const part = weight * w;
        const e = evidence.get(id);
        if (!e) evidence.set(id, { score: part, best: part, from: r });
        else {
          e.score += part;
          if (part > e.best) {
            e.best = part;
            e.from = r;
          }
        }
      }
    }
    weight *= options.recencyDecay;
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
    const pool: string[] = [...evidence.keys()];
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

  interface Scored {
    id: string;
    order: number;
    score: number;
    category: string | undefined;
    evidence: number;
    interest: number;
  }
  const scored: Scored[] = [];
  const seen = new Set<string>();
  candidateIds.forEach((id, order) => {
    if (seen.has(id) || excluded.has(id)) return;
    seen.add(id);
    const item = items[id];
    const category = item?.category;
    const e = evidence.get(id)?.score ?? 0;
    const interest = category !== undefined ? (share.get(category) ?? 0) : 0;
    const popularity = item?.popularity;
    const prior =
      popularity !== undefined && popularity > 0 && index.logMaxPopularity > 0
        ? Math.log1p(popularity) / index.logMaxPopularity
        : 0;
    scored.push({
      id,
      order,
      score: e + options.categoryWeight * interest + options.popularityWeight * prior,
      category,
      evidence: e,
      interest,
    });
  });

  // Greedy, category-diversified selection.
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
      const value = n > 0 ? s.score * options.diversity ** n : s.score;
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

  return chosen.map((s) => {
    const item = items[s.id];
    const from = s.evidence > 0 ? evidence.get(s.id)!.from : undefined;
    const label = from ? (from.name ?? items[from.id]?.name ?? from.id) : '';
    const category = s.category !== undefined ? titleCase(s.category) : '';
    const popular = item?.popularity !== undefined && item.popularity > 0;
    const template = from
      ? m[from.kind]
      : s.interest > 0
        ? m.browsesCategory
        : popular
          ? s.category !== undefined
            ? m.popularInCategory
            : m.popular
          : m.generic;
    const out: RecommendedItem = {
      itemId: s.id,
      score: s.score,
      explanation: template
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
  });
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
