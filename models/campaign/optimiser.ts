/**
 * The campaign optimiser (`npm run optimize`, models/cli/optimize.ts): searches campaign settings
 * for the best estimated value on logged traffic. The objective of a setting is its off-policy
 * estimate (SNIPS by default, or DR / IPS) of the net value per decision (order revenue − discount
 * given; the no-offer baseline is the same for every setting, so this ranks settings as
 * "incremental value − discount cost" does), minus a penalty of 10 per unit of constraint
 * violation: the discount given per decision above `maxDiscountPerDecision`, and the margin
 * (net ÷ revenue) below `minMargin` (times revenue). Settings are
 * - `discount.<category>`: the coupon depth of that category, among the depths the logs carry
 *   (the other coupons of that category are taken out: the catalog patch removes them);
 * - `objective`, `outcomeValue`, `averageOrderValue`, `exploration`, `temperature`: the SDK's
 *   decision options (the candidate policy's action probabilities are the SDK's own).
 * On a collector's logs (no decisions file) the candidates are the catalog's policies instead
 * ({@link chooseReported}).
 */
import type { DecisionConfig } from '../../src/config.js';
import type { Offer } from '../../src/decide/types.js';
import { joinLogs, joinPolicyLogs, type LoggedSample } from './logged-samples.js';
import type { RunLogs } from './logs.js';
import {
  directModel,
  evaluatePolicy,
  evaluateReported,
  trueValue,
  type DirectModel,
  type ReportedOpeResult,
} from './ope.js';
import { decisionOdds, parsePolicy, type PolicySpec } from './policy.js';
import { search, synthetic, type Dimension, type Method, type TracePoint } from './search.js';
import type { Reward, TrueOutcome } from './truth.js';

const POLICY_KEYS = new Set([
  'objective',
  'outcomeValue',
  'averageOrderValue',
  'exploration',
  'temperature',
]);

export interface Space {
  dims: Dimension[];
  maxDiscountPerDecision: number;
  minMargin: number;
  estimator: 'snips' | 'ips' | 'dr';
}

/** Parses `{ params: { name: [values] | { min, max, step } }, constraints?, estimator? }`. */
export function parseSpace(raw: unknown): Space {
  const o = raw as {
    params?: Record<string, unknown>;
    constraints?: { maxDiscountPerDecision?: unknown; minMargin?: unknown };
    estimator?: unknown;
  };
  if (!o || typeof o !== 'object' || !o.params || typeof o.params !== 'object')
    throw new Error('space: expected { "params": { name: [values] | { min, max, step } } }');
  const dims: Dimension[] = [];
  for (const [name, spec] of Object.entries(o.params)) {
    if (!POLICY_KEYS.has(name) && !/^discount\.[a-z0-9_-]+$/.test(name)) {
      throw new Error(
        `space.params.${name}: unknown setting; expected discount.<category> or one of ${[...POLICY_KEYS].join(', ')} (settings the logs cannot evaluate, such as caps or flash-sale timing, need the simulator)`,
      );
    }
    let values: (number | string)[];
    if (Array.isArray(spec)) values = spec as (number | string)[];
    else {
      const { min, max, step } = (spec ?? {}) as { min?: number; max?: number; step?: number };
      if (
        typeof min !== 'number' ||
        typeof max !== 'number' ||
        !(typeof step === 'number' && step > 0) ||
        max < min
      )
        throw new Error(`space.params.${name}: expected an array or { min, max, step }`);
      values = [];
      for (let k = 0; min + k * step <= max + 1e-9; k++)
        values.push(Number((min + k * step).toPrecision(12)));
    }
    if (values.length === 0) throw new Error(`space.params.${name}: no values`);
    dims.push({ name, values });
  }
  const c = o.constraints ?? {};
  const estimator = o.estimator ?? 'snips';
  if (estimator !== 'snips' && estimator !== 'ips' && estimator !== 'dr')
    throw new Error('space.estimator: expected "snips", "ips" or "dr"');
  return {
    dims,
    maxDiscountPerDecision:
      typeof c.maxDiscountPerDecision === 'number' ? c.maxDiscountPerDecision : Infinity,
    minMargin: typeof c.minMargin === 'number' ? c.minMargin : -Infinity,
    estimator,
  };
}

/** The setting a point stands for: SDK decision options and the offers taken out. */
export function settingOf(
  dims: readonly Dimension[],
  point: readonly number[],
  offers: ReadonlyMap<string, Offer>,
): { decisions: DecisionConfig; remove: string[]; values: Record<string, number | string> } {
  const decisions: Record<string, unknown> = {};
  const remove: string[] = [];
  const values: Record<string, number | string> = {};
  dims.forEach((d, i) => {
    const v = d.values[point[i]!]!;
    values[d.name] = v;
    if (d.name.startsWith('discount.')) {
      const category = d.name.slice('discount.'.length);
      const same = [...offers.values()].filter((o) => o.category === category);
      if (!same.some((o) => o.discount?.percent === v))
        throw new Error(
          `${d.name}: no ${category} offer at ${v}% in the catalog (the logs cannot evaluate a depth never shown)`,
        );
      for (const o of same) if (o.discount?.percent !== v) remove.push(o.id);
    } else decisions[d.name] = v;
  });
  return { decisions: decisions as DecisionConfig, remove, values };
}

export interface CampaignEstimate {
  net: number;
  revenue: number;
  discount: number;
  /** The objective: net minus the constraint penalty. */
  objective: number;
  feasible: boolean;
}

/**
 * The objective of settings on logged samples: one pass per setting computes the candidate
 * policy's weights and direct-model terms for the three rewards at once.
 */
export function campaignObjective(
  samples: Record<'net' | 'revenue' | 'discount', LoggedSample[]>,
  offers: ReadonlyMap<string, Offer>,
  space: Space,
): (policy: PolicySpec) => CampaignEstimate {
  const base = samples.net;
  const rewards = (['net', 'revenue', 'discount'] as const).map((k) =>
    samples[k].map((s) => s.reward),
  );
  const models: DirectModel[] | undefined =
    space.estimator === 'dr'
      ? rewards.map((r) =>
          directModel(
            base,
            base.map((s) => s.decision.candidates),
            r,
          ),
        )
      : undefined;
  return (policy) => {
    const sum = [0, 0, 0];
    let sw = 0;
    base.forEach((s, i) => {
      const pi = decisionOdds(policy, s.decision, offers);
      const w = pi[s.shown]! / s.propensity;
      sw += w;
      for (let k = 0; k < 3; k++) {
        if (models) {
          let dm = 0;
          pi.forEach((p, c) => {
            if (p > 0) dm += p * models[k]!(i, c);
          });
          sum[k]! += dm + w * (rewards[k]![i]! - models[k]!(i, s.shown));
        } else sum[k]! += w * rewards[k]![i]!;
      }
    });
    const norm = space.estimator === 'snips' ? sw : base.length;
    const [net, revenue, discount] = sum.map((x) => (norm > 0 ? x / norm : 0)) as [
      number,
      number,
      number,
    ];
    return penalise(net, revenue, discount, space);
  };
}

/**
 * The same objective computed exactly from a simulation's ground truth (`--oracle true`): what
 * the search would find with perfect knowledge, to judge the settings found from the logs.
 */
export function truthObjective(
  samples: readonly LoggedSample[],
  offers: ReadonlyMap<string, Offer>,
  space: Space,
  perDecision: Record<string, Record<string, TrueOutcome>>,
): (policy: PolicySpec) => CampaignEstimate {
  return (policy) => {
    let net = 0;
    let revenue = 0;
    let discount = 0;
    for (const s of samples) {
      const truth = perDecision[s.decision.decisionId]!;
      const pi = decisionOdds(policy, s.decision, offers);
      pi.forEach((p, c) => {
        if (p === 0) return;
        const t = truth[s.decision.candidates[c]!.offerId]!;
        net += p * t.net;
        revenue += p * t.revenue;
        discount += p * t.discount;
      });
    }
    const n = Math.max(1, samples.length);
    return penalise(net / n, revenue / n, discount / n, space);
  };
}

function penalise(net: number, revenue: number, discount: number, space: Space): CampaignEstimate {
  const overBudget = Math.max(0, discount - space.maxDiscountPerDecision);
  const underMargin = revenue > 0 ? Math.max(0, space.minMargin - net / revenue) * revenue : 0;
  const violation = overBudget + underMargin;
  return { net, revenue, discount, objective: net - 10 * violation, feasible: violation === 0 };
}

function policyOf(setting: ReturnType<typeof settingOf>): PolicySpec {
  return parsePolicy({ decisions: setting.decisions, remove: setting.remove });
}
/** One row of the comparison on the synthetic objectives: each method's share of the optimum. */
export interface ComparisonRow {
  objective: 'quadratic' | 'rastrigin';
  budget: number;
  /** Per method: mean and worst share of the optimum over the seeds, and seeds that reached it. */
  methods: Record<Method, { mean: number; min: number; optimumHits: number }>;
}

/** GA, SA, PSO and random search on the synthetic objectives, over `seeds` seeds per budget. */
export function compareMethods(budgets: readonly number[], seeds: number): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const name of ['quadratic', 'rastrigin'] as const) {
    const s = synthetic(name);
    for (const budget of budgets) {
      const methods = {} as ComparisonRow['methods'];
      for (const method of ['ga', 'sa', 'pso', 'random'] as const) {
        const r = Array.from(
          { length: seeds },
          (_, i) => search(method, s.dims, s.f, { budget, seed: i + 1 }).bestValue / s.optimum,
        );
        methods[method] = {
          mean: r.reduce((a, b) => a + b, 0) / r.length,
          min: Math.min(...r),
          optimumHits: r.filter((x) => x > 1 - 1e-9).length,
        };
      }
      rows.push({ objective: name, budget, methods });
    }
  }
  return rows;
}

/** The comparison as a markdown table (the README's). */
export function comparisonTable(rows: readonly ComparisonRow[], seeds: number): string {
  const lines = [
    '| objective | budget | GA mean (min) | SA mean (min) | PSO mean (min) | random mean (min) | exact optimum found GA / SA / PSO / random |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const methods = [row.methods.ga, row.methods.sa, row.methods.pso, row.methods.random];
    const cells = methods.map(
      (m) => `${(100 * m.mean).toFixed(2)}% (${(100 * m.min).toFixed(2)}%)`,
    );
    const hits = methods.map((m) => `${m.optimumHits}/${seeds}`).join(' / ');
    lines.push(`| ${row.objective} | ${row.budget} | ${cells.join(' | ')} | ${hits} |`);
  }
  return lines.join('\n');
}

export interface SearchOptions {
  method: Method;
  budget: number;
  seed: number;
  /** A simulation's per-decision truth: the true value of the best setting is reported too. */
  perDecision?: Record<string, Record<string, TrueOutcome>> | undefined;
  /** Search on the truth itself (needs `perDecision`): what perfect knowledge would find. */
  oracle?: boolean;
}

/** What a search on a decisions side file found: the best setting as a catalog patch. */
export interface SettingsSearch {
  evaluations: number;
  bestValue: number;
  trace: TracePoint[];
  seconds: number;
  decisions: number;
  best: Record<string, number | string>;
  /** The mean logged net, revenue and discount per decision (the logging policy's own value). */
  logged: { net: number; revenue: number; discount: number };
  patch: {
    format: 'offerwise-catalog-patch';
    version: 1;
    catalog: { removeOffers: string[] };
    decisions: DecisionConfig;
    settings: Record<string, number | string>;
    estimate: CampaignEstimate & {
      incrementalOverLogging: number;
      snips95: [number, number];
      ess: number;
      warnings: string[];
    };
    truth?: Record<string, number>;
  };
}

/** Searches `space` on logs with a decisions side file (a simulation's). */
export function searchSettings(
  logs: RunLogs & { decisions: NonNullable<RunLogs['decisions']> },
  space: Space,
  options: SearchOptions,
): SettingsSearch {
  const { method, budget, seed, perDecision } = options;
  const samples = {
    net: joinLogs(logs.batches, logs.decisions, logs.orders, 'net').samples,
    revenue: joinLogs(logs.batches, logs.decisions, logs.orders, 'revenue').samples,
    discount: joinLogs(logs.batches, logs.decisions, logs.orders, 'discount').samples,
  };
  if (options.oracle && !perDecision) throw new Error('--oracle true needs --truth <truth.json>');
  const objective =
    options.oracle && perDecision
      ? truthObjective(samples.net, logs.offers, space, perDecision)
      : campaignObjective(samples, logs.offers, space);
  const f = (point: readonly number[]) =>
    objective(policyOf(settingOf(space.dims, point, logs.offers))).objective;
  const started = performance.now();
  const result = search(method, space.dims, f, { budget, seed });
  const seconds = (performance.now() - started) / 1000;
  const setting = settingOf(space.dims, result.best, logs.offers);
  const policy = policyOf(setting);
  const estimate = objective(policy);
  const interval = evaluatePolicy(samples.net, policy, logs.offers, { bootstrap: 500, seed });
  const mean = (k: 'net' | 'revenue' | 'discount') =>
    samples[k].reduce((a, x) => a + x.reward, 0) / Math.max(1, samples[k].length);
  const logged = { net: mean('net'), revenue: mean('revenue'), discount: mean('discount') };
  let truth: Record<string, number> | undefined;
  if (perDecision) {
    const tv = (p: PolicySpec, r: Reward) => trueValue(samples.net, p, logs.offers, perDecision, r);
    truth = {
      net: tv(policy, 'net'),
      discount: tv(policy, 'discount'),
      revenue: tv(policy, 'revenue'),
      loggingNet: tv(parsePolicy({}), 'net'),
    };
  }
  return {
    evaluations: result.evaluations,
    bestValue: result.bestValue,
    trace: result.trace,
    seconds,
    decisions: samples.net.length,
    best: setting.values,
    logged,
    patch: {
      format: 'offerwise-catalog-patch',
      version: 1,
      catalog: { removeOffers: setting.remove },
      decisions: setting.decisions,
      settings: setting.values,
      estimate: {
        ...estimate,
        incrementalOverLogging: estimate.net - logged.net,
        snips95: [interval.snips.low, interval.snips.high],
        ess: interval.ess,
        warnings: interval.warnings,
      },
      ...(truth ? { truth } : {}),
    },
  };
}

/** One catalog policy as the reported odds value it. */
export interface ReportedCandidate {
  id: string;
  decisions: number;
  net: number;
  revenue: number;
  discount: number;
  objective: number;
  feasible: boolean;
  snips95: [number, number];
  ess: number;
  warnings: string[];
}

/**
 * On a collector's logs (no decisions file) the search space is what the shop put in the
 * catalog: the candidate policies the device evaluated. Each is valued by SNIPS on the net value
 * per decision (and revenue and discount for the constraints of `space`, if given); the best
 * feasible one is proposed as the patch.
 */
export function chooseReported(
  logs: RunLogs,
  space: Space | undefined,
  seed: number,
): {
  candidates: ReportedCandidate[];
  patch: Record<string, unknown>;
  summary: Record<string, unknown>;
} {
  const joined = (['net', 'revenue', 'discount'] as const).map((r) =>
    joinPolicyLogs(logs.batches, logs.orders, r),
  );
  const ids = Object.keys(joined[0]!.policyIds);
  if (ids.length === 0) {
    throw new Error(
      'no candidate policies in these logs and no decisions.jsonl: name up to 4 candidate policies in the catalog ("policies"), or pass a simulation\'s --decisions',
    );
  }
  const rules = space ?? { maxDiscountPerDecision: Infinity, minMargin: -Infinity };
  const candidates = ids.map((id): ReportedCandidate => {
    const [net, revenue, discount] = joined.map((j) =>
      evaluateReported(j.samples, id, { bootstrap: 500, seed }),
    ) as [ReportedOpeResult, ReportedOpeResult, ReportedOpeResult];
    const estimate = penalise(
      net.snips.value,
      revenue.snips.value,
      discount.snips.value,
      rules as Space,
    );
    return {
      id,
      decisions: net.n,
      net: estimate.net,
      revenue: estimate.revenue,
      discount: estimate.discount,
      objective: estimate.objective,
      feasible: estimate.feasible,
      snips95: [net.snips.low, net.snips.high],
      ess: net.ess,
      warnings: net.warnings,
    };
  });
  candidates.sort((a, b) => Number(b.feasible) - Number(a.feasible) || b.objective - a.objective);
  const best = candidates[0]!;
  const logged = joined[0]!.samples.reduce((a, x) => a + x.reward, 0) / joined[0]!.samples.length;
  const patch = {
    format: 'offerwise-catalog-patch',
    version: 1,
    policy: best.id,
    estimate: { ...best, incrementalOverLogging: best.net - logged },
  };
  return {
    candidates,
    patch,
    summary: {
      mode: 'catalog-policies',
      decisions: joined[0]!.samples.length,
      logged: { net: logged },
      best: best.id,
      candidates,
    },
  };
}
