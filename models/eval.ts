/**
 * `npm run eval -- --data <hillstrom-format csv> [--model models/default.onnx] [--outcome visit]`
 *
 * Scores every row through ONNX Runtime (the `onnxruntime-web/wasm` build the browser runs) with
 * the exported model, never the trainer's weights, and prints one JSON object: for womens vs
 * none, mens vs none and any vs none, `n`, `ate`, `qini_auc`, `uplift_auc`, `uplift_at_30`, plus
 * `auc_visit` of the response heads.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FEATURE_COUNT, FEATURE_SPEC_VERSION } from '../src/features/spec.js';
import { parseArgs } from './args.js';
import { rowFeatures, type Outcome } from './dataset.js';
import { evaluate, type EvaluationReport } from './evaluate.js';
import { parseHillstrom } from './hillstrom.js';
import { readModelMetadata } from './onnx-writer.js';
import { createScorer } from './ort-node.js';

export async function evaluateModel(
  modelBytes: Uint8Array,
  csv: string,
  outcome: Outcome,
): Promise<EvaluationReport> {
  const metadata = readModelMetadata(modelBytes);
  if (metadata.feature_spec_version !== String(FEATURE_SPEC_VERSION)) {
    throw new Error(
      `model feature_spec_version: got ${JSON.stringify(metadata.feature_spec_version)}, expected "${FEATURE_SPEC_VERSION}" (retrain with npm run train)`,
    );
  }
  const rows = parseHillstrom(csv);
  const scorer = await createScorer(modelBytes);
  try {
    const mens = await scorer.score(rowFeatures(rows, 'mens'), FEATURE_COUNT);
    const womens = await scorer.score(rowFeatures(rows, 'womens'), FEATURE_COUNT);
    return evaluate(rows, { mens, womens }, outcome);
  } finally {
    await scorer.release();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), {
    data: { required: true },
    model: { default: 'models/default.onnx' },
    outcome: { default: 'visit', choices: ['visit', 'conversion'] },
  });
  const bytes = new Uint8Array(readFileSync(args.model));
  const report = await evaluateModel(
    bytes,
    readFileSync(args.data, 'utf8'),
    args.outcome as Outcome,
  );
  console.log(JSON.stringify({ model: args.model, data: basename(args.data), ...report }));
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    console.error(`eval: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
