/**
 * The men's-arm study of issue 21: uplift learners the literature suggests when effects are small
 * and flat, compared by the trainer's own cross-validation (the folds of `stratifiedFolds`, the
 * metrics of `evaluateScores`). For the comparison only: none of these ships.
 *
 * Per-arm methods fit each e-mail against no e-mail on its own: the rows of that e-mail and the
 * control rows, with the features of an offer of that category (`rowFeatures`). The pooled
 * baseline instead fits one treated model for both e-mails, so a category can only shift it
 * through the few category-dependent features.
 */
import { FEATURE_COUNT } from '../../src/features/spec.js';
import type { HillstromRow } from '../lib/hillstrom.js';
import {
  buildSamples,
  OFFER_CATEGORIES,
  rowFeatures,
  type OfferCategory,
  type Outcome,
} from './dataset.js';
import { evaluateScores } from './evaluation.js';
import { DEFAULT_LOGISTIC, fitGlm, fitLogistic, fitTwoModelLogistic } from './logistic.js';
import {
  fitStandardizer,
  predict,
  sigmoid,
  standardizeRow,
  type Network,
  type Predictions,
  type Standardizer,
} from './network.js';
import { DEFAULT_SVM, fitLinearSvm } from './svm.js';
import { stratifiedFolds } from './training.js';
import { meanAndSd } from '../lib/stats.js';

/** Scores raw feature rows `[N, F]`. */
export type Predictor = (x: Float32Array) => Predictions;

/** A linear model over the standardized features: `weights` per feature (0 where inactive). */
interface LinearModel {
  standardizer: Standardizer;
  weights: Float64Array;
  bias: number;
}

function linearScores(model: LinearModel, x: Float32Array): Float64Array {
  const n = x.length / FEATURE_COUNT;
  const out = new Float64Array(n);
  const row = new Float64Array(FEATURE_COUNT);
  for (let i = 0; i < n; i++) {
    standardizeRow(x, i, model.standardizer, row);
    let z = model.bias;
    for (let j = 0; j < FEATURE_COUNT; j++) z += model.weights[j]! * row[j]!;
    out[i] = z;
  }
  return out;
}

/**
 * `fitGlm` with sample weights, which class transformation needs to balance the arms; 'identity'
 * takes one Newton step (exact for ridge regression).
 */
export function fitWeightedGlm(
  x: Float32Array,
  target: ArrayLike<number>,
  sampleWeight: ArrayLike<number>,
  indices: readonly number[],
  standardizer: Standardizer,
  link: 'logit' | 'identity',
  l2 = DEFAULT_LOGISTIC.l2,
): LinearModel {
  const iterations = link === 'logit' ? DEFAULT_LOGISTIC.iterations : 1;
  const fit = fitGlm(x, target, sampleWeight, indices, standardizer, link, l2, iterations);
  return { standardizer, ...fit };
}

function split(treated: Uint8Array, indices: readonly number[]): [number[], number[]] {
  const t: number[] = [];
  const c: number[] = [];
  for (const i of indices) (treated[i] ? t : c).push(i);
  return [t, c];
}

function outcomeModel(
  x: Float32Array,
  y: Uint8Array,
  indices: readonly number[],
  standardizer: Standardizer,
): LinearModel {
  return { standardizer, ...fitLogistic(x, y, indices, standardizer, DEFAULT_LOGISTIC) };
}

/**
 * Class transformation (Jaskowski & Jaroszewicz 2012): Z = 1 for treated responders and control
 * non-responders. With the arms weighted to equal shares (treated 1/(2p), control 1/(2(1 − p)),
 * p the treated share), P(Z = 1 | x) = (1 + uplift(x))/2, so one logistic on Z gives
 * uplift = 2·P(Z = 1) − 1. It yields no response probabilities: `pControl` comes from a logistic
 * on the control samples and `pTreated` = `pControl` + uplift.
 */
export function fitClassTransformation(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: readonly number[],
  l2 = DEFAULT_LOGISTIC.l2,
): Predictor {
  const standardizer = fitStandardizer(x, indices);
  const [t, c] = split(treated, indices);
  const share = t.length / indices.length;
  const z = indices.map((i) => (treated[i] ? y[i]! : 1 - y[i]!));
  const weights = indices.map((i) => (treated[i] ? 0.5 / share : 0.5 / (1 - share)));
  const transformed = fitWeightedGlm(x, z, weights, indices, standardizer, 'logit', l2);
  const control = outcomeModel(x, y, c, standardizer);
  return (rows) => {
    const zLogit = linearScores(transformed, rows);
    const cLogit = linearScores(control, rows);
    const n = zLogit.length;
    const out = {
      pTreated: new Float64Array(n),
      pControl: new Float64Array(n),
      uplift: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      out.uplift[i] = 2 * sigmoid(zLogit[i]!) - 1;
      out.pControl[i] = sigmoid(cLogit[i]!);
      out.pTreated[i] = out.pControl[i]! + out.uplift[i]!;
    }
    return out;
  };
}

/**
 * The X-learner (Künzel, Sekhon, Bickel & Yu 2019): logistic outcome models μ₁, μ₀ per arm;
 * imputed effects D₁ = y − μ₀(x) on treated samples and D₀ = μ₁(x) − y on control samples; a
 * ridge regression τ₁ on D₁ and τ₀ on D₀; uplift = g·τ₀ + (1 − g)·τ₁, g the propensity. The
 * experiment is randomised, so g is the treated share of the training samples (a fitted
 * propensity would only add noise around it). `pControl` = μ₀(x), `pTreated` = `pControl` + uplift.
 */
export function fitXLearner(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: readonly number[],
  l2 = DEFAULT_LOGISTIC.l2,
): Predictor {
  const standardizer = fitStandardizer(x, indices);
  const [t, c] = split(treated, indices);
  const g = t.length / indices.length;
  const mu1 = outcomeModel(x, y, t, standardizer);
  const mu0 = outcomeModel(x, y, c, standardizer);
  const imputed = (arm: number[], model: LinearModel, sign: 1 | -1) => {
    const logits = linearScores(model, gather(x, arm));
    return arm.map((i, k) => sign * (y[i]! - sigmoid(logits[k]!)));
  };
  const ones = (n: number) => new Float64Array(n).fill(1);
  const tau1 = fitWeightedGlm(
    x,
    imputed(t, mu0, 1),
    ones(t.length),
    t,
    standardizer,
    'identity',
    l2,
  );
  const tau0 = fitWeightedGlm(
    x,
    imputed(c, mu1, -1),
    ones(c.length),
    c,
    standardizer,
    'identity',
    l2,
  );
  return (rows) => {
    const e1 = linearScores(tau1, rows);
    const e0 = linearScores(tau0, rows);
    const base = linearScores(mu0, rows);
    const n = base.length;
    const out = {
      pTreated: new Float64Array(n),
      pControl: new Float64Array(n),
      uplift: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      out.uplift[i] = g * e0[i]! + (1 - g) * e1[i]!;
      out.pControl[i] = sigmoid(base[i]!);
      out.pTreated[i] = out.pControl[i]! + out.uplift[i]!;
    }
    return out;
  };
}

/** The selected samples' feature rows, `[k, F]`. */
function gather(x: Float32Array, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * FEATURE_COUNT);
  indices.forEach((i, k) =>
    out.set(x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), k * FEATURE_COUNT),
  );
  return out;
}

const fromNetwork =
  (network: Network): Predictor =>
  (rows) =>
    predict(network, rows);

/** The methods the study compares. */
export const STUDY_METHODS = [
  'two-model-logistic',
  'linear-svm',
  'per-arm-logistic',
  'per-arm-svm',
  'class-transformation',
  'x-learner',
] as const;
export type StudyMethod = (typeof STUDY_METHODS)[number];

/** Qini AUC of one held-out fold per comparison. */
export interface FoldQini {
  womens: number;
  mens: number;
  any: number;
}

export interface StudyResult {
  method: StudyMethod;
  folds: FoldQini[];
}

export interface StudyOptions {
  outcome: Outcome;
  seed: number;
  folds: number;
  /** L2 penalty of the effect models (class transformation's logistic, the X-learner's τ). */
  effectL2?: number;
}

type PooledFit = (
  samples: ReturnType<typeof buildSamples>,
  train: number[],
  seed: number,
) => Predictor;
type ArmFit = (
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  train: number[],
  seed: number,
  effectL2: number,
) => Predictor;

const POOLED: Partial<Record<StudyMethod, PooledFit>> = {
  'two-model-logistic': (s, train) =>
    fromNetwork(fitTwoModelLogistic(s.x, s.treated, s.y, train, DEFAULT_LOGISTIC)),
  'linear-svm': (s, train, seed) =>
    fromNetwork(fitLinearSvm(s.x, s.treated, s.y, train, { ...DEFAULT_SVM, seed, groups: s.row })),
};

const PER_ARM: Partial<Record<StudyMethod, ArmFit>> = {
  'per-arm-logistic': (x, t, y, train) =>
    fromNetwork(fitTwoModelLogistic(x, t, y, train, DEFAULT_LOGISTIC)),
  'per-arm-svm': (x, t, y, train, seed) =>
    fromNetwork(fitLinearSvm(x, t, y, train, { ...DEFAULT_SVM, seed })),
  'class-transformation': (x, t, y, train, _seed, l2) => fitClassTransformation(x, t, y, train, l2),
  'x-learner': (x, t, y, train, _seed, l2) => fitXLearner(x, t, y, train, l2),
};

/**
 * Cross-validates the methods on the trainer's folds (`stratifiedFolds` with the same seed, fold
 * k fitted with seed + k as `crossValidate` does) and returns each fold's Qini AUC for womens,
 * mens and any e-mail against none.
 */
export function compareUpliftMethods(
  rows: readonly HillstromRow[],
  options: StudyOptions,
  methods: readonly StudyMethod[] = STUDY_METHODS,
  log: (line: string) => void = () => undefined,
): StudyResult[] {
  const samples = buildSamples(rows, options.outcome);
  const fold = stratifiedFolds(rows, options.outcome, options.folds, options.seed);
  const features = { mens: rowFeatures(rows, 'mens'), womens: rowFeatures(rows, 'womens') };
  const y = Uint8Array.from(rows, (r) => r[options.outcome]);
  const treatedBy = Object.fromEntries(
    OFFER_CATEGORIES.map((c) => [c, Uint8Array.from(rows, (r) => (r.arm === c ? 1 : 0))]),
  ) as Record<OfferCategory, Uint8Array>;
  const results: StudyResult[] = methods.map((method) => ({ method, folds: [] }));
  for (let k = 0; k < options.folds; k++) {
    const held: number[] = [];
    rows.forEach((_, i) => fold[i] === k && held.push(i));
    const heldRows = held.map((i) => rows[i]!);
    const heldFeatures = {
      mens: gather(features.mens, held),
      womens: gather(features.womens, held),
    };
    const pooledTrain: number[] = [];
    for (let s = 0; s < samples.count; s++) if (fold[samples.row[s]!] !== k) pooledTrain.push(s);
    const armTrain = Object.fromEntries(
      OFFER_CATEGORIES.map((c) => [
        c,
        rows.flatMap((r, i) => (fold[i] !== k && (r.arm === c || r.arm === 'none') ? [i] : [])),
      ]),
    ) as Record<OfferCategory, number[]>;
    const seed = options.seed + k;
    methods.forEach((method, m) => {
      const pooled = POOLED[method];
      const scores = {} as Record<OfferCategory, Predictions>;
      if (pooled) {
        const predictor = pooled(samples, pooledTrain, seed);
        for (const c of OFFER_CATEGORIES) scores[c] = predictor(heldFeatures[c]);
      } else {
        const fit = PER_ARM[method]!;
        for (const c of OFFER_CATEGORIES)
          scores[c] = fit(
            features[c],
            treatedBy[c],
            y,
            armTrain[c],
            seed,
            options.effectL2 ?? DEFAULT_LOGISTIC.l2,
          )(heldFeatures[c]);
      }
      const report = evaluateScores(heldRows, scores, options.outcome);
      const qini = {
        womens: report.womens.qini_auc,
        mens: report.mens.qini_auc,
        any: report.any.qini_auc,
      };
      results[m]!.folds.push(qini);
      log(
        `${method} fold ${k + 1}/${options.folds}: qini womens ${qini.womens.toFixed(4)} mens ${qini.mens.toFixed(4)} any ${qini.any.toFixed(4)}`,
      );
    });
  }
  return results;
}

/**
 * The study as a Markdown table: mean ± fold sd of Qini AUC per comparison, and the mean ± sd of
 * each method's per-fold difference from the first method's (paired: the folds are shared, so
 * the fold-to-fold spread that every method sees cancels).
 */
export function studyTable(results: readonly StudyResult[]): string {
  const cell = (values: number[]) => {
    const { mean, sd } = meanAndSd(values);
    return `${mean.toFixed(4)} ± ${sd.toFixed(4)}`;
  };
  const arms = ['womens', 'mens', 'any'] as const;
  const reference = results[0];
  const lines = [
    `| method | Qini womens | Qini mens | Qini any | ${arms.map((arm) => `Δ ${arm} vs ${reference?.method ?? '—'}`).join(' | ')} |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const levels = arms.map((arm) => cell(r.folds.map((f) => f[arm])));
    const deltas = arms.map((arm) =>
      r === reference ? '—' : cell(r.folds.map((f, k) => f[arm] - reference!.folds[k]![arm])),
    );
    lines.push(`| ${r.method} | ${[...levels, ...deltas].join(' | ')} |`);
  }
  return lines.join('\n');
}
