/**
 * `npx tsx models/ope-coverage.ts [--seeds 100] [--shoppers 1000] [--days 7] [--bootstrap 500]
 *   [--offers standard|wide] [--data ../shared/data/hillstrom-train.csv]`
 *
 * Validation of off-policy evaluation against the simulator: for each seed, simulates traffic
 * (fallback scorer), estimates several candidate policies from the logs and checks whether the
 * exact true value lies inside each estimator's bootstrap 95% interval. Two sources per policy:
 * - `exact`: the simulation's `decisions.jsonl` (every candidate with the model's outputs, which
 *   the SDK never sends): the odds of the candidate policy recomputed exactly (IPS, SNIPS, DR);
 * - `reported`: only what the SDK sends, the catalog policies' odds of the shown offer rounded at
 *   random to whole points on the device (IPS, SNIPS).
 * Prints a markdown table: coverage, mean interval width and mean signed error (bias) per policy,
 * reward, source and estimator; the last line is one JSON object with the same numbers.
 */
import { basename } from 'node:path';
import { parseArgs } from './args.js';
import { loadCatalog, parsePolicy, type Reward } from './campaign.js';
import { readHillstrom } from './hillstrom.js';
import { evaluatePolicy, evaluateReported, joinLogs, joinPolicyLogs, trueValue } from './ope.js';
import { simulate, TRUTH_POLICIES } from './simulate.js';

interface Cell {
  hit: number;
  width: number;
  error: number;
  absError: number;
  ess: number;
  n: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), {
    seeds: { default: '100', integer: true },
    shoppers: { default: '1000', integer: true },
    days: { default: '7', integer: true },
    bootstrap: { default: '500', integer: true },
    offers: { default: 'standard', choices: ['standard', 'wide'] },
    data: { default: '../shared/data/hillstrom-train.csv' },
  });
  const rows = readHillstrom(args.data);
  const names = ['uniform', 'biggest_discount', 'greedy', 'warm', 'revenue'];
  const rewards: Reward[] = ['claim', 'net'];
  const stats = new Map<string, Cell>();
  const add = (
    key: string,
    low: number,
    high: number,
    value: number,
    truth: number,
    ess: number,
  ) => {
    const s = stats.get(key) ?? { hit: 0, width: 0, error: 0, absError: 0, ess: 0, n: 0 };
    s.hit += low <= truth && truth <= high ? 1 : 0;
    s.width += high - low;
    s.error += value - truth;
    s.absError += Math.abs(value - truth);
    s.ess += ess;
    s.n++;
    stats.set(key, s);
  };
  let decisions = 0;
  const seeds = Number(args.seeds);
  const started = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const sim = await simulate({
      rows,
      shoppers: Number(args.shoppers),
      days: Number(args.days),
      seed,
      features: false,
      offers: args.offers as 'standard' | 'wide',
    });
    const catalog = loadCatalog(sim.catalog);
    const offers = new Map(catalog.offers.map((o) => [o.id, o]));
    const reportedIds = new Set(catalog.policies?.map((p) => p.id));
    for (const reward of rewards) {
      const { samples } = joinLogs(sim.batches, sim.decisions, sim.orders, reward);
      const reported = joinPolicyLogs(sim.batches, sim.orders, reward);
      if (reward === 'claim') decisions += samples.length;
      for (const name of names) {
        const policy = parsePolicy(TRUTH_POLICIES[name]);
        const truth = trueValue(samples, policy, offers, sim.truth.perDecision, reward);
        const r = evaluatePolicy(samples, policy, offers, {
          bootstrap: Number(args.bootstrap),
          seed,
        });
        for (const k of ['ips', 'snips', 'dr'] as const)
          add(
            `${name}\t${reward}\texact\t${k}`,
            r[k].low,
            r[k].high,
            r[k].value,
            truth,
            r.essShare,
          );
        if (!reportedIds.has(name)) continue;
        const q = evaluateReported(reported.samples, name, {
          bootstrap: Number(args.bootstrap),
          seed,
        });
        for (const k of ['ips', 'snips'] as const)
          add(
            `${name}\t${reward}\treported\t${k}`,
            q[k].low,
            q[k].high,
            q[k].value,
            truth,
            q.essShare,
          );
      }
    }
    process.stderr.write(`\rope-coverage: seed ${seed}/${seeds}`);
  }
  process.stderr.write('\n');
  console.log(
    `${seeds} seeds × ${args.shoppers} shoppers × ${args.days} days, ${args.offers} catalog (${Math.round(decisions / seeds)} personalized decisions per run on average), bootstrap ${args.bootstrap}\n`,
  );
  console.log(
    '| policy | reward | source | ESS share | IPS coverage | SNIPS coverage | DR coverage | mean 95% width IPS / SNIPS | mean error (bias) IPS / SNIPS |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const table: Record<string, unknown>[] = [];
  for (const name of names)
    for (const reward of rewards)
      for (const source of ['exact', 'reported'] as const) {
        const get = (k: string) => stats.get(`${name}\t${reward}\t${source}\t${k}`);
        if (!get('ips')) continue;
        const pct = (k: string) => {
          const c = get(k);
          return c ? `${((100 * c.hit) / c.n).toFixed(0)}%` : '—';
        };
        const width = (k: string) => (get(k)!.width / get(k)!.n).toPrecision(3);
        const bias = (k: string) => (get(k)!.error / get(k)!.n).toExponential(1);
        console.log(
          `| ${name} | ${reward} | ${source} | ${((100 * get('ips')!.ess) / get('ips')!.n).toFixed(0)}% | ${pct('ips')} | ${pct('snips')} | ${pct('dr')} | ${width('ips')} / ${width('snips')} | ${bias('ips')} / ${bias('snips')} |`,
        );
        table.push({
          policy: name,
          reward,
          source,
          coverage: Object.fromEntries(
            ['ips', 'snips', 'dr'].filter((k) => get(k)).map((k) => [k, get(k)!.hit / get(k)!.n]),
          ),
          bias: Object.fromEntries(['ips', 'snips'].map((k) => [k, get(k)!.error / get(k)!.n])),
          meanAbsError: Object.fromEntries(
            ['ips', 'snips'].map((k) => [k, get(k)!.absError / get(k)!.n]),
          ),
        });
      }
  console.log(
    JSON.stringify({
      seeds,
      shoppers: Number(args.shoppers),
      days: Number(args.days),
      offers: args.offers,
      seconds: Math.round((performance.now() - started) / 1000),
      table,
    }),
  );
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(`ope-coverage: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
