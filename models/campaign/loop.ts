/**
 * `npm run loop` (models/cli/loop.ts): the learning loop end to end on a browsing world. Week 1
 * runs the shipped model; at the end of every week the learner reads all the logs so far, as the
 * collector stores them, and publishes an effects file that the catalog of the next week names
 * (inline, with its SHA-256). Every decision is the SDK's own: its `Decider` (eligibility, caps in
 * a memory `StateStore`, holdout, features, model, group placement, effect scoring and the
 * exploring policy), on profiles kept by the SDK's profile code. The device's group report is the
 * SDK's `dailyReport` with a memo per shopper (the memory `StateStore` sends none, as the SDK does
 * when the state cannot outlive the page).
 *
 * What each week reports is the TRUE expected net value per personalized decision, from the
 * world's truth: of the policy that ran (its exact first-slot probabilities, recomputed from what
 * the decider weighed and checked against the logged propensity), of the shipped model without
 * effects, of uniform choice, of simple rules, and of the best offer per decision (oracle).
 */
import type { ProfileTerm } from '../../src/features/profile-vector.js';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Decider,
  DEFAULT_DECISION_OPTIONS,
  type DecisionOptions,
} from '../../src/decide/decider.js';
import { DEFAULT_POLICY, slotOrder, slotProbabilities } from '../../src/decide/policy.js';
import { seededRandom } from '../../src/decide/random.js';
import { StateStore } from '../../src/decide/state-store.js';
import type { Offer, PolicyOptions } from '../../src/decide/types.js';
import { floorTo, TIME_PRECISION_MS } from '../../src/feedback/wire.js';
import { dailyReport, type GroupReportMemo } from '../../src/learning/randomized-response.js';
import type { Segments } from '../../src/learning/types.js';
import type { ScoreResult } from '../../src/predictor/predictor.js';
import { writeJsonl } from '../lib/jsonl.js';
import { learnFromLogs, NothingToLearnError, type LearnResult } from '../learning/learn.js';
import {
  browse,
  browsingTruth,
  drawOrder,
  newShopper,
  purchaseFacts,
  snapshotOf,
  type BrowsingShopper,
  type BrowsingWorld,
} from './browsing.js';
import type { FeedbackBatch, OrderRecord, WireEvent } from './logs.js';
import { simSerialUuidv4, simulatedState, simUuidv7 } from './simulator.js';
import type { TrueOutcome } from './truth.js';
import { loadCatalog, SIM_START } from './world.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface LoopOptions {
  world: BrowsingWorld;
  shoppers: number;
  weeks: number;
  seed: number;
  /** ε of the group reports: 0 = learning off (no group sent), Infinity = exact groups. */
  epsilon: number;
  /** The groups the devices place themselves in (with the SHA-256 the catalog names). */
  segments: Segments & { sha256: string };
  /** Learn the model's slope (`model.beta`) too; default false, as `npm run loop` and `learn`. */
  modelTerm?: boolean;
  /** The profile terms learned (`profile`); default the learner's. */
  profileTerms?: readonly ProfileTerm[];
  /** The model the decider and the learner run. */
  score: (rows: Float32Array, featureCount: number) => Promise<ScoreResult>;
  /** Where the logs and the effects of each week go (as a collector and a shop would keep them). */
  out: string;
  /** When week 1 starts (ms since the epoch); default the simulator's fixed start (`SIM_START`). */
  start?: number;
  /** Exploration of the SDK's policy once effects exist (week 1: the SDK's default). */
  exploration?: number;
  /** The learner's temperature factor (× mean posterior sd). */
  temperatureFactor?: number;
  /** Learn on the last `window` weeks of logs only (default: every week so far). */
  window?: number;
  log?: (line: string) => void;
  /** Sees every personalized decision's candidates, true values and probabilities (diagnostics). */
  onDecision?: (decision: {
    week: number;
    group: number | undefined;
    ids: readonly string[];
    values: readonly number[];
    probabilities: readonly number[];
    scores: readonly number[];
    /** The simulated shopper (its latent traits) and the decision's time. */
    shopper: BrowsingShopper;
    at: number;
  }) => void;
}

/** True net value per personalized decision, by policy, for one week. */
export interface WeekValues {
  week: number;
  decisions: number;
  policy: number;
  static: number;
  uniform: number;
  bestRule: number;
  oracle: number;
  rules: { biggestDiscount: number; topInterestDeep: number; topInterestShallow: number };
  /** The effects the week decided with (null in week 1). */
  effects: { sha256: string; temperature: number; beta: number } | null;
}

export interface LoopResult {
  k: number;
  weeks: WeekValues[];
  /**
   * (policy − uniform) / (oracle − uniform) in the last week; null when its oracle is no better
   * than uniform (see {@link gapClosed}).
   */
  gapClosed: number | null;
}

/**
 * The week's catalog: the world's coupons, one `home` slot, one claim each; an offer launched in a
 * later week (`launchWeek`) is listed from the start with its `valid_from` then.
 */
export function loopCatalog(world: BrowsingWorld, start: number, days: number) {
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  return {
    version: 1,
    server_time: iso(start),
    currency: 'USD',
    placements: { home: { limit: 1 } },
    offers: world.offers.map((o) => ({
      id: o.id,
      type: 'coupon',
      title: `${o.percent}% off ${o.category === 'any' ? 'everything' : o.category}`,
      category: o.category,
      discount: { percent: o.percent },
      code: o.id.toUpperCase(),
      max_claims: 1,
      valid_from: iso(start + ((o.launchWeek ?? 1) - 1) * 7 * DAY_MS),
      valid_to: iso(start + (days + 1) * DAY_MS),
      placements: ['home'],
    })),
  };
}

/** A 32-bit seed from several numbers (FNV-1a over their decimal digits). */
function mix(...parts: number[]): number {
  let hash = 2166136261;
  for (const ch of parts.join('/')) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

/** First-slot probabilities of the SDK's policy over `scores` (in their given order). */
function firstSlot(scores: readonly number[], ids: readonly string[], options: PolicyOptions) {
  const ordered = slotOrder(scores.map((score, i) => ({ offerId: ids[i]!, score, i })));
  const p = slotProbabilities(
    ordered.map((c) => c.score),
    options,
  );
  const out = new Array<number>(scores.length).fill(0);
  ordered.forEach((c, j) => (out[c.i] = p[j]!));
  return out;
}

/** Expected value of a rule that picks the best of `key` (ties shared evenly). */
function ruleValue(values: readonly number[], key: readonly number[]): number {
  const best = Math.max(...key);
  let sum = 0;
  let n = 0;
  key.forEach((k, i) => {
    if (k === best) {
      sum += values[i]!;
      n++;
    }
  });
  return sum / n;
}

interface Device {
  shopper: BrowsingShopper;
  store: StateStore;
  holdoutSeed: number;
  memo: GroupReportMemo | undefined;
}

/** Runs the loop; writes `week-N/{feedback,orders}.jsonl`, `week-N/effects.json` under `out`. */
export async function runLoop(options: LoopOptions): Promise<LoopResult> {
  const { world, segments, epsilon } = options;
  const log = options.log ?? (() => undefined);
  const days = options.weeks * 7;
  const origin = options.start ?? SIM_START;
  const rawCatalog = loopCatalog(world, origin, days);
  // The offers as the shop's catalog lists them: what `npm run learn --catalog` reads.
  mkdirSync(options.out, { recursive: true });
  writeFileSync(join(options.out, 'catalog.json'), JSON.stringify(rawCatalog, null, 2) + '\n');
  const offers = new Map<string, Offer>(loadCatalog(rawCatalog).offers.map((o) => [o.id, o]));
  const worldOffers = new Map(world.offers.map((o) => [o.id, o]));
  const k = segments.centroids.length;
  const groupSet = segments.sha256.slice(0, 12);
  // The wire carries ε to 2 decimals; exact groups (ε = ∞, the loop's no-noise run only) are
  // written as 100, whose k-RR weights equal exact ones to double precision.
  const wireEpsilon = Number.isFinite(epsilon) ? Math.round(epsilon * 100) / 100 : 100;
  const random = seededRandom(options.seed);
  const devices: Device[] = Array.from({ length: options.shoppers }, (_, i) => ({
    shopper: newShopper(world, i, origin, random),
    store: undefined as unknown as StateStore,
    holdoutSeed: Math.floor(random() * 4294967296),
    memo: undefined,
  }));
  let clock = origin;
  // Event ids: a serial number in the run, keyed by the seed (see simSerialUuidv4).
  let serial = 0;
  const idKey = mix(options.seed, 0);
  for (const d of devices) d.store = new StateStore({ memoryOnly: true, now: () => clock });

  const weeks: WeekValues[] = [];
  const feedbackFiles: string[] = [];
  const allOrders: OrderRecord[] = [];
  let effects: (LearnResult['effects'] & { sha256: string }) | undefined;
  try {
    for (let w = 0; w < options.weeks; w++) {
      const catalog = loadCatalog({
        ...rawCatalog,
        segments,
        ...(effects ? { effects } : {}),
      });
      if (effects && !catalog.effects) throw new Error('loop: the SDK refused the learned effects');
      const policy: PolicyOptions = effects
        ? { ...DEFAULT_POLICY, exploration: options.exploration ?? 0.05 }
        : DEFAULT_POLICY;
      const decisionOptions: DecisionOptions = { ...DEFAULT_DECISION_OPTIONS, policy };
      const batches: FeedbackBatch[] = [];
      const orders: OrderRecord[] = [];
      const sums = {
        n: 0,
        policy: 0,
        static: 0,
        uniform: 0,
        oracle: 0,
        biggestDiscount: 0,
        topInterestDeep: 0,
        topInterestShallow: 0,
      };
      for (const device of devices) {
        const { shopper, store } = device;
        const rr = seededRandom(mix(options.seed, shopper.id, w, 1));
        const r = seededRandom(mix(options.seed, shopper.id, w));
        let profile = snapshotOf(shopper, clock);
        let allowed: string[] = [];
        const decider = new Decider(
          {
            catalog: async () => catalog,
            profile: async () => profile,
            consent: () => 'granted',
            score: (rows, n) => options.score(rows, n),
            state: simulatedState(store, device.holdoutSeed, (a) => (allowed = a)),
            now: () => clock,
            newId: () => simUuidv7(clock, r),
          },
          decisionOptions,
        );
        for (let day = w * 7; day < w * 7 + 7; day++) {
          if (r() >= shopper.dailyVisit) continue;
          const start = origin + day * DAY_MS + Math.floor((8 + 14 * r()) * HOUR_MS);
          clock = browse(world, shopper, start, r) + 60_000;
          profile = snapshotOf(shopper, clock);
          allowed = [];
          const decision = await decider.decide({ placement: 'home' });
          const shown = decision.offers[0];
          if (!shown) continue;
          const inspection = decider.inspect(decision.decisionId)!;
          const facts = purchaseFacts(profile);
          const truth = (id: string): TrueOutcome =>
            browsingTruth(world, shopper, facts, worldOffers.get(id)!, clock);
          const personalized = inspection.personalized && !decision.holdout;
          let groupReport: Pick<WireEvent, 'group' | 'groupK' | 'groupEpsilon' | 'groupSet'> = {};
          if (personalized) {
            const allowedSet = new Set(allowed);
            const candidates = inspection.candidates.filter((c) => allowedSet.has(c.offerId));
            const ids = candidates.map((c) => c.offerId);
            const values = ids.map((id) => truth(id).net);
            const taken = firstSlot(
              candidates.map((c) => c.score),
              ids,
              inspection.effects
                ? { ...policy, temperature: inspection.effects.temperature }
                : policy,
            );
            const index = ids.indexOf(shown.offerId);
            if (Math.abs(taken[index]! - shown.propensity) > 1e-9) {
              throw new Error(
                `loop: recomputed probability ${taken[index]} of ${shown.offerId} differs from the logged ${shown.propensity}`,
              );
            }
            const shipped = firstSlot(
              candidates.map((c) => c.modelScore ?? c.score),
              ids,
              DEFAULT_POLICY,
            );
            const dot = (p: readonly number[]) => p.reduce((a, x, i) => a + x * values[i]!, 0);
            const percent = ids.map((id) => worldOffers.get(id)!.percent);
            const top = profile.categories.find((c) => world.categories.includes(c.category));
            const inTop = ids.map((id) => worldOffers.get(id)!.category === top?.category);
            const anyTop = inTop.some(Boolean);
            options.onDecision?.({
              week: w + 1,
              group: inspection.group?.id,
              ids,
              values,
              probabilities: taken,
              scores: candidates.map((c) => c.score),
              shopper,
              at: clock,
            });
            sums.n++;
            sums.policy += dot(taken);
            sums.static += dot(shipped);
            sums.uniform += values.reduce((a, b) => a + b, 0) / values.length;
            sums.oracle += Math.max(...values);
            sums.biggestDiscount += values[percent.indexOf(Math.max(...percent))]!;
            sums.topInterestDeep += anyTop
              ? ruleValue(
                  values,
                  percent.map((p, i) => (inTop[i] ? p : -1)),
                )
              : values[percent.indexOf(Math.max(...percent))]!;
            sums.topInterestShallow += anyTop
              ? ruleValue(
                  values,
                  percent.map((p, i) => (inTop[i] ? -p : -1e9)),
                )
              : values[percent.indexOf(Math.max(...percent))]!;
            if (inspection.group && epsilon > 0) {
              const next = dailyReport(
                device.memo,
                inspection.group.id,
                Math.floor(clock / DAY_MS),
                `${groupSet}/${wireEpsilon}`,
                k,
                epsilon,
                rr,
              );
              device.memo = next.memo;
              if (next.reported !== undefined) {
                groupReport = {
                  group: next.reported,
                  groupK: k,
                  groupEpsilon: wireEpsilon,
                  groupSet,
                };
              }
            }
          }
          // The shopper's response to what was shown, drawn from the truth.
          const outcome = truth(shown.offerId);
          const events: WireEvent[] = [];
          const event = (type: WireEvent['type'], at: number): WireEvent => ({
            id: simSerialUuidv4(serial++, idKey, r),
            type,
            decisionId: decision.decisionId,
            offerId: shown.offerId,
            placement: decision.placement,
            propensity: shown.propensity,
            modelVersion: decision.modelVersion,
            at: floorTo(at, TIME_PRECISION_MS.full),
          });
          let t = clock + 1000;
          events.push({ ...event('impression', t), ...groupReport });
          let claimed = false;
          if (r() < outcome.click) {
            t += Math.floor(5_000 + 55_000 * r());
            events.push(event('click', t));
            if (r() < outcome.claim / outcome.click) {
              t += Math.floor(10_000 + 110_000 * r());
              events.push(event('claim', t));
              claimed = true;
              await store.addClaim(shown.offerId);
            }
          }
          t += Math.floor(60_000 + 1_200_000 * r());
          const offer = worldOffers.get(shown.offerId)!;
          const order = drawOrder(
            world,
            shopper,
            facts,
            claimed ? { ...offer, code: offers.get(offer.id)!.code! } : undefined,
            t,
            r,
          );
          if (order) {
            orders.push({
              orderId: simUuidv7(t, r),
              decisionId: decision.decisionId,
              offerId: claimed ? shown.offerId : null,
              at: t,
              revenue: order.revenue,
              discount: order.discount,
              currency: 'USD',
            });
          }
          batches.push({ v: 1, sentAt: events[events.length - 1]!.at + 5000, events, dropped: {} });
        }
      }
      const n = Math.max(1, sums.n);
      const rules = {
        biggestDiscount: sums.biggestDiscount / n,
        topInterestDeep: sums.topInterestDeep / n,
        topInterestShallow: sums.topInterestShallow / n,
      };
      const week: WeekValues = {
        week: w + 1,
        decisions: sums.n,
        policy: sums.policy / n,
        static: sums.static / n,
        uniform: sums.uniform / n,
        bestRule: Math.max(...Object.values(rules)),
        oracle: sums.oracle / n,
        rules,
        effects: effects
          ? {
              sha256: effects.sha256,
              temperature: effects.temperature,
              beta: effects.model?.beta ?? 0,
            }
          : null,
      };
      weeks.push(week);
      log(`loop: week ${w + 1}: ${JSON.stringify(week)}`);

      // What the collector stored this week; the learner reads every week so far.
      const dir = join(options.out, `week-${w + 1}`);
      mkdirSync(dir, { recursive: true });
      batches.sort((a, b) => a.sentAt - b.sentAt);
      orders.sort((a, b) => a.at - b.at);
      writeJsonl(join(dir, 'feedback.jsonl'), batches);
      writeJsonl(join(dir, 'orders.jsonl'), orders);
      feedbackFiles.push(join(dir, 'feedback.jsonl'));
      allOrders.push(...orders);
      if (w === options.weeks - 1) break;
      // The learner takes one orders file: the shop's orders of every week so far.
      const all = join(dir, 'orders-to-date.jsonl');
      writeJsonl(all, allOrders);
      let learned: LearnResult;
      try {
        learned = await learnFromLogs(
          {
            feedback: options.window ? feedbackFiles.slice(-options.window) : feedbackFiles,
            orders: all,
          },
          {
            reward: 'net',
            ...(epsilon > 0 ? { segments } : {}),
            offers: [...offers.values()],
            ...(options.modelTerm === true ? { score: options.score } : {}),
            ...(options.profileTerms ? { profileTerms: options.profileTerms } : {}),
            now: origin + (w + 1) * 7 * DAY_MS,
            ...(options.temperatureFactor !== undefined
              ? { temperatureFactor: options.temperatureFactor }
              : {}),
          },
        );
      } catch (error) {
        // Nothing usable yet (no offer shown, or no order names a decision): a shop publishes no
        // new effects file, and the next week decides with what it had.
        if (!(error instanceof NothingToLearnError)) throw error;
        log(
          `loop: week ${w + 1}: nothing to learn from the logs so far (${error.plain}); week ${w + 2} decides with ${effects ? 'the effects learned before' : 'the shipped model alone'}`,
        );
        continue;
      }
      const text = JSON.stringify(learned.effects, null, 2) + '\n';
      writeFileSync(join(dir, 'effects.json'), text);
      effects = { ...learned.effects, sha256: createHash('sha256').update(text).digest('hex') };
      const from = options.window ? Math.max(1, w + 2 - options.window) : 1;
      log(
        `loop: learned on weeks ${from}-${w + 1}: temperature ${learned.effects.temperature}, beta ${learned.summary.beta.toFixed(3)}, absent groups [${learned.summary.absentGroups.join(',')}]`,
      );
    }
  } finally {
    for (const d of devices) d.store.close();
  }
  const last = weeks[weeks.length - 1]!;
  return { k, weeks, gapClosed: gapClosed(last) };
}

/**
 * (policy − uniform) / (oracle − uniform), or null when the oracle is no better than uniform (to
 * a billionth of the values): offers that change nothing leave no gap to close.
 */
export function gapClosed(week: Pick<WeekValues, 'policy' | 'uniform' | 'oracle'>): number | null {
  const gap = week.oracle - week.uniform;
  const scale = Math.max(1, Math.abs(week.oracle), Math.abs(week.uniform));
  return Math.abs(gap) > 1e-9 * scale ? (week.policy - week.uniform) / gap : null;
}
