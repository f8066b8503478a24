/**
 * Simulated traffic through the SDK's real decision code (`npm run simulate`,
 * models/cli/simulate.ts). Each shopper is a Hillstrom row (drawn with replacement, seeded) mapped
 * to a profile snapshot as `models/uplift/dataset.ts` maps rows for training; on each of D days they visit with probability `visit-rate` (at least once) and the
 * `home` placement is decided by the SDK's `Decider` (eligibility, caps in a memory-only
 * `StateStore`, `max_claims`, the holdout, features, the model, the exploring policy and its
 * propensities). The shopper's response is drawn from the ground truth of `models/campaign/truth.ts`
 * (not the policy's model). {@link writeSimulation} writes:
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
import { join } from 'node:path';
import type { DecisionConfig } from '../../src/config.js';
import { reportedPolicies } from '../../src/decide/candidate-policy.js';
import { Decider, type DeciderDeps, type DecisionOptions } from '../../src/decide/decider.js';
import { seededRandom } from '../../src/decide/random.js';
import { StateStore } from '../../src/decide/state-store.js';
import type { Offer } from '../../src/decide/types.js';
import { FEATURE_COUNT } from '../../src/features/spec.js';
import { floorTo, TIME_PRECISION_MS } from '../../src/feedback/wire.js';
import { DEFAULT_FALLBACK } from '../../src/predictor/default-fallback.js';
import { scoreFallback } from '../../src/predictor/fallback.js';
import type { ScoreResult } from '../../src/predictor/predictor.js';
import { fileFlag } from '../lib/args.js';
import type { HillstromRow } from '../lib/hillstrom.js';
import { writeJsonl } from '../lib/jsonl.js';
import type {
  CandidateRecord,
  DecisionRecord,
  FeedbackBatch,
  OrderRecord,
  WireEvent,
} from './logs.js';
import { decisionOdds, parsePolicy, type PolicySpec } from './policy.js';
import { initialState, snapshotOf, truthShopper } from './shopper.js';
import {
  baseOrder,
  claimedOrder,
  HILLSTROM_RESPONSE,
  meanBasket,
  REWARDS,
  trueResponse,
  type HillstromResponse,
  type Reward,
  type TrueOutcome,
} from './truth.js';
import { loadCatalog, SIM_START, simulationCatalog } from './world.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

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
  /** The truth's coefficients (a `hillstrom` world file's `response`); default today's. */
  response?: HillstromResponse;
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

const MASK_48 = (1n << 48n) - 1n;

/** An invertible mix of 48-bit numbers keyed by `key` (odd multipliers and xor-shifts). */
function mix48(n: number, key: number): bigint {
  let v = (BigInt(n) * 0x9e3779b97f4bn + BigInt(key)) & MASK_48;
  v ^= v >> 23n;
  v = (v * 0xbf58476d1ce5n) & MASK_48;
  return v ^ (v >> 25n);
}

/**
 * An event id that never repeats within a run: a UUIDv4 whose first 48 bits are the event's
 * `serial` number in the run, mixed (invertibly) with the run's `key` so that they look random,
 * and whose other bits are drawn from `random` as `simUuidv4` draws them (the same draws, so runs
 * replay as before). Drawn alone, ids repeat where two shoppers' 32-bit streams overlap (24 of
 * 290,000 events in a 4-week loop of 20,000 shoppers), and the learner drops them as resent.
 */
export function simSerialUuidv4(serial: number, key: number, random: () => number): string {
  const drawn = simUuidv4(random);
  const head = mix48(serial, key).toString(16).padStart(12, '0');
  return `${head.slice(0, 8)}-${head.slice(8)}${drawn.slice(13)}`;
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

/**
 * The scorer decisions run: the shipped ONNX model through ONNX Runtime (loaded only then, so the
 * fallback runs without its wasm), or the SDK's fallback scorer; `release` frees the session.
 */
export async function scorerOf(
  kind: 'model' | 'fallback',
  modelPath: string,
): Promise<{
  score: (rows: Float32Array, featureCount: number) => Promise<ScoreResult>;
  release: () => Promise<void>;
}> {
  if (kind === 'fallback') return { score: fallbackScore, release: async () => {} };
  const { createScorer } = await import('../uplift/onnx-scorer.js');
  const bytes = new Uint8Array(readFileSync(fileFlag('model', modelPath)));
  const version = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const scorer = await createScorer(bytes);
  return {
    score: async (rows, featureCount) => ({
      ...(await scorer.score(rows, featureCount)),
      source: 'model',
      modelVersion: version,
    }),
    release: () => scorer.release(),
  };
}

/**
 * A simulated shopper's decision state for the SDK's `Decider`: the memory `StateStore`, a fixed
 * holdout seed, and `onAllowed` told which candidates the caps left (what the shopper could get).
 */
export function simulatedState(
  store: StateStore,
  shopperSeed: number,
  onAllowed: (allowed: string[]) => void,
): DeciderDeps['state'] {
  return {
    reserve: (placement, candidates, rules, choose) =>
      store.reserve(placement, candidates, rules, (allowed, room) => {
        onAllowed([...allowed]);
        return choose(allowed, room);
      }),
    allClaims: () => store.allClaims(),
    lastDecision: (placement) => store.lastDecision(placement),
    shopperSeed: async () => shopperSeed,
  };
}

/** Runs the simulation in memory; deterministic for a seed (and scorer). */
export async function simulate(options: SimulateOptions): Promise<Simulation> {
  const response = options.response ?? HILLSTROM_RESPONSE;
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
        state: simulatedState(store, shopperSeed, (a) => (allowed = a)),
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
        if (c.allowed)
          outcomes[c.offerId] = trueResponse(truthOf, offers.get(c.offerId)!, response);
      if (isPersonalized) {
        personalized++;
        perDecision[decision.decisionId] = outcomes;
        for (const [name, spec] of Object.entries(policies)) {
          const p = decisionOdds(spec, record, offers);
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
        outcome = outcomes[shown.offerId] ?? trueResponse(truthOf, shownOffer, response);
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
      const pOrder = claimed ? claimedOrder(truthOf, response) : baseOrder(truthOf, response);
      let revenue = 0;
      let discount = 0;
      if (random() < pOrder) {
        t += Math.floor(60_000 + 1_200_000 * random());
        revenue = Math.round(meanBasket(truthOf, response) * (0.5 + random()) * 100) / 100;
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
  writeJsonl(join(dir, 'feedback.jsonl'), sim.batches);
  writeJsonl(join(dir, 'orders.jsonl'), sim.orders);
  writeJsonl(join(dir, 'decisions.jsonl'), sim.decisions);
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(sim.catalog, null, 2) + '\n');
  writeFileSync(join(dir, 'truth.json'), JSON.stringify(sim.truth) + '\n');
}
