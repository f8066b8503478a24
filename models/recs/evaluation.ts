// Next-item evaluation of the on-device recommendations (`npm run eval:recs`,
// models/cli/eval-recs.ts). Neighbours are built from the training sessions
// (`--train`, or the sessions of `--data` that end before its last `--test-days` days); every
// test session is replayed click by click: the clicks so far go into a fresh profile as
// `view_item` events (the SDK's own validation and aggregates), `rankItems` (the SDK's ranking,
// over a catalog validated by the SDK) ranks 20 items, and the next click is looked up.
// The result: hr_at_20, mrr_at_20, n_predictions and coverage (distinct items
// recommended / items in the training data) for the method, for neighbours only (no category or
// popularity terms, no popular fill) and for the popularity baseline (the 20 most popular items).
import { validateCatalog } from '../../src/catalog/validate.js';
import type { CatalogItem } from '../../src/decide/types.js';
import { validateEvent } from '../../src/events/validate.js';
import { applyEvent, emptyAggregates } from '../../src/profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../../src/profile/options.js';
import { toSnapshot } from '../../src/profile/snapshot.js';
import {
  DEFAULT_RECOMMEND_OPTIONS,
  rankItems,
  type RecommendOptions,
} from '../../src/recommend/recommend.js';
import { buildNeighbours, type NeighbourOptions } from './neighbours.js';
import type { Session } from './sessions.js';

export const CUTOFF = 20;

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
  train_sessions: number;
  test_sessions: number;
  items: number;
}

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

type Ranker = (history: Session['clicks']) => string[];

function score(test: readonly Session[], rank: Ranker, items: number): NextItemMetrics {
  let hits = 0;
  let reciprocal = 0;
  let n = 0;
  const recommended = new Set<string>();
  for (const session of test) {
    for (let k = 1; k < session.clicks.length; k++) {
      const list = rank(session.clicks.slice(0, k));
      for (const id of list) recommended.add(id);
      n++;
      const at = list.indexOf(session.clicks[k]!.item);
      if (at !== -1 && at < CUTOFF) {
        hits++;
        reciprocal += 1 / (at + 1);
      }
    }
  }
  return {
    hr_at_20: round4(n > 0 ? hits / n : 0),
    mrr_at_20: round4(n > 0 ? reciprocal / n : 0),
    n_predictions: n,
    coverage: round4(items > 0 ? recommended.size / items : 0),
  };
}

/** A ranker that replays the clicks into a fresh profile and ranks with `options`. */
function sdkRanker(items: Record<string, CatalogItem>, options: RecommendOptions): Ranker {
  // Clicks replay incrementally within a session: the same prefix grows by one click per call.
  let agg = emptyAggregates();
  let replayed: Session['clicks'] = [];
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
    return rankItems({ items, profile, limit: CUTOFF }, options).map((r) => r.itemId);
  };
  function add(click: Session['clicks'][number]) {
    const result = validateEvent(
      { event: 'view_item', ecommerce: { items: [{ item_id: click.item }] } },
      click.at,
    );
    if (result.kind !== 'event') throw new Error(`click on ${click.item} is not a valid view_item`);
    applyEvent(agg, result.event, DEFAULT_PROFILE_OPTIONS);
  }
}

export function evaluateRecs(
  train: readonly Session[],
  test: readonly Session[],
  neighbourOpts?: NeighbourOptions,
): RecsEvaluation {
  const artifact = buildNeighbours(train, neighbourOpts);
  const items = catalogItems(artifact.items);
  const count = Object.keys(items).length;
  const popular = Object.entries(items)
    .sort((a, b) => (b[1].popularity ?? 0) - (a[1].popularity ?? 0) || (a[0] < b[0] ? -1 : 1))
    .slice(0, CUTOFF)
    .map(([id]) => id);
  return {
    method: score(test, sdkRanker(items, DEFAULT_RECOMMEND_OPTIONS), count),
    neighbours_only: score(
      test,
      sdkRanker(items, {
        ...DEFAULT_RECOMMEND_OPTIONS,
        categoryWeight: 0,
        popularityWeight: 0,
        popularPool: 0,
      }),
      count,
    ),
    popularity: score(test, () => popular, count),
    train_sessions: train.length,
    test_sessions: test.length,
    items: count,
  };
}
