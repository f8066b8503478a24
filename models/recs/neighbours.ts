// Item-to-item neighbours from session logs, for the catalog's `items`, and the repeat scores
// for its `recommendations` (`npm run neighbours`, models/cli/neighbours.ts; see
// docs/recommendations.md).
//
// For every session (consecutive repeats of one item collapsed) and every ordered pair of
// different items at positions p ≠ q no more than `window` clicks apart, item i = s[p] gains
//
//   c(i → j) += recency(session) · (decay(|p − q|) · (q < p ? backward : 1) + cooccurrence)
//
// the sequential rule (forward steps, weighted by `decay` over the gap: harmonic 1/g, linear
// 1 − (g − 1)/window, quadratic 1/g², flat 1) beside plain co-occurrence within the window.
// recency = 0.5^(age of the session's last click before the newest click in the log /
// half-life). The neighbour weight normalises against popularity:
//
//   w(i → j) = c(i → j) / (n_i · n_j^popularityExponent)
//
// with n_i the recency-weighted number of sessions that contain i. Dividing by n_i makes it a
// rate (how often j follows a session with i), comparable across source items so that the
// browser can add up the evidence of several recent items; n_j^e damps items that are
// everywhere. Each item keeps its top `k` neighbours (ties by id), weights to 4 significant
// digits. `popularity` is the plain number of sessions that contain the item.
//
// Repeats: over every click t ≥ 1 of every session (repeats kept), P_k = the share whose item is
// the k-th most recent distinct item before t (k = 0 the previous click's). `repeat[k] =
// repeatWeight · P_k` puts it on the neighbour weights' scale; the browser adds it to the items
// viewed in the current visit.
import { numberFlag, type FlagSpec } from '../lib/args.js';
import type { Session } from './sessions.js';

export const DECAYS = ['harmonic', 'linear', 'quadratic', 'flat'] as const;
export type Decay = (typeof DECAYS)[number];

export interface NeighbourOptions {
  k: number;
  halfLifeDays: number;
  /** Weight of a backward pair (j before i) against a forward one. */
  backward: number;
  /** Farthest gap (in distinct clicks) a pair may have. */
  window: number;
  /** How a pair's weight falls with its gap. */
  decay: Decay;
  /** Added to every pair within the window, whatever its direction and gap (co-occurrence). */
  cooccurrence: number;
  popularityExponent: number;
  /** Scale of the learned repeat shares (`repeat[k] = repeatWeight · P_k`). */
  repeatWeight: number;
  /** Length of the repeat curve. */
  repeatItems: number;
}

/** The winner of `npm run eval:recs -- --tune` on YOOCHOOSE's validation day (README). */
export const DEFAULT_NEIGHBOUR_OPTIONS: NeighbourOptions = {
  k: 20,
  halfLifeDays: 7,
  backward: 0.5,
  window: 10,
  decay: 'quadratic',
  cooccurrence: 0.2,
  popularityExponent: 0,
  repeatWeight: 8,
  repeatItems: 10,
};

export interface NeighbourItem {
  popularity: number;
  neighbours: [string, number][];
}

export interface NeighbourArtifact {
  format: 'offerwise-neighbours';
  version: 1;
  built: NeighbourOptions & { sessions: number; clicks: number; from: string; to: string };
  /** Merge into the catalog's `items` (add name, category, price, url, image there). */
  items: Record<string, NeighbourItem>;
  /** The catalog's `recommendations`: the repeat scores learned from the same sessions. */
  recommendations: { repeat: number[] };
}

/** 4 significant digits: enough to rank, a third of the bytes of a full double. */
function round4(x: number): number {
  return Number(x.toPrecision(4));
}

/** Consecutive repeats collapsed. */
function itemsOf(session: Session): string[] {
  const out: string[] = [];
  for (const c of session.clicks) if (out[out.length - 1] !== c.item) out.push(c.item);
  return out;
}

function decayOf(decay: Decay, window: number): (gap: number) => number {
  switch (decay) {
    case 'harmonic':
      return (g) => 1 / g;
    case 'linear':
      return (g) => 1 - (g - 1) / window;
    case 'quadratic':
      return (g) => 1 / (g * g);
    case 'flat':
      return () => 1;
  }
}

/**
 * P_k for k < `max`: the share of clicks (after a session's first) on the k-th most recent
 * distinct item before them, k = 0 the previous click's.
 */
export function repeatShares(sessions: readonly Session[], max: number): number[] {
  const hits = new Array<number>(max).fill(0);
  let clicks = 0;
  for (const s of sessions) {
    for (let t = 1; t < s.clicks.length; t++) {
      clicks++;
      const target = s.clicks[t]!.item;
      const seen = new Set<string>();
      for (let a = t - 1; a >= 0 && seen.size < max; a--) {
        const item = s.clicks[a]!.item;
        if (seen.has(item)) continue;
        if (item === target) {
          hits[seen.size]!++;
          break;
        }
        seen.add(item);
      }
    }
  }
  return hits.map((h) => (clicks > 0 ? h / clicks : 0));
}

export function buildNeighbours(
  sessions: readonly Session[],
  options: NeighbourOptions = DEFAULT_NEIGHBOUR_OPTIONS,
): NeighbourArtifact {
  const { k, halfLifeDays, backward, window, popularityExponent, cooccurrence } = options;
  const decay = decayOf(options.decay, window);
  let newest = -Infinity;
  let oldest = Infinity;
  let clicks = 0;
  for (const s of sessions) {
    newest = Math.max(newest, s.clicks[s.clicks.length - 1]!.at);
    oldest = Math.min(oldest, s.clicks[0]!.at);
    clicks += s.clicks.length;
  }
  const index = new Map<string, number>();
  const ids: string[] = [];
  const idOf = (item: string) => {
    let i = index.get(item);
    if (i === undefined) {
      i = ids.length;
      index.set(item, i);
      ids.push(item);
    }
    return i;
  };
  const weighted: number[] = [];
  const sessionsWith: number[] = [];
  const co: Map<number, number>[] = [];
  const halfLifeMs = halfLifeDays * 86_400_000;
  for (const s of sessions) {
    const seq = itemsOf(s).map(idOf);
    const age = newest - s.clicks[s.clicks.length - 1]!.at;
    const recency = halfLifeMs > 0 ? 0.5 ** (age / halfLifeMs) : 1;
    for (const i of new Set(seq)) {
      weighted[i] = (weighted[i] ?? 0) + recency;
      sessionsWith[i] = (sessionsWith[i] ?? 0) + 1;
    }
    for (let p = 0; p < seq.length; p++) {
      const i = seq[p]!;
      let row = co[i];
      if (!row) co[i] = row = new Map();
      const from = Math.max(0, p - window);
      const to = Math.min(seq.length - 1, p + window);
      for (let q = from; q <= to; q++) {
        const j = seq[q]!;
        if (q === p || j === i) continue;
        const w = recency * (decay(Math.abs(p - q)) * (q < p ? backward : 1) + cooccurrence);
        if (!(w > 0)) continue;
        row.set(j, (row.get(j) ?? 0) + w);
      }
    }
  }
  const items: Record<string, NeighbourItem> = {};
  // Items in id order, so the file does not depend on the order sessions came in.
  const order = ids.map((_, i) => i).sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));
  for (const i of order) {
    const row = co[i];
    const list: [string, number][] = [];
    if (row) {
      for (const [j, c] of row) {
        list.push([ids[j]!, c / (weighted[i]! * weighted[j]! ** popularityExponent)]);
      }
    }
    list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    items[ids[i]!] = {
      popularity: sessionsWith[i]!,
      neighbours: list.slice(0, k).map(([id, w]) => [id, round4(w)]),
    };
  }
  return {
    format: 'offerwise-neighbours',
    version: 1,
    built: {
      ...options,
      sessions: sessions.length,
      clicks,
      from: sessions.length > 0 ? new Date(oldest).toISOString() : '',
      to: sessions.length > 0 ? new Date(newest).toISOString() : '',
    },
    items,
    recommendations: {
      repeat: repeatShares(sessions, options.repeatItems).map((p) =>
        round4(options.repeatWeight * p),
      ),
    },
  };
}

/** Parses the CLI's numeric flags into options (errors name the flag). */
export function neighbourOptions(flags: Record<string, string | undefined>): NeighbourOptions {
  const d = DEFAULT_NEIGHBOUR_OPTIONS;
  const num = (name: string, fallback: number, min: number, max: number, integer = false) => {
    const value = flags[name];
    return value === undefined ? fallback : numberFlag(name, value, { min, max, integer });
  };
  return {
    k: num('k', d.k, 1, 100, true),
    halfLifeDays: num('half-life-days', d.halfLifeDays, 0, 3650),
    backward: num('backward', d.backward, 0, 1),
    window: num('window', d.window, 1, 1000, true),
    decay: (flags.decay as Decay | undefined) ?? d.decay,
    cooccurrence: num('cooccurrence', d.cooccurrence, 0, 10),
    popularityExponent: num('popularity-exponent', d.popularityExponent, 0, 2),
    repeatWeight: num('repeat-weight', d.repeatWeight, 0, 10),
    repeatItems: num('repeat-items', d.repeatItems, 0, 20, true),
  };
}

/** The flags {@link neighbourOptions} reads, for the CLIs that build neighbours. */
export const NEIGHBOUR_FLAGS = {
  k: {},
  'half-life-days': {},
  backward: {},
  window: {},
  decay: { choices: DECAYS },
  cooccurrence: {},
  'popularity-exponent': {},
  'repeat-weight': {},
  'repeat-items': {},
} as const satisfies Record<string, FlagSpec>;
