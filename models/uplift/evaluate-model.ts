/**
 * Evaluates an exported model the way the browser runs it: every row scored through ONNX Runtime
 * (the `onnxruntime-web/wasm` build), never the trainer's weights; the metrics of
 * {@link evaluateScores} for womens vs none, mens vs none and any vs none, plus `auc_visit`.
 */
import { FEATURE_COUNT, FEATURE_SPEC_VERSION } from '../../src/features/spec.js';
import { rowFeatures, type Outcome } from './dataset.js';
import { evaluateScores, type EvaluationReport } from './evaluation.js';
import { parseHillstrom } from '../lib/hillstrom.js';
import { readModelMetadata } from './onnx-writer.js';
import { createScorer } from './onnx-scorer.js';

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
    return evaluateScores(rows, { mens, womens }, outcome);
  } finally {
    await scorer.release();
  }
}
