/**
 * Off-policy evaluation: what a candidate policy would have earned on logged traffic, from the
 * propensities the SDK logs (`npm run ope`, models/cli/ope.ts). Inverse propensity scoring (IPS),
 * self-normalised IPS (SNIPS) and, where the logs carry the model's outputs, doubly robust (DR)
 * estimates of the mean reward per decision, with seeded bootstrap 95% intervals, the effective
 * sample size of the importance weights, and warnings when the weights are too extreme to trust.
 */
import { seededRandom } from '../../src/decide/random.js';
import type { Offer } from '../../src/decide/types.js';
import { FEATURE_COUNT } from '../../src/features/spec.js';
import type { LoggedSample, PolicySample } from './logged-samples.js';
import { decisionOdds, type PolicySpec, type Prediction } from './policy.js';
import type { Reward, TrueOutcome } from './truth.js';
import { quantile } from '../lib/stats.js';

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
    const pi = decisionOdds(policy, s.decision, offers, predictions[i]);
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
    const pi = decisionOdds(policy, s.decision, offers, predictions[i]);
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
  const { createScorer } = await import('../uplift/onnx-scorer.js');
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
