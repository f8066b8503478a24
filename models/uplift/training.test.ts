import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { FEATURE_COUNT, FEATURE_SPEC_VERSION } from '../../src/features/spec.js';
import { parseHillstrom } from '../lib/hillstrom.js';
import { MODELS_DIR, SHARED_DATA_DIR } from '../lib/paths.js';
import { buildSamples, rowFeatures } from './dataset.js';
import { evaluateModel } from './evaluate-model.js';
import { fallbackModule } from './fallback-module.js';
import { fitTwoHeadMlp, DEFAULT_MLP } from './mlp.js';
import { exportLayers, predict } from './network.js';
import { writeUpliftNetwork } from './onnx-writer.js';
import { createScorer } from './onnx-scorer.js';
import {
  choose,
  sha256,
  stratifiedFolds,
  train,
  type Family,
  type FamilyResult,
} from './training.js';

const REAL = join(SHARED_DATA_DIR, 'hillstrom-train.csv');

/**
 * A Hillstrom-format file with a planted effect: the women's e-mail lifts visits from 10% to 60%
 * for women's buyers who shop on the web, and does nothing for anyone else; the men's e-mail
 * does nothing. A model that learnt the effect ranks those shoppers first.
 */
function syntheticCsv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const lines = [
    'row_id,recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend',
  ];
  const arms = ['Mens E-Mail', 'Womens E-Mail', 'No E-Mail'];
  for (let i = 0; i < rows; i++) {
    const womens = random() < 0.5 ? 1 : 0;
    const channel = random() < 0.5 ? 'Web' : 'Phone';
    const arm = arms[i % 3]!;
    const responsive = womens === 1 && channel === 'Web' && arm === 'Womens E-Mail';
    const visit = random() < (responsive ? 0.6 : 0.1) ? 1 : 0;
    const recency = 1 + Math.floor(random() * 12);
    const history = (30 + random() * 500).toFixed(2);
    lines.push(
      `${i},${recency},"1) $0 - $100",${history},${1 - womens},${womens},Urban,${random() < 0.5 ? 1 : 0},${channel},${arm},${visit},0,0`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('training', () => {
  const csv = syntheticCsv(3000, 7);
  const options = { outcome: 'visit' as const, seed: 3, folds: 3 };

  it('is deterministic: the same data and seed give the same bytes', () => {
    const first = train(csv, 'synthetic.csv', options);
    const second = train(csv, 'synthetic.csv', options);
    expect(Buffer.from(second.onnx).equals(Buffer.from(first.onnx))).toBe(true);
    expect(second.metadata).toEqual(first.metadata);
    expect(first.metadata.modelSha256).toBe(sha256(first.onnx));
    const third = train(csv, 'synthetic.csv', {
      ...options,
      seed: 4,
      family: first.metadata.family as Family,
    });
    expect(Buffer.from(third.onnx).equals(Buffer.from(first.onnx))).toBe(false);
  }, 20_000);

  it('finds a planted effect, and ONNX Runtime scores the export as the trainer does', async () => {
    const result = train(csv, 'synthetic.csv', options);
    const chosen = result.results[0]!;
    // The planted lift is 0.5 on a sixth of the women's-arm rows: any sensible model ranks it well.
    expect(chosen.mean.womens.qini_auc).toBeGreaterThan(0.3);
    expect(Math.abs(chosen.mean.mens.ate)).toBeLessThan(0.05);
    const report = await evaluateModel(result.onnx, parseHillstrom(csv), 'visit');
    expect(report.womens.n).toBe(2000);
    expect(report.womens.qini_auc).toBeGreaterThan(0.3);
    expect(report.auc_visit).toBeGreaterThan(0.6);

    // The exported graph (standardization folded, float32) matches the float64 network.
    const rows = parseHillstrom(csv);
    const samples = buildSamples(rows, 'visit');
    const all = Array.from({ length: samples.count }, (_, i) => i);
    const network = fitTwoHeadMlp(samples.x, samples.treated, samples.y, all, {
      ...DEFAULT_MLP,
      epochs: 1,
      seed: 9,
    });
    const onnx = writeUpliftNetwork({
      featureCount: FEATURE_COUNT,
      layers: exportLayers(network),
      metadata: {},
    });
    const scorer = await createScorer(onnx);
    const x = rowFeatures(rows.slice(0, 200), 'womens');
    const fromOrt = await scorer.score(x, FEATURE_COUNT);
    const fromTrainer = predict(network, x);
    await scorer.release();
    for (let i = 0; i < 200; i++) {
      expect(fromOrt.pTreated[i]).toBeCloseTo(fromTrainer.pTreated[i]!, 5);
      expect(fromOrt.uplift[i]).toBeCloseTo(fromTrainer.uplift[i]!, 5);
    }
  }, 20_000);

  it('refuses a model trained on another feature spec', async () => {
    const onnx = writeUpliftNetwork({
      featureCount: FEATURE_COUNT,
      layers: [
        {
          inputs: FEATURE_COUNT,
          outputs: 2,
          weights: new Float32Array(2 * FEATURE_COUNT),
          bias: new Float32Array(2),
          activation: 'none',
        },
      ],
      metadata: { feature_spec_version: String(FEATURE_SPEC_VERSION + 1) },
    });
    await expect(evaluateModel(onnx, parseHillstrom(csv), 'visit')).rejects.toThrow(
      `model feature_spec_version: got "${FEATURE_SPEC_VERSION + 1}", expected "${FEATURE_SPEC_VERSION}"`,
    );
  });

  it('chooses by the one-standard-error rule: a bigger model ships only outside the fold noise', () => {
    const result = (family: Family, bytes: number, foldScores: number[]) =>
      ({
        family,
        bytes,
        foldScores,
        selectionScore: foldScores.reduce((a, b) => a + b, 0) / foldScores.length,
      }) as FamilyResult;
    // MLP − logistic per fold: 0.03, 0.02, 0.04: mean 0.03, sd 0.01, SE 0.01/√3 = 0.0058 < 0.03.
    const clear = choose([
      result('two-model-logistic', 1000, [0.1, 0.12, 0.08]),
      result('two-head-mlp', 6000, [0.13, 0.14, 0.12]),
    ]);
    expect(clear.map((r) => r.family)).toEqual(['two-head-mlp', 'two-model-logistic']);
    // Differences 0.01, −0.01, 0.03: mean 0.01, sd 0.02, SE 0.0115 ≥ 0.01: a tie, the smaller file.
    const tie = choose([
      result('two-head-mlp', 6000, [0.13, 0.14, 0.12]),
      result('two-model-logistic', 1000, [0.12, 0.15, 0.09]),
      result('uplift-forest', 70000, [0.0, 0.01, 0.02]),
    ]);
    expect(tie.map((r) => r.family)).toEqual([
      'two-model-logistic',
      'two-head-mlp',
      'uplift-forest',
    ]);
    // Equal files among ties: the earlier family in FAMILIES.
    const same = choose([
      result('linear-svm', 1000, [0.12, 0.15, 0.09]),
      result('two-model-logistic', 1000, [0.12, 0.15, 0.09]),
    ]);
    expect(same[0]!.family).toBe('two-model-logistic');
  });

  it('spreads every arm × outcome stratum evenly over the folds', () => {
    const rows = parseHillstrom(csv);
    const fold = stratifiedFolds(rows, 'visit', 3, 1);
    const counts = new Map<string, number[]>();
    rows.forEach((row, i) => {
      const key = `${row.arm}:${row.visit}`;
      const list = counts.get(key) ?? [0, 0, 0];
      list[fold[i]!]! += 1;
      counts.set(key, list);
    });
    for (const list of counts.values())
      expect(Math.max(...list) - Math.min(...list)).toBeLessThanOrEqual(1);
  });
});

describe.skipIf(!existsSync(REAL))('the shipped model', () => {
  // The whole cross-validation of the six families takes ~35 s on 2 cores; it is checked by
  // `npm run train` itself (REPORT.md) and by `npm run reproduce`. Here: the family it chose,
  // refitted on every row, is the shipped file byte for byte, and the SDK's copies come from it.
  it('is reproduced byte for byte by npm run train from the same data, seed and family', () => {
    const shipped = readFileSync(join(MODELS_DIR, 'default.onnx'));
    const metadata = JSON.parse(readFileSync(join(MODELS_DIR, 'default.json'), 'utf8')) as {
      modelSha256: string;
      seed: number;
      outcome: 'visit';
      family: Family;
      crossValidation: { families: { family: Family }[] };
    };
    expect(metadata.crossValidation.families[0]!.family).toBe(metadata.family);
    const options = { outcome: metadata.outcome, seed: metadata.seed, folds: 5 };
    const result = train(readFileSync(REAL, 'utf8'), 'hillstrom-train.csv', {
      ...options,
      family: metadata.family,
    });
    expect(sha256(result.onnx)).toBe(metadata.modelSha256);
    expect(Buffer.from(result.onnx).equals(shipped)).toBe(true);
    expect(shipped.length).toBeLessThan(200 * 1024);
    // The SDK's built-in copy of the model and its fallback come from the same run.
    const fallback = readFileSync(join(MODELS_DIR, '../src/predictor/default-fallback.ts'), 'utf8');
    expect(fallback).toBe(fallbackModule(result.metadata, 'hillstrom-train.csv', result.onnx));
  }, 60_000);
});

if (!existsSync(REAL))
  console.warn(`${REAL} is absent: the shipped-model reproduction test is skipped`);
