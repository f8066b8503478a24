/**
 * From the learner's per-cell sums to the effects file (`src/learning/effects.ts` validates it):
 * per offer and group, the value of showing the offer minus what the control earned (the
 * holdout: per group when its decisions carry groups, as in Hillstrom's randomized control;
 * pooled otherwise, which shifts every offer alike), de-biased for the k-RR reports, shrunk by
 * empirical Bayes toward the model-informed prior; and per offer the pooled value, shrunk toward
 * the offers' common level. The softmax temperature is a fraction of the mean posterior standard
 * deviation: decisions then explore where the learner is unsure and exploit where it is not.
 */
import type { EffectReward, Effects, EffectsPlacement } from '../../src/learning/types.js';
import { EFFECTS_FORMAT, MAX_VALID_DAYS } from '../../src/learning/effects.js';
import { PROFILE_TERMS, type ProfileTerm } from '../../src/features/profile-vector.js';
import { debiasWeight } from '../../src/learning/randomized-response.js';
import {
  MIN_CELL_WEIGHT,
  groupEstimates,
  presentGroups,
  rewardVariance,
  snips,
  type CellSums,
  type Estimate,
  type ReportedCell,
} from './estimate.js';
import { shrink, shrinkToCommonLevel, type Cell } from './shrink.js';

/** One row of the learner's cell query. */
export interface CellRow {
  offerId: string;
  /** `holdout`: the control (no personalized offer); its `offerId` is what it showed, if any. */
  arm: 'personalized' | 'holdout';
  /** The reported group (null without a usable report) and the ε it was drawn with. */
  group: number | null;
  epsilon: number | null;
  sums: CellSums;
  firstAt: number;
  lastAt: number;
}

/** The effects file as written (JSON). */
export type EffectsFile = Omit<Effects, 'generated_at' | 'valid_until' | 'window' | 'sha256'> & {
  generated_at: string;
  valid_until: string;
  window: { from: string; to: string };
};

export interface BuildOptions {
  reward: EffectReward;
  /** The segments the reports are of (k and SHA-256); without, offer effects only. */
  segments?: { k: number; sha256: string };
  /** The model's objective score per offer at each group's centroid (`centroid.ts`). */
  predictions?: ReadonlyMap<string, readonly number[]>;
  /**
   * Each offer's profile terms at each group's centroid (`groupProfileTerms`, in `PROFILE_TERMS`
   * order): with them the file gets `profile` slopes.
   */
  profileTerms?: ReadonlyMap<string, readonly (readonly number[])[]>;
  /** Which of them get a slope (default all); the others are left out of the fit and the file. */
  terms?: readonly ProfileTerm[];
  /**
   * The claims' cells (the cell query over `claimed`), for a reward other than clicks and claims:
   * the profile slopes are then read from them (`surrogateOf`).
   */
  surrogate?: readonly CellRow[];
  /**
   * With `surrogate`: the cells of the reward counted on claimed decisions only (the cell query
   * over `reward * claimed`). The value of one claim (`claimValue`), which turns the claims'
   * slopes into the reward's, is then read from them; without, it is the prior's fitted slope on
   * the claims.
   */
  claimedReward?: readonly CellRow[];
  generatedAt: number;
  /** Days the file stays valid (decisions ignore it after). Default 14. */
  validDays?: number;
  /** Temperature = this × the mean posterior standard deviation. Default 0.1. */
  temperatureFactor?: number;
  /** With groups: how the device weighs them (`nearest` is written as the file's `placement`). */
  placement?: EffectsPlacement;
}

/** What the learner found, beside the file (printed by the CLI). */
export interface BuildSummary {
  offers: number;
  decisions: { personalized: number; holdout: number; withGroup: number };
  /**
   * The groups the decisions do not show (`presentGroups`): their cells took the prior without a
   * level of their own. Empty without groups.
   */
  absentGroups: number[];
  baseline: { mean: number; se: number; byGroup: boolean } | null;
  tau2: Record<string, number>;
  beta: number;
  /** The profile slopes (null without profile terms). */
  profile: Effects['profile'] | null;
  /**
   * With the claims as surrogate: their slopes γ, λ the value of one claim that scales them into
   * the reward's slopes (`claimValue`, or the prior's slope when the claimed cells are absent);
   * with the claimed cells, `perClaim` the value of one claim of each offer, and per group where
   * the group's sums allow (`groupClaimValues`; null: the offer's is used) — the surrogate index:
   * the cells are the claims' values times it — and `priorLambda` null; without them,
   * `priorLambda` the reward prior's own fitted slope on the claims and `perClaim` null.
   */
  surrogate: {
    gamma: number[];
    lambda: number;
    priorLambda: number | null;
    perClaim: Record<string, (ClaimValue & { groups: (number | null)[] }) | null> | null;
  } | null;
  temperature: number;
}

const DAY_MS = 86_400_000;
const round6 = (x: number) => Number(x.toPrecision(6));
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

function sumsOf(rows: readonly CellRow[]) {
  return rows.map((r) => r.sums);
}

function reportedCells(rows: readonly CellRow[]): ReportedCell[] {
  return rows
    .filter((r) => r.group !== null)
    .map((r) => ({ sums: r.sums, reported: r.group!, epsilon: r.epsilon ?? Infinity }));
}

/** De-biased count of a true group's decisions among reported cells: Σ h · n. */
function groupCount(cells: readonly ReportedCell[], g: number, k: number): number {
  return cells.reduce((n, c) => n + debiasWeight(c.reported, g, k, c.epsilon) * c.sums.n, 0);
}

/** The ε most decisions were reported with (null: none, or exact). */
function commonEpsilon(rows: readonly CellRow[]): number | null {
  const byEpsilon = new Map<number, number>();
  for (const r of rows) {
    if (r.group === null || r.epsilon === null) continue;
    byEpsilon.set(r.epsilon, (byEpsilon.get(r.epsilon) ?? 0) + r.sums.n);
  }
  let best: number | null = null;
  for (const [e, n] of byEpsilon) if (best === null || n > byEpsilon.get(best)!) best = e;
  return best;
}

/** Difference of two estimates (offer minus control); the control may be missing (then 0). */
function minus(value: Estimate, control: Estimate | undefined) {
  return {
    y: value.mean - (control?.mean ?? 0),
    v: value.se ** 2 + (control?.se ?? 0) ** 2,
  };
}

/** The control: the holdout's reward, pooled and per group when its decisions carry groups. */
function controlOf(
  holdout: readonly CellRow[],
  k: number | undefined,
  present: readonly boolean[] | undefined,
) {
  const variance = rewardVariance(sumsOf(holdout));
  const baseline =
    holdout.length > 0
      ? snips(
          holdout.map((r) => ({ sums: r.sums, h: 1 })),
          variance,
        )
      : undefined;
  const cells = reportedCells(holdout);
  const byGroup =
    k !== undefined && cells.length > 0 ? groupEstimates(cells, k, variance, present) : undefined;
  return { baseline, byGroup };
}

/** The rows of each offer, in their order (one pass instead of a filter per offer). */
function rowsByOffer(rows: readonly CellRow[]): Map<string, CellRow[]> {
  const out = new Map<string, CellRow[]>();
  for (const r of rows) {
    const list = out.get(r.offerId);
    if (list) list.push(r);
    else out.set(r.offerId, [r]);
  }
  return out;
}

/** One table's rows split once: the arms, each offer's rows and the control (`controlOf`). */
interface Arms {
  personalized: CellRow[];
  holdout: CellRow[];
  byOffer: Map<string, CellRow[]>;
  control: ReturnType<typeof controlOf>;
  /** The variance of every offer's rewards: an offer's own when its rewards were all equal. */
  pooledVariance: number;
}

function armsOf(
  rows: readonly CellRow[],
  k: number | undefined,
  present: readonly boolean[] | undefined,
): Arms {
  const personalized = rows.filter((r) => r.arm === 'personalized');
  const holdout = rows.filter((r) => r.arm === 'holdout');
  return {
    personalized,
    holdout,
    byOffer: rowsByOffer(personalized),
    control: controlOf(holdout, k, present),
    pooledVariance: rewardVariance(sumsOf(personalized)),
  };
}

/**
 * Per offer and group (index offer · k + group): the de-biased value of showing the offer minus
 * the control's, and how many decisions it rests on; `hasGroups` per offer.
 */
function groupTable(
  arms: Arms,
  offerIds: readonly string[],
  k: number,
  present: readonly boolean[],
) {
  const { byOffer, pooledVariance } = arms;
  const { baseline, byGroup } = arms.control;
  const values: { y?: number; v?: number }[] = [];
  const counts: number[] = [];
  const hasGroups: boolean[] = [];
  for (const id of offerIds) {
    const mine = byOffer.get(id) ?? [];
    const reported = reportedCells(mine);
    // An offer whose few rewards were all equal (no click yet) has no variance of its own: it
    // takes that of every offer's rewards, so its cells count as observed, with an honest error.
    const estimates = groupEstimates(
      reported,
      k,
      rewardVariance(sumsOf(mine)) || pooledVariance,
      present,
    );
    hasGroups.push(estimates.some((e) => e !== undefined));
    estimates.forEach((e, g) => {
      values.push(e ? minus(e, byGroup?.[g] ?? baseline) : {});
      // An absent group rests on no decision, whatever its de-biased count came out as.
      counts.push(present[g] ? groupCount(reported, g, k) : 0);
    });
  }
  return { values, counts, hasGroups };
}

/**
 * The profile slopes read from the claims (the surrogate): claims per decision are far less noisy
 * than an order reward and move with the same match between a shopper and an offer. Fitted on the
 * claim table (offer and group levels, slopes γ on the groups' profile terms), the claims' posterior
 * means then enter the reward's prior with a slope λ; the reward's profile slopes are λ · γ.
 */
function surrogateOf(
  claims: readonly CellRow[],
  offerIds: readonly string[],
  k: number,
  termsOf: (offer: number, group: number) => readonly number[],
  count: number,
  present: readonly boolean[],
) {
  const { values } = groupTable(armsOf(claims, k, present), offerIds, k, present);
  const cells: Cell[] = values.map((value, i) => ({
    offer: Math.floor(i / k),
    group: i % k,
    pred: 0,
    x: termsOf(Math.floor(i / k), i % k),
    ...value,
  }));
  // The claims' slopes are not shrunk by their standard errors: the claim cells are precise
  // enough, and a slope shrunk to 0 in one week (the `recent` one, as the loop's own coupons
  // changed who had just bought) left the next week offering shoppers what they had just bought
  // (docs/learning.md, Results).
  const fit = shrink(cells, offerIds.length, k, {
    useModel: false,
    covariates: count,
    shrinkSlopes: false,
  });
  return {
    means: fit.posteriors.map((p) => p.mean),
    sds: fit.posteriors.map((p) => p.sd),
    gamma: fit.gamma,
  };
}

/** The value of one claim and its standard error (`claimValueEstimate`). */
export interface ClaimValue {
  mean: number;
  se: number;
}

/**
 * The value of one claim on the reward's scale, from the orders themselves: in every (offer,
 * reported group) cell of the personalized arm (of `offerId` only, when given), the
 * inverse-propensity-weighted mean reward of the decisions whose offer was claimed minus that of
 * the others, averaged over the cells with the weight C·(W − C)/W (W = Σ 1/π, C = Σ claimed/π: the
 * precision of a difference of two means). Comparing within an offer and a group takes out most of
 * who is shown what; what is left is self-selection (a shopper who claims was likelier to buy
 * anyway), so it errs high, the side that costs less here (docs/learning.md). Undefined without a
 * cell that has both.
 *
 * The standard error: each cell's difference has variance σ²_c / (ρ·C) + σ²_u / (ρ·(W − C)), σ²_c
 * and σ²_u the weighted within-cell variances of the claimed and the other decisions' rewards,
 * pooled over the cells, and ρ = S0 / T0 the cell's decisions per unit of weight (1/π when every
 * propensity is π); the average's variance is Σ weight² · variance / (Σ weight)².
 */
export function claimValueEstimate(
  reward: readonly CellRow[],
  claims: readonly CellRow[],
  claimedReward: readonly CellRow[],
  offerId?: string,
): ClaimValue | undefined {
  return estimateClaimValue(
    reward.filter((r) => offerId === undefined || r.offerId === offerId),
    claimSums(claims, claimedReward),
  );
}

/** What the claim queries hold for one reward cell: claims C, and Σ y·claimed/π and its square. */
interface ClaimSums {
  c: number;
  yc: number;
  yc2: number;
}

/**
 * The claims' and the claimed decisions' sums of a personalized reward cell, looked up by its
 * offer, reported group and ε (0 where a query has no such cell). Built once per learner run.
 */
function claimSums(
  claims: readonly CellRow[],
  claimedReward: readonly CellRow[],
): (r: CellRow) => ClaimSums {
  const key = (r: CellRow) => `${r.offerId}\u0000${r.group}\u0000${r.epsilon}`;
  const personalized = (rows: readonly CellRow[]) =>
    new Map(rows.filter((r) => r.arm === 'personalized').map((r) => [key(r), r.sums]));
  const claimed = personalized(claims);
  const both = personalized(claimedReward);
  return (r) => {
    const cell = key(r);
    const b = both.get(cell);
    return { c: claimed.get(cell)?.s1 ?? 0, yc: b?.s1 ?? 0, yc2: b?.s2 ?? 0 };
  };
}

/** {@link claimValueEstimate} over the reward cells `reward` (the personalized ones count). */
function estimateClaimValue(
  reward: readonly CellRow[],
  claimedOf: (r: CellRow) => ClaimSums,
): ClaimValue | undefined {
  const parts: { weight: number; difference: number; c: number; u: number; rho: number }[] = [];
  let spreadC = 0;
  let spreadU = 0;
  let totalC = 0;
  let totalU = 0;
  for (const r of reward) {
    if (r.arm !== 'personalized') continue;
    const { c, yc, yc2 } = claimedOf(r);
    const w = r.sums.s0;
    const u = w - c;
    if (!(c > 0) || !(u > 1e-9 * w)) continue;
    const yu = r.sums.s1 - yc;
    spreadC += Math.max(0, yc2 - (yc * yc) / c);
    spreadU += Math.max(0, r.sums.s2 - yc2 - (yu * yu) / u);
    totalC += c;
    totalU += u;
    parts.push({
      weight: (c * u) / w,
      difference: yc / c - yu / u,
      c,
      u,
      rho: r.sums.t0 > 0 ? w / r.sums.t0 : 1,
    });
  }
  const weight = parts.reduce((a, p) => a + p.weight, 0);
  if (!(weight > 0)) return undefined;
  const varianceC = spreadC / totalC;
  const varianceU = spreadU / totalU;
  let mean = 0;
  let variance = 0;
  for (const p of parts) {
    mean += (p.weight * p.difference) / weight;
    variance += (p.weight / weight) ** 2 * (varianceC / (p.rho * p.c) + varianceU / (p.rho * p.u));
  }
  return { mean, se: Math.sqrt(variance) };
}

/** The value of one claim over every offer (`claimValueEstimate`), at least 0. */
export function claimValue(
  reward: readonly CellRow[],
  claims: readonly CellRow[],
  claimedReward: readonly CellRow[],
): number | undefined {
  return atLeastZero(claimValueEstimate(reward, claims, claimedReward));
}

/** λ from an estimate of the value of a claim: within an offer, claims never lower the reward. */
const atLeastZero = (estimate: ClaimValue | undefined) => estimate && Math.max(0, estimate.mean);

/**
 * The value of one claim per (offer, group): a claim is worth the order it brings less the
 * discount, against what the shopper would have bought anyway, and both depend on the group (its
 * baskets, how often it buys without a coupon). Per true group g, from the k-RR de-biased sums
 * (weights h(r, g) of `debiasWeight`, h = 1[r = g] for exact reports):
 *
 *   v_og = M_o · ρ_g − U_g
 *
 * M_o = Σ Yc / Σ C the offer's mean reward of a claimed decision over every report (Yc = Σ
 * y·claimed/π, C = Σ claimed/π), ρ_g = Σ_o h·Yc / Σ_o h·C·M_o how much more (or less) the group's
 * claimed decisions earn than the offers' pooled means say (one number per group, pooled over the
 * offers), and U_g = Σ_o h·(Y − Yc) / Σ_o h·(W − C) the group's mean reward of a decision whose
 * offer was not claimed (pooled over the offers). Pooling over the offers is what keeps the
 * de-biased sums of a thin (offer, group) cell out of it. Undefined for an offer never claimed and
 * for a group whose de-biased claims or unclaimed weight is under `MIN_CELL_WEIGHT`, or whose ρ_g
 * is not positive.
 */
export function groupClaimValues(
  reward: readonly CellRow[],
  claims: readonly CellRow[],
  claimedReward: readonly CellRow[],
  offerIds: readonly string[],
  k: number,
): (number | undefined)[][] {
  return valuesByGroup(reward, claimSums(claims, claimedReward), offerIds, k);
}

/** {@link groupClaimValues} with the claim queries' lookup already built. */
function valuesByGroup(
  reward: readonly CellRow[],
  claimedOf: (r: CellRow) => ClaimSums,
  offerIds: readonly string[],
  k: number,
  present?: readonly boolean[],
): (number | undefined)[][] {
  const o2i = new Map(offerIds.map((id, i) => [id, i]));
  // Pooled over groups (every report), per offer: Σ Yc / Σ C.
  const yc = new Array<number>(offerIds.length).fill(0);
  const c = new Array<number>(offerIds.length).fill(0);
  // Per true group (de-biased): Σ_o h·Yc, Σ_o h·C·M_o, Σ_o h·(Y − Yc), Σ_o h·(W − C).
  // Each row's offer and claim sums, looked up once (not once per group).
  const rows = reward
    .filter((r) => r.arm === 'personalized' && o2i.has(r.offerId))
    .map((r) => ({ r, o: o2i.get(r.offerId)!, sums: claimedOf(r) }));
  for (const { o, sums } of rows) {
    yc[o]! += sums.yc;
    c[o]! += sums.c;
  }
  const M = yc.map((y, o) => (c[o]! > 0 ? y / c[o]! : undefined));
  const out: (number | undefined)[][] = offerIds.map(() => new Array(k).fill(undefined));
  for (let g = 0; g < k; g++) {
    if (present && !present[g]) continue;
    let num = 0;
    let den = 0;
    let un = 0;
    let uw = 0;
    let claimsG = 0;
    for (const { r, o, sums } of rows) {
      if (r.group === null) continue;
      const h = debiasWeight(r.group, g, k, r.epsilon ?? Infinity);
      const { c: rc, yc: ryc } = sums;
      if (M[o] !== undefined) {
        num += h * ryc;
        den += h * rc * M[o]!;
        claimsG += h * rc;
      }
      un += h * (r.sums.s1 - ryc);
      uw += h * (r.sums.s0 - rc);
    }
    if (!(den > 0) || !(uw >= MIN_CELL_WEIGHT) || !(claimsG >= MIN_CELL_WEIGHT)) continue;
    const rho = num / den;
    const u = un / uw;
    if (!(rho > 0)) continue;
    offerIds.forEach((_, o) => {
      if (M[o] !== undefined) out[o]![g] = M[o]! * rho - u;
    });
  }
  return out;
}

export function buildEffects(
  rows: readonly CellRow[],
  options: BuildOptions,
): { file: EffectsFile; summary: BuildSummary } {
  const validDays = options.validDays ?? 14;
  // The SDK refuses a file valid for longer (validateEffects): it would not be written.
  if (!(validDays > 0 && validDays <= MAX_VALID_DAYS)) {
    throw new Error(`validDays: got ${validDays}, expected a number in (0, ${MAX_VALID_DAYS}]`);
  }
  const k = options.segments?.k;
  // The groups the decisions show at all (every report, personalized and holdout alike).
  const present = k !== undefined ? presentGroups(reportedCells(rows), k) : undefined;
  const arms = armsOf(rows, k, present);
  const { personalized, holdout, byOffer, pooledVariance } = arms;
  const { baseline, byGroup: controlByGroup } = arms.control;
  const offerIds = [...byOffer.keys()].sort();
  if (offerIds.length === 0) {
    throw new Error('learn: no personalized decision with an impression in the logs');
  }

  const pooled: Cell[] = [];
  const pooledN: number[] = [];
  offerIds.forEach((id, o) => {
    const mine = byOffer.get(id) ?? [];
    const value = snips(
      mine.map((r) => ({ sums: r.sums, h: 1 })),
      rewardVariance(sumsOf(mine)) || pooledVariance,
    );
    pooled.push({ offer: 0, group: o, pred: 0, ...(value ? minus(value, baseline) : {}) });
    pooledN.push(mine.reduce((n, r) => n + r.sums.n, 0));
  });
  const table = k !== undefined ? groupTable(arms, offerIds, k, present!) : undefined;
  const hasGroups = table?.hasGroups ?? [];
  const counts = table?.counts ?? [];
  // The selected terms of each (offer, group), in the order of `selected`.
  const selected = options.terms ?? PROFILE_TERMS;
  const columns = selected.map((t) => PROFILE_TERMS.indexOf(t));
  const termsOf = (o: number, g: number) => {
    const all = options.profileTerms?.get(offerIds[o]!)?.[g];
    return columns.map((j) => all?.[j] ?? 0);
  };
  const useProfile =
    k !== undefined &&
    options.profileTerms !== undefined &&
    selected.length > 0 &&
    offerIds.some((_, o) =>
      Array.from({ length: k }, (_, g) => termsOf(o, g))
        .flat()
        .some((x) => x),
    );
  const surrogate =
    useProfile && options.surrogate
      ? surrogateOf(options.surrogate, offerIds, k!, termsOf, selected.length, present!)
      : undefined;
  // The surrogate index (with the claimed decisions' rewards): a cell's value is its claims'
  // posterior mean times the value of one claim of the offer in the group, read from the orders.
  // The reward cells themselves are too noisy to rank offers within a group (an order's basket
  // varies more than the offers' differences); the claims are not, and the value of a claim,
  // built from sums pooled over offers or groups, is steady. Its variance: v²·sd_c² + c²·se_v²,
  // se_v the offer's (`claimValueEstimate`).
  const claimedOf =
    surrogate && options.claimedReward
      ? claimSums(options.surrogate!, options.claimedReward)
      : undefined;
  const perClaim = claimedOf
    ? offerIds.map((id) => estimateClaimValue(byOffer.get(id) ?? [], claimedOf))
    : undefined;
  // Per (offer, group) where the group's sums allow it (`groupClaimValues`), else the offer's.
  const perGroup = claimedOf
    ? valuesByGroup(personalized, claimedOf, offerIds, k!, present)
    : undefined;
  const cells: Cell[] = (table?.values ?? []).map((direct, i) => {
    const o = Math.floor(i / k!);
    const g = i % k!;
    const v0 = perClaim?.[o];
    const vg = perGroup?.[o]?.[g];
    const v = v0 && vg !== undefined ? { mean: vg, se: v0.se } : v0;
    const value = v
      ? {
          y: v.mean * surrogate!.means[i]!,
          v: (v.mean * surrogate!.sds[i]!) ** 2 + (surrogate!.means[i]! * v.se) ** 2,
        }
      : direct;
    const x = perClaim
      ? undefined
      : surrogate
        ? [surrogate.means[i]!]
        : useProfile
          ? termsOf(o, g)
          : undefined;
    return {
      offer: o,
      group: g,
      pred: options.predictions?.get(offerIds[o]!)?.[g] ?? 0,
      ...(x ? { x } : {}),
      ...value,
    };
  });

  const offers = shrinkToCommonLevel(pooled);
  const useModel = options.predictions !== undefined;
  const groups =
    k !== undefined
      ? shrink(cells, offerIds.length, k, {
          useModel,
          covariates: perClaim ? 0 : surrogate ? 1 : useProfile ? selected.length : 0,
          // λ ≥ 0: within an offer, more claims are not taken to lower the reward. λ is not shrunk
          // by its standard error: a weight on the shopper's own profile that is too small cost
          // more than one too large (docs/learning.md, Results).
          positiveCovariates: surrogate !== undefined,
          shrinkSlopes: surrogate === undefined,
        })
      : undefined;
  // The reward's profile slopes: fitted on its own table, or λ · γ through the claims, λ the
  // value of one claim read from the orders (steadier than the prior's slope on the claims, which
  // is fitted from the noisy reward cells' residuals and fell to 0 in some weeks of the loop).
  const lambda = surrogate
    ? ((claimedOf && atLeastZero(estimateClaimValue(personalized, claimedOf))) ?? groups!.gamma[0]!)
    : 0;
  const slopes = surrogate
    ? surrogate.gamma.map((g) => lambda * g)
    : useProfile
      ? groups!.gamma
      : undefined;
  // A slope the file could not carry (not finite, or beyond what the SDK accepts) is left out as 0.
  const carried = (x: number) => (Number.isFinite(x) && Math.abs(x) <= 1e6 ? round6(x) : 0);
  const profile = slopes
    ? Object.fromEntries(selected.map((term, j) => [term, carried(slopes[j]!)]))
    : null;
  const sds = groups
    ? groups.posteriors.filter((_, i) => hasGroups[cells[i]!.offer]).map((p) => p.sd)
    : offers.posteriors.map((p) => p.sd);
  const meanSd = sds.length > 0 ? sds.reduce((a, b) => a + b, 0) / sds.length : 0;
  // A file learned from identical rewards has no uncertainty at all: any positive temperature
  // then orders the same way; the smallest the SDK accepts keeps it greedy.
  const temperature = Math.max(1e-6, (options.temperatureFactor ?? 0.1) * meanSd);

  // What an offer the file does not know is worth per group, before its model and profile parts:
  // the file's own group values less those parts, averaged over the offers learned by group (the
  // file's rounded numbers, so that the device's sums come out as documented).
  const beta = groups && useModel ? round6(groups.beta) : 0;
  const learnedByGroup = offerIds.flatMap((_, o) => (groups && hasGroups[o] ? [o] : []));
  const group_levels =
    groups && learnedByGroup.length > 0
      ? Array.from({ length: k! }, (_, g) => {
          let sum = 0;
          for (const o of learnedByGroup) {
            const i = o * k! + g;
            let rest = round6(groups.posteriors[i]!.mean) - beta * round6(cells[i]!.pred);
            if (profile) {
              const x = termsOf(o, g);
              selected.forEach((term, j) => (rest -= (profile[term] ?? 0) * x[j]!));
            }
            sum += rest;
          }
          return round6(sum / learnedByGroup.length);
        })
      : undefined;

  const file: EffectsFile = {
    format: EFFECTS_FORMAT,
    version: 1,
    reward: options.reward,
    generated_at: iso(options.generatedAt),
    valid_until: iso(options.generatedAt + validDays * DAY_MS),
    window: {
      from: iso(Math.min(...rows.map((r) => r.firstAt))),
      to: iso(Math.max(...rows.map((r) => r.lastAt))),
    },
    epsilon: k !== undefined ? commonEpsilon(personalized) : null,
    segments_sha256: options.segments?.sha256 ?? null,
    k: k ?? null,
    temperature: round6(temperature),
    model: groups && useModel ? { beta } : null,
    ...(profile ? { profile } : {}),
    ...(group_levels ? { group_levels } : {}),
    // `blend` is what a file without the field means: written only when it is the other way.
    ...(groups && options.placement === 'nearest' ? { placement: 'nearest' as const } : {}),
    offers: Object.fromEntries(
      offerIds.map((id, o) => {
        const p = offers.posteriors[o]!;
        const entry: Effects['offers'][string] = {
          mean: round6(p.mean),
          se: round6(p.sd),
          n: pooledN[o]!,
        };
        if (groups && hasGroups[o]) {
          entry.groups = Array.from({ length: k! }, (_, g) => {
            const i = o * k! + g;
            const post = groups.posteriors[i]!;
            return {
              mean: round6(post.mean),
              sd: round6(post.sd),
              n: Math.round(counts[i]! * 10) / 10,
              ...(useModel ? { pred: round6(cells[i]!.pred) } : {}),
            };
          });
        }
        return [id, entry];
      }),
    ),
  };
  return {
    file,
    summary: {
      offers: offerIds.length,
      decisions: {
        personalized: personalized.reduce((n, r) => n + r.sums.n, 0),
        holdout: holdout.reduce((n, r) => n + r.sums.n, 0),
        withGroup: personalized.filter((r) => r.group !== null).reduce((n, r) => n + r.sums.n, 0),
      },
      absentGroups: present ? present.flatMap((on, g) => (on ? [] : [g])) : [],
      baseline: baseline
        ? { mean: baseline.mean, se: baseline.se, byGroup: controlByGroup !== undefined }
        : null,
      tau2: Object.fromEntries(offerIds.map((id, o) => [id, groups?.tau2[o] ?? offers.tau2[0]!])),
      beta: groups?.beta ?? 0,
      profile,
      surrogate: surrogate
        ? {
            gamma: surrogate.gamma,
            lambda,
            priorLambda: perClaim ? null : groups!.gamma[0]!,
            perClaim: perClaim
              ? Object.fromEntries(
                  offerIds.map((id, o) => [
                    id,
                    perClaim[o]
                      ? {
                          ...perClaim[o],
                          groups: perGroup![o]!.map((v) => (v === undefined ? null : round6(v))),
                        }
                      : null,
                  ]),
                )
              : null,
          }
        : null,
      temperature,
    },
  };
}
