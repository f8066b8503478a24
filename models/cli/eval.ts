/**
 * `npm run eval -- --data <hillstrom-format csv> [--model models/default.onnx] [--outcome visit]
 *   [--effects <effects.json> [--segments models/default-segments.json | none]]`
 *
 * Scores every row with the exported model through ONNX Runtime (models/uplift/evaluate-model.ts)
 * and prints one JSON object: for womens vs none, mens vs none, any vs none and best vs none
 * (the rows that got the e-mail their scores call best), `n`, `ate`,
 * `qini_auc`, `uplift_auc`, `uplift_at_30`, plus `auc_visit` of the response heads. With
 * `--effects`, the uplifts ranked are those of a decision with the learned effects applied
 * (`npm run learn -- --hillstrom`), the rows placed in the groups of `--segments`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { validateEffects } from '../../src/learning/effects.js';
import { basename } from 'node:path';
import { parseArgs } from '../lib/args.js';
import { readHillstrom } from '../lib/hillstrom.js';
import { runCli } from '../lib/cli.js';
import { DEFAULT_SEGMENTS, readSegments } from '../learning/io.js';
import { evaluateModel, type LearnedScoring } from '../uplift/evaluate-model.js';

export async function main(argv: readonly string[]) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a Hillstrom-format CSV file' },
    model: { default: 'models/default.onnx' },
    outcome: { default: 'visit', choices: ['visit', 'conversion'] },
    effects: {},
    segments: { default: DEFAULT_SEGMENTS },
  });
  const bytes = new Uint8Array(readFileSync(args.model));
  let learned: LearnedScoring | undefined;
  if (args.effects !== undefined) {
    if (!existsSync(args.effects)) throw new Error(`--effects ${args.effects}: not found`);
    let effects;
    try {
      effects = validateEffects(JSON.parse(readFileSync(args.effects, 'utf8')));
    } catch (error) {
      throw new Error(
        `--effects ${args.effects}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const segments = args.segments === 'none' ? undefined : readSegments(args.segments);
    // The SDK would fall back to the pooled values (with a diagnostic); scoring the rows so
    // without saying it would report a Qini of groups that were never applied.
    if (
      segments &&
      effects.segments_sha256 !== null &&
      effects.segments_sha256 !== segments.sha256
    ) {
      throw new Error(
        `--effects ${args.effects}: learned on segments ${effects.segments_sha256.slice(0, 12)}…, but --segments ${args.segments} is ${segments.sha256.slice(0, 12)}…: pass the file it was learned with, or --segments none for its pooled values`,
      );
    }
    learned = { effects, segments };
  }
  const report = await evaluateModel(bytes, readHillstrom(args.data), args.outcome, learned);
  return {
    model: args.model,
    data: basename(args.data),
    ...(args.effects !== undefined ? { effects: args.effects } : {}),
    ...report,
  };
}

await runCli('eval', import.meta.url, main);
