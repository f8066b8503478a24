/**
 * The learner's files: reading a segments file as the SDK validates it, the scorer the decisions
 * ran, writing an effects file after the SDK's own validation, and the summary the CLIs print.
 */
import { PROFILE_TERMS, type ProfileTerm } from '../../src/features/profile-vector.js';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { validateEffects } from '../../src/learning/effects.js';
import { validateSegments } from '../../src/learning/segments.js';
import type { Segments } from '../../src/learning/types.js';
import { jsonFlag, numberFlag } from '../lib/args.js';
import { MODELS_DIR } from '../lib/paths.js';
import {
  INVALID_AT_REASON,
  INVALID_ORDER_REASON,
  MIN_PROPENSITY,
  NOT_A_BATCH,
} from '../analytics/queries.js';
import { DEFAULT_PROFILE_TERMS, type LearnResult } from './learn.js';

/** The segments the shipped demo and docs use (`npm run segments`). */
export const DEFAULT_SEGMENTS = `${MODELS_DIR}/default-segments.json`;

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A segments file, validated as the SDK validates it, with the SHA-256 of its bytes. */
export function readSegments(file: string): Segments & { sha256: string } {
  return jsonFlag('segments', file, (json, bytes) => ({
    ...validateSegments(json),
    sha256: sha256(bytes),
  }));
}

/**
 * The warning a CLI (`cli`) prints when the segments file it was given (`file`) shares no category
 * with the data it places (`categories`, the `whose` data's): every shopper would land alike, so
 * its groups tell nothing apart (`lost`, what they cannot tell). Undefined when one is shared.
 */
export function disjointCategoriesWarning(
  cli: string,
  file: string,
  segments: Pick<Segments, 'vector'>,
  categories: readonly string[],
  whose: string,
  lost: string,
): string | undefined {
  const own = segments.vector.categories;
  if (own.some((c) => categories.includes(c))) return undefined;
  return `${cli}: warning: --segments ${file} has the categories ${own.join(', ')}, none of ${whose} (${categories.join(', ')}): its groups cannot tell ${lost} apart`;
}

/** The model the decisions ran (ONNX through ONNX Runtime), or the SDK's fallback scorer. */
export { scorerOf } from '../campaign/simulator.js';

/**
 * What a shop should know about a result before publishing it (the CLIs log each line on stderr):
 * rows left out of the logs, and values that are not incremental for want of a holdout.
 */
export function resultWarnings(result: LearnResult): string[] {
  const out: string[] = [];
  const { impressions = 0, times = 0, orders = 0, lines = 0 } = result.leftOut ?? {};
  const s = (n: number) => (n === 1 ? '' : 's');
  if (impressions > 0) {
    out.push(
      `learn: ${impressions} impression${s(impressions)} left out: propensity outside [${MIN_PROPENSITY}, 1] (the wire carries 4 decimals; no SDK wrote it)`,
    );
  }
  if (times > 0) {
    out.push(`learn: ${times} impression${s(times)} left out: ${INVALID_AT_REASON}`);
  }
  if (orders > 0) {
    out.push(`learn: ${orders} order line${s(orders)} left out: ${INVALID_ORDER_REASON}`);
  }
  if (lines > 0) {
    out.push(
      `learn: ${lines} feedback line${s(lines)} left out: ${lines === 1 ? 'is' : 'are'} ${NOT_A_BATCH}`,
    );
  }
  if (result.summary.decisions.holdout === 0) {
    out.push(
      'learn: no holdout decisions: the values are what a decision earns with each offer, not over no offer (the choice between offers is the same)',
    );
  }
  return out;
}

/** The part of a result the CLI prints. */
export function printable(out: string, text: string, result: LearnResult) {
  const { summary, effects } = result;
  return {
    out,
    sha256: sha256(text),
    reward: effects.reward,
    k: effects.k,
    epsilon: effects.epsilon,
    window: effects.window,
    decisions: summary.decisions,
    absentGroups: summary.absentGroups,
    ...(result.leftOut ? { leftOut: result.leftOut } : {}),
    baseline: summary.baseline,
    beta: summary.beta,
    profile: summary.profile,
    surrogate: summary.surrogate,
    temperature: effects.temperature,
    offers: Object.fromEntries(
      Object.entries(effects.offers).map(([id, e]) => [id, { mean: e.mean, se: e.se, n: e.n }]),
    ),
  };
}

/** Writes the file after checking it with the SDK's own validation. */
export function writeEffects(out: string, result: LearnResult): string {
  validateEffects(result.effects);
  const text = JSON.stringify(result.effects, null, 2) + '\n';
  writeFileSync(out, text);
  return text;
}

/** The `--profile-terms` flag, the same in every CLI that learns. */
export const PROFILE_TERMS_FLAG = {
  list: true,
  default: DEFAULT_PROFILE_TERMS,
  choices: [...PROFILE_TERMS, 'none'],
} as const;

/** `--epsilon` of the group reports a learner reads: a number in (0, 100], or `inf` (exact). */
export function epsilonFlag(value: string): number {
  if (value === 'inf') return Infinity;
  try {
    return numberFlag('epsilon', value, { min: 0, max: 100, aboveMin: true });
  } catch (error) {
    throw new Error(`${(error as Error).message}, or inf (exact groups)`);
  }
}

/** `--profile-terms a b … | none`: the terms to learn slopes for (none: no profile term). */
export function profileTermsFlag(values: readonly string[]): ProfileTerm[] {
  if (values.includes('none')) {
    if (values.length > 1) {
      throw new Error(
        `--profile-terms: got ${values.join(' ')}, expected profile terms or none alone`,
      );
    }
    return [];
  }
  return [...new Set(values)] as ProfileTerm[];
}
