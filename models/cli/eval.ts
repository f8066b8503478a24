/**
 * `npm run eval -- --data <hillstrom-format csv> [--model models/default.onnx] [--outcome visit]`
 *
 * Scores every row with the exported model through ONNX Runtime (models/uplift/evaluate-model.ts)
 * and prints one JSON object: for womens vs none, mens vs none and any vs none, `n`, `ate`,
 * `qini_auc`, `uplift_auc`, `uplift_at_30`, plus `auc_visit` of the response heads.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from '../lib/args.js';
import { runCli } from '../lib/cli.js';
import { evaluateModel } from '../uplift/evaluate-model.js';

export async function main(argv: readonly string[]) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a Hillstrom-format CSV file' },
    model: { default: 'models/default.onnx' },
    outcome: { default: 'visit', choices: ['visit', 'conversion'] },
  });
  const bytes = new Uint8Array(readFileSync(args.model));
  const report = await evaluateModel(bytes, readFileSync(args.data, 'utf8'), args.outcome);
  return { model: args.model, data: basename(args.data), ...report };
}

await runCli('eval', import.meta.url, main);
