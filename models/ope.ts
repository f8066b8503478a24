/**
 * `npm run ope -- --feedback <files,…> --policy <catalog policy id | policy json file>
 *   [--decisions <file>] [--orders <file>] [--catalog <file>]
 *   [--reward claim|click|order|revenue|discount|net] [--model <onnx>] [--bootstrap 500]
 *   [--seed 1] [--truth <truth.json>]`
 *
 * Off-policy evaluation: what a candidate policy would have earned on the logged traffic, from
 * the propensities the SDK logs. Prints one JSON object with the inverse propensity scoring
 * (IPS) and self-normalised IPS (SNIPS) estimates of the mean reward per decision (and doubly
 * robust (DR) where the logs allow it), seeded bootstrap 95% intervals, the effective sample size
 * of the importance weights, and warnings when the weights are too extreme to trust.
 *
 * Two sources, by what the shop has:
 * - **A collector's logs** (`--policy <id>`): the catalog names candidate policies (`policies`);
 *   the device evaluates each on every personalized decision and the first impression carries
 *   its probability of the shown offer, rounded at random to whole points (unbiased). The weight
 *   of a decision is that number over the logged propensity. Nothing about the shopper is needed,
 *   so only the catalog's candidates can be evaluated, and DR (which needs model outputs) is not
 *   available.
 * - **A simulation's `decisions.jsonl`** (`--policy <file>`): every candidate with the model's
 *   outputs (never sent by the SDK), so any policy (`{ "decisions": {...}, "remove": [...] }` or
 *   `{ "rule": "biggest_discount" }`) can be evaluated, with DR and `--model` rescoring.
 * `--decisions`, `--orders` and `--catalog` default to the files beside the first feedback file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FEATURE_COUNT } from '../src/features/spec.js';
import type { Offer } from '../src/decide/types.js';
import { parseArgs } from './args.js';
import {
  actionProbabilities,
  loadCatalog,
  parsePolicy,
  readJsonl,
  REWARDS,
  type CandidateRecord,
  type DecisionRecord,
  type PolicySpec,
  type Prediction,
  type Reward,
  type TrueOutcome,
} from './campaign.js';
import { seededRandom } from './random.js';

interface WireEventIn {
  id?: unknown;
  type?: unknown;
  decisionId?: unknown;
  offerId?: unknown;
  placement?: unknown;
  propensity?: unknown;
  modelVersion?: unknown;
  at?: unknown;
  policies?: unknown;
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Every event of wire-format batches (as the collector stores them), in order; not deduplicated. */
function* wireEvents(batches: readonly unknown[]): Generator<WireEventIn> {
  for (const batch of batches) {
    const list = (batch as { events?: unknown })?.events;
    if (Array.isArray(list)) yield* list as WireEventIn[];
  }
}

interface OrderIn {
  decisionId?: unknown;
  revenue?: unknown;
  discount?: unknown;
}

/** What the feedback and orders say about each decision, read once for either join. */
interface Outcomes {
  events: number;
  duplicates: number;
  /** Impressions per decision, in arrival order (first one first). */
  impressions: Map<string, { offerId: string; propensity: number; policies: unknown }[]>;
  /** `${type}\n${decisionId}\n${offerId}` of clicks and claims. */
  responses: Set<string>;
  orders: Map<string, { n: number; revenue: number; discount: number }>;
}

/** Reads wire-format batches (deduplicated on event id) and the orders attributed to decisions. */
function readOutcomes(
  batches: readonly unknown[],
  orders: readonly unknown[] | undefined,
  reward: Reward,
): Outcomes {
  if (reward !== 'click' && reward !== 'claim' && orders === undefined) {
    throw new Error(`reward ${reward} needs the orders (--orders)`);
  }
  const seen = new Set<string>();
  const out: Outcomes = {
    events: 0,
    duplicates: 0,
    impressions: new Map(),
    responses: new Set(),
    orders: new Map(),
  };
  for (const raw of wireEvents(batches)) {
    if (typeof raw?.id !== 'string' || typeof raw.decisionId !== 'string') continue;
    if (seen.has(raw.id)) {
      out.duplicates++;
      continue;
    }
    seen.add(raw.id);
    out.events++;
    const offerId = String(raw.offerId);
    if (raw.type === 'impression' && typeof raw.propensity === 'number') {
      const list = out.impressions.get(raw.decisionId) ?? [];
      list.push({ offerId, propensity: raw.propensity, policies: raw.policies });
      out.impressions.set(raw.decisionId, list);
    } else if (raw.type === 'click' || raw.type === 'claim') {
      out.responses.add(`${raw.type}\n${raw.decisionId}\n${offerId}`);
    }
  }
  for (const raw of (orders ?? []) as OrderIn[]) {
    if (typeof raw?.decisionId !== 'string') continue;
    const o = out.orders.get(raw.decisionId) ?? { n: 0, revenue: 0, discount: 0 };
    o.n++;
    o.revenue += typeof raw.revenue === 'number' ? raw.revenue : 0;
    o.discount += typeof raw.discount === 'number' ? raw.discount : 0;
    out.orders.set(raw.decisionId, o);
  }
  return out;
}

/**
 * The reward of a decision: that of its first-slot offer, a click or claim event for it (0/1),
 * or the orders attributed to the decision (order: 0/1, revenue, discount, net = revenue −
 * discount).
 */
function rewardOf(outcomes: Outcomes, decisionId: string, offerId: string, reward: Reward): number {
  const o = outcomes.orders.get(decisionId);
  const key = (type: string) => `${type}\n${decisionId}\n${offerId}`;
  switch (reward) {
    case 'click':
    case 'claim':
      return outcomes.responses.has(key(reward)) ? 1 : 0;
    case 'order':
      return o && o.n > 0 ? 1 : 0;
    case 'revenue':
      return o?.revenue ?? 0;
    case 'discount':
      return o?.discount ?? 0;
    case 'net':
      return (o?.revenue ?? 0) - (o?.discount ?? 0);
  }
}

/** One logged decision usable for off-policy evaluation. */
export interface LoggedSample {
  decision: DecisionRecord;
  /** Index in `decision.candidates` of the offer shown (first slot). */
  shown: number;
  /** Its logged propensity (from the impression event). */
  propensity: number;
  reward: number;
}

export interface JoinResult {
  samples: LoggedSample[];
  /** Decisions left out, by reason. */
  excluded: Record<string, number>;
  events: number;
  duplicates: number;
}

/**
 * Joins wire-format batches (deduplicated on event id), the decisions side file and the orders
 * into one sample per personalized decision with an impression of its first-slot offer.
 */
export function joinLogs(
  batches: readonly unknown[],
  decisions: readonly DecisionRecord[],
  orders: readonly unknown[] | undefined,
  reward: Reward,
): JoinResult {
  const outcomes = readOutcomes(batches, orders, reward);
  const excluded: Record<string, number> = {
    not_personalized: 0,
    no_impression: 0,
    not_a_candidate: 0,
    candidates_truncated: 0,
  };
  const samples: LoggedSample[] = [];
  for (const decision of decisions) {
    if (!decision.personalized) {
      excluded.not_personalized!++;
      continue;
    }
    if ((decision.omitted ?? 0) > 0) {
      // Other policies could have chosen an offer that is not in the log.
      excluded.candidates_truncated!++;
      continue;
    }
    const first = decision.shown[0];
    const logged =
      first &&
      outcomes.impressions.get(decision.decisionId)?.find((e) => e.offerId === first.offerId);
    if (!first || !logged) {
      excluded.no_impression!++;
      continue;
    }
    const shown = decision.candidates.findIndex((c) => c.offerId === first.offerId && c.allowed);
    if (shown < 0) {
      excluded.not_a_candidate!++;
      continue;
    }
    samples.push({
      decision,
      shown,
      propensity: logged.propensity,
      reward: rewardOf(outcomes, decision.decisionId, first.offerId, reward),
    });
  }
  return { samples, excluded, events: outcomes.events, duplicates: outcomes.duplicates };
}

/** A decision as a collector's logs alone describe it: the device's report of the catalog policies. */
export interface PolicySample {
  decisionId: string;
  /** The offer shown in the first slot. */
  offerId: string;
  /** Its logged propensity. */
  propensity: number;
  /** Each catalog policy's probability of that offer, as the device reported it (rounded). */
  policies: Record<string, number>;
  reward: number;
}

export interface PolicyJoinResult {
  samples: PolicySample[];
  /** The candidate policies the logs carry, with the decisions that report each. */
  policyIds: Record<string, number>;
  /** Impressions left out, by reason. */
  excluded: Record<string, number>;
  events: number;
  duplicates: number;
}

/**
 * One sample per decision whose first impression carries the catalog policies' odds (a
 * personalized decision's first-slot offer, in the SDK). A malformed `policies` object is left
 * out and counted (`malformed_policies`), never trusted.
 */
export function joinPolicyLogs(
  batches: readonly unknown[],
  orders: readonly unknown[] | undefined,
  reward: Reward,
): PolicyJoinResult {
  const outcomes = readOutcomes(batches, orders, reward);
  const excluded: Record<string, number> = { malformed_policies: 0 };
  const policyIds: Record<string, number> = {};
  const samples: PolicySample[] = [];
  for (const [decisionId, list] of outcomes.impressions) {
    const first = list.find((e) => e.policies !== undefined);
    if (!first) continue;
    const raw = first.policies;
    const entries =
      raw !== null && typeof raw === 'object' && !Array.isArray(raw)
        ? Object.entries(raw as Record<string, unknown>)
        : [];
    const valid =
      entries.length > 0 &&
      entries.every(([, p]) => typeof p === 'number' && p >= 0 && p <= 1) &&
      first.propensity > 0 &&
      first.propensity <= 1;
    if (!valid) {
      excluded.malformed_policies!++;
      continue;
    }
    const policies = Object.fromEntries(entries) as Record<string, number>;
    for (const id of Object.keys(policies)) policyIds[id] = (policyIds[id] ?? 0) + 1;
    samples.push({
      decisionId,
      offerId: first.offerId,
      propensity: first.propensity,
      policies,
      reward: rewardOf(outcomes, decisionId, first.offerId, reward),
    });
  }
  return {
    samples,
    policyIds,
    excluded,
    events: outcomes.events,
    duplicates: outcomes.duplicates,
  };
}

// ---------------------------------------------------------------------------------------------

export interface Interval {
  value: number;
  /** Bootstrap percentile 95% interval. */
  low: number;
  high: number;
}

export interface OpeResult {
  n: number;
  /** Mean logged reward (the logging policy's own value, on-policy). */
  logged: Interval;
  ips: Interval;
  snips: Interval;
  dr: Interval;
  /** The direct model alone (biased when the model is wrong; DR corrects it). */
  dm: number;
  /** (Σw)² / Σw² and its share of n. */
  ess: number;
  essShare: number;
  minPropensity: number;
  maxWeight: number;
  warnings: string[];
}

export interface OpeOptions {
  /** Bootstrap resamples; default 500. */
  bootstrap?: number;
  seed?: number;
  /** Model outputs per sample and candidate (a rescoring with `--model`); default the logged ones. */
  predictions?: readonly (readonly Prediction[])[];
  /** Thresholds of the warnings. */
  minPropensity?: number;
  minEssShare?: number;
}

/**
 * Direct model: r̂(x, a) = α_a + β · p_treated(x, a), the uplift model's own prediction of the
 * outcome if shown, put on the reward's scale by least squares on the logged (shown) pairs (a
 * common slope, an intercept per offer; offers not seen fall back to the pooled intercept).
 * Cross-fitted: samples of one half are predicted by the fit on the other half.
 */
export type DirectModel = (i: number, candidate: number) => number;

export function directModel(
  samples: readonly LoggedSample[],
  predictions: readonly (readonly Prediction[])[],
  rewards: ArrayLike<number> = samples.map((s) => s.reward),
): DirectModel {
  const fits = [0, 1].map((fold) => {
    const byOffer = new Map<string, { n: number; p: number; r: number }>();
    let n = 0;
    let pSum = 0;
    let rSum = 0;
    samples.forEach((s, i) => {
      if (i % 2 === fold) return;
      const p = predictions[i]![s.shown]!.pTreated;
      const id = s.decision.candidates[s.shown]!.offerId;
      const g = byOffer.get(id) ?? { n: 0, p: 0, r: 0 };
      g.n++;
      g.p += p;
      g.r += rewards[i]!;
      byOffer.set(id, g);
      n++;
      pSum += p;
      rSum += rewards[i]!;
    });
    let sxy = 0;
    let sxx = 0;
    samples.forEach((s, i) => {
      if (i % 2 === fold) return;
      const p = predictions[i]![s.shown]!.pTreated;
      const g = byOffer.get(s.decision.candidates[s.shown]!.offerId)!;
      const dp = p - g.p / g.n;
      sxy += dp * (rewards[i]! - g.r / g.n);
      sxx += dp * dp;
    });
    const beta = sxx > 0 ? sxy / sxx : 0;
    const pooled = n > 0 ? rSum / n - (beta * pSum) / n : 0;
    const alpha = new Map([...byOffer].map(([id, g]) => [id, g.r / g.n - (beta * g.p) / g.n]));
    return { beta, alpha, pooled };
  });
  return (i, c) => {
    const fit = fits[i % 2]!;
    const id = samples[i]!.decision.candidates[c]!.offerId;
    return (fit.alpha.get(id) ?? fit.pooled) + fit.beta * predictions[i]![c]!.pTreated;
  };
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Per-sample terms of the estimators: weight, reward, DR term, DM term. */
export interface Terms {
  w: Float64Array;
  r: Float64Array;
  dr: Float64Array;
  dm: Float64Array;
}

export function estimatorTerms(
  samples: readonly LoggedSample[],
  policy: PolicySpec,
  offers: ReadonlyMap<string, Offer>,
  predictions: readonly (readonly Prediction[])[] = samples.map((s) => s.decision.candidates),
  model: DirectModel = directModel(samples, predictions),
): Terms {
  const n = samples.length;
  const w = new Float64Array(n);
  const r = new Float64Array(n);
  const dr = new Float64Array(n);
  const dm = new Float64Array(n);
  samples.forEach((s, i) => {
    const pi = actionProbabilities(
      policy,
      s.decision.candidates,
      offers,
      s.decision.cartValue,
      predictions[i],
    );
    let direct = 0;
    pi.forEach((p, c) => {
      if (p > 0) direct += p * model(i, c);
    });
    w[i] = pi[s.shown]! / s.propensity;
    r[i] = s.reward;
    dm[i] = direct;
    dr[i] = direct + w[i]! * (s.reward - model(i, s.shown));
  });
  return { w, r, dr, dm };
}

/** IPS, SNIPS and DR with bootstrap intervals, ESS and warnings. */
export function evaluatePolicy(
  samples: readonly LoggedSample[],
  policy: PolicySpec,
  offers: ReadonlyMap<string, Offer>,
  options: OpeOptions = {},
): OpeResult {
  if (samples.length === 0) throw new Error('no logged decisions to evaluate');
  const terms = estimatorTerms(samples, policy, offers, options.predictions);
  return summarize(
    terms,
    samples.map((s) => s.propensity),
    options,
  ) as OpeResult;
}

/**
 * IPS and SNIPS (with bootstrap intervals, ESS and warnings) of the catalog policy `policyId`
 * from what the device reported: the weight of a decision is the policy's reported probability
 * of the shown offer over the logged propensity. The report is rounded at random without bias, so
 * IPS stays unbiased; DR and DM need model outputs and are null.
 */
export function evaluateReported(
  samples: readonly PolicySample[],
  policyId: string,
  options: Omit<OpeOptions, 'predictions'> = {},
): ReportedOpeResult {
  const usable = samples.filter((s) => policyId in s.policies);
  if (usable.length === 0) throw new Error(`no logged decision reports policy "${policyId}"`);
  const w = Float64Array.from(usable, (s) => s.policies[policyId]! / s.propensity);
  const r = Float64Array.from(usable, (s) => s.reward);
  return summarize(
    { w, r },
    usable.map((s) => s.propensity),
    options,
  ) as ReportedOpeResult;
}

/** {@link OpeResult} from reported odds: no DR or DM without model outputs. */
export type ReportedOpeResult = Omit<OpeResult, 'dr' | 'dm'> & { dr: null; dm: null };

/** The estimates, intervals, ESS and warnings from per-sample terms (DR only when given). */
function summarize(
  terms: { w: Float64Array; r: Float64Array; dr?: Float64Array; dm?: Float64Array },
  propensities: readonly number[],
  options: Omit<OpeOptions, 'predictions'>,
): OpeResult | ReportedOpeResult {
  const { w, r, dr, dm } = terms;
  const n = w.length;
  const point = (idx: ArrayLike<number> | undefined) => {
    let sw = 0;
    let swr = 0;
    let sdr = 0;
    let sr = 0;
    const m = idx ? idx.length : n;
    for (let k = 0; k < m; k++) {
      const i = idx ? idx[k]! : k;
      sw += w[i]!;
      swr += w[i]! * r[i]!;
      if (dr) sdr += dr[i]!;
      sr += r[i]!;
    }
    return { logged: sr / m, ips: swr / m, snips: sw > 0 ? swr / sw : 0, dr: sdr / m };
  };
  const est = point(undefined);
  const B = options.bootstrap ?? 500;
  const random = seededRandom(options.seed ?? 1);
  const draws = {
    logged: [] as number[],
    ips: [] as number[],
    snips: [] as number[],
    dr: [] as number[],
  };
  const idx = new Uint32Array(n);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < n; k++) idx[k] = Math.floor(random() * n);
    const e = point(idx);
    draws.logged.push(e.logged);
    draws.ips.push(e.ips);
    draws.snips.push(e.snips);
    draws.dr.push(e.dr);
  }
  const interval = (name: keyof typeof draws): Interval => {
    const sorted = draws[name].sort((a, b) => a - b);
    return B > 1
      ? { value: est[name], low: quantile(sorted, 0.025), high: quantile(sorted, 0.975) }
      : { value: est[name], low: est[name], high: est[name] };
  };
  let sw = 0;
  let sw2 = 0;
  let maxWeight = 0;
  let minPropensity = Infinity;
  let dmSum = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    sw2 += w[i]! * w[i]!;
    maxWeight = Math.max(maxWeight, w[i]!);
    minPropensity = Math.min(minPropensity, propensities[i]!);
    if (dm) dmSum += dm[i]!;
  }
  const ess = sw2 > 0 ? (sw * sw) / sw2 : 0;
  const warnings: string[] = [];
  const minP = options.minPropensity ?? 0.01;
  const minShare = options.minEssShare ?? 0.05;
  if (minPropensity < minP)
    warnings.push(
      `min logged propensity ${minPropensity.toPrecision(3)} < ${minP}: a few decisions carry huge weights; raise exploration or trust the interval less`,
    );
  if (ess < minShare * n)
    warnings.push(
      `effective sample size ${ess.toFixed(1)} is ${((100 * ess) / n).toFixed(1)}% of ${n} (< ${100 * minShare}%): the candidate policy is too far from the logging policy for these logs`,
    );
  return {
    n,
    logged: interval('logged'),
    ips: interval('ips'),
    snips: interval('snips'),
    dr: dr ? interval('dr') : null,
    dm: dm ? dmSum / n : null,
    ess,
    essShare: ess / n,
    minPropensity,
    maxWeight,
    warnings,
  } as OpeResult | ReportedOpeResult;
}

/** The exact value of `policy` on the samples, from a simulation's per-decision truth. */
export function trueValue(
  samples: readonly LoggedSample[],
  policy: PolicySpec,
  offers: ReadonlyMap<string, Offer>,
  perDecision: Record<string, Record<string, TrueOutcome>>,
  reward: Reward,
  predictions: readonly (readonly Prediction[])[] = samples.map((s) => s.decision.candidates),
): number {
  let total = 0;
  samples.forEach((s, i) => {
    const truth = perDecision[s.decision.decisionId];
    if (!truth) throw new Error(`truth: no entry for decision ${s.decision.decisionId}`);
    const pi = actionProbabilities(
      policy,
      s.decision.candidates,
      offers,
      s.decision.cartValue,
      predictions[i],
    );
    pi.forEach((p, c) => {
      if (p > 0) total += p * truth[s.decision.candidates[c]!.offerId]![reward];
    });
  });
  return total / samples.length;
}

/** Rescores every candidate's logged features with another ONNX model (`--model`). */
export async function rescore(
  samples: readonly LoggedSample[],
  modelBytes: Uint8Array,
): Promise<Prediction[][]> {
  const { createScorer } = await import('./ort-node.js');
  const scorer = await createScorer(modelBytes);
  try {
    const total = samples.reduce((n, s) => n + s.decision.candidates.length, 0);
    const rows = new Float32Array(total * FEATURE_COUNT);
    let k = 0;
    for (const s of samples) {
      for (const c of s.decision.candidates) {
        if (!c.features || c.features.length !== FEATURE_COUNT) {
          throw new Error(
            `decision ${s.decision.decisionId}: candidate ${c.offerId} has no features to rescore (--model needs decisions.jsonl with features)`,
          );
        }
        rows.set(c.features, k * FEATURE_COUNT);
        k++;
      }
    }
    const out = await scorer.score(rows, FEATURE_COUNT);
    k = 0;
    return samples.map((s) =>
      s.decision.candidates.map(() => {
        const p = {
          pTreated: out.pTreated[k]!,
          pControl: out.pControl[k]!,
          uplift: out.uplift[k]!,
        };
        k++;
        return p;
      }),
    );
  } finally {
    await scorer.release();
  }
}

/**
 * Reads the logs of a run: feedback batches, orders (optional), and — when the run has them —
 * the decisions side file (a simulation's `decisions.jsonl`) with the catalog they were decided
 * with. A collector's logs have no decisions file: `decisions` is then undefined and the catalog
 * optional (the device already evaluated the catalog's policies).
 */
export function readLogs(args: {
  feedback: string;
  decisions?: string | undefined;
  orders?: string | undefined;
  catalog?: string | undefined;
}): {
  batches: unknown[];
  decisions: DecisionRecord[] | undefined;
  orders: unknown[] | undefined;
  offers: Map<string, Offer>;
  /** Decisions left out because they weighed an offer the catalog does not have. */
  offerNotInCatalog: number;
} {
  const files = args.feedback.split(',').filter((f) => f !== '');
  if (files.length === 0) throw new Error('--feedback: expected one or more files');
  for (const f of files) if (!existsSync(f)) throw new Error(`--feedback ${f}: not found`);
  const dir = dirname(files[0]!);
  const decisionsPath = args.decisions ?? join(dir, 'decisions.jsonl');
  if (args.decisions !== undefined && !existsSync(decisionsPath)) {
    throw new Error(`--decisions ${decisionsPath}: not found`);
  }
  const ordersPath = args.orders ?? join(dir, 'orders.jsonl');
  if (args.orders !== undefined && !existsSync(ordersPath)) {
    throw new Error(`--orders ${ordersPath}: not found`);
  }
  const catalogPath = args.catalog ?? join(dir, 'catalog.json');
  const hasDecisions = existsSync(decisionsPath);
  if (!existsSync(catalogPath) && (hasDecisions || args.catalog !== undefined)) {
    throw new Error(
      `${catalogPath}: not found. Pass the campaign catalog the decisions were made with (--catalog)`,
    );
  }
  const offers = existsSync(catalogPath)
    ? new Map(
        loadCatalog(JSON.parse(readFileSync(catalogPath, 'utf8'))).offers.map((o) => [o.id, o]),
      )
    : new Map<string, Offer>();
  const batches = files.flatMap((f) => readJsonl(f));
  const orders = existsSync(ordersPath) ? readJsonl(ordersPath) : undefined;
  if (!hasDecisions) return { batches, decisions: undefined, orders, offers, offerNotInCatalog: 0 };
  const decisions = readJsonl<DecisionRecord>(decisionsPath);
  // A decision that weighed an offer the catalog does not have cannot be re-decided by another
  // policy (its discount and margin are unknown): left out, counted, named in a warning.
  const known = decisions.filter((d) => d.candidates.every((c) => offers.has(c.offerId)));
  const unknown = decisions.length - known.length;
  if (unknown > 0) {
    const missing = new Set(
      decisions.flatMap((d) => d.candidates.map((c) => c.offerId)).filter((id) => !offers.has(id)),
    );
    console.error(
      `warning: ${unknown} decision(s) left out: offers not in ${catalogPath}: ${[...missing].slice(0, 5).join(', ')}${missing.size > 5 ? ', …' : ''} (pass the catalog they were decided with, --catalog)`,
    );
  }
  return { batches, decisions: known, orders, offers, offerNotInCatalog: unknown };
}

/** What the logs offer to evaluate `--policy` with: a catalog policy's reports, or decisions. */
export function policySource(
  policy: string,
  logs: ReturnType<typeof readLogs>,
  reward: Reward,
):
  | { kind: 'reported'; id: string; joined: PolicyJoinResult }
  | { kind: 'decisions'; spec: PolicySpec; joined: JoinResult } {
  if (existsSync(policy) && statSync(policy).isFile()) {
    if (!logs.decisions) {
      const reported = joinPolicyLogs(logs.batches, logs.orders, reward);
      const ids = Object.keys(reported.policyIds);
      throw new Error(
        `--policy ${policy}: a policy file needs the decisions side file (decisions.jsonl, which only a simulation writes: the SDK never sends model outputs). ${ids.length > 0 ? `These logs can evaluate the catalog's candidate policies: ${ids.join(', ')} (--policy <id>)` : 'These logs carry no candidate policies either: name up to 4 in the catalog ("policies") and the device reports their odds'}`,
      );
    }
    const spec = parsePolicy(JSON.parse(readFileSync(policy, 'utf8')));
    return {
      kind: 'decisions',
      spec,
      joined: joinLogs(logs.batches, logs.decisions, logs.orders, reward),
    };
  }
  const joined = joinPolicyLogs(logs.batches, logs.orders, reward);
  if (!(policy in joined.policyIds)) {
    const ids = Object.keys(joined.policyIds);
    throw new Error(
      `--policy ${JSON.stringify(policy)}: not a file, and no logged impression reports a catalog policy of that id (${ids.length > 0 ? `the logs have: ${ids.join(', ')}` : 'the logs carry no candidate policies: name up to 4 in the catalog ("policies")'})`,
    );
  }
  return { kind: 'reported', id: policy, joined };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), {
    feedback: { required: true },
    policy: { required: true },
    decisions: {},
    orders: {},
    catalog: {},
    reward: { default: 'claim', choices: REWARDS },
    model: {},
    bootstrap: { default: '500', integer: true },
    seed: { default: '1', integer: true },
    truth: {},
  });
  const reward = args.reward as Reward;
  const logs = readLogs(args);
  const source = policySource(args.policy, logs, reward);
  const options = { bootstrap: Number(args.bootstrap), seed: Number(args.seed) };
  if (source.kind === 'reported') {
    if (args.model)
      throw new Error('--model needs decisions.jsonl (features); these logs have none');
    const result = evaluateReported(source.joined.samples, source.id, options);
    for (const w of result.warnings) console.error(`ope: warning: ${w}`);
    console.log(
      JSON.stringify({
        feedback: args.feedback,
        policy: args.policy,
        source: 'reported',
        reward,
        events: source.joined.events,
        duplicates: source.joined.duplicates,
        excluded: source.joined.excluded,
        ...result,
      }),
    );
    return;
  }
  const joined = source.joined;
  const policy = source.spec;
  const predictions = args.model
    ? await rescore(joined.samples, new Uint8Array(readFileSync(args.model)))
    : undefined;
  const result = evaluatePolicy(joined.samples, policy, logs.offers, {
    ...options,
    ...(predictions ? { predictions } : {}),
  });
  const truth = args.truth
    ? trueValue(
        joined.samples,
        policy,
        logs.offers,
        (
          JSON.parse(readFileSync(args.truth, 'utf8')) as {
            perDecision: Record<string, Record<string, TrueOutcome>>;
          }
        ).perDecision,
        reward,
        predictions,
      )
    : undefined;
  for (const w of result.warnings) console.error(`ope: warning: ${w}`);
  console.log(
    JSON.stringify({
      feedback: args.feedback,
      policy: args.policy,
      source: 'decisions',
      reward,
      events: joined.events,
      duplicates: joined.duplicates,
      excluded: { ...joined.excluded, offer_not_in_catalog: logs.offerNotInCatalog },
      ...result,
      ...(truth !== undefined ? { truth } : {}),
    }),
  );
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(`ope: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
