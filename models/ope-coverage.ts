/**
 * `npx tsx models/ope-coverage.ts [--seeds 100] [--shoppers 1000] [--days 7] [--bootstrap 500]
 *   [--data ../shared/data/hillstrom-train.csv]`
 *
 * Validation of off-policy evaluation against the simulator: for each seed, simulates traffic
 * (fallback scorer), estimates several candidate policies from the logs and checks whether the
 * exact true value lies inside each estimator's bootstrap 95% interval. Prints a markdown table:
 * coverage, mean interval width and mean error, per policy, reward and estimator.
 */
import { basename } from 'node:path';
import { parseArgs } from './args.js';
import { loadCatalog, parsePolicy, type Reward } from './campaign.js';
import { readHillstrom } from './hillstrom.js';
import { evaluatePolicy, joinLogs, trueValue } from './ope.js';
import { simulate, TRUTH_POLICIES } from './simulate.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), {
    seeds: { default: '100', integer: true },
    shoppers: { default: '1000', integer: true },
    days: { default: '7', integer: true },
    bootstrap: { default: '500', integer: true },
    data: { default: '../shared/data/hillstrom-train.csv' },
  });
  const rows = readHillstrom(args.data);
  const names = ['uniform', 'biggest_discount', 'greedy', 'warm', 'revenue'];
  const rewards: Reward[] = ['claim', 'net'];
  const stats = new Map<
    string,
    { hit: number; width: number; error: number; ess: number; n: number }
  >();
  let decisions = 0;
  const seeds = Number(args.seeds);
  for (let seed = 1; seed <= seeds; seed++) {
    const sim = await simulate({
      rows,
      shoppers: Number(args.shoppers),
      days: Number(args.days),
      seed,
      features: false,
    });
    const offers = new Map(loadCatalog(sim.catalog).offers.map((o) => [o.id, o]));
    for (const reward of rewards) {
      const { samples } = joinLogs(sim.batches, sim.decisions, sim.orders, reward);
      if (reward === 'claim') decisions += samples.length;
      for (const name of names) {
        const policy = parsePolicy(TRUTH_POLICIES[name]);
        const truth = trueValue(samples, policy, offers, sim.truth.perDecision, reward);
        const r = evaluatePolicy(samples, policy, offers, {
          bootstrap: Number(args.bootstrap),
          seed,
        });
        for (const k of ['ips', 'snips', 'dr'] as const) {
          const key = `${name}\t${reward}\t${k}`;
          const s = stats.get(key) ?? { hit: 0, width: 0, error: 0, ess: 0, n: 0 };
          s.hit += r[k].low <= truth && truth <= r[k].high ? 1 : 0;
          s.width += r[k].high - r[k].low;
          s.error += Math.abs(r[k].value - truth);
          s.ess += r.essShare;
          s.n++;
          stats.set(key, s);
        }
      }
    }
  }
  console.log(
    `${seeds} seeds × ${args.shoppers} shoppers × ${args.days} days (${Math.round(decisions / seeds)} personalized decisions per run on average), bootstrap ${args.bootstrap}\n`,
  );
  console.log(
    '| policy | reward | ESS share | IPS coverage | SNIPS coverage | DR coverage | mean 95% width IPS / SNIPS / DR |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const name of names)
    for (const reward of rewards) {
      const get = (k: string) => stats.get(`${name}\t${reward}\t${k}`)!;
      const pct = (k: string) => `${((100 * get(k).hit) / get(k).n).toFixed(0)}%`;
      const width = (k: string) => (get(k).width / get(k).n).toPrecision(3);
      console.log(
        `| ${name} | ${reward} | ${((100 * get('ips').ess) / get('ips').n).toFixed(0)}% | ${pct('ips')} | ${pct('snips')} | ${pct('dr')} | ${width('ips')} / ${width('snips')} / ${width('dr')} |`,
      );
    }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(`ope-coverage: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
