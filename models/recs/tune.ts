// The grid search of `npm run eval:recs -- --tune`: the neighbour file's settings and the
// browser's ranking weights, chosen on a validation split carved out of the training sessions
// (the test sessions are never looked at). Two stages, each a full grid with the other stage's
// settings fixed: first the file (window, decay, backward, co-occurrence, popularity exponent)
// with {@link STAGE1_RANKING}, then the browser's recency decay and popularity weight,
// the repeat scale and k with the stage-1 winner. The objective is the session-rec protocol's
// MRR@20 on the validation sessions (ties: higher HR@20, then the earlier grid point); in
// stage 2, a smaller k (a smaller file) is taken when its MRR@20 is within MRR_TIE of the best.
import type { RecommendOptions } from '../../src/recommend/recommend.js';
import {
  buildFor,
  sessionRecScore,
  type Built,
  type NextItemMetrics,
  type RecsSettings,
} from './evaluation.js';
import { DECAYS, type Decay, type NeighbourOptions } from './neighbours.js';
import type { Session } from './sessions.js';

export interface GridPoint {
  neighbours: Partial<NeighbourOptions>;
  recommend: Partial<Pick<RecommendOptions, 'recencyDecay' | 'popularityWeight'>>;
}

export interface GridRow extends GridPoint {
  stage: 1 | 2;
  hr_at_20: number;
  mrr_at_20: number;
}

export interface Tuning {
  objective: string;
  validation: { train_sessions: number; validation_sessions: number; predictions: number };
  grid_size: number;
  /** Per setting and value: the best validation MRR@20 of any grid point with it. */
  marginals: Record<string, Record<string, number>>;
  winner: RecsSettings & { validation: NextItemMetrics };
  grid: GridRow[];
}

/** Stage 1: the neighbour file's shape. */
export const FILE_GRID = {
  window: [1, 2, 3, 5, 10],
  decay: DECAYS.filter((d) => d !== 'flat') as Decay[],
  backward: [0, 0.5, 1],
  cooccurrence: [0, 0.2],
  popularityExponent: [0, 0.25, 0.5],
};

/**
 * The settings stage 1 runs with, whatever the defaults: the tuning does not depend on where it
 * starts, so the same log always gives the same winner.
 */
export const STAGE1_RANKING = { k: 20, repeatWeight: 8, recencyDecay: 0.3, popularityWeight: 0.01 };

/**
 * Stage 2: the browser's weights, the repeat scale and the list length. The popularity weight
 * stays above 0: without consent it is the only signal, and a zero score leaves nothing for the
 * category diversity to act on.
 */
export const RANKING_GRID = {
  recencyDecay: [0.1, 0.3, 0.5, 0.7],
  popularityWeight: [0.01, 0.05],
  repeatWeight: [1, 2, 4, 8],
  k: [20, 50],
};

function* product<T extends Record<string, readonly unknown[]>>(
  grid: T,
): Generator<{ [K in keyof T]: T[K][number] }> {
  const keys = Object.keys(grid) as (keyof T)[];
  const at = keys.map(() => 0);
  for (;;) {
    yield Object.fromEntries(keys.map((k, i) => [k, grid[k]![at[i]!]])) as never;
    let i = keys.length - 1;
    while (i >= 0 && ++at[i]! === grid[keys[i]!]!.length) at[i--] = 0;
    if (i < 0) return;
  }
}

/** MRR@20 differences below this are noise on a day of validation: the smaller file wins. */
export const MRR_TIE = 0.0005;

/** Higher MRR@20, then higher HR@20. */
const better = (a: NextItemMetrics, b: NextItemMetrics | undefined) =>
  !b || a.mrr_at_20 > b.mrr_at_20 || (a.mrr_at_20 === b.mrr_at_20 && a.hr_at_20 > b.hr_at_20);

export function tune(
  train: readonly Session[],
  validation: readonly Session[],
  start: RecsSettings,
  progress: (line: string) => void = () => {},
): Tuning {
  const grid: GridRow[] = [];
  type Tried = { settings: RecsSettings; metrics: NextItemMetrics };
  let best: Tried | undefined;
  let tried: Tried[] = [];
  const run = (
    stage: 1 | 2,
    settings: RecsSettings,
    point: GridPoint,
    built = buildFor(train, settings.neighbours),
  ) => {
    const metrics = sessionRecScore(built, validation, settings.recommend);
    grid.push({ stage, ...point, hr_at_20: metrics.hr_at_20, mrr_at_20: metrics.mrr_at_20 });
    tried.push({ settings, metrics });
    if (better(metrics, best?.metrics)) best = { settings, metrics };
    if (grid.length % 20 === 0) {
      progress(`tune: ${grid.length} grid points, best MRR@20 ${best!.metrics.mrr_at_20}`);
    }
  };

  for (const file of product(FILE_GRID)) {
    // A window of one step has a single gap: every decay is the same.
    if (file.window === 1 && file.decay !== FILE_GRID.decay[0]) continue;
    const { k, repeatWeight, recencyDecay, popularityWeight } = STAGE1_RANKING;
    run(
      1,
      {
        neighbours: { ...start.neighbours, k, repeatWeight, ...file },
        recommend: { ...start.recommend, recencyDecay, popularityWeight },
      },
      { neighbours: file, recommend: {} },
    );
  }
  const stage1 = best!.settings;
  tried = [];
  // Only k and the repeat scale change the file: built once each, not once per browser weight.
  const files = new Map<string, Built>();
  for (const { recencyDecay, popularityWeight, repeatWeight, k } of product(RANKING_GRID)) {
    const settings: RecsSettings = {
      neighbours: { ...stage1.neighbours, repeatWeight, k },
      recommend: { ...stage1.recommend, recencyDecay, popularityWeight },
    };
    const key = `${k} ${repeatWeight}`;
    let built = files.get(key);
    if (!built) files.set(key, (built = buildFor(train, settings.neighbours)));
    run(
      2,
      settings,
      { neighbours: { repeatWeight, k }, recommend: { recencyDecay, popularityWeight } },
      built,
    );
  }

  // Stage 2's winner: within MRR_TIE of the best MRR@20, the smallest k; among those, the best.
  const top = Math.max(...tried.map((t) => t.metrics.mrr_at_20));
  const close = tried.filter((t) => t.metrics.mrr_at_20 >= top - MRR_TIE);
  const smallest = Math.min(...close.map((t) => t.settings.neighbours.k));
  best = undefined;
  for (const t of close) {
    if (t.settings.neighbours.k === smallest && better(t.metrics, best?.metrics)) best = t;
  }

  const marginals: Record<string, Record<string, number>> = {};
  for (const row of grid) {
    const settings = { ...row.neighbours, ...row.recommend };
    for (const [key, value] of Object.entries(settings)) {
      const m = (marginals[key] ??= {});
      m[String(value)] = Math.max(m[String(value)] ?? 0, row.mrr_at_20);
    }
  }
  const predictions = best!.metrics.n_predictions;
  return {
    objective:
      'session-rec protocol MRR@20 on the validation sessions (ties: higher HR@20); within 0.0005 of the best MRR@20, the smaller k',
    validation: {
      train_sessions: train.length,
      validation_sessions: validation.length,
      predictions,
    },
    grid_size: grid.length,
    marginals,
    winner: { ...best!.settings, validation: best!.metrics },
    grid,
  };
}
