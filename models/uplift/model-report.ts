import { FEATURE_SPEC_VERSION } from '../../src/features/spec.js';
import type { FamilyResult, TrainOptions, TrainResult } from './training.js';

const f4 = (n: number) => n.toFixed(4);

function row(result: FamilyResult, chosen: boolean): string {
  const m = result.mean;
  return `| ${result.family}${chosen ? ' (chosen)' : ''} | ${f4(m.womens.qini_auc)} | ${f4(m.mens.qini_auc)} | ${f4(m.any.qini_auc)} | ${f4(m.womens.uplift_auc)} | ${f4(m.womens.uplift_at_30)} | ${f4(m.any.uplift_at_30)} | ${f4(m.auc_visit)} |`;
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
- **two-head-mlp**: one shared ReLU layer and two logistic heads (treated, control); each sample
  trains the head of its own arm (Adam, mini-batches, L2, fixed epochs, seeded).

Both see standardized features; a feature that is constant in the data (browsing affinity, cart,
offer terms — the campaign data has none) gets weight 0, so it cannot move the scores at serving.

## Cross-validation (${options.folds} folds, stratified by arm × outcome, inside the training file)

Mean over folds. Selection: the higher mean of womens and mens Qini AUC (the baseline wins ties).

| family | Qini womens | Qini mens | Qini any | uplift AUC womens | uplift@30 womens | uplift@30 any | AUC ${options.outcome} |
|---|---|---|---|---|---|---|---|
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
