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
import { parseHillstromFile, type HillstromRow } from '../lib/hillstrom.js';
import { DEFAULT_LOGISTIC, fitTwoModelLogistic } from './logistic.js';
import { DEFAULT_MLP, fitTwoHeadMlp } from './mlp.js';
import { DEFAULT_SVM, fitLinearSvm } from './svm.js';
import {
  DEFAULT_BOOSTED,
  DEFAULT_UPLIFT_FOREST,
  DEFAULT_UPLIFT_TREE,
  fitBoostedTLearner,
  fitUpliftForest,
  fitUpliftTree,
  predictTrees,
  type TreeFamily,
  type TreeModel,
} from './trees.js';
import { writeTreeModel } from './tree-onnx.js';
import { meanAndSd } from '../lib/stats.js';
import { exportLayers, predict, type Network, type Predictions } from './network.js';
import { writeUpliftNetwork } from './onnx-writer.js';
import { seededRandom } from '../../src/decide/random.js';
import { shuffle } from '../lib/random.js';

export type Family = Network['family'] | TreeFamily;
/** In order of size: a tie (see `choose`) goes to the earlier one. */
export const FAMILIES: readonly Family[] = [
  'two-model-logistic',
  'linear-svm',
  'uplift-tree',
  'two-head-mlp',
  'boosted-t-learner',
  'uplift-forest',
];

export interface TrainOptions {
  outcome: Outcome;
  seed: number;
  folds: number;
  /** The families to compare (default all, in `FAMILIES` order). */
  families?: readonly Family[];
  /**
   * Fit this family on every row without cross-validating (the result's `results` is empty): the
   * shipped model's bytes, reproduced in seconds once its family is known.
   */
  family?: Family;
}

type Report = Omit<EvaluationReport, 'outcome'>;

export interface FamilyResult {
  family: Family;
  /** Mean over folds. */
  mean: Report;
  /** Standard deviation over folds (n − 1). */
  sd: Report;
  folds: Report[];
  /** What selection compares: the mean of womens and mens Qini AUC. */
  selectionScore: number;
  /** The same per fold. */
  foldScores: number[];
  /** Bytes of the ONNX file of a fold's model (mean over folds). */
  bytes: number;
}

/** A fitted model: how training scores it and how it is written. */
export interface Fitted {
  predict(x: Float32Array): Predictions;
  write(spec: {
    metadata: Record<string, string>;
    producerName?: string;
    docString?: string;
  }): Uint8Array;
  hyperparameters: Record<string, unknown>;
  /** The network, for the families that are one. */
  network?: Network;
}

function networkModel(network: Network, hyperparameters: Record<string, unknown>): Fitted {
  return {
    predict: (x) => predict(network, x),
    write: (spec) =>
      writeUpliftNetwork({ featureCount: FEATURE_COUNT, layers: exportLayers(network), ...spec }),
    hyperparameters,
    network,
  };
}

function treeModel(model: TreeModel): Fitted {
  return {
    predict: (x) => predictTrees(model, x),
    write: (spec) => writeTreeModel(model, { featureCount: FEATURE_COUNT, ...spec }),
    hyperparameters: { ...model.options },
  };
}

/** Fits one family on the selected samples (fold models use seed + fold). */
export function fit(
  family: Family,
  samples: ReturnType<typeof buildSamples>,
  indices: number[],
  seed: number,
): Fitted {
  switch (family) {
    case 'two-model-logistic':
      return networkModel(
        fitTwoModelLogistic(samples.x, samples.treated, samples.y, indices, DEFAULT_LOGISTIC),
        { ...DEFAULT_LOGISTIC },
      );
    case 'linear-svm':
      return networkModel(
        fitLinearSvm(samples.x, samples.treated, samples.y, indices, {
          ...DEFAULT_SVM,
          seed,
          groups: samples.row,
        }),
        { ...DEFAULT_SVM, seed },
      );
    case 'two-head-mlp':
      return networkModel(
        fitTwoHeadMlp(samples.x, samples.treated, samples.y, indices, { ...DEFAULT_MLP, seed }),
        { ...DEFAULT_MLP, seed },
      );
    case 'uplift-tree':
      return treeModel(
        fitUpliftTree(samples.x, samples.treated, samples.y, indices, DEFAULT_UPLIFT_TREE),
      );
    case 'uplift-forest':
      return treeModel(
        fitUpliftForest(samples.x, samples.treated, samples.y, indices, {
          ...DEFAULT_UPLIFT_FOREST,
          seed,
        }),
      );
    case 'boosted-t-learner':
      return treeModel(
        fitBoostedTLearner(samples.x, samples.treated, samples.y, indices, {
          ...DEFAULT_BOOSTED,
          seed,
        }),
      );
  }
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

function scoresOf(model: Fitted, features: Record<OfferCategory, Float32Array>): ScoresByCategory {
  return { mens: model.predict(features.mens), womens: model.predict(features.womens) };
}

function subset(x: Float32Array, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * FEATURE_COUNT);
  rows.forEach((r, k) =>
    out.set(x.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT), k * FEATURE_COUNT),
  );
  return out;
}

/** Every metric's mean, or its standard deviation, over the folds. */
function summarize(reports: Report[], which: 'mean' | 'sd'): Report {
  const stat = (values: number[]) => meanAndSd(values)[which];
  const arm = (key: 'womens' | 'mens' | 'any' | 'best'): ArmMetrics => {
    const out = { n: 0, ate: 0, qini_auc: 0, uplift_auc: 0, uplift_at_30: 0 };
    for (const m of Object.keys(out) as (keyof ArmMetrics)[])
      out[m] = stat(reports.map((r) => r[key][m]));
    return out;
  };
  return {
    womens: arm('womens'),
    mens: arm('mens'),
    any: arm('any'),
    best: arm('best'),
    auc_visit: stat(reports.map((r) => r.auc_visit)),
  };
}

/**
 * The one-standard-error rule (Breiman et al., CART): the family with the best mean selection
 * score sets the bar; a family whose mean falls short of it by no more than the standard error of
 * their paired fold differences ties with it, and of the ties the smallest file wins (then the
 * earlier in `FAMILIES`). So a bigger model ships only when it is better outside the fold noise.
 * Returns the results with the chosen one first, the others by score.
 */
export function choose(results: readonly FamilyResult[]): FamilyResult[] {
  const best = results.reduce((a, b) => (b.selectionScore > a.selectionScore ? b : a));
  const ties = (r: FamilyResult) => {
    const { mean, sd } = meanAndSd(r.foldScores.map((s, i) => best.foldScores[i]! - s));
    return mean <= sd / Math.sqrt(r.foldScores.length);
  };
  const rank = (a: FamilyResult) => FAMILIES.indexOf(a.family);
  const chosen = results.filter(ties).sort((a, b) => a.bytes - b.bytes || rank(a) - rank(b))[0]!;
  const others = results
    .filter((r) => r !== chosen)
    .sort((a, b) => b.selectionScore - a.selectionScore || rank(a) - rank(b));
  return [chosen, ...others];
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
  for (const family of options.families ?? FAMILIES) {
    const reports: Report[] = [];
    let bytes = 0;
    for (let k = 0; k < options.folds; k++) {
      const train: number[] = [];
      for (let s = 0; s < samples.count; s++) if (fold[samples.row[s]!] !== k) train.push(s);
      const held: number[] = [];
      rows.forEach((_, i) => fold[i] === k && held.push(i));
      const model = fit(family, samples, train, options.seed + k);
      bytes += model.write({ metadata: {} }).length / options.folds;
      const heldFeatures = {
        mens: subset(features.mens, held),
        womens: subset(features.womens, held),
      };
      const { outcome: _outcome, ...report } = evaluateScores(
        held.map((i) => rows[i]!),
        scoresOf(model, heldFeatures),
        options.outcome,
      );
      reports.push(report);
      log(
        `${family} fold ${k + 1}/${options.folds}: qini womens ${report.womens.qini_auc.toFixed(4)} mens ${report.mens.qini_auc.toFixed(4)}`,
      );
    }
    const mean = summarize(reports, 'mean');
    results.push({
      family,
      mean,
      sd: summarize(reports, 'sd'),
      folds: reports,
      selectionScore: (mean.womens.qini_auc + mean.mens.qini_auc) / 2,
      foldScores: reports.map((r) => (r.womens.qini_auc + r.mens.qini_auc) / 2),
      bytes: Math.round(bytes),
    });
  }
  return choose(results);
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
  const rows = parseHillstromFile(text, dataName);
  const results = options.family ? [] : crossValidate(rows, options, log);
  const chosen = { family: options.family ?? results[0]!.family };
  if (results[0])
    log(`chosen: ${chosen.family} (mean Qini womens/mens ${results[0].selectionScore.toFixed(4)})`);
  const samples = buildSamples(rows, options.outcome);
  const all = Array.from({ length: samples.count }, (_, i) => i);
  const model = fit(chosen.family, samples, all, options.seed);
  const trainingSha = sha256(text);
  // The baseline's coefficients ship too: the SDK's fallback scorer when the model cannot run
  // (the model itself when the baseline was chosen).
  const [linear] = exportLayers(
    chosen.family === 'two-model-logistic'
      ? model.network!
      : fitTwoModelLogistic(samples.x, samples.treated, samples.y, all, DEFAULT_LOGISTIC),
  );
  const onnxMetadata: Record<string, string> = {
    feature_spec_version: String(FEATURE_SPEC_VERSION),
    feature_names: FEATURE_NAMES.join(','),
    outcome: options.outcome,
    family: chosen.family,
    seed: String(options.seed),
    training_sha256: trainingSha,
  };
  const onnx = model.write({
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
    hyperparameters: model.hyperparameters,
    inputs: [{ name: 'features', type: 'float32', shape: ['N', FEATURE_COUNT] }],
    outputs: [
      { name: 'p_treated', type: 'float32', shape: ['N'], meaning: 'P(outcome | offer shown)' },
      { name: 'p_control', type: 'float32', shape: ['N'], meaning: 'P(outcome | not shown)' },
      { name: 'uplift', type: 'float32', shape: ['N'], meaning: 'p_treated − p_control' },
    ],
    crossValidation: {
      folds: options.folds,
      stratifiedBy: 'arm × outcome, by row',
      selection:
        'mean of womens and mens Qini AUC; within one standard error of the best (paired folds), the smallest file',
      families: rounded(
        results.map(({ family, mean, sd, selectionScore, bytes }) => ({
          family,
          selectionScore,
          bytes,
          mean,
          sd,
        })),
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
