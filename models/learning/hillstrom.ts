/**
 * Learning effects from a Hillstrom-format campaign (`npm run learn -- --hillstrom <csv>`): the
 * campaign is read as a logged policy that showed the men's e-mail, the women's e-mail or nothing
 * (the holdout) with the arms' shares as propensities; the two e-mails are two coupons of the
 * `mens` and `womens` categories, as `npm run eval` scores them. Each row is placed in its group
 * as the device would place that profile (`placeShopper` on the profile `npm run eval` builds),
 * and reported through k-RR at ε like a device's report. The per-cell sums are the same numbers
 * the SQL of `learn-sql.ts` returns for a shop's logs, so the rest (SNIPS, de-biasing,
 * shrinkage, the file) is the shop's learner unchanged (`effectsFromCells`).
 */
import { seededRandom } from '../../src/decide/random.js';
import type { Offer } from '../../src/decide/types.js';
import { effectScores, learnedPlacement } from '../../src/learning/effects.js';
import { randomizeGroup } from '../../src/learning/randomized-response.js';
import { placeShopper, profileDeviation } from '../../src/learning/segments.js';
import type { EffectReward, Effects, Segments } from '../../src/learning/types.js';
import { loadCatalog } from '../campaign/world.js';
import { armShares, type HillstromRow } from '../lib/hillstrom.js';
import { OFFER_CATEGORIES, REFERENCE_TIME, type OfferCategory } from '../uplift/dataset.js';
import type { CellSums } from './estimate.js';
import type { CellRow } from './effects-file.js';
import { hillstromProfile } from './profiles.js';

/** The two e-mails as the catalog's coupons. */
export const HILLSTROM_OFFER_IDS: Readonly<Record<OfferCategory, string>> = {
  mens: 'email-mens',
  womens: 'email-womens',
};

/** The campaign's outcomes, and the effects file's reward each one stands for. */
export const HILLSTROM_OUTCOMES = ['visit', 'conversion', 'spend'] as const;
export type HillstromOutcome = (typeof HILLSTROM_OUTCOMES)[number];
export const OUTCOME_REWARD: Readonly<Record<HillstromOutcome, EffectReward>> = {
  visit: 'click',
  conversion: 'order',
  spend: 'revenue',
};

/**
 * The e-mails as validated catalog offers (what the model's centroid predictions score). A coupon
 * must state its terms to pass validation, but the e-mails stated none and the model was trained
 * on them without any (`offerFor` of dataset.ts): the placeholder terms are removed again, so the
 * features are those `npm run eval` scores.
 */
export function hillstromOffers(): Offer[] {
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const offers = loadCatalog({
    version: 1,
    server_time: iso(REFERENCE_TIME),
    currency: 'USD',
    placements: { email: { limit: 1 } },
    offers: OFFER_CATEGORIES.map((category) => ({
      id: HILLSTROM_OFFER_IDS[category],
      type: 'coupon',
      title: `The ${category}' e-mail`,
      category,
      discount: { percent: 10 },
      code: `EMAIL-${category.toUpperCase()}`,
      placements: ['email'],
    })),
  }).offers.map(({ discount: _terms, ...offer }) => offer);
  // The catalog validation leaves out an offer it refuses: none may go missing silently.
  if (offers.length !== OFFER_CATEGORIES.length) throw new Error('hillstromOffers: refused offer');
  return offers;
}

const emptySums = (): CellSums => ({ n: 0, s0: 0, s1: 0, s2: 0, t0: 0, t1: 0, t2: 0 });

export interface HillstromCellOptions {
  outcome: HillstromOutcome;
  /** Groups to place the rows in; without, offer effects only. */
  segments?: Segments;
  /** ε of the simulated reports (Infinity: exact groups). */
  epsilon: number;
  seed: number;
}

/**
 * Per-cell sums of a Hillstrom file as the learner's SQL would return them for a shop's logs:
 * one row per (arm, reported group), the e-mails `personalized`, no e-mail the `holdout`.
 */
export function hillstromCells(
  rows: readonly HillstromRow[],
  options: HillstromCellOptions,
): CellRow[] {
  if (rows.length === 0) throw new Error('learn --hillstrom: the file has no rows');
  const share = armShares(rows);
  const random = seededRandom(options.seed);
  const k = options.segments?.centroids.length;
  const cells = new Map<string, CellRow>();
  for (const row of rows) {
    let group: number | null = null;
    if (options.segments) {
      const truth = placeShopper(hillstromProfile(row), options.segments).group;
      group = randomizeGroup(truth, k!, options.epsilon, random);
    }
    const offerId = row.arm === 'none' ? 'none' : HILLSTROM_OFFER_IDS[row.arm];
    const key = `${offerId}/${group}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = {
        offerId,
        arm: row.arm === 'none' ? 'holdout' : 'personalized',
        group,
        // The file's ε: null when the groups are exact (or absent).
        epsilon: group !== null && Number.isFinite(options.epsilon) ? options.epsilon : null,
        sums: emptySums(),
        firstAt: REFERENCE_TIME,
        lastAt: REFERENCE_TIME,
      };
      cells.set(key, cell);
    }
    const pi = share[row.arm];
    const y = row[options.outcome];
    const s = cell.sums;
    s.n++;
    s.s0 += 1 / pi;
    s.s1 += y / pi;
    s.s2 += (y * y) / pi;
    s.t0 += 1 / (pi * pi);
    s.t1 += y / (pi * pi);
    s.t2 += (y * y) / (pi * pi);
  }
  return [...cells.values()].sort((a, b) =>
    a.offerId === b.offerId ? (a.group ?? -1) - (b.group ?? -1) : a.offerId < b.offerId ? -1 : 1,
  );
}

/**
 * The uplift of each e-mail for each row as a decision with `effects` scores it: the learned
 * effect of (e-mail, the row's groups, soft-weighted), plus the model's and the profile's parts
 * (as the decider adds them). `model` holds the model's uplift of each e-mail per row (the
 * decider's objective score).
 */
export function learnedUplift(
  rows: readonly HillstromRow[],
  model: Readonly<Record<OfferCategory, { uplift: ArrayLike<number> }>>,
  effects: Effects,
  segments: (Segments & { sha256: string }) | undefined,
): Record<OfferCategory, Float64Array> {
  const ids = OFFER_CATEGORIES.map((c) => HILLSTROM_OFFER_IDS[c]);
  const matches =
    segments !== undefined &&
    effects.segments_sha256 === segments.sha256 &&
    effects.k === segments.centroids.length;
  const out = { mens: new Float64Array(rows.length), womens: new Float64Array(rows.length) };
  const offers = OFFER_CATEGORIES.map((c) => hillstromOffers().find((o) => o.category === c)!);
  rows.forEach((row, i) => {
    // As the decider does: placed, then weighed over the groups the file learned.
    const found = matches ? placeShopper(hillstromProfile(row), segments) : undefined;
    const placed = found && learnedPlacement(found, effects);
    const { scores } = effectScores(
      ids,
      OFFER_CATEGORIES.map((c) => model[c].uplift[i]!),
      effects,
      placed?.weights,
      placed && effects.profile
        ? offers.map((o) => profileDeviation(placed, segments!, o))
        : undefined,
    );
    OFFER_CATEGORIES.forEach((c, j) => (out[c][i] = scores[j]!));
  });
  return out;
}
