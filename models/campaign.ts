/**
 * Shared pieces of the campaign-analytics CLIs (`simulate`, `ope`, `optimize`): the simulated
 * catalog, the documented ground-truth response model, the side file of decisions
 * (`decisions.jsonl`), the JSONL readers and the action probabilities of a candidate policy.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { resolveConfig, type DecisionConfig } from '../src/config.js';
import { validateCatalog } from '../src/catalog/validate.js';
import type { DecisionOptions } from '../src/decide/decider.js';
import { firstSlotProbabilities } from '../src/decide/candidate-policy.js';
import type { Catalog, Offer } from '../src/decide/types.js';
import type { ProfileSnapshot } from '../src/profile/snapshot.js';
import type { HillstromRow } from './hillstrom.js';

// ---------------------------------------------------------------------------------------------
// The ground truth

/** What the ground truth reads about a shopper at the moment of a decision. */
export interface TruthShopper {
  /** Months since the last purchase, capped at 13 (never bought → 13). */
  recencyMonths: number;
  /** Spend over the last 365 days. */
  history: number;
  /** Categories bought within 365 days. */
  bought: string[];
  /** First purchase within 365 days. */
  newbie: boolean;
  channel: 'web' | 'phone' | 'multichannel';
  zip: 'urban' | 'suburban' | 'rural';
}

/** Expected outcomes of showing one offer in one decision (all exact expectations). */
export interface TrueOutcome {
  /** P(click | shown). */
  click: number;
  /** P(claim | shown) = P(click) · P(claim | click). */
  claim: number;
  /** P(an order in the visit | shown). */
  order: number;
  /** Expected basket value of the visit's order (0 without one). */
  revenue: number;
  /** Expected discount given (only orders with the claimed coupon get it). */
  discount: number;
  /** revenue − discount. */
  net: number;
}

export const REWARDS = ['click', 'claim', 'order', 'revenue', 'discount', 'net'] as const;
export type Reward = (typeof REWARDS)[number];

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

const CHANNEL_CLICK = { web: 0.4, phone: -0.3, multichannel: 0.1 } as const;

/** Mean basket of an order (the draw is uniform on [0.5, 1.5] × this). */
export function meanBasket(s: TruthShopper): number {
  return 40 + 0.1 * s.history;
}

/** P(order | no claim): the shopper's own purchase propensity in a visit. */
export function baseOrder(s: TruthShopper): number {
  return sigmoid(-3.5 + 0.3 * Math.log1p(s.history) - 0.08 * (s.recencyMonths - 1));
}

/** P(order | claimed the coupon). */
export function claimedOrder(s: TruthShopper): number {
  return sigmoid(-0.6 + 0.15 * Math.log1p(s.history) - 0.05 * (s.recencyMonths - 1));
}

/** Discount depth in (0, 1) an offer gives on the shopper's mean basket. */
export function depthOf(offer: Pick<Offer, 'discount'>, basket: number): number {
  const percent = offer.discount?.percent ?? 0;
  const amount = offer.discount?.amount ?? 0;
  return Math.min(1, percent / 100 + (basket > 0 ? amount / basket : 0));
}

/**
 * The ground-truth response to being shown `offer` (deliberately not the policy's model: it has
 * interactions the uplift model cannot represent, and responds to discount depth, which the
 * shipped model ignores). With d the discount depth, m the recency in months, h the history,
 * "bought" whether the shopper bought in the offer's category (any category for an `any` offer):
 *
 *   logit P(click)         = −2.2 + 0.9·bought + 0.5·[any-category offer]·newbie − 0.04·(m − 1)
 *                            − 0.10·(m − 1)·[category-specific offer] + channel (web +0.4,
 *                            phone −0.3, multichannel +0.1) + 0.6·[womens offer]·[urban]
 *                            − 0.4·[mens offer]·[rural] + 2.5·d·(1 + [h < 100])
 *   logit P(claim | click) = −0.8 + 3·d + 0.5·bought − 0.3·[phone]
 *   P(order | claim)       = σ(−0.6 + 0.15·ln(1 + h) − 0.05·(m − 1))
 *   P(order | no claim)    = σ(−3.5 + 0.30·ln(1 + h) − 0.08·(m − 1))
 *   basket                 = (40 + 0.1·h) · U[0.5, 1.5]; a claimed order gets d of it off.
 */
export function trueResponse(
  s: TruthShopper,
  offer: Pick<Offer, 'category' | 'discount'>,
): TrueOutcome {
  const basket = meanBasket(s);
  const d = depthOf(offer, basket);
  const specific = offer.category !== 'any';
  const bought = specific ? s.bought.includes(offer.category) : s.bought.length > 0;
  const m = Math.min(13, s.recencyMonths);
  const etaClick =
    -2.2 +
    (bought ? 0.9 : 0) +
    (!specific && s.newbie ? 0.5 : 0) -
    0.04 * (m - 1) -
    (specific ? 0.1 * (m - 1) : 0) +
    CHANNEL_CLICK[s.channel] +
    (offer.category === 'womens' && s.zip === 'urban' ? 0.6 : 0) -
    (offer.category === 'mens' && s.zip === 'rural' ? 0.4 : 0) +
    2.5 * d * (s.history < 100 ? 2 : 1);
  const etaClaim = -0.8 + 3 * d + (bought ? 0.5 : 0) - (s.channel === 'phone' ? 0.3 : 0);
  const click = sigmoid(etaClick);
  const claim = click * sigmoid(etaClaim);
  const q1 = claimedOrder(s);
  const q0 = baseOrder(s);
  const order = claim * q1 + (1 - claim) * q0;
  const revenue = basket * order;
  const discount = claim * q1 * basket * d;
  return { click, claim, order, revenue, discount, net: revenue - discount };
}

// ---------------------------------------------------------------------------------------------
// The simulated catalog

/** The catalog policies of the simulated campaign (the alternatives `truth.json` also values). */
export const SIMULATION_POLICIES = [
  { id: 'greedy', decisions: { exploration: 0 } },
  { id: 'warm', decisions: { temperature: 0.05, exploration: 0.3 } },
  { id: 'revenue', decisions: { objective: 'revenue', outcomeValue: 60 } },
  { id: 'biggest_discount', rule: 'biggest_discount' },
];

/**
 * The simulator's campaign: coupons per category at different depths, one `home` slot. `wide`
 * has 17 coupons (every 5 points from 5% to 30%; "any" to 25%): more than ten candidates, so the
 * policy's odds live on a grid of tenths of a point and the reported ones are rounded.
 */
export function simulationCatalog(
  start: number,
  days: number,
  size: 'standard' | 'wide' = 'standard',
): Record<string, unknown> {
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const coupon = (id: string, category: string, percent: number) => ({
    id,
    type: 'coupon',
    title: `${percent}% off ${category === 'any' ? 'everything' : category}`,
    category,
    discount: { percent },
    code: id.toUpperCase(),
    max_claims: 1,
    valid_from: iso(start),
    valid_to: iso(start + (days + 1) * 86_400_000),
    placements: ['home'],
  });
  return {
    version: 1,
    server_time: iso(start),
    currency: 'USD',
    placements: { home: { limit: 1 } },
    // The candidate policies the device evaluates (their rounded odds ride on the impressions).
    policies: SIMULATION_POLICIES,
    offers:
      size === 'wide'
        ? (['mens', 'womens', 'any'] as const).flatMap((category) =>
            [5, 10, 15, 20, 25, 30]
              .filter((p) => category !== 'any' || p <= 25)
              .map((p) => coupon(`c-${category}-${p}`, category, p)),
          )
        : [
            coupon('c-mens-10', 'mens', 10),
            coupon('c-mens-25', 'mens', 25),
            coupon('c-womens-10', 'womens', 10),
            coupon('c-womens-20', 'womens', 20),
            coupon('c-any-5', 'any', 5),
            coupon('c-any-15', 'any', 15),
          ],
  };
}

/** Validates a raw catalog (as the SDK does), received at its own `server_time`. */
export function loadCatalog(raw: unknown): Catalog {
  const serverTime = Date.parse(String((raw as { server_time?: unknown })?.server_time));
  return validateCatalog(raw, Number.isFinite(serverTime) ? serverTime : 0).catalog;
}

// ---------------------------------------------------------------------------------------------
// decisions.jsonl

/** One candidate a decision weighed (from `Decider.inspect`), plus what the caps allowed. */
export interface CandidateRecord {
  offerId: string;
  category: string;
  /** The logging policy's score (expected incremental value by its objective). */
  score: number;
  pTreated: number;
  pControl: number;
  uplift: number;
  /** Whether the frequency caps left it to the policy (the set the policy chose from). */
  allowed: boolean;
  /** The 34 model inputs (`buildFeatures`), so a different model can rescore it (`--model`). */
  features?: number[];
}

/** One line of `decisions.jsonl`. */
export interface DecisionRecord {
  decisionId: string;
  placement: string;
  at: number;
  shopper: number;
  /** False for the holdout (catalog order, propensity 1): off-policy evaluation skips those. */
  personalized: boolean;
  holdout: boolean;
  modelVersion: string;
  source: string;
  /** The cart's value when deciding (prices a percent discount for the `revenue` objective). */
  cartValue: number;
  candidates: CandidateRecord[];
  shown: { offerId: string; propensity: number }[];
  /** Allowed candidates the log left out (an SDK impression carries at most 50); > 0: unusable. */
  omitted?: number;
}

/**
 * Reads a JSONL file; a line that is not JSON is an error naming the file and line. Reads 16 MiB
 * at a time, so files larger than V8's longest string (about 512 MiB: the decisions of a million
 * visits) can be read.
 */
export function readJsonl<T = unknown>(path: string): T[] {
  const out: T[] = [];
  let lineNo = 0;
  const take = (line: string) => {
    lineNo++;
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${path}:${lineNo}: expected one JSON object per line`);
    }
  };
  const fd = openSync(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const chunk = Buffer.allocUnsafe(1 << 24);
    let rest = '';
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const lines = (rest + decoder.write(chunk.subarray(0, n))).split('\n');
      rest = lines.pop()!;
      for (const line of lines) take(line);
    }
    take(rest + decoder.end());
  } finally {
    closeSync(fd);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Candidate policies

/**
 * A candidate policy: the SDK's own decision options (`decisions` of the SDK config: objective,
 * outcomeValue, averageOrderValue, exploration, temperature), optionally restricted to some
 * offers (`remove`: offer ids taken out of the catalog), or a fixed rule.
 */
export type PolicySpec =
  | { kind: 'sdk'; options: DecisionOptions; remove: string[] }
  | { kind: 'biggest_discount'; remove: string[] };

/** Parses `{ "decisions": {...}, "remove": [...] }`, a bare decisions object, or `{ "rule": "biggest_discount" }`. */
export function parsePolicy(raw: unknown): PolicySpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error('policy: expected a JSON object');
  const o = { ...(raw as Record<string, unknown>) };
  const remove = o.remove === undefined ? [] : o.remove;
  if (!Array.isArray(remove) || !remove.every((x) => typeof x === 'string'))
    throw new Error('policy.remove: expected an array of offer ids');
  delete o.remove;
  if (o.rule !== undefined) {
    if (o.rule !== 'biggest_discount')
      throw new Error(`policy.rule: got ${JSON.stringify(o.rule)}, expected "biggest_discount"`);
    return { kind: 'biggest_discount', remove };
  }
  const decisions = (o.decisions ?? o) as DecisionConfig;
  return { kind: 'sdk', options: resolveConfig({ decisions }).decisions, remove };
}

/** Model outputs of a candidate: the logged ones, or a rescoring with another model. */
export interface Prediction {
  pTreated: number;
  pControl: number;
  uplift: number;
}

/**
 * The candidate policy's probability of putting each candidate in the first slot: the SDK's own
 * computation (`firstSlotProbabilities`, the one the device runs for the catalog's policies), over
 * the allowed candidates. Returns one probability per entry of `candidates` (0 for those it cannot
 * pick).
 */
export function actionProbabilities(
  policy: PolicySpec,
  candidates: readonly CandidateRecord[],
  offers: ReadonlyMap<string, Offer>,
  cartValue: number,
  predictions: readonly Prediction[] = candidates,
): number[] {
  const weighed = candidates.map((c, i) => {
    const offer = offers.get(c.offerId);
    if (!offer) throw new Error(`offer ${c.offerId} is not in the catalog`);
    const p = predictions[i]!;
    return {
      offer,
      prediction: { pTreated: p.pTreated, pControl: p.pControl, uplift: p.uplift },
    };
  });
  return firstSlotProbabilities(
    policy,
    weighed,
    { cart: { value: cartValue } } as Pick<ProfileSnapshot, 'cart'>,
    candidates.map((c) => c.allowed),
  );
}

/**
 * Hillstrom-like rows from a seeded generator, for tests and runs without the data file:
 * recency 1–12 months, history log-uniform on 30–1,500, mens/womens/newbie coin flips, zip and
 * channel drawn with roughly the real file's shares.
 */
export function syntheticRows(count: number, random: () => number): HillstromRow[] {
  const pick = <T>(items: readonly [T, number][]): T => {
    let u = random();
    for (const [item, share] of items) {
      if (u < share) return item;
      u -= share;
    }
    return items[items.length - 1]![0];
  };
  return Array.from({ length: count }, (_, rowId) => ({
    rowId,
    recency: 1 + Math.floor(random() * 12),
    history: Math.round(30 * Math.exp(random() * Math.log(50)) * 100) / 100,
    mens: random() < 0.55,
    womens: random() < 0.55,
    newbie: random() < 0.5,
    zip: pick([
      ['suburban', 0.45],
      ['urban', 0.4],
      ['rural', 0.15],
    ] as const),
    channel: pick([
      ['web', 0.44],
      ['phone', 0.44],
      ['multichannel', 0.12],
    ] as const),
    arm: 'none',
    visit: 0,
    conversion: 0,
    spend: 0,
  }));
}
