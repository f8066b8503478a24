/**
 * `npm run simulate -- --out <dir> [--shoppers 1000] [--days 7] [--seed 1]
 *   [--data ../shared/data/hillstrom-train.csv, else data/…] [--scorer model|fallback]
 *   [--model models/default.onnx] [--visit-rate 0.4] [--logging <decisions config json>]
 *   [--world models/campaign/worlds/hillstrom.json]`
 *
 * `--world` names a `hillstrom` world file (docs/learning.md): the truth's coefficients and the
 * campaign; without it, today's (the same as `worlds/hillstrom.json`, byte for byte). Browsing
 * worlds run in `npm run loop`.
 * Simulated traffic through the SDK's real decision code (models/campaign/simulator.ts): writes
 * feedback.jsonl, orders.jsonl, decisions.jsonl, catalog.json and truth.json into `--out`.
 */
import type { DecisionConfig } from '../../src/config.js';
import { scorerOf, simulate, writeSimulation } from '../campaign/simulator.js';
import { readWorld, type HillstromWorld } from '../campaign/world-file.js';
import { fileFlag, jsonFlag, numberFlag, parseArgs } from '../lib/args.js';
import { DATA_HINT, realDataFile } from '../lib/paths.js';
import { runCli } from '../lib/cli.js';
import { readHillstrom } from '../lib/hillstrom.js';

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export async function main(argv: readonly string[]) {
  const args = parseArgs(argv, {
    shoppers: { default: '1000', integer: true },
    days: { default: '7', integer: true },
    seed: { default: '1', integer: true },
    out: { required: true, expected: 'the directory to write the logs to' },
    data: { default: realDataFile('hillstrom-train.csv') },
    scorer: { default: 'model', choices: ['model', 'fallback'] },
    model: { default: 'models/default.onnx' },
    'visit-rate': { default: '0.4' },
    logging: {},
    world: {},
  });
  let world: HillstromWorld | undefined;
  if (args.world !== undefined) {
    const read = readWorld(args.world);
    if (read.kind !== 'hillstrom') {
      throw new Error(
        `--world ${args.world}: got a "${read.kind}" world, expected a "hillstrom" world (browsing worlds run in npm run loop)`,
      );
    }
    world = read;
  }
  const visitRate = numberFlag('visit-rate', args['visit-rate'], {
    min: 0,
    max: 1,
    aboveMin: true,
  });
  const days = numberFlag('days', args.days, { min: 1, max: 3650, integer: true });
  let logging: DecisionConfig | undefined;
  if (args.logging !== undefined) {
    // Either a whole SDK config (its `decisions` are the policy) or the decisions object alone.
    const raw = jsonFlag('logging', args.logging, (json) => json as { decisions?: DecisionConfig });
    logging = raw.decisions ?? (raw as DecisionConfig);
  }
  const { score, release } = await scorerOf(args.scorer as 'model' | 'fallback', args.model);
  const started = performance.now();
  const sim = await simulate({
    rows: readHillstrom(fileFlag('data', args.data, DATA_HINT)),
    shoppers: Number(args.shoppers),
    days,
    seed: Number(args.seed),
    visitRate,
    score,
    ...(logging ? { logging } : {}),
    ...(world ? { response: world.response, offers: world.offers } : {}),
  }).finally(release);
  writeSimulation(sim, args.out);
  return {
    out: args.out,
    shoppers: sim.truth.shoppers,
    decisions: sim.truth.decisions,
    personalized: sim.truth.personalized,
    holdout: sim.truth.holdout,
    events: sim.batches.reduce((n, b) => n + b.events.length, 0),
    orders: sim.orders.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    truth: Object.fromEntries(
      Object.entries(sim.truth.policies).map(([k, v]) => [
        k,
        { claim: round(v.value.claim, 5), net: round(v.value.net, 4) },
      ]),
    ),
  };
}

await runCli('simulate', import.meta.url, main);
