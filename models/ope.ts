/**
 * `npm run ope -- --feedback <files,…> --policy <config json> [--decisions <file>]
 *   [--orders <file>] [--catalog <file>] [--reward claim|click|order|revenue|discount|net]
 *   [--model <onnx>] [--bootstrap 500] [--seed 1] [--truth <truth.json>]`
 *
 * Off-policy evaluation: what a candidate policy (the SDK's decision options, or a rule) would
 * have earned on the logged traffic, from the propensities the SDK logs. Prints one JSON object
 * with the inverse propensity scoring (IPS), self-normalised IPS (SNIPS) and doubly robust (DR)
 * estimates of the mean reward per decision, seeded bootstrap 95% intervals, the effective sample
 * size of the importance weights, and warnings when the weights are too extreme to trust.
 *
 * The candidate sets come from `decisions.jsonl` (what `Decider.inspect()` shows: every eligible
 * candidate with the model's outputs, plus which ones the caps allowed; the simulator writes it),
 * or, without that file, from the feedback itself: an SDK with `logCandidates` puts the allowed
 * candidates and the model's outputs on the impression of each personalized decision's first
 * offer (what the demo collector stores). `--decisions`, `--orders` and `--catalog` default to
 * the files beside the first feedback file.
 */
import { readFileSync, existsSync } from 'node:fs';
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
  candidates?: unknown;
  candidatesOmitted?: unknown;
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Every event of wire-format batches (as the collector stores them), in order; not deduplicated. */
function* wireEvents(batches: readonly unknown[]): Generator<WireEventIn> {
  for (const batch of batches) {
    const list = (batch as { events?: unknown })?.events;
    if (Array.isArray(list)) yield* list as WireEventIn[];
  }
}

/**
 * Decision records from the feedback itself: one per impression that carries `candidates` (the
 * SDK's `logCandidates`), deduplicated on event id and on decision. What the wire format does not
 * carry is set to what evaluation assumes: `cartValue` 0 (it only prices percent discounts under
 * the `revenue` objective), every logged candidate allowed (the SDK logs only those), the
 * impression's offer in the first slot (the SDK logs only that one). A malformed candidate list
 * is an error naming the event.
 */
export function decisionsFromFeedback(
  batches: readonly unknown[],
  offers: ReadonlyMap<string, Offer>,
): DecisionRecord[] {
  const seen = new Set<string>();
  const byDecision = new Map<string, DecisionRecord>();
  for (const raw of wireEvents(batches)) {
    if (raw?.type !== 'impression' || raw.candidates === undefined) continue;
    if (typeof raw.id !== 'string' || seen.has(raw.id)) continue;
    seen.add(raw.id);
    if (typeof raw.decisionId !== 'string' || byDecision.has(raw.decisionId)) continue;
    const where = `event ${raw.id}`;
    if (!Array.isArray(raw.candidates) || raw.candidates.length === 0) {
      throw new Error(`${where}: candidates: expected a non-empty array`);
    }
    if (!isNumber(raw.propensity) || !(raw.propensity > 0 && raw.propensity <= 1)) {
      throw new Error(`${where}: propensity: got ${String(raw.propensity)}, expected (0, 1]`);
    }
    const candidates: CandidateRecord[] = raw.candidates.map((c: unknown, i: number) => {
      const r = (c ?? {}) as Record<string, unknown>;
      for (const key of ['score', 'pTreated', 'pControl', 'uplift']) {
        if (!isNumber(r[key])) {
          throw new Error(
            `${where}: candidates[${i}].${key}: got ${String(r[key])}, expected a finite number`,
          );
        }
      }
      if (typeof r.offerId !== 'string' || r.offerId === '') {
        throw new Error(`${where}: candidates[${i}].offerId: expected an offer id`);
      }
      return {
        offerId: r.offerId,
        category: offers.get(r.offerId)?.category ?? '',
        score: r.score as number,
        pTreated: r.pTreated as number,
        pControl: r.pControl as number,
        uplift: r.uplift as number,
        allowed: true,
      };
    });
    byDecision.set(raw.decisionId, {
      decisionId: raw.decisionId,
      placement: String(raw.placement ?? ''),
      at: isNumber(raw.at) ? raw.at : 0,
      shopper: 0,
      personalized: true,
      holdout: false,
      modelVersion: String(raw.modelVersion ?? ''),
      source: 'feedback',
      cartValue: 0,
      candidates,
      shown: [{ offerId: String(raw.offerId), propensity: raw.propensity }],
      ...(isNumber(raw.candidatesOmitted) && raw.candidatesOmitted > 0
        ? { omitted: raw.candidatesOmitted }
        : {}),
    });
  }
  return [...byDecision.values()];
}

interface OrderIn {
  decisionId?: unknown;
  revenue?: unknown;
  discount?: unknown;
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
 * into one sample per personalized decision with an impression. The reward of a decision is that
 * of its first-slot offer: a click or claim event for it (0/1), or the orders attributed to the
 * decision (order: 0/1, revenue, discount, net = revenue − discount).
 */
export function joinLogs(
  batches: readonly unknown[],
  decisions: readonly DecisionRecord[],
  orders: readonly unknown[] | undefined,
  reward: Reward,
): JoinResult {
  if (reward !== 'click' && reward !== 'claim' && orders === undefined) {
    throw new Error(`reward ${reward} needs the orders (--orders)`);
  }
  const seen = new Set<string>();
  let events = 0;
  let duplicates = 0;
  const impressions = new Map<string, { offerId: string; propensity: number }[]>();
  const responses = new Set<string>(); // `${type}\n${decisionId}\n${offerId}`
  for (const raw of wireEvents(batches)) {
    if (typeof raw?.id !== 'string' || typeof raw.decisionId !== 'string') continue;
    if (seen.has(raw.id)) {
      duplicates++;
      continue;
    }
    seen.add(raw.id);
    events++;
    const offerId = String(raw.offerId);
    if (raw.type === 'impression' && typeof raw.propensity === 'number') {
      const list = impressions.get(raw.decisionId) ?? [];
      list.push({ offerId, propensity: raw.propensity });
      impressions.set(raw.decisionId, list);
    } else if (raw.type === 'click' || raw.type === 'claim') {
      responses.add(`${raw.type}\n${raw.decisionId}\n${offerId}`);
    }
  }
  const byDecision = new Map<string, { n: number; revenue: number; discount: number }>();
  for (const raw of (orders ?? []) as OrderIn[]) {
    if (typeof raw?.decisionId !== 'string') continue;
    const o = byDecision.get(raw.decisionId) ?? { n: 0, revenue: 0, discount: 0 };
    o.n++;
    o.revenue += typeof raw.revenue === 'number' ? raw.revenue : 0;
    o.discount += typeof raw.discount === 'number' ? raw.discount : 0;
    byDecision.set(raw.decisionId, o);
  }
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
      first && impressions.get(decision.decisionId)?.find((e) => e.offerId === first.offerId);
    if (!first || !logged) {
      excluded.no_impression!++;
      continue;
    }
    const shown = decision.candidates.findIndex((c) => c.offerId === first.offerId && c.allowed);
    if (shown < 0) {
      excluded.not_a_candidate!++;
      continue;
    }
    const o = byDecision.get(decision.decisionId);
    const key = (type: string) => `${type}\n${decision.decisionId}\n${first.offerId}`;
    const value: Record<Reward, number> = {
      click: responses.has(key('click')) ? 1 : 0,
      claim: responses.has(key('claim')) ? 1 : 0,
      order: o && o.n > 0 ? 1 : 0,
      revenue: o?.revenue ?? 0,
      discount: o?.discount ?? 0,
      net: (o?.revenue ?? 0) - (o?.discount ?? 0),
    };
    samples.push({ decision, shown, propensity: logged.propensity, reward: value[reward] });
  }
  return { samples, excluded, events, duplicates };
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
  const n = samples.length;
  if (n === 0) throw new Error('no logged decisions to evaluate');
  const { w, r, dr, dm } = estimatorTerms(samples, policy, offers, options.predictions);
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
      sdr += dr[i]!;
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
    minPropensity = Math.min(minPropensity, samples[i]!.propensity);
    dmSum += dm[i]!;
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
    dr: interval('dr'),
    dm: dmSum / n,
    ess,
    essShare: ess / n,
    minPropensity,
    maxWeight,
    warnings,
  };
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

/** Reads the logs of a run: feedback batches, decisions, orders (optional) and the catalog. */
export function readLogs(args: {
  feedback: string;
  decisions?: string | undefined;
  orders?: string | undefined;
  catalog?: string | undefined;
}): {
  batches: unknown[];
  decisions: DecisionRecord[];
  orders: unknown[] | undefined;
  offers: Map<string, Offer>;
  /** Decisions left out because they weighed an offer the catalog does not have. */
  offerNotInCatalog: number;
} {
  const files = args.feedback.split(',').filter((f) => f !== '');
  if (files.length === 0) throw new Error('--feedback: expected one or more files');
  const dir = dirname(files[0]!);
  const decisionsPath = args.decisions ?? join(dir, 'decisions.jsonl');
  if (args.decisions !== undefined && !existsSync(decisionsPath)) {
    throw new Error(`--decisions ${decisionsPath}: not found`);
  }
  const ordersPath = args.orders ?? join(dir, 'orders.jsonl');
  const catalogPath = args.catalog ?? join(dir, 'catalog.json');
  if (!existsSync(catalogPath)) {
    throw new Error(
      `${catalogPath}: not found. Pass the campaign catalog the decisions were made with (--catalog)`,
    );
  }
  const catalog = loadCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')));
  const offers = new Map(catalog.offers.map((o) => [o.id, o]));
  const batches = files.flatMap((f) => readJsonl(f));
  let decisions: DecisionRecord[];
  if (existsSync(decisionsPath)) decisions = readJsonl<DecisionRecord>(decisionsPath);
  else {
    decisions = decisionsFromFeedback(batches, offers);
    if (decisions.length === 0) {
      throw new Error(
        `no decision to evaluate: ${decisionsPath} does not exist and no impression in the feedback carries candidates. Turn on the SDK's logCandidates (data-log-candidates on the script tag) so that impressions carry them, or pass --decisions`,
      );
    }
  }
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
  return {
    batches,
    decisions: known,
    orders: existsSync(ordersPath) ? readJsonl(ordersPath) : undefined,
    offers,
    offerNotInCatalog: unknown,
  };
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
  const policy = parsePolicy(JSON.parse(readFileSync(args.policy, 'utf8')));
  const joined = joinLogs(logs.batches, logs.decisions, logs.orders, reward);
  const predictions = args.model
    ? await rescore(joined.samples, new Uint8Array(readFileSync(args.model)))
    : undefined;
  const result = evaluatePolicy(joined.samples, policy, logs.offers, {
    bootstrap: Number(args.bootstrap),
    seed: Number(args.seed),
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
