// Next-item evaluation of the on-device recommendations (`npm run eval:recs`,
// models/cli/eval-recs.ts). Neighbours are built from the training sessions (`--train`, or the
// sessions of `--data` that end before its last `--test-days` days); every test session is
// replayed click by click: the clicks so far go into a fresh profile as `view_item` events (the
// SDK's own validation and aggregates), `rankItems` (the SDK's ranking, over a catalog validated
// by the SDK, with the file's learned repeat scores) ranks 20 items, and the next click is looked
// up. Protocols, all on the same split:
//
// - `method`, `neighbours_only`, `popularity`: every position of the raw test sessions; a click
//   on an item unseen in training counts as a miss (the first protocol of this CLI).
// - `session_rec`: the session-rec framework's protocol: test clicks on items unseen in training
//   removed, sessions left with fewer than 2 clicks dropped, every position scored, repeated
//   items included, `for-you` mode. With `interest_off` (no category term), `neighbours_only`
//   (no repeat, content, interest or popularity terms, no popular fill), `popularity` (the 20
//   most popular items) and `cold_items` (only positions whose next item was in fewer than
//   {@link COLD_SESSIONS} training sessions).
// - `not_yet_viewed`: the same sessions, only the positions whose next item was not viewed
//   earlier in the session, ranked in `discover` mode (no viewed item can be proposed).
import { validateCatalog } from '../../src/catalog/validate.js';
import type { CatalogItem } from '../../src/decide/types.js';
import { validateEvent } from '../../src/events/validate.js';
import { applyEvent, emptyAggregates } from '../../src/profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../../src/profile/options.js';
import { toSnapshot } from '../../src/profile/snapshot.js';
import {
  DEFAULT_RECOMMEND_OPTIONS,
  rankItems,
  type RecommendMode,
  type RecommendOptions,
} from '../../src/recommend/recommend.js';
import {
  buildNeighbours,
  DEFAULT_NEIGHBOUR_OPTIONS,
  type NeighbourArtifact,
  type NeighbourOptions,
} from './neighbours.js';
import type { Session } from './sessions.js';

export const CUTOFF = 20;
/** A next item seen in fewer training sessions than this is cold. */
export const COLD_SESSIONS = 5;

/** Next-item metrics of one ranker over the test sessions. */
export interface NextItemMetrics {
  hr_at_20: number;
  mrr_at_20: number;
  n_predictions: number;
  coverage: number;
}

export interface RecsEvaluation {
  method: NextItemMetrics;
  neighbours_only: NextItemMetrics;
  popularity: NextItemMetrics;
  session_rec: {
    method: NextItemMetrics;
    interest_off: NextItemMetrics;
    neighbours_only: NextItemMetrics;
    popularity: NextItemMetrics;
    cold_items: NextItemMetrics;
    cold_items_neighbours_only: NextItemMetrics;
  };
  not_yet_viewed: { method: NextItemMetrics; popularity: NextItemMetrics };
  train_sessions: number;
  test_sessions: number;
  /** Test sessions left by the session-rec protocol (unseen items removed, ≥ 2 clicks). */
  test_sessions_session_rec: number;
  items: number;
  /** The neighbour file (`items` and `recommendations`) as JSON, per 1,000 items. */
  file_bytes_per_1000_items: number;
  repeat: number[];
}

/** The ranking's settings: the neighbour file's and the browser's. */
export interface RecsSettings {
  neighbours: NeighbourOptions;
  recommend: RecommendOptions;
}

export const DEFAULT_RECS_SETTINGS: RecsSettings = {
  neighbours: DEFAULT_NEIGHBOUR_OPTIONS,
  recommend: DEFAULT_RECOMMEND_OPTIONS,
};

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** The catalog `items` of a neighbour artifact, through the SDK's own catalog validation. */
export function catalogItems(items: Record<string, CatalogItem>): Record<string, CatalogItem> {
  const { catalog, problems } = validateCatalog(
    {
      version: 1,
      server_time: new Date(0).toISOString(),
      currency: 'EUR',
      placements: {},
      offers: [],
      items,
    },
    0,
  );
  if (problems.length > 0) throw new Error(`neighbour items refused: ${problems[0]!.message}`);
  return catalog.items;
}

type Clicks = Session['clicks'];
type Ranker = (history: Clicks) => string[];
/** Which positions count: `t` is the index of the click to predict. */
type Positions = (clicks: Clicks, t: number) => boolean;

const every: Positions = () => true;
const notViewedBefore: Positions = (clicks, t) =>
  !clicks.slice(0, t).some((c) => c.item === clicks[t]!.item);

/**
 * The metrics of one ranker for each subset of positions in `subsets`, from one replay: a
 * position is ranked once, however many subsets count it.
 */
function scoreBy<K extends string>(
  test: readonly Session[],
  rank: Ranker,
  items: number,
  subsets: Record<K, Positions>,
): Record<K, NextItemMetrics> {
  const keys = Object.keys(subsets) as K[];
  const tally = keys.map(() => ({ hits: 0, reciprocal: 0, n: 0, recommended: new Set<string>() }));
  for (const session of test) {
    for (let t = 1; t < session.clicks.length; t++) {
      const counted = keys.map((key) => subsets[key](session.clicks, t));
      if (!counted.includes(true)) continue;
      const list = rank(session.clicks.slice(0, t));
      const at = list.indexOf(session.clicks[t]!.item);
      const hit = at !== -1 && at < CUTOFF;
      tally.forEach((c, i) => {
        if (!counted[i]) return;
        for (const id of list) c.recommended.add(id);
        c.n++;
        if (hit) {
          c.hits++;
          c.reciprocal += 1 / (at + 1);
        }
      });
    }
  }
  const out = {} as Record<K, NextItemMetrics>;
  keys.forEach((key, i) => {
    const { hits, reciprocal, n, recommended } = tally[i]!;
    out[key] = {
      hr_at_20: round4(n > 0 ? hits / n : 0),
      mrr_at_20: round4(n > 0 ? reciprocal / n : 0),
      n_predictions: n,
      coverage: round4(items > 0 ? recommended.size / items : 0),
    };
  });
  return out;
}

/** The metrics of one ranker over every position (or those `counts` keeps). */
function score(
  test: readonly Session[],
  rank: Ranker,
  items: number,
  counts: Positions = every,
): NextItemMetrics {
  return scoreBy(test, rank, items, { all: counts }).all;
}

/** A ranker that replays the clicks into a fresh profile and ranks with `options`. */
function sdkRanker(
  items: Record<string, CatalogItem>,
  options: RecommendOptions,
  mode: RecommendMode,
  repeat: readonly number[] | undefined,
): Ranker {
  // Clicks replay incrementally within a session: the same prefix grows by one click per call.
  let agg = emptyAggregates();
  let replayed: Clicks = [];
  return (history) => {
    if (history.length !== replayed.length + 1 || history[0] !== replayed[0]) {
      agg = emptyAggregates();
      replayed = [];
      for (const click of history.slice(0, -1)) add(click);
    }
    add(history[history.length - 1]!);
    replayed = history;
    const now = history[history.length - 1]!.at;
    const profile = toSnapshot(agg, now, DEFAULT_PROFILE_OPTIONS, 'memory', 'granted');
    return rankItems(
      { items, profile, limit: CUTOFF, mode, ...(repeat ? { repeat } : {}) },
      options,
    ).map((r) => r.itemId);
  };
  function add(click: Clicks[number]) {
    const result = validateEvent(
      { event: 'view_item', ecommerce: { items: [{ item_id: click.item }] } },
      click.at,
    );
    if (result.kind !== 'event') throw new Error(`click on ${click.item} is not a valid view_item`);
    applyEvent(agg, result.event, DEFAULT_PROFILE_OPTIONS);
  }
}

/** The session-rec test set: clicks on items unseen in training removed, ≥ 2 clicks left. */
export function knownItemSessions(
  test: readonly Session[],
  items: Readonly<Record<string, unknown>>,
): Session[] {
  const out: Session[] = [];
  for (const s of test) {
    const clicks = s.clicks.filter((c) => Object.hasOwn(items, c.item));
    if (clicks.length >= 2) out.push({ id: s.id, clicks });
  }
  return out;
}

/** What one neighbour file and one set of browser options rank, for the protocols to score. */
export interface Built {
  artifact: NeighbourArtifact;
  items: Record<string, CatalogItem>;
  count: number;
  popular: string[];
}

export function buildFor(train: readonly Session[], neighbours: NeighbourOptions): Built {
  const artifact = buildNeighbours(train, neighbours);
  const items = catalogItems(artifact.items);
  const popular = Object.entries(items)
    .sort((a, b) => (b[1].popularity ?? 0) - (a[1].popularity ?? 0) || (a[0] < b[0] ? -1 : 1))
    .slice(0, CUTOFF)
    .map(([id]) => id);
  return { artifact, items, count: Object.keys(items).length, popular };
}

/** `rankItems` with `options` over what `built` holds, in `mode`. */
export function rankerOf(
  built: Built,
  options: RecommendOptions,
  mode: RecommendMode = 'for-you',
): Ranker {
  return sdkRanker(built.items, options, mode, built.artifact.recommendations.repeat);
}

/** The session-rec protocol's metrics of the method (the tuning objective). */
export function sessionRecScore(
  built: Built,
  test: readonly Session[],
  options: RecommendOptions,
): NextItemMetrics {
  return score(knownItemSessions(test, built.items), rankerOf(built, options), built.count);
}

export function evaluateRecs(
  train: readonly Session[],
  test: readonly Session[],
  settings: RecsSettings = DEFAULT_RECS_SETTINGS,
): RecsEvaluation {
  const built = buildFor(train, settings.neighbours);
  const { items, count, popular } = built;
  const options = settings.recommend;
  const neighboursOnly: RecommendOptions = {
    ...options,
    categoryWeight: 0,
    popularityWeight: 0,
    popularPool: 0,
    contentWeight: 0,
    repeat: [],
  };
  // Without the file's repeat scores too (the ranking takes the file's over the options').
  const neighboursOnlyRanker = () => sdkRanker(items, neighboursOnly, 'for-you', []);
  const known = knownItemSessions(test, items);
  const trainSessions = new Map<string, number>();
  for (const [id, item] of Object.entries(items)) trainSessions.set(id, item.popularity ?? 0);
  const cold: Positions = (clicks, t) => (trainSessions.get(clicks[t]!.item) ?? 0) < COLD_SESSIONS;
  const method = scoreBy(known, rankerOf(built, options), count, { all: every, cold });
  const neighbours = scoreBy(known, neighboursOnlyRanker(), count, { all: every, cold });
  const popularity = scoreBy(known, () => popular, count, {
    all: every,
    notViewed: notViewedBefore,
  });
  const fileBytes = Buffer.byteLength(
    JSON.stringify({
      items: built.artifact.items,
      recommendations: built.artifact.recommendations,
    }),
  );
  return {
    method: score(test, rankerOf(built, options), count),
    neighbours_only: score(test, neighboursOnlyRanker(), count),
    popularity: score(test, () => popular, count),
    session_rec: {
      method: method.all,
      interest_off: score(known, rankerOf(built, { ...options, categoryWeight: 0 }), count),
      neighbours_only: neighbours.all,
      popularity: popularity.all,
      cold_items: method.cold,
      cold_items_neighbours_only: neighbours.cold,
    },
    not_yet_viewed: {
      method: score(known, rankerOf(built, options, 'discover'), count, notViewedBefore),
      popularity: popularity.notViewed,
    },
    train_sessions: train.length,
    test_sessions: test.length,
    test_sessions_session_rec: known.length,
    items: count,
    file_bytes_per_1000_items: count > 0 ? Math.round((fileBytes / count) * 1000) : 0,
    repeat: built.artifact.recommendations.repeat,
  };
}
