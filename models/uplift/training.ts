/**
 * The training pipeline of the offer model: a two-model logistic regression (baseline) and a
 * two-head neural network, compared by stratified cross-validation inside the file, the better
 * one refitted on all rows and exported to ONNX with its metadata. Deterministic: the same file
 * and seed give the same bytes. `npm run train` (models/cli/train.ts) writes the files.
 */
import { createHash } from 'node:crypto';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_VERSION } from '../../src/features/spec.js';
import { buildSamples, rowFeatures, type OfferCategory, type Outcome } from './dataset.js';
import {
  evaluateScores,
  type ArmMetrics,
  type EvaluationReport,
  type ScoresByCategory,
} from './evaluation.js';
import { parseHillstrom, type HillstromRow } from '../lib/hillstrom.js';
import { DEFAULT_LOGISTIC, fitTwoModelLogistic } from './logistic.js';
import { DEFAULT_MLP, fitTwoHeadMlp } from './mlp.js';
import { exportLayers, predict, type Network } from './network.js';
import { writeUpliftNetwork } from './onnx-writer.js';
import { seededRandom } from '../../src/decide/random.js';
import { shuffle } from '../lib/random.js';

export type Family = Network['family'];
export const FAMILIES: readonly Family[] = ['two-model-logistic', 'two-head-mlp'];

export interface TrainOptions {
  outcome: Outcome;
  seed: number;
  folds: number;
}

export interface FamilyResult {
  family: Family;
  /** Mean over folds. */
  mean: Omit<EvaluationReport, 'outcome'>;
  folds: Omit<EvaluationReport, 'outcome'>[];
  /** What selection compares: the mean of womens and mens Qini AUC. */
  selectionScore: number;
}

function fit(
  family: Family,
  samples: ReturnType<typeof buildSamples>,
  indices: number[],
  seed: number,
): Network {
  return family === 'two-model-logistic'
    ? fitTwoModelLogistic(samples.x, samples.treated, samples.y, indices, DEFAULT_LOGISTIC)
    : fitTwoHeadMlp(samples.x, samples.treated, samples.y, indices, { ...DEFAULT_MLP, seed });
}

/** Assigns rows to folds so that each (arm × outcome) stratum is spread evenly. */
export function stratifiedFolds(
  rows: readonly HillstromRow[],
  outcome: Outcome,
  folds: number,
  seed: number,
): Uint8Array {
  const random = seededRandom(seed ^ 0x5eed);
  const strata = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = `${row.arm}:${row[outcome]}`;
    const list = strata.get(key) ?? [];
    list.push(i);
    strata.set(key, list);
  });
  const fold = new Uint8Array(rows.length);
  let next = 0;
  for (const key of [...strata.keys()].sort()) {
    for (const i of shuffle(strata.get(key)!, random)) fold[i] = next++ % folds;
  }
  return fold;
}

function scoresOf(
  network: Network,
  features: Record<OfferCategory, Float32Array>,
): ScoresByCategory {
  return { mens: predict(network, features.mens), womens: predict(network, features.womens) };
}

function subset(x: Float32Array, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * FEATURE_COUNT);
  rows.forEach((r, k) =>
    out.set(x.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT), k * FEATURE_COUNT),
  );
  return out;
}

function meanOf(reports: Omit<EvaluationReport, 'outcome'>[]): Omit<EvaluationReport, 'outcome'> {
  const arm = (key: 'womens' | 'mens' | 'any'): ArmMetrics => {
    const out = { n: 0, ate: 0, qini_auc: 0, uplift_auc: 0, uplift_at_30: 0 };
    for (const r of reports)
      for (const m of Object.keys(out) as (keyof ArmMetrics)[])
        out[m] += r[key][m] / reports.length;
    return out;
  };
  return {
    womens: arm('womens'),
    mens: arm('mens'),
    any: arm('any'),
    auc_visit: reports.reduce((s, r) => s + r.auc_visit, 0) / reports.length,
  };
}

/** Cross-validates every family; returns them with the chosen one first. */
export function crossValidate(
  rows: readonly HillstromRow[],
  options: TrainOptions,
  log: (line: string) => void = () => undefined,
): FamilyResult[] {
  const samples = buildSamples(rows, options.outcome);
  const fold = stratifiedFolds(rows, options.outcome, options.folds, options.seed);
  const features = { mens: rowFeatures(rows, 'mens'), womens: rowFeatures(rows, 'womens') };
  const results: FamilyResult[] = [];
  for (const family of FAMILIES) {
    const reports: Omit<EvaluationReport, 'outcome'>[] = [];
    for (let k = 0; k < options.folds; k++) {
      const train: number[] = [];
      for (let s = 0; s < samples.count; s++) if (fold[samples.row[s]!] !== k) train.push(s);
      const held: number[] = [];
      rows.forEach((_, i) => fold[i] === k && held.push(i));
      const network = fit(family, samples, train, options.seed + k);
      const heldFeatures = {
        mens: subset(features.mens, held),
        womens: subset(features.womens, held),
      };
      const { outcome: _outcome, ...report } = evaluateScores(
        held.map((i) => rows[i]!),
        scoresOf(network, heldFeatures),
        options.outcome,
      );
      reports.push(report);
      log(
        `${family} fold ${k + 1}/${options.folds}: qini womens ${report.womens.qini_auc.toFixed(4)} mens ${report.mens.qini_auc.toFixed(4)}`,
      );
    }
    const mean = meanOf(reports);
    results.push({
      family,
      mean,
      folds: reports,
      selectionScore: (mean.womens.qini_auc + mean.mens.qini_auc) / 2,
    });
  }
  // Higher selection score first; the baseline wins ties (it is simpler).
  return results.sort(
    (a, b) =>
      b.selectionScore - a.selectionScore ||
      FAMILIES.indexOf(a.family) - FAMILIES.indexOf(b.family),
  );
}

function round(value: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function rounded<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? round(v) : v)),
  ) as T;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface TrainResult {
  onnx: Uint8Array;
  metadata: Record<string, unknown>;
  results: FamilyResult[];
}

/** The whole pipeline on a file's text. */
export function train(
  text: string,
  dataName: string,
  options: TrainOptions,
  log: (line: string) => void = () => undefined,
): TrainResult {
  const rows = parseHillstrom(text);
  const results = crossValidate(rows, options, log);
  const chosen = results[0]!;
  log(`chosen: ${chosen.family} (mean Qini womens/mens ${chosen.selectionScore.toFixed(4)})`);
  const samples = buildSamples(rows, options.outcome);
  const all = Array.from({ length: samples.count }, (_, i) => i);
  const network = fit(chosen.family, samples, all, options.seed);
  const trainingSha = sha256(text);
  // The baseline's coefficients ship too: the SDK's fallback scorer when the model cannot run.
  const baseline =
    chosen.family === 'two-model-logistic'
      ? network
      : fit('two-model-logistic', samples, all, options.seed);
  const [linear] = exportLayers(baseline);
  const onnxMetadata: Record<string, string> = {
    feature_spec_version: String(FEATURE_SPEC_VERSION),
    feature_names: FEATURE_NAMES.join(','),
    outcome: options.outcome,
    family: chosen.family,
    seed: String(options.seed),
    training_sha256: trainingSha,
  };
  const onnx = writeUpliftNetwork({
    featureCount: FEATURE_COUNT,
    layers: exportLayers(network),
    metadata: onnxMetadata,
    producerName: 'offerwise-train',
    docString: `offerwise uplift model (${chosen.family}) for outcome "${options.outcome}"`,
  });
  const metadata = {
    format: 'offerwise-model',
    featureSpecVersion: FEATURE_SPEC_VERSION,
    featureCount: FEATURE_COUNT,
    featureNames: [...FEATURE_NAMES],
    outcome: options.outcome,
    family: chosen.family,
    seed: options.seed,
    training: { file: dataName, sha256: trainingSha, rows: rows.length, samples: samples.count },
    hyperparameters:
      chosen.family === 'two-model-logistic'
        ? DEFAULT_LOGISTIC
        : { ...DEFAULT_MLP, seed: options.seed },
    inputs: [{ name: 'features', type: 'float32', shape: ['N', FEATURE_COUNT] }],
    outputs: [
      { name: 'p_treated', type: 'float32', shape: ['N'], meaning: 'P(outcome | offer shown)' },
      { name: 'p_control', type: 'float32', shape: ['N'], meaning: 'P(outcome | not shown)' },
      { name: 'uplift', type: 'float32', shape: ['N'], meaning: 'p_treated − p_control' },
    ],
    crossValidation: {
      folds: options.folds,
      stratifiedBy: 'arm × outcome, by row',
      selection: 'highest mean of womens and mens Qini AUC',
      families: rounded(
        results.map(({ family, mean, selectionScore }) => ({ family, selectionScore, mean })),
      ),
    },
    modelBytes: onnx.length,
    modelSha256: sha256(onnx),
    fallback: {
      family: 'two-model-logistic',
      weights: [
        Array.from(linear!.weights.subarray(0, FEATURE_COUNT)),
        Array.from(linear!.weights.subarray(FEATURE_COUNT)),
      ],
      bias: Array.from(linear!.bias),
    },
  };
  return { onnx, metadata, results };
}
