/**
 * The catalog's types after validation (`validate.ts`): what a shop serves to every shopper.
 * Field names are the catalog's (GA4-style snake_case). Types only, importing nothing but the
 * learning files' types (which import nothing), so that decisions, recommendations, widgets and
 * the offline tools can all depend on them.
 */
import type { Effects, Segments } from '../learning/types.js';

/** Offer types of catalog version 1. */
export type OfferType = 'coupon' | 'flash_sale' | 'member_deal';

/** A flash-sale item, validated. Text fields are plain text (never HTML). */
export interface SaleItem {
  item_id: string;
  item_name: string;
  /** `https:` or same-origin relative; anything else is refused by validation. */
  url?: string;
  image?: string;
  price: number;
  sale_price: number;
  /** Units left; absent = not tracked. */
  stock?: number;
  category?: string;
}

/**
 * One offer after validation. Field names are the catalog's (GA4-style snake_case); times are
 * parsed to ms since epoch (server clock).
 */
export interface Offer {
  id: string;
  type: OfferType;
  title: string;
  description?: string;
  /** Lower-case category, `'any'` when the offer is not tied to one. */
  category: string;
  discount?: { percent?: number; amount?: number };
  /** A single code, or a pool the shopper gets one of. */
  code?: string;
  code_pool?: string[];
  min_spend?: number;
  /** Coupon and member-deal validity window. */
  valid_from?: number;
  valid_to?: number;
  /** Flash-sale window. */
  starts_at?: number;
  ends_at?: number;
  member_only: boolean;
  /** Claims allowed per shopper. */
  max_claims?: number;
  /** Total budget and what is left of it (units of the shop's choosing, e.g. claims). */
  budget?: number;
  remaining?: number;
  /** Placements it may appear in; empty = every placement. */
  placements: string[];
  items?: SaleItem[];
  url?: string;
  image?: string;
  /** The shop's value of one outcome this offer causes (overrides the catalog default). */
  value?: number;
}

export interface Placement {
  limit: number;
  types?: OfferType[];
  /** Items a recommendations strip in this placement ranks (by default: the shopper's neighbours). */
  items?: string[];
}

/** The catalog's `recommendations`, validated. */
export interface RecommendationSettings {
  /**
   * Score of the k-th most recent item viewed in this visit (k = 0 the newest), on the neighbour
   * weights' scale: how often the next click returns to it. At most 20 values, each 0 to 10.
   */
  repeat?: number[];
}

/** What the catalog says about one product (for recommendations and item names). */
export interface CatalogItem {
  name?: string;
  category?: string;
  price?: number;
  url?: string;
  image?: string;
  /** Sessions (or any count the shop chooses) that included the item: the popularity prior. */
  popularity?: number;
  /** Items seen with this one in sessions, heaviest first: `[item id, weight]` (`npm run neighbours`). */
  neighbours?: [string, number][];
}

/**
 * What decisions maximise:
 * - `uplift`: the change in the outcome's probability the offer causes (p_treated − p_control);
 * - `conversion`: the outcome's probability if shown (p_treated), the "most likely to buy" rule;
 * - `revenue`: expected incremental value = uplift × value of an outcome − p_control × the
 *   discount's cost, i.e. what the offer adds minus what it gives away to shoppers who would have
 *   bought anyway.
 */
export type Objective = 'uplift' | 'conversion' | 'revenue';

export interface ValueOptions {
  objective: Objective;
  /** The shop's value of one outcome, in the catalog currency (an offer's `value` overrides it). Default 20. */
  outcomeValue: number;
  /** Basket used to price a percentage discount when the cart is empty. Default 50. */
  averageOrderValue: number;
}

export interface PolicyOptions {
  /** Softmax temperature on scores; lower is greedier. Must be > 0. */
  temperature: number;
  /** Share of each slot's probability spread evenly over the slot's candidates (the floor). */
  exploration: number;
  /** No two offers of the same category in one placement. */
  diversify: boolean;
}

/**
 * A candidate policy: the SDK's own policy with other settings, or a fixed rule; either may take
 * offers out (`remove`). `options` has the shape of the SDK's decision options, so the offline
 * tools can pass theirs.
 */
export type PolicySpec =
  | {
      kind: 'sdk';
      options: { value: ValueOptions; policy: PolicyOptions };
      remove: readonly string[];
    }
  | { kind: 'biggest_discount'; remove: readonly string[] };

/** A policy of the catalog's `policies` list, evaluated on the device (see `candidate-policy.ts`). */
export interface CandidatePolicy {
  id: string;
  spec: PolicySpec;
  /** The policy as the catalog wrote it. */
  source: Record<string, unknown>;
}

/** A validated catalog. `offset` turns the local clock into the server's: server = local + offset. */
export interface Catalog {
  version: 1;
  server_time: number;
  /** Local clock when the catalog was received; `server_time - received_at` is the clock offset. */
  received_at: number;
  currency: string;
  placements: Record<string, Placement>;
  offers: Offer[];
  items: Record<string, CatalogItem>;
  /** Candidate policies the device evaluates for the shop's off-policy evaluation (at most 4). */
  policies?: CandidatePolicy[];
  /** How recommendations rank, learned from the shop's sessions (`npm run neighbours`). */
  recommendations?: RecommendationSettings;
  /**
   * Shopper groups (`npm run segments`), once the file the catalog names is fetched and checked
   * (or given inline); absent without one, or when it was refused.
   */
  segments?: Segments;
  /** Learned effects (`npm run learn`), likewise; decisions ignore them once stale. */
  effects?: Effects;
}
