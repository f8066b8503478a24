import { FEATURE_SPEC_VERSION } from '../../src/features/spec.js';
import { meanAndSd } from '../lib/stats.js';
import type { FamilyResult, TrainOptions, TrainResult } from './training.js';

const f4 = (n: number) => n.toFixed(4);

const pm = (mean: number, sd: number) => `${f4(mean)} ± ${f4(sd)}`;

function row(result: FamilyResult, chosen: boolean): string {
  const m = result.mean;
  const s = result.sd;
  return `| ${result.family}${chosen ? ' (chosen)' : ''} | ${result.bytes} | ${pm(result.selectionScore, meanAndSd(result.foldScores).sd)} | ${pm(m.womens.qini_auc, s.womens.qini_auc)} | ${pm(m.mens.qini_auc, s.mens.qini_auc)} | ${pm(m.any.qini_auc, s.any.qini_auc)} | ${pm(m.womens.uplift_auc, s.womens.uplift_auc)} | ${pm(m.womens.uplift_at_30, s.womens.uplift_at_30)} | ${pm(m.any.uplift_at_30, s.any.uplift_at_30)} | ${pm(m.auc_visit, s.auc_visit)} |`;
}

/**
 * The text of `models/REPORT.md` (the model card: how the shipped model was trained, how it
 * scored, how to reproduce it). No timestamps, so it is reproducible too.
 */
export function renderModelReport(
  result: TrainResult,
  options: TrainOptions,
  onnxFile: string,
  dataFile: string,
): string {
  const meta = result.metadata as {
    modelBytes: number;
    modelSha256: string;
    family: string;
    training: { sha256: string; rows: number; samples: number };
  };
  const chosen = result.results[0]!;
  const foldRows = chosen.folds
    .map(
      (f, i) =>
        `| ${i + 1} | ${f4(f.womens.qini_auc)} | ${f4(f.mens.qini_auc)} | ${f4(f.any.qini_auc)} | ${f4(f.womens.uplift_at_30)} | ${f4(f.auc_visit)} |`,
    )
    .join('\n');
  return `# The default offer model

\`${onnxFile}\` (${meta.modelBytes} bytes, SHA-256 \`${meta.modelSha256}\`) predicts, for a shopper
and an offer, the probability of the outcome (\`${options.outcome}\`) if the offer is shown
(\`p_treated\`) and if it is not (\`p_control\`), and their difference (\`uplift\`). Feature spec
version ${FEATURE_SPEC_VERSION}.

## Data

\`${dataFile}\` (SHA-256 \`${meta.training.sha256}\`): ${meta.training.rows} rows of the Hillstrom
e-mail experiment, randomised between a men's e-mail, a women's e-mail and none. Each row becomes a
profile snapshot and a coupon of its e-mail's category through the SDK's own feature builder
(\`src/features/spec.ts\`; the mapping is in \`models/uplift/dataset.ts\`). A row that got no e-mail is a
control sample for both categories, so there are ${meta.training.samples} samples.

## Models compared

- **two-model-logistic** (baseline): two L2-regularised logistic regressions (Newton's method),
  one on treated samples, one on control samples.
- **linear-svm** (the seed's SVM): per arm a class-balanced L2 linear SVM (hinge loss, dual
  coordinate descent), its scores calibrated by Platt scaling fitted on out-of-fold scores.
- **uplift-tree**: one uplift tree (Rzepakowski–Jaroszewicz Euclidean-divergence splits on ≤ 32
  quantile bins, depth ≤ 3, ≥ 200 treated and 200 control samples per leaf), leaves holding the
  smoothed treated and control rates.
- **two-head-mlp**: one shared ReLU layer and two logistic heads (treated, control); each sample
  trains the head of its own arm (Adam, mini-batches, L2, fixed epochs, seeded).
- **boosted-t-learner**: per arm a gradient-boosted classifier (log-loss, Newton leaves, depth-2
  trees, 150 rounds, learning rate 0.05, subsampled rows).
- **uplift-forest**: 100 uplift trees (depth ≤ 4) on half-size subsamples drawn without
  replacement, half the features as candidates at each split; the mean of the leaves' rates.

The networks and the SVM are exported as \`Gemm\` layers on standardized features; the trees as
one \`ai.onnx.ml\` \`TreeEnsembleRegressor\` (opset 1), which ONNX Runtime Web's wasm build runs. A
feature that is constant in the data (browsing affinity, cart, offer terms — the campaign data has
none) gets weight 0 in a linear layer and no split in a tree, so it cannot move the scores at
serving.

## Cross-validation (${options.folds} folds, stratified by arm × outcome, inside the training file)

Mean ± standard deviation over the folds. Selection score: the mean of womens and mens Qini AUC.
Choice: the one-standard-error rule — every family whose score is within one standard error of
the paired fold differences from the best family's ties with it, and of the ties the smallest
file (bytes: a fold model's ONNX file) ships.

| family | bytes | selection score | Qini womens | Qini mens | Qini any | uplift AUC womens | uplift@30 womens | uplift@30 any | AUC ${options.outcome} |
|---|---|---|---|---|---|---|---|---|---|
${result.results.map((r) => row(r, r === chosen)).join('\n')}

Folds of the chosen model (${chosen.family}):

| fold | Qini womens | Qini mens | Qini any | uplift@30 womens | AUC ${options.outcome} |
|---|---|---|---|---|---|
${foldRows}

Metric definitions are scikit-uplift's (\`qini_auc_score\`, \`uplift_auc_score\`, \`uplift_at_k\`
with \`strategy='overall'\`, \`k=0.3\`), reimplemented in \`models/uplift/metrics.ts\`. For "any", a row's
uplift is that of its better offer.

## Reproduce

\`\`\`sh
npm run train -- --data ../shared/data/${dataFile} --out models/default --outcome ${options.outcome} --seed ${options.seed} --folds ${options.folds}
npm run eval -- --data ../shared/data/${dataFile} --model models/default.onnx
\`\`\`

Training is deterministic: the same file and seed give the same bytes (\`sha256sum models/default.onnx\`).
`;
}
