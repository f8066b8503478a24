/**
 * Evaluates an exported model the way the browser runs it: every row scored through ONNX Runtime
 * (the `onnxruntime-web/wasm` build), never the trainer's weights; the metrics of
 * {@link evaluateScores} for womens vs none, mens vs none and any vs none, plus `auc_visit`.
 */
import { FEATURE_COUNT, FEATURE_SPEC_VERSION } from '../../src/features/spec.js';
import { rowFeatures, type Outcome } from './dataset.js';
import { evaluateScores, type EvaluationReport } from './evaluation.js';
import type { HillstromRow } from '../lib/hillstrom.js';
import { readModelMetadata } from './onnx-writer.js';
import { createScorer } from './onnx-scorer.js';
import type { Effects, Segments } from '../../src/learning/types.js';
import { learnedUplift } from '../learning/hillstrom.js';

/** Learned effects to score with (`npm run learn`), and the groups the rows are placed in. */
export interface LearnedScoring {
  effects: Effects;
  segments: (Segments & { sha256: string }) | undefined;
}

/**
 * With `learned`, each e-mail's uplift for a row is what a decision with those effects scores it
 * (the learned effect of the row's groups plus the model's part), as the decider would rank it.
 */
export async function evaluateModel(
  modelBytes: Uint8Array,
  rows: readonly HillstromRow[],
  outcome: Outcome,
  learned?: LearnedScoring,
): Promise<EvaluationReport> {
  const metadata = readModelMetadata(modelBytes);
  if (metadata.feature_spec_version !== String(FEATURE_SPEC_VERSION)) {
    throw new Error(
      `model feature_spec_version: got ${JSON.stringify(metadata.feature_spec_version)}, expected "${FEATURE_SPEC_VERSION}" (retrain with npm run train)`,
    );
  }
  const scorer = await createScorer(modelBytes);
  try {
    const mens = await scorer.score(rowFeatures(rows, 'mens'), FEATURE_COUNT);
    const womens = await scorer.score(rowFeatures(rows, 'womens'), FEATURE_COUNT);
    if (!learned) return evaluateScores(rows, { mens, womens }, outcome);
    const uplift = learnedUplift(rows, { mens, womens }, learned.effects, learned.segments);
    return evaluateScores(
      rows,
      { mens: { ...mens, uplift: uplift.mens }, womens: { ...womens, uplift: uplift.womens } },
      outcome,
    );
  } finally {
    await scorer.release();
  }
}
