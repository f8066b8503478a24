/**
 * `npm run simulate -- --shoppers N --days D --seed S --out <dir> [--data <hillstrom csv>]
 *   [--scorer model|fallback] [--model models/default.onnx] [--visit-rate 0.4] [--holdout 0.05]
 *   [--logging <decisions config json>]`
 *
 * Simulated traffic through the SDK's real decision code. Each shopper is a Hillstrom row (drawn
 * with replacement, seeded) mapped to a profile snapshot as `models/dataset.ts` maps rows for
 * training; on each of D days they visit with probability `visit-rate` (at least once) and the
 * `home` placement is decided by the SDK's `Decider` (eligibility, caps in a memory-only
 * `StateStore`, `max_claims`, the holdout, features, the model, the exploring policy and its
 * propensities). The shopper's response is drawn from the ground truth of `models/campaign.ts`
 * (not the policy's model). Writes to `--out`:
 * - `feedback.jsonl`: wire-format batches (`{ v: 1, sentAt, events, dropped }`, one per visit);
 * - `orders.jsonl`: orders attributed to the visit's decision (`{ orderId, decisionId, offerId,
 *   at, revenue, discount, currency }`, `offerId` null when no coupon was used);
 * - `decisions.jsonl`: what each decision weighed (`Decider.inspect()` plus the cap-allowed set
 *   and each candidate's features), needed by off-policy evaluation;
 * - `catalog.json`: the campaign catalog;
 * - `truth.json`: the exact expected value (per decision, averaged over the personalized
 *   decisions) of the logging policy and of alternative policies, and every decision's true
 *   expected outcomes per allowed candidate.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DecisionConfig } from '../src/config.js';
import { reportedPolicies } from '../src/decide/candidate-policy.js';
import {
  floorTo,
  TIME_PRECISION_MS,
  type FullWireEvent,
  type WireBatch,
} from '../src/feedback/wire.js';
import { Decider, type DecisionOptions } from '../src/decide/decider.js';
import { StateStore } from '../src/decide/state-store.js';
import type { Offer } from '../src/decide/types.js';
import { FEATURE_COUNT } from '../src/features/spec.js';
import { DEFAULT_FALLBACK } from '../src/predictor/default-fallback.js';
import { scoreFallback } from '../src/predictor/fallback.js';
import type { ScoreResult } from '../src/predictor/predictor.js';
import { segmentOf } from '../src/profile/segment.js';
import type { ProfileSnapshot } from '../src/profile/snapshot.js';
import { parseArgs } from './args.js';
import {
  actionProbabilities,
  baseOrder,
  claimedOrder,
  loadCatalog,
  meanBasket,
  parsePolicy,
  REWARDS,
  simulationCatalog,
  trueResponse,
  type CandidateRecord,
  type DecisionRecord,
  type PolicySpec,
  type Reward,
  type TrueOutcome,
  type TruthShopper,
} from './campaign.js';
import { readHillstrom, type HillstromRow } from './hillstrom.js';
import { seededRandom } from './random.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MONTH_DAYS = 30.4375;
/** Day 0 of every simulation (a Monday). */
export const SIM_START = Date.UTC(2026, 2, 2);

/** The alternative policies whose true value `truth.json` reports (besides the logging one). */
export const TRUTH_POLICIES: Record<string, unknown> = {
  uniform: { decisions: { exploration: 1 } },
  biggest_discount: { rule: 'biggest_discount' },
  greedy: { decisions: { exploration: 0 } },
  warm: { decisions: { temperature: 0.05, exploration: 0.3 } },
  conversion: { decisions: { objective: 'conversion' } },
  revenue: { decisions: { objective: 'revenue', outcomeValue: 60 } },
};

export interface SimulateOptions {
  rows: readonly HillstromRow[];
  shoppers: number;
  days: number;
  seed: number;
  /** Probability that a shopper visits on a given day (each shopper visits at least once). */
  visitRate?: number;
  /** The logging policy: the SDK's `decisions` config (defaults: the SDK's). */
  logging?: DecisionConfig;
  /** Scores rows of features; default the SDK's fallback scorer (logistic, plain TypeScript). */
  score?: (rows: Float32Array, featureCount: number) => Promise<ScoreResult>;
  /** Keep each candidate's features in decisions.jsonl (for `ope --model`). Default true. */
  features?: boolean;
  /** The campaign: 6 coupons (default) or 17 (`wide`; see `simulationCatalog`). */
  offers?: 'standard' | 'wide';
}

/** A simulated event: the SDK's wire event under full measurement (`src/feedback/wire.ts`). */
export type WireEvent = FullWireEvent;
/** A simulated batch, as the SDK sends it. */
export type FeedbackBatch = WireBatch & { events: FullWireEvent[] };

export interface OrderRecord {
  orderId: string;
  decisionId: string;
  offerId: string | null;
  at: number;
  revenue: number;
  discount: number;
  currency: string;
}

export type Values = Record<Reward, number>;

export interface Truth {
  format: 'offerwise-sim-truth';
  version: 1;
  seed: number;
  shoppers: number;
  days: number;
  decisions: number;
  personalized: number;
  holdout: number;
  /** Mean true value per personalized decision, by policy and reward. */
  policies: Record<string, { policy: unknown; value: Values }>;
  /** Mean realised outcome of the logging policy over the personalized decisions (a sample). */
  realized: Values;
  /** True expected outcomes of every allowed candidate, per personalized decision. */
  perDecision: Record<string, Record<string, TrueOutcome>>;
}

export interface Simulation {
  catalog: Record<string, unknown>;
  batches: FeedbackBatch[];
  orders: OrderRecord[];
  decisions: DecisionRecord[];
  truth: Truth;
}

/** A shopper's purchase state, moving as simulated orders happen. */
interface ShopperState {
  row: HillstromRow;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  /** Purchases before the simulation: counted in every window as `models/dataset.ts` does. */
  baseCount: number;
  baseSpend: number;
  orders: { at: number; spend: number }[];
  discounted: number;
  bought: Map<string, { count: number; lastAt: number }>;
}

function initialState(row: HillstromRow): ShopperState {
  // The mapping of models/dataset.ts (profileOf), anchored at the simulation's start.
  const lastAt = SIM_START - row.recency * MONTH_DAYS * DAY_MS;
  const bought = new Map<string, { count: number; lastAt: number }>();
  if (row.mens) bought.set('mens', { count: 1, lastAt });
  if (row.womens) bought.set('womens', { count: 1, lastAt });
  return {
    row,
    firstPurchaseAt: row.newbie ? lastAt : SIM_START - 730 * DAY_MS,
    lastPurchaseAt: lastAt,
    baseCount: row.newbie ? 1 : 2,
    baseSpend: row.history,
    orders: [],
    discounted: 0,
    bought,
  };
}

function windowOf(state: ShopperState, at: number, days: number, base: boolean) {
  let count = base ? state.baseCount : 0;
  let spend = base ? state.baseSpend : 0;
  for (const o of state.orders) {
    if (at - o.at < days * DAY_MS) {
      count++;
      spend += o.spend;
    }
  }
  return { count, spend: Math.round(spend * 100) / 100 };
}

/** As `models/dataset.ts`: the last purchase before the simulation counts when recent enough. */
function recentWindow(state: ShopperState, at: number, days: number, lastCounts: boolean) {
  const w = windowOf(state, at, days, false);
  return { count: w.count + (lastCounts ? 1 : 0), spend: w.spend };
}

/** The SDK's profile snapshot of the shopper at `at`. */
export function snapshotOf(state: ShopperState, at: number): ProfileSnapshot {
  const row = state.row;
  const d365 = windowOf(state, at, 365, true);
  const count = d365.count;
  return {
    at,
    storage: 'memory',
    consent: 'granted',
    firstSeenAt: SIM_START,
    lastSeenAt: at,
    firstPurchaseAt: state.firstPurchaseAt,
    lastPurchaseAt: state.lastPurchaseAt,
    daysSinceLastPurchase:
      state.lastPurchaseAt === null ? null : (at - state.lastPurchaseAt) / DAY_MS,
    currency: 'USD',
    purchases: {
      d30: recentWindow(state, at, 30, row.recency <= 1),
      d90: recentWindow(state, at, 90, row.recency <= 3),
      d365,
      total: d365,
      discounted: state.discounted,
    },
    categories: [],
    purchasedCategories: [...state.bought]
      .map(([category, v]) => ({ category, count: v.count, lastAt: v.lastAt }))
      .sort((a, b) => b.lastAt - a.lastAt || (a.category < b.category ? -1 : 1)),
    mutedCategories: [],
    price: { average: null, min: null, max: null, band: null },
    recent: { viewed: [], carted: [], purchased: [] },
    cart: { lines: [], itemCount: 0, value: 0, currency: null },
    segment: segmentOf(
      {
        purchaseCount: count,
        discountedPurchases: state.discounted,
        purchases365: count,
        firstPurchaseAt: state.firstPurchaseAt,
        lastPurchaseAt: state.lastPurchaseAt,
      },
      at,
    ),
    eventCounts: {},
    log: { events: 0, compacted: 0, expired: 0 },
  };
}

/** What the ground truth sees of the shopper at `at` (the same facts as the snapshot). */
export function truthShopper(state: ShopperState, at: number): TruthShopper {
  const last = state.lastPurchaseAt;
  return {
    recencyMonths: last === null ? 13 : Math.min(13, (at - last) / DAY_MS / MONTH_DAYS),
    history: windowOf(state, at, 365, true).spend,
    bought: [...state.bought]
      .filter(([, v]) => at - v.lastAt <= 365 * DAY_MS)
      .map(([c]) => c)
      .sort(),
    newbie: state.firstPurchaseAt !== null && at - state.firstPurchaseAt <= 365 * DAY_MS,
    channel: state.row.channel,
    zip: state.row.zip,
  };
}

function hex(random: () => number, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

/**
 * A UUIDv7-shaped id from the simulated clock and the seeded generator (deterministic): decision
 * and order ids, which the SDK also makes time-ordered (they are random, one per decision).
 */
export function simUuidv7(ms: number, random: () => number): string {
  const t = Math.floor(ms).toString(16).padStart(12, '0').slice(-12);
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

/** A UUIDv4 from the seeded generator: an event id, as random as the SDK's (deterministic here). */
export function simUuidv4(random: () => number): string {
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

function emptyValues(): Values {
  return { click: 0, claim: 0, order: 0, revenue: 0, discount: 0, net: 0 };
}

/** The fallback scorer of the SDK as a `score` function (fast; no ONNX Runtime). */
export async function fallbackScore(
  rows: Float32Array,
  featureCount: number,
): Promise<ScoreResult> {
  return {
    ...scoreFallback(DEFAULT_FALLBACK, rows, featureCount),
    source: 'fallback',
    modelVersion: DEFAULT_FALLBACK.version,
  };
}

/** Runs the simulation in memory; deterministic for a seed (and scorer). */
export async function simulate(options: SimulateOptions): Promise<Simulation> {
  const { rows, shoppers, days, seed } = options;
  if (rows.length === 0) throw new Error('simulate: no shopper rows');
  const visitRate = options.visitRate ?? 0.4;
  const keepFeatures = options.features ?? true;
  const score = options.score ?? fallbackScore;
  const random = seededRandom(seed);
  // The SDK rounds the policies' odds with a generator the shop cannot replay; here a separate
  // seeded stream, so that the rest of the simulation draws the same numbers with or without it.
  const roundingRandom = seededRandom(seed ^ 0x5bd1e995);
  const rawCatalog = simulationCatalog(SIM_START, days, options.offers);
  const catalog = loadCatalog(rawCatalog);
  const offers = new Map<string, Offer>(catalog.offers.map((o) => [o.id, o]));
  const loggingSpec = parsePolicy({ decisions: options.logging ?? {} });
  const decisionOptions: DecisionOptions = (loggingSpec as { options: DecisionOptions }).options;
  const policies: Record<string, PolicySpec> = { logging: loggingSpec };
  for (const [name, raw] of Object.entries(TRUTH_POLICIES)) policies[name] = parsePolicy(raw);

  const batches: FeedbackBatch[] = [];
  const orders: OrderRecord[] = [];
  const decisions: DecisionRecord[] = [];
  const perDecision: Truth['perDecision'] = {};
  const totals: Record<string, Values> = Object.fromEntries(
    Object.keys(policies).map((k) => [k, emptyValues()]),
  );
  const realized = emptyValues();
  let personalized = 0;
  let holdouts = 0;

  for (let s = 0; s < shoppers; s++) {
    const row = rows[Math.floor(random() * rows.length)]!;
    const state = initialState(row);
    const shopperSeed = Math.floor(random() * 4294967296);
    const visitDays: number[] = [];
    for (let d = 0; d < days; d++) if (random() < visitRate) visitDays.push(d);
    if (visitDays.length === 0) visitDays.push(Math.floor(random() * days));
    let clock = SIM_START;
    let profile = snapshotOf(state, clock);
    let allowed: string[] = [];
    let lastRows = new Float32Array(0);
    const store = new StateStore({ memoryOnly: true, now: () => clock });
    const decider = new Decider(
      {
        catalog: async () => catalog,
        profile: async () => profile,
        consent: () => 'granted',
        score: async (featureRows, featureCount) => {
          lastRows = featureRows.slice();
          return score(featureRows, featureCount);
        },
        state: {
          reserve: (placement, candidates, rules, choose) =>
            store.reserve(placement, candidates, rules, (a, room) => {
              allowed = [...a];
              return choose(a, room);
            }),
          allClaims: () => store.allClaims(),
          lastDecision: (placement) => store.lastDecision(placement),
          shopperSeed: async () => shopperSeed,
        },
        now: () => clock,
        newId: () => simUuidv7(clock, random),
      },
      decisionOptions,
    );

    for (const day of visitDays) {
      clock = SIM_START + day * DAY_MS + Math.floor((8 + 14 * random()) * HOUR_MS);
      profile = snapshotOf(state, clock);
      allowed = [];
      lastRows = new Float32Array(0);
      const decision = await decider.decide({
        placement: 'home',
        context: { channel: row.channel, region_type: row.zip },
      });
      const inspection = decider.inspect(decision.decisionId);
      const allowedSet = new Set(allowed);
      const truthOf = truthShopper(state, clock);
      const candidates: CandidateRecord[] = (inspection?.candidates ?? []).map((c, i) => ({
        offerId: c.offerId,
        category: c.category,
        score: c.score,
        pTreated: c.pTreated ?? 0,
        pControl: c.pControl ?? 0,
        uplift: c.uplift ?? 0,
        allowed: allowedSet.has(c.offerId),
        ...(keepFeatures && inspection?.personalized
          ? {
              features: Array.from(
                lastRows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT),
                (v) => Number(v.toPrecision(9)),
              ),
            }
          : {}),
      }));
      // Off-policy evaluation (and so the truth) covers personalized decisions that showed an offer.
      const personalizedDecision = inspection?.personalized === true && !decision.holdout;
      const isPersonalized = personalizedDecision && decision.offers.length > 0;
      const record: DecisionRecord = {
        decisionId: decision.decisionId,
        placement: decision.placement,
        at: decision.at,
        shopper: s,
        personalized: personalizedDecision,
        holdout: decision.holdout === true,
        modelVersion: decision.modelVersion,
        source: decision.source,
        cartValue: profile.cart.value,
        candidates,
        shown: decision.offers.map((o) => ({ offerId: o.offerId, propensity: o.propensity })),
      };
      decisions.push(record);
      if (decision.holdout) holdouts++;

      // The truth of this decision, for every candidate the policy could pick.
      const outcomes: Record<string, TrueOutcome> = {};
      for (const c of candidates)
        if (c.allowed) outcomes[c.offerId] = trueResponse(truthOf, offers.get(c.offerId)!);
      if (isPersonalized) {
        personalized++;
        perDecision[decision.decisionId] = outcomes;
        for (const [name, spec] of Object.entries(policies)) {
          const p = actionProbabilities(spec, candidates, offers, record.cartValue);
          candidates.forEach((c, i) => {
            if (p[i]! === 0) return;
            for (const r of REWARDS) totals[name]![r] += p[i]! * outcomes[c.offerId]![r];
          });
        }
      }

      // The shopper's response, drawn from the ground truth.
      const shown = decision.offers[0];
      const events: WireEvent[] = [];
      // As the SDK sends it: a random id, the time to the second.
      const event = (type: WireEvent['type'], at: number): WireEvent => ({
        id: simUuidv4(random),
        type,
        decisionId: decision.decisionId,
        offerId: shown!.offerId,
        placement: decision.placement,
        propensity: shown!.propensity,
        modelVersion: decision.modelVersion,
        at: floorTo(at, TIME_PRECISION_MS.full),
      });
      let claimed = false;
      let t = clock + 1000;
      const shownOffer = shown ? offers.get(shown.offerId)! : undefined;
      let outcome: TrueOutcome | undefined;
      if (shown && shownOffer) {
        outcome = outcomes[shown.offerId] ?? trueResponse(truthOf, shownOffer);
        const impression = event('impression', t);
        if (personalizedDecision && inspection?.policies) {
          impression.policies = reportedPolicies(inspection.policies, roundingRandom);
        }
        events.push(impression);
        if (random() < outcome.click) {
          t += Math.floor(5_000 + 55_000 * random());
          events.push(event('click', t));
          // P(claim | click) = claim / click.
          if (random() < outcome.claim / outcome.click) {
            t += Math.floor(10_000 + 110_000 * random());
            events.push(event('claim', t));
            claimed = true;
            await store.addClaim(shown.offerId);
          }
        }
      }
      const pOrder = claimed ? claimedOrder(truthOf) : baseOrder(truthOf);
      let revenue = 0;
      let discount = 0;
      if (random() < pOrder) {
        t += Math.floor(60_000 + 1_200_000 * random());
        revenue = Math.round(meanBasket(truthOf) * (0.5 + random()) * 100) / 100;
        const depth = claimed ? (shownOffer!.discount?.percent ?? 0) / 100 : 0;
        discount = Math.round(revenue * depth * 100) / 100;
        orders.push({
          orderId: simUuidv7(t, random),
          decisionId: decision.decisionId,
          offerId: claimed ? shown!.offerId : null,
          at: t,
          revenue,
          discount,
          currency: catalog.currency,
        });
        state.orders.push({ at: t, spend: revenue - discount });
        state.lastPurchaseAt = t;
        state.firstPurchaseAt ??= t;
        if (claimed) {
          state.discounted++;
          const category = shownOffer!.category;
          if (category !== 'any') {
            const prev = state.bought.get(category);
            state.bought.set(category, { count: (prev?.count ?? 0) + 1, lastAt: t });
          }
        }
      }
      if (isPersonalized) {
        realized.click += events.some((e) => e.type === 'click') ? 1 : 0;
        realized.claim += claimed ? 1 : 0;
        realized.order += revenue > 0 ? 1 : 0;
        realized.revenue += revenue;
        realized.discount += discount;
        realized.net += revenue - discount;
      }
      if (events.length > 0) {
        batches.push({
          v: 1,
          sentAt: events[events.length - 1]!.at + 5000,
          events,
          dropped: {},
        });
      }
    }
    store.close();
  }

  batches.sort((a, b) => a.sentAt - b.sentAt);
  orders.sort((a, b) => a.at - b.at);
  const mean = (v: Values): Values =>
    Object.fromEntries(
      REWARDS.map((r) => [r, personalized > 0 ? v[r] / personalized : 0]),
    ) as Values;
  const rawPolicies: Record<string, unknown> = {
    logging: { decisions: options.logging ?? {} },
    ...TRUTH_POLICIES,
  };
  return {
    catalog: rawCatalog,
    batches,
    orders,
    decisions,
    truth: {
      format: 'offerwise-sim-truth',
      version: 1,
      seed,
      shoppers,
      days,
      decisions: decisions.length,
      personalized,
      holdout: holdouts,
      policies: Object.fromEntries(
        Object.keys(policies).map((name) => [
          name,
          { policy: rawPolicies[name], value: mean(totals[name]!) },
        ]),
      ),
      realized: mean(realized),
      perDecision,
    },
  };
}

/** Writes a simulation's files into `dir`. */
export function writeSimulation(sim: Simulation, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const jsonl = (items: readonly unknown[]) =>
    items.map((x) => JSON.stringify(x)).join('\n') + '\n';
  writeFileSync(join(dir, 'feedback.jsonl'), jsonl(sim.batches));
  writeFileSync(join(dir, 'orders.jsonl'), jsonl(sim.orders));
  writeFileSync(join(dir, 'decisions.jsonl'), jsonl(sim.decisions));
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(sim.catalog, null, 2) + '\n');
  writeFileSync(join(dir, 'truth.json'), JSON.stringify(sim.truth) + '\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), {
    shoppers: { default: '1000', integer: true },
    days: { default: '7', integer: true },
    seed: { default: '1', integer: true },
    out: { required: true },
    data: { default: '../shared/data/hillstrom-train.csv' },
    scorer: { default: 'model', choices: ['model', 'fallback'] },
    model: { default: 'models/default.onnx' },
    'visit-rate': { default: '0.4' },
    logging: {},
  });
  const visitRate = Number(args['visit-rate']);
  if (!(visitRate > 0 && visitRate <= 1))
    throw new Error(`--visit-rate: got ${JSON.stringify(args['visit-rate'])}, expected (0, 1]`);
  const days = Number(args.days);
  if (days < 1) throw new Error('--days: expected at least 1');
  const logging =
    args.logging === undefined
      ? undefined
      : ((JSON.parse(readFileSync(args.logging, 'utf8')) as { decisions?: DecisionConfig })
          .decisions ?? (JSON.parse(readFileSync(args.logging, 'utf8')) as DecisionConfig));
  let score = fallbackScore;
  let release = async () => {};
  if (args.scorer === 'model') {
    const { createScorer } = await import('./ort-node.js');
    const bytes = new Uint8Array(readFileSync(args.model));
    const version = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const scorer = await createScorer(bytes);
    score = async (rows, featureCount) => ({
      ...(await scorer.score(rows, featureCount)),
      source: 'model',
      modelVersion: version,
    });
    release = () => scorer.release();
  }
  const started = performance.now();
  const sim = await simulate({
    rows: readHillstrom(args.data),
    shoppers: Number(args.shoppers),
    days,
    seed: Number(args.seed),
    visitRate,
    score,
    ...(logging ? { logging } : {}),
  });
  await release();
  writeSimulation(sim, args.out);
  const events = sim.batches.reduce((n, b) => n + b.events.length, 0);
  console.log(
    JSON.stringify({
      out: args.out,
      shoppers: sim.truth.shoppers,
      decisions: sim.truth.decisions,
      personalized: sim.truth.personalized,
      holdout: sim.truth.holdout,
      events,
      orders: sim.orders.length,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      truth: Object.fromEntries(
        Object.entries(sim.truth.policies).map(([k, v]) => [
          k,
          { claim: round(v.value.claim, 5), net: round(v.value.net, 4) },
        ]),
      ),
    }),
  );
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(`simulate: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
