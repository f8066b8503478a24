/**
 * `npm run ope -- --feedback <files…> --policy <catalog policy id | policy json file>
 *   [--decisions <file>] [--orders <file>] [--catalog <file>]
 *   [--reward claim|click|order|revenue|discount|net] [--model <onnx>] [--bootstrap 500]
 *   [--seed 1] [--truth <truth.json>]`
 *
 * Off-policy evaluation of a candidate policy on logged traffic (models/campaign/ope.ts). Prints
 * one JSON object with the IPS and SNIPS estimates of the mean reward per decision (and DR where
 * the logs allow it), their bootstrap 95% intervals, the effective sample size and warnings.
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
import { readFileSync } from 'node:fs';
import { policySource } from '../campaign/logged-samples.js';
import { readLogs, readTruth } from '../campaign/logs.js';
import { evaluatePolicy, evaluateReported, rescore, trueValue } from '../campaign/ope.js';
import { REWARDS } from '../campaign/truth.js';
import { parseArgs } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';

export async function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(
    argv,
    {
      feedback: { required: true, list: true, expected: 'JSONL files of feedback batches' },
      policy: { required: true, expected: 'a catalog policy id or a policy JSON file' },
      decisions: {},
      orders: {},
      catalog: {},
      reward: { default: 'claim', choices: REWARDS },
      model: {},
      bootstrap: { default: '500', integer: true },
      seed: { default: '1', integer: true },
      truth: {},
    },
    { warn: log },
  );
  const reward = args.reward;
  const logs = readLogs(args);
  for (const w of logs.warnings) log(`ope: warning: ${w}`);
  const source = policySource(args.policy, logs, reward);
  const options = { bootstrap: Number(args.bootstrap), seed: Number(args.seed) };
  const about = (joined: { events: number; duplicates: number }) => ({
    feedback: args.feedback,
    policy: args.policy,
    source: source.kind,
    reward,
    events: joined.events,
    duplicates: joined.duplicates,
  });
  if (source.kind === 'reported') {
    if (args.model)
      throw new Error('--model needs decisions.jsonl (features); these logs have none');
    const result = evaluateReported(source.joined.samples, source.id, options);
    for (const w of result.warnings) log(`ope: warning: ${w}`);
    return { ...about(source.joined), excluded: source.joined.excluded, ...result };
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
    ? trueValue(joined.samples, policy, logs.offers, readTruth(args.truth), reward, predictions)
    : undefined;
  for (const w of result.warnings) log(`ope: warning: ${w}`);
  return {
    ...about(joined),
    excluded: { ...joined.excluded, offer_not_in_catalog: logs.offerNotInCatalog },
    ...result,
    ...(truth !== undefined ? { truth } : {}),
  };
}

await runCli('ope', import.meta.url, main);
