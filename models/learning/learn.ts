/**
 * `npm run learn` on a collector's files: loads the feedback (JSONL or Parquet) and orders with
 * the effect report's loading SQL into the embedded DuckDB, runs the learner's standard SQL
 * (`learn-sql.ts`) down to per-cell sums, and turns those into the effects file
 * (`effects-file.ts`), with the model's predictions at the groups' centroids (`centroid.ts`).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Offer, ValueOptions } from '../../src/decide/types.js';
import { DEFAULT_VALUE } from '../../src/decide/value.js';
import type { ProfileTerm } from '../../src/features/profile-vector.js';
import { groupProfileTerms } from '../../src/learning/segments.js';
import type { EffectReward, EffectsPlacement, Segments } from '../../src/learning/types.js';
import { classifyFeedback } from '../analytics/effect-report.js';
import { LOAD_CLEANUP, loadingSql, NOT_A_BATCH } from '../analytics/queries.js';
import { centroidPredictions, type Scorer } from './centroid.js';
import { buildEffects, type BuildSummary, type CellRow, type EffectsFile } from './effects-file.js';
import {
  ARMS_SQL,
  CELLS_SQL,
  cellsSql,
  LEFT_OUT_SQL,
  ORDER_MATCH_SQL,
  READ_COUNTS_SQL,
  sampleSql,
} from './learn-sql.js';
import { errorMessage } from '../lib/args.js';

/**
 * The logs hold nothing the learner can use yet: no personalized decision with an impression, or
 * (with an order reward) no order that names one of their decisions. `plain` says which without
 * the CLI's flags, for callers that are not the CLI (the loop goes on without new effects).
 */
export class NothingToLearnError extends Error {
  constructor(
    message: string,
    readonly plain: string,
  ) {
    super(message);
    this.name = 'NothingToLearnError';
  }
}

/** The profile terms learned unless told otherwise (docs/learning.md says why these). */
export const DEFAULT_PROFILE_TERMS: readonly ProfileTerm[] = ['interest', 'bought', 'recent'];

export interface LearnOptions {
  reward: EffectReward;
  /** The segments file the devices report groups of (validated), with its SHA-256. */
  segments?: Segments & { sha256: string };
  /** The catalog's offers and a scorer: the model's predictions at the centroids. */
  offers?: readonly Offer[];
  score?: Scorer;
  /** The SDK's decision objective (`decisions` of its config); default the SDK's. */
  value?: ValueOptions;
  /**
   * The profile terms whose slopes are learned (with `segments` and `offers`); default
   * `DEFAULT_PROFILE_TERMS`, none when empty.
   */
  profileTerms?: readonly ProfileTerm[];
  /** When the file is made (its `generated_at`); default now. */
  now?: number;
  validDays?: number;
  temperatureFactor?: number;
  /** With segments: how the device weighs the groups (`placement`); default `blend`. */
  placement?: EffectsPlacement;
}

export interface LearnResult {
  effects: EffectsFile;
  summary: BuildSummary;
  /**
   * From a collector's files: impressions left out for a propensity the wire cannot carry
   * (under `MIN_PROPENSITY`, above 1 or missing), which no SDK wrote, `times`: the others left
   * out for a time that is not one (`VALID_AT`: missing, negative or past a Date), order lines for a value
   * or discount outside `VALID_ORDER`, and feedback lines that are not batches (`NOT_A_BATCH`).
   */
  leftOut?: { impressions: number; times: number; orders: number; lines: number };
}

const num = (v: unknown): number =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v ?? 0);

/** The cell query's rows, as the estimator reads them. */
export async function readCells(db: DuckDBConnection, sql = CELLS_SQL): Promise<CellRow[]> {
  const rows = (await db.runAndReadAll(sql)).getRowObjectsJS();
  return rows.map((r) => ({
    offerId: String(r.offerId),
    arm: r.arm === 'holdout' ? 'holdout' : 'personalized',
    group: r.group === null || r.group === undefined ? null : num(r.group),
    epsilon: r.epsilon === null || r.epsilon === undefined ? null : num(r.epsilon),
    sums: {
      n: num(r.n),
      s0: num(r.s0),
      s1: num(r.s1),
      s2: num(r.s2),
      t0: num(r.t0),
      t1: num(r.t1),
      t2: num(r.t2),
    },
    firstAt: num(r.first_at),
    lastAt: num(r.last_at),
  }));
}

/**
 * The effects file from per-cell rows (the part after SQL, shared with the Hillstrom learner);
 * `claims`: the same cells counting claims, the surrogate of an order reward, and
 * `claimedReward` the reward on claimed decisions only, for the value of a claim (`buildEffects`).
 */
export async function effectsFromCells(
  cells: readonly CellRow[],
  options: LearnOptions,
  claims?: readonly CellRow[],
  claimedReward?: readonly CellRow[],
): Promise<LearnResult> {
  const now = options.now ?? Date.now();
  let predictions: Map<string, number[]> | undefined;
  if (options.segments && options.offers && options.score) {
    const preds = await centroidPredictions(
      options.segments,
      options.offers,
      options.score,
      options.value ?? DEFAULT_VALUE,
      now,
    );
    predictions = new Map(options.offers.map((o, i) => [o.id, preds[i]!]));
  }
  const segments = options.segments;
  const terms = options.profileTerms ?? DEFAULT_PROFILE_TERMS;
  const profileTerms =
    segments && options.offers && terms.length > 0
      ? new Map(
          options.offers.map((o) => [
            o.id,
            segments.centroids.map((_, g) => groupProfileTerms(segments, g, o)),
          ]),
        )
      : undefined;
  const { file, summary } = buildEffects(cells, {
    reward: options.reward,
    ...(options.segments
      ? { segments: { k: options.segments.centroids.length, sha256: options.segments.sha256 } }
      : {}),
    ...(predictions ? { predictions } : {}),
    ...(profileTerms ? { profileTerms, terms } : {}),
    ...(profileTerms && claims ? { surrogate: claims } : {}),
    ...(profileTerms && claims && claimedReward ? { claimedReward } : {}),
    generatedAt: now,
    ...(options.validDays !== undefined ? { validDays: options.validDays } : {}),
    ...(options.temperatureFactor !== undefined
      ? { temperatureFactor: options.temperatureFactor }
      : {}),
    ...(options.placement ? { placement: options.placement } : {}),
  });
  return { effects: file, summary };
}

/** `n` and `noun`, plural unless n is 1: '1 line', '3 JSONL lines', '1 event'. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const lines = (n: number, kind = '') => count(n, `${kind}line`);

/** Learns effects from a collector's files. */
export async function learnFromLogs(
  files: { feedback: readonly string[]; orders?: string | undefined },
  options: LearnOptions,
): Promise<LearnResult> {
  if (files.feedback.length === 0) throw new Error('--feedback: at least one file');
  const needsOrders = options.reward !== 'click' && options.reward !== 'claim';
  if (needsOrders && files.orders === undefined) {
    throw new Error(
      `--reward ${options.reward} needs the orders (--orders <orders.jsonl>), or use --reward click or claim`,
    );
  }
  if (files.orders !== undefined) {
    const s = await stat(files.orders).catch(() => undefined);
    if (!s?.isFile()) throw new Error(`--orders: ${JSON.stringify(files.orders)} is not a file`);
  }
  const classified = await classifyFeedback(files.feedback);
  const instance = await DuckDBInstance.create(':memory:', { preserve_insertion_order: 'false' });
  const db = await instance.connect();
  try {
    const filter = options.segments
      ? { groupSet: options.segments.sha256.slice(0, 12), k: options.segments.centroids.length }
      : undefined;
    const [events, ...rest] = sampleSql(options.reward, filter);
    try {
      for (const sql of loadingSql({
        ...classified,
        orders: files.orders === undefined ? undefined : path.resolve(files.orders),
      })) {
        await db.run(sql);
      }
      await db.run(events!);
    } catch (error) {
      // DuckDB's message quotes the statement over several lines: its first line says what.
      const what = errorMessage(error).split('\n')[0];
      throw new Error(
        `--feedback: ${files.feedback.map((f) => JSON.stringify(f)).join(', ')} could not be read as feedback (${what})`,
      );
    }
    await db.run(LOAD_CLEANUP);
    for (const sql of rest) await db.run(sql);
    const [leftOut] = (await db.runAndReadAll(LEFT_OUT_SQL)).getRowObjectsJS();
    const [arms] = (await db.runAndReadAll(ARMS_SQL)).getRowObjectsJS();
    if (num(arms?.personalized) === 0) {
      const [counts] = (await db.runAndReadAll(READ_COUNTS_SQL)).getRowObjectsJS();
      throw new NothingToLearnError(
        `--feedback: no personalized decision with an impression in the logs (${count(num(counts?.events), 'event')} with a decision and an offer; ${lines(num(counts?.lines), 'JSONL ')}, ${num(leftOut?.lines)} of them ${NOT_A_BATCH}; impressions left out: ${num(leftOut?.impressions)} for their propensity, ${num(leftOut?.times)} for their time)`,
        'no personalized decision with an impression in the logs',
      );
    }
    if (needsOrders) {
      const [match] = (await db.runAndReadAll(ORDER_MATCH_SQL)).getRowObjectsJS();
      if (num(match?.matched) === 0) {
        throw new NothingToLearnError(
          `--orders: no order in ${JSON.stringify(files.orders)} names a decision of the feedback (${lines(num(match?.lines))}, ${num(match?.usable)} with an order id, a decision id and a valid value): --reward ${options.reward} learns from the orders of the decisions; --reward claim learns from the claims alone`,
          'no order names a decision of the logs',
        );
      }
    }
    // An order reward is noisy (most of an order's value comes with or without the offer): the
    // profile slopes are read from the claims (docs/learning.md).
    const claims =
      options.reward !== 'click' &&
      options.reward !== 'claim' &&
      (options.profileTerms ?? DEFAULT_PROFILE_TERMS).length > 0
        ? await readCells(db, cellsSql('claimed'))
        : undefined;
    const claimedReward = claims ? await readCells(db, cellsSql('reward * claimed')) : undefined;
    const result = await effectsFromCells(await readCells(db), options, claims, claimedReward);
    return {
      ...result,
      leftOut: {
        impressions: num(leftOut?.impressions),
        times: num(leftOut?.times),
        orders: num(leftOut?.orders),
        lines: num(leftOut?.lines),
      },
    };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
