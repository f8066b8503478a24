/**
 * The browsing world (issue 17): shoppers with latent category interests who browse before they
 * are shown an offer, many of whom never buy. Their views and purchases go through the SDK's real
 * profile code (`validateEvent`, `applyEvent`, `toSnapshot`), so the device sees them exactly as a
 * browser would; the ground truth reads the latent facts (interests, price sensitivity) that the
 * profile only hints at, and the offer's category match, discount depth and purchase history.
 * Every coefficient comes from the world file (`world-file.ts`, schema in docs/learning.md).
 */
import { validateEvent } from '../../src/events/validate.js';
import type { TrackEvent } from '../../src/events/types.js';
import { applyEvent, emptyAggregates, type Aggregates } from '../../src/profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../../src/profile/options.js';
import { toSnapshot, type ProfileSnapshot } from '../../src/profile/snapshot.js';
import { sigmoid } from '../uplift/network.js';
import type { TrueOutcome } from './truth.js';

/** One kind of shopper: a share of the population with its interests, habits and sensitivity. */
export interface Archetype {
  name: string;
  /** Share of the shoppers (the shares are normalised). */
  share: number;
  /** Mean interest per category (missing: 0.01); a shopper's interests are Dirichlet around it. */
  interest: Record<string, number>;
  /** Dirichlet concentration: high = every shopper of the kind alike, low = diffuse. */
  concentration: number;
  /** Probability of purchases in the year before the simulation. */
  buyer: number;
  /** Probability of being price-sensitive. */
  sensitive: number;
  /** Mean spend of a buyer in that year. */
  history: number;
}

/** The truth's coefficients (logits unless said otherwise). */
export interface BrowsingResponse {
  /**
   * logit P(click) = intercept + interest·(C·θ_cat − 1) + depth·d (depthSensitive for a
   * price-sensitive shopper) + bought·[bought the category within a year] + recent·[bought it
   * within recentDays] + [any-category offer]·(any + anyDiffuse·(1 − max θ)) + recency·months since
   * the last purchase (13 without one). θ: latent interests (sum 1), C: categories, d: depth.
   */
  click: {
    intercept: number;
    interest: number;
    depth: number;
    depthSensitive: number;
    bought: number;
    recent: number;
    recentDays: number;
    any: number;
    anyDiffuse: number;
    recency: number;
  };
  /** logit P(claim | click) = intercept + depth·d (depthSensitive when price-sensitive). */
  claim: { intercept: number; depth: number; depthSensitive: number };
  /**
   * logit P(order in the visit) = intercept + history·ln(1 + h) + focus·max θ; a claimed coupon
   * adds claimed (claimedSensitive when price-sensitive) − claimedHistory·ln(1 + h). h: spend in
   * the past year.
   */
  order: {
    intercept: number;
    history: number;
    focus: number;
    claimed: number;
    claimedSensitive: number;
    claimedHistory: number;
  };
  /** Basket of an order: (base + history·h) × U[1 − spread, 1 + spread]; a claim takes d off it. */
  basket: { base: number; history: number; spread: number };
}

export interface BrowsingWorld {
  format: 'offerwise-world';
  version: 1;
  kind: 'browsing';
  name: string;
  /** The shop's categories (those of the offers, and the segments file's). */
  categories: string[];
  /** Percent-off coupons, one `home` slot; category `any` fits every category. */
  /**
   * The coupons; `launchWeek` (1-based, default 1): the loop's week from which the catalog offers
   * it (listed before with a later `valid_from`, as a shop schedules a campaign).
   */
  offers: { id: string; category: string; percent: number; launchWeek?: number }[];
  shoppers: {
    /** Mean visits per shopper per week (each shopper's rate × U[1 − spread, 1 + spread]). */
    visitsPerWeek: number;
    visitSpread: number;
    /** Item views per visit: uniform on 1 … 2·viewsPerVisit − 1. */
    viewsPerVisit: number;
    /** Prices of the items a price-sensitive shopper views, and those others view. */
    prices: { sensitive: [number, number]; other: [number, number] };
    /** Past purchases fall within this many months before the simulation. */
    pastMonths: number;
    /** Probability that a price-sensitive buyer's past purchase used a coupon. */
    pastCoupon: number;
    archetypes: Archetype[];
  };
  response: BrowsingResponse;
}

/** A simulated shopper: the latent facts, and the profile the device keeps. */
export interface BrowsingShopper {
  id: number;
  archetype: number;
  /** Latent interest per category of the world (sums to 1). */
  theta: number[];
  sensitive: boolean;
  /** Probability of a visit on a given day. */
  dailyVisit: number;
  /** The device's profile aggregates (the SDK's own record). */
  aggregates: Aggregates;
  /** Transaction ids made so far (unique per shopper). */
  orders: number;
}

const DAY_MS = 86_400_000;
const MONTH_MS = 30.4375 * DAY_MS;

/** A Gamma(shape, 1) draw (Marsaglia and Tsang; shape < 1 through the shape + 1 identity). */
function gammaDraw(shape: number, random: () => number): number {
  if (shape < 1) return gammaDraw(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Index drawn with probability ∝ weight. */
export function drawIndex(weights: readonly number[], random: () => number): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = random() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

const uniform = ([low, high]: readonly [number, number], random: () => number) =>
  low + (high - low) * random();

/** Feeds one event to the profile through the SDK's validation and aggregation. */
export function trackEvent(shopper: BrowsingShopper, event: TrackEvent, at: number): void {
  const result = validateEvent(event, at);
  if (result.kind !== 'event') {
    const why = result.kind === 'invalid' ? result.error.message : `event ${result.name} ignored`;
    // A purchase's value follows the world's basket: (base + history·the year's spend), so with a
    // large basket.history every order raises the next one's basket, until it passes the SDK's cap.
    const hint =
      event.event === 'purchase'
        ? `; its value comes from the world's response.basket (base + history × the shopper's year of spend: every order raises the next, so a large basket.history grows the orders week by week); lower basket.base or basket.history`
        : '';
    throw new Error(
      `browsing world: the SDK refused a simulated ${event.event} event (${why})${hint}: ${JSON.stringify(event)}`,
    );
  }
  applyEvent(shopper.aggregates, result.event, DEFAULT_PROFILE_OPTIONS);
}

/** A purchase of one item of `category`, as the shop's page would push it. */
export function purchaseEvent(
  shopper: BrowsingShopper,
  category: string,
  value: number,
  at: number,
  coupon?: string,
): void {
  const item = {
    item_id: `${category}-${Math.floor(value)}`,
    item_category: category,
    price: value,
  };
  trackEvent(
    shopper,
    {
      event: 'purchase',
      ecommerce: {
        transaction_id: `S${shopper.id}-${++shopper.orders}`,
        value,
        currency: 'USD',
        ...(coupon !== undefined ? { coupon } : {}),
        items: [item],
      },
    },
    at,
  );
}

/**
 * A new shopper at `start`: an archetype, interests around it, price sensitivity, a visit rate,
 * and for buyers one to three purchases in the months before (in categories drawn from the
 * interests; price-sensitive buyers often with a coupon).
 */
export function newShopper(
  world: BrowsingWorld,
  id: number,
  start: number,
  random: () => number,
): BrowsingShopper {
  const s = world.shoppers;
  const archetype = drawIndex(
    s.archetypes.map((a) => a.share),
    random,
  );
  const kind = s.archetypes[archetype]!;
  const draws = world.categories.map((c) =>
    gammaDraw(Math.max(0.05, (kind.interest[c] ?? 0.01) * kind.concentration), random),
  );
  const sum = draws.reduce((a, b) => a + b, 0);
  const shopper: BrowsingShopper = {
    id,
    archetype,
    theta: draws.map((g) => g / sum),
    sensitive: random() < kind.sensitive,
    dailyVisit: Math.min(
      1,
      (s.visitsPerWeek / 7) * (1 - s.visitSpread + 2 * s.visitSpread * random()),
    ),
    aggregates: emptyAggregates(),
    orders: 0,
  };
  if (random() < kind.buyer) {
    const count = 1 + Math.floor(random() * 3);
    // Most buyers bought recently; a tail lapsed long ago.
    const last = start - (0.1 + (s.pastMonths - 0.1) * random() ** 2) * MONTH_MS;
    for (let k = 0; k < count; k++) {
      const at = last - k * (10 + 40 * random()) * DAY_MS;
      const category = world.categories[drawIndex(shopper.theta, random)]!;
      const value = Math.round(((kind.history * (0.4 + 1.2 * random())) / count) * 100) / 100;
      const coupon = shopper.sensitive && random() < s.pastCoupon ? 'PAST' : undefined;
      purchaseEvent(shopper, category, value, at, coupon);
    }
  }
  return shopper;
}

/** One visit's browsing: item views in categories drawn from the interests, 20 s apart. */
export function browse(
  world: BrowsingWorld,
  shopper: BrowsingShopper,
  at: number,
  random: () => number,
): number {
  const views = 1 + Math.floor(random() * (2 * world.shoppers.viewsPerVisit - 1));
  const prices = shopper.sensitive ? world.shoppers.prices.sensitive : world.shoppers.prices.other;
  let t = at;
  for (let v = 0; v < views; v++) {
    const category = world.categories[drawIndex(shopper.theta, random)]!;
    trackEvent(
      shopper,
      {
        event: 'view_item',
        ecommerce: {
          items: [
            {
              item_id: `${category}-${Math.floor(random() * 40)}`,
              item_category: category,
              price: Math.round(uniform(prices, random)),
            },
          ],
        },
      },
      t,
    );
    t += 20_000;
  }
  return t;
}

/** The device's snapshot of the shopper's profile at `at` (consent granted, memory storage). */
export function snapshotOf(shopper: BrowsingShopper, at: number): ProfileSnapshot {
  return toSnapshot(shopper.aggregates, at, DEFAULT_PROFILE_OPTIONS, 'memory', 'granted');
}

/** The purchase facts the truth reads (from the shopper's real purchases, as the profile has them). */
export interface PurchaseFacts {
  /** Spend over the past 365 days. */
  history: number;
  /** Months since the last purchase, capped at 13 (13 without one). */
  months: number;
  /** When each category was last bought. */
  lastBought: ReadonlyMap<string, number>;
}

export function purchaseFacts(profile: ProfileSnapshot): PurchaseFacts {
  const days = profile.daysSinceLastPurchase;
  return {
    history: profile.purchases.d365.spend,
    months: days === null ? 13 : Math.min(13, days / 30.4375),
    lastBought: new Map(profile.purchasedCategories.map((c) => [c.category, c.lastAt])),
  };
}

/** Mean basket of the shopper's orders. */
export function meanBasket(world: BrowsingWorld, facts: PurchaseFacts): number {
  return world.response.basket.base + world.response.basket.history * facts.history;
}

/** P(order in the visit), without and with a claimed coupon. */
export function orderProbabilities(
  world: BrowsingWorld,
  shopper: BrowsingShopper,
  facts: PurchaseFacts,
): { q0: number; q1: number } {
  const o = world.response.order;
  const log = Math.log1p(facts.history);
  const base = o.intercept + o.history * log + o.focus * Math.max(...shopper.theta);
  const lift = (shopper.sensitive ? o.claimedSensitive : o.claimed) - o.claimedHistory * log;
  return { q0: sigmoid(base), q1: sigmoid(base + lift) };
}

/** An order drawn for a visit: what the shop records (`orders.jsonl`). */
export interface DrawnOrder {
  revenue: number;
  discount: number;
}

/**
 * Draws whether the visit ends in an order (with a claimed coupon of `claimed`, or none) and, if
 * so, its basket; the purchase goes into the profile (in the coupon's category, else one drawn
 * from the interests).
 */
export function drawOrder(
  world: BrowsingWorld,
  shopper: BrowsingShopper,
  facts: PurchaseFacts,
  claimed: { category: string; percent: number; code: string } | undefined,
  at: number,
  random: () => number,
): DrawnOrder | undefined {
  const { q0, q1 } = orderProbabilities(world, shopper, facts);
  if (random() >= (claimed ? q1 : q0)) return undefined;
  const spread = world.response.basket.spread;
  const revenue =
    Math.round(meanBasket(world, facts) * (1 - spread + 2 * spread * random()) * 100) / 100;
  const discount = claimed ? Math.round(revenue * claimed.percent) / 100 : 0;
  const category =
    claimed && claimed.category !== 'any'
      ? claimed.category
      : world.categories[drawIndex(shopper.theta, random)]!;
  purchaseEvent(shopper, category, Math.round((revenue - discount) * 100) / 100, at, claimed?.code);
  return { revenue, discount };
}

/**
 * Visits without offers from `from` for `days` days (browsing, and the orders shoppers place
 * anyway): the history a shop's traffic gives its profiles before groups are fitted on them.
 * Returns the time of the last visit (or `from` without one).
 */
export function browseWithoutOffers(
  world: BrowsingWorld,
  shopper: BrowsingShopper,
  from: number,
  days: number,
  random: () => number,
): number {
  let last = from;
  for (let day = 0; day < days; day++) {
    if (random() >= shopper.dailyVisit) continue;
    const at = from + day * DAY_MS + Math.floor((8 + 14 * random()) * 3_600_000);
    const end = browse(world, shopper, at, random);
    drawOrder(
      world,
      shopper,
      purchaseFacts(snapshotOf(shopper, end)),
      undefined,
      end + 60_000,
      random,
    );
    last = end + 120_000;
  }
  return last;
}

/** The exact expected outcomes of showing `offer` to the shopper at `at` (see BrowsingResponse). */
export function browsingTruth(
  world: BrowsingWorld,
  shopper: BrowsingShopper,
  facts: PurchaseFacts,
  offer: { category: string; percent: number },
  at: number,
): TrueOutcome {
  const r = world.response;
  const d = offer.percent / 100;
  const specific = offer.category !== 'any';
  const c = world.categories.indexOf(offer.category);
  const theta = shopper.theta;
  const focus = Math.max(...theta);
  const last = specific ? facts.lastBought.get(offer.category) : undefined;
  let lastAny: number | undefined;
  if (!specific) for (const t of facts.lastBought.values()) lastAny = Math.max(lastAny ?? t, t);
  const boughtAt = specific ? last : lastAny;
  const bought = boughtAt !== undefined && at - boughtAt <= 365 * DAY_MS;
  const recent = specific && last !== undefined && at - last <= r.click.recentDays * DAY_MS;
  const eta =
    r.click.intercept +
    (specific && c >= 0 ? r.click.interest * (world.categories.length * theta[c]! - 1) : 0) +
    (shopper.sensitive ? r.click.depthSensitive : r.click.depth) * d +
    (bought ? r.click.bought : 0) +
    (recent ? r.click.recent : 0) +
    (specific ? 0 : r.click.any + r.click.anyDiffuse * (1 - focus)) +
    r.click.recency * facts.months;
  const click = sigmoid(eta);
  const claim =
    click *
    sigmoid(r.claim.intercept + (shopper.sensitive ? r.claim.depthSensitive : r.claim.depth) * d);
  const { q0, q1 } = orderProbabilities(world, shopper, facts);
  const basket = meanBasket(world, facts);
  const order = claim * q1 + (1 - claim) * q0;
  const revenue = basket * order;
  const discount = claim * q1 * basket * d;
  return { click, claim, order, revenue, discount, net: revenue - discount };
}
