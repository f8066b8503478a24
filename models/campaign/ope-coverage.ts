/**
 * Validation of off-policy evaluation against the simulator (`npx tsx models/cli/ope-coverage.ts`):
 * for each seed, simulates traffic (fallback scorer), estimates several candidate policies from
 * the logs and checks whether the exact true value lies inside each estimator's bootstrap 95%
 * interval. Two sources per policy:
 * - `exact`: the simulation's `decisions.jsonl` (every candidate with the model's outputs, which
 *   the SDK never sends): the odds of the candidate policy recomputed exactly (IPS, SNIPS, DR);
 * - `reported`: only what the SDK sends, the catalog policies' odds of the shown offer rounded at
 *   random to whole points on the device (IPS, SNIPS).
 */
import type { HillstromRow } from '../lib/hillstrom.js';
import { joinLogs, joinPolicyLogs } from './logged-samples.js';
import { evaluatePolicy, evaluateReported, trueValue } from './ope.js';
import { parsePolicy } from './policy.js';
import { simulate, TRUTH_POLICIES } from './simulator.js';
import type { Reward } from './truth.js';
import { loadCatalog } from './world.js';

/** The candidate policies checked (of {@link TRUTH_POLICIES}) and the rewards. */
export const COVERAGE_POLICIES = ['uniform', 'biggest_discount', 'greedy', 'warm', 'revenue'];
export const COVERAGE_REWARDS: readonly Reward[] = ['claim', 'net'];

export interface CoverageOptions {
  seeds: number;
  shoppers: number;
  days: number;
  bootstrap: number;
  offers: 'standard' | 'wide';
}

/** One policy, reward and source over all seeds. */
export interface CoverageRow {
  policy: string;
  reward: Reward;
  source: 'exact' | 'reported';
  /** Mean effective sample size share of the importance weights. */
  essShare: number;
  /** Share of seeds whose 95% interval held the true value, per estimator. */
  coverage: Partial<Record<'ips' | 'snips' | 'dr', number>>;
  /** Mean width of the 95% interval. */
  width: Record<'ips' | 'snips', number>;
  /** Mean signed error (estimate − truth). */
  bias: Record<'ips' | 'snips', number>;
  meanAbsError: Record<'ips' | 'snips', number>;
}

interface Cell {
  hit: number;
  width: number;
  error: number;
  absError: number;
  ess: number;
  n: number;
}

export async function opeCoverage(
  rows: readonly HillstromRow[],
  options: CoverageOptions,
  progress: (seed: number) => void = () => undefined,
): Promise<{ decisionsPerRun: number; rows: CoverageRow[] }> {
  const stats = new Map<string, Cell>();
  const add = (
    key: string,
    interval: { low: number; high: number; value: number },
    truth: number,
    ess: number,
  ) => {
    const s = stats.get(key) ?? { hit: 0, width: 0, error: 0, absError: 0, ess: 0, n: 0 };
    s.hit += interval.low <= truth && truth <= interval.high ? 1 : 0;
    s.width += interval.high - interval.low;
    s.error += interval.value - truth;
    s.absError += Math.abs(interval.value - truth);
    s.ess += ess;
    s.n++;
    stats.set(key, s);
  };
  let decisions = 0;
  for (let seed = 1; seed <= options.seeds; seed++) {
    const sim = await simulate({
      rows,
      shoppers: options.shoppers,
      days: options.days,
      seed,
      features: false,
      offers: options.offers,
    });
    const catalog = loadCatalog(sim.catalog);
    const offers = new Map(catalog.offers.map((o) => [o.id, o]));
    const reportedIds = new Set(catalog.policies?.map((p) => p.id));
    for (const reward of COVERAGE_REWARDS) {
      const { samples } = joinLogs(sim.batches, sim.decisions, sim.orders, reward);
      const reported = joinPolicyLogs(sim.batches, sim.orders, reward);
      if (reward === 'claim') decisions += samples.length;
      for (const name of COVERAGE_POLICIES) {
        const policy = parsePolicy(TRUTH_POLICIES[name]);
        const truth = trueValue(samples, policy, offers, sim.truth.perDecision, reward);
        const r = evaluatePolicy(samples, policy, offers, { bootstrap: options.bootstrap, seed });
        for (const k of ['ips', 'snips', 'dr'] as const)
          add(`${name}\t${reward}\texact\t${k}`, r[k], truth, r.essShare);
        if (!reportedIds.has(name)) continue;
        const q = evaluateReported(reported.samples, name, { bootstrap: options.bootstrap, seed });
        for (const k of ['ips', 'snips'] as const)
          add(`${name}\t${reward}\treported\t${k}`, q[k], truth, q.essShare);
      }
    }
    progress(seed);
  }
  const table: CoverageRow[] = [];
  for (const policy of COVERAGE_POLICIES)
    for (const reward of COVERAGE_REWARDS)
      for (const source of ['exact', 'reported'] as const) {
        const get = (k: string) => stats.get(`${policy}\t${reward}\t${source}\t${k}`);
        const ips = get('ips');
        const snips = get('snips');
        if (!ips || !snips) continue;
        const dr = get('dr');
        table.push({
          policy,
          reward,
          source,
          essShare: ips.ess / ips.n,
          coverage: {
            ips: ips.hit / ips.n,
            snips: snips.hit / snips.n,
            ...(dr ? { dr: dr.hit / dr.n } : {}),
          },
          width: { ips: ips.width / ips.n, snips: snips.width / snips.n },
          bias: { ips: ips.error / ips.n, snips: snips.error / snips.n },
          meanAbsError: { ips: ips.absError / ips.n, snips: snips.absError / snips.n },
        });
      }
  return { decisionsPerRun: Math.round(decisions / options.seeds), rows: table };
}

/** The coverage table in markdown (the README's). */
export function coverageTable(rows: readonly CoverageRow[]): string {
  const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(0)}%`);
  return [
    '| policy | reward | source | ESS share | IPS coverage | SNIPS coverage | DR coverage | mean 95% width IPS / SNIPS | mean error (bias) IPS / SNIPS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.policy} | ${r.reward} | ${r.source} | ${(100 * r.essShare).toFixed(0)}% | ${pct(r.coverage.ips)} | ${pct(r.coverage.snips)} | ${pct(r.coverage.dr)} | ${r.width.ips.toPrecision(3)} / ${r.width.snips.toPrecision(3)} | ${r.bias.ips.toExponential(1)} / ${r.bias.snips.toExponential(1)} |`,
    ),
  ].join('\n');
}
