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
import { readFileSync } from 'node:fs';
import { validateEffects } from '../../src/learning/effects.js';
import { basename } from 'node:path';
import { fileFlag, jsonFlag, parseArgs } from '../lib/args.js';
import { readHillstrom } from '../lib/hillstrom.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { DEFAULT_SEGMENTS, readSegments } from '../learning/io.js';
import { HILLSTROM_OFFER_IDS } from '../learning/hillstrom.js';
import { evaluateModel, type LearnedScoring } from '../uplift/evaluate-model.js';

export async function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(argv, {
    data: { required: true, expected: 'a Hillstrom-format CSV file' },
    model: { default: 'models/default.onnx' },
    outcome: { default: 'visit', choices: ['visit', 'conversion'] },
    effects: {},
    segments: { default: DEFAULT_SEGMENTS },
  });
  const data = fileFlag('data', args.data);
  const bytes = new Uint8Array(readFileSync(fileFlag('model', args.model)));
  let learned: LearnedScoring | undefined;
  if (args.effects !== undefined) {
    const effects = jsonFlag('effects', args.effects, validateEffects);
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
    if (segments && effects.k !== null && effects.k !== segments.centroids.length) {
      throw new Error(
        `--effects ${args.effects}: k ${effects.k}, but --segments ${args.segments} has ${segments.centroids.length} groups`,
      );
    }
    // Scored without its offers, every row would get the same two scores: a Qini of nothing.
    const ids = Object.values(HILLSTROM_OFFER_IDS);
    const known = ids.filter((id) => effects.offers[id] !== undefined);
    if (known.length === 0) {
      throw new Error(
        `--effects ${args.effects}: has no effect for ${ids.join(' or ')} (its offers: ${Object.keys(effects.offers).slice(0, 5).join(', ')}${Object.keys(effects.offers).length > 5 ? ', …' : ''}): learn one with npm run learn -- --hillstrom`,
      );
    }
    if (known.length < ids.length) {
      log(
        `eval: warning: --effects ${args.effects} has no effect for ${ids.filter((id) => !known.includes(id)).join(', ')}: it is scored as an offer the file does not know`,
      );
    }
    if (effects.valid_until < Date.now()) {
      log(
        `eval: warning: --effects ${args.effects} is past its valid_until (${new Date(effects.valid_until).toISOString()}): a device would ignore it`,
      );
    }
    learned = { effects, segments };
  }
  const report = await evaluateModel(bytes, readHillstrom(data), args.outcome, learned);
  return {
    model: args.model,
    data: basename(args.data),
    ...(args.effects !== undefined ? { effects: args.effects } : {}),
    ...report,
  };
}

await runCli('eval', import.meta.url, main);
