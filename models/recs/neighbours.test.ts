import { describe, expect, it } from 'vitest';
import {
  buildNeighbours,
  DEFAULT_NEIGHBOUR_OPTIONS,
  neighbourOptions,
  repeatShares,
  type Decay,
} from './neighbours.js';
import { parseSessions, timeSplit, type Session } from './sessions.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function session(id: string, items: string[], start = T0): Session {
  return { id, clicks: items.map((item, i) => ({ item, at: start + i * 1000 })) };
}

/** The first release's settings (harmonic decay over 20 steps, n_j^0.25), without recency. */
const NO_RECENCY = {
  ...DEFAULT_NEIGHBOUR_OPTIONS,
  halfLifeDays: 0,
  window: 20,
  decay: 'harmonic' as Decay,
  backward: 0.5,
  cooccurrence: 0,
  popularityExponent: 0.25,
};

describe('buildNeighbours', () => {
  it('weights pairs by 1/distance, backward pairs × 0.5, normalised by n_i · n_j^0.25', () => {
    // Sessions [A, B, C] and [A, B]: n_A = 2, n_B = 2, n_C = 1.
    // c(A→B) = 1 + 1 = 2, c(A→C) = 1/2; c(C→B) = 0.5·1, c(C→A) = 0.5·1/2 = 0.25;
    // c(B→A) = 0.5 + 0.5 = 1, c(B→C) = 1.
    const { items } = buildNeighbours(
      [session('1', ['A', 'B', 'C']), session('2', ['A', 'B'])],
      NO_RECENCY,
    );
    const q = 2 ** 0.25;
    expect(items.A).toEqual({
      popularity: 2,
      neighbours: [
        ['B', Number((2 / (2 * q)).toPrecision(4))], // 0.8409
        ['C', 0.25], // 0.5 / (2 · 1)
      ],
    });
    expect(items.B!.neighbours).toEqual([
      ['C', 0.5], // 1 / (2 · 1)
      ['A', Number((1 / (2 * q)).toPrecision(4))], // 0.4204
    ]);
    expect(items.C).toEqual({
      popularity: 1,
      neighbours: [
        ['B', Number((0.5 / q).toPrecision(4))],
        ['A', Number((0.25 / q).toPrecision(4))],
      ],
    });
  });

  it('collapses consecutive repeats and ignores pairs further apart than the window', () => {
    const repeated = buildNeighbours([session('1', ['A', 'A', 'B', 'B', 'C'])], NO_RECENCY);
    const plain = buildNeighbours([session('1', ['A', 'B', 'C'])], NO_RECENCY);
    expect(repeated.items).toEqual(plain.items);
    const near = buildNeighbours([session('1', ['A', 'B', 'C'])], { ...NO_RECENCY, window: 1 });
    expect(near.items.A!.neighbours).toEqual([['B', 1]]);
    // A repeat that is not consecutive is still one item: no self-neighbour.
    const back = buildNeighbours([session('1', ['A', 'B', 'A'])], NO_RECENCY);
    expect(back.items.A!.neighbours.map(([id]) => id)).toEqual(['B']);
  });

  it('weights a session by 0.5^(age / half-life) before the newest click', () => {
    // Old session [A, B] a day before the newest, half-life 1 day: weight 0.5; new session [A, C].
    const old = session('old', ['A', 'B'], T0);
    const fresh = session('new', ['A', 'C'], T0 + DAY);
    const { items } = buildNeighbours([old, fresh], {
      ...NO_RECENCY,
      halfLifeDays: 1,
      popularityExponent: 0,
    });
    // n_A = 0.5 + 1 = 1.5: w(A→C) = 1 / 1.5, w(A→B) = 0.5 / 1.5.
    expect(items.A!.neighbours).toEqual([
      ['C', Number((1 / 1.5).toPrecision(4))],
      ['B', Number((0.5 / 1.5).toPrecision(4))],
    ]);
    expect(items.A!.popularity).toBe(2);
  });

  it('keeps the top k, ties by id, and does not depend on the order of sessions', () => {
    const sessions = [session('1', ['A', 'D']), session('2', ['A', 'C']), session('3', ['A', 'B'])];
    const built = buildNeighbours(sessions, { ...NO_RECENCY, k: 2 });
    expect(built.items.A!.neighbours.map(([id]) => id)).toEqual(['B', 'C']);
    expect(buildNeighbours([...sessions].reverse(), { ...NO_RECENCY, k: 2 }).items).toEqual(
      built.items,
    );
    expect(built.built).toMatchObject({ sessions: 3, clicks: 6, k: 2 });
  });

  it('weights the gap by the chosen decay, and adds co-occurrence in both directions', () => {
    // One session [A, B, C, D], window 3, no popularity exponent: n_A = 1, so w(A → j) = c(A → j).
    const one = [session('1', ['A', 'B', 'C', 'D'])];
    const base = { ...NO_RECENCY, window: 3, popularityExponent: 0, backward: 0 };
    const weights = (options: typeof base) =>
      Object.fromEntries(buildNeighbours(one, options).items.A!.neighbours);
    // Gaps 1, 2, 3: linear 1 − (g − 1)/3 → 1, 2/3, 1/3; quadratic 1/g² → 1, 1/4, 1/9; flat → 1.
    expect(weights({ ...base, decay: 'linear' })).toEqual({ B: 1, C: 0.6667, D: 0.3333 });
    expect(weights({ ...base, decay: 'quadratic' })).toEqual({ B: 1, C: 0.25, D: 0.1111 });
    expect(weights({ ...base, decay: 'flat' })).toEqual({ B: 1, C: 1, D: 1 });
    // Co-occurrence 0.2 adds 0.2 to each pair, the backward ones too (backward 0 here): D → A is
    // 0 · 1/3 + 0.2, A → D is 1/3 + 0.2.
    const co = buildNeighbours(one, { ...base, decay: 'harmonic', cooccurrence: 0.2 }).items;
    expect(Object.fromEntries(co.A!.neighbours)).toEqual({ B: 1.2, C: 0.7, D: 0.5333 });
    expect(Object.fromEntries(co.D!.neighbours)).toEqual({ C: 0.2, B: 0.2, A: 0.2 });
  });

  it('learns how often the next click returns to the k-th most recent item', () => {
    // [A, A, B, A, C, B], clicks 1..5: A (recent A: k = 0), B (new), A (recent B, A: k = 1),
    // C (new), B (recent C, A, B: k = 2). [X, Y]: Y (new).
    const sessions = [session('1', ['A', 'A', 'B', 'A', 'C', 'B']), session('2', ['X', 'Y'])];
    // 6 predicted clicks (5 + 1): k=0 once, k=1 once, k=2 once.
    expect(repeatShares(sessions, 3)).toEqual([1 / 6, 1 / 6, 1 / 6]);
    expect(repeatShares(sessions, 2)).toEqual([1 / 6, 1 / 6]);
    const built = buildNeighbours(sessions, { ...NO_RECENCY, repeatWeight: 2, repeatItems: 3 });
    expect(built.recommendations).toEqual({ repeat: [0.3333, 0.3333, 0.3333] });
    expect(repeatShares([], 2)).toEqual([0, 0]);
  });

  it('refuses bad options naming the flag', () => {
    expect(() => neighbourOptions({ k: '0' })).toThrow(
      '--k: got "0", expected a whole number from 1 to 100',
    );
    expect(() => neighbourOptions({ backward: 'x' })).toThrow('--backward: got "x"');
    expect(() => neighbourOptions({ 'repeat-weight': '-1' })).toThrow(
      '--repeat-weight: got "-1", expected a number from 0 to 10',
    );
    expect(neighbourOptions({})).toEqual(DEFAULT_NEIGHBOUR_OPTIONS);
  });
});

describe('parseSessions and timeSplit', () => {
  it('groups clicks by session in time order and skips bad rows with their line', () => {
    const log = parseSessions(
      [
        'SessionId\tItemId\tTime',
        '1\tB\t100.5',
        '1\tA\t100.0',
        '2\t\t5',
        '3\tC\tlater',
        '',
        '2\tD\t200',
        // Past the last second a Date holds (8.64e12 s): no time, so skipped (it stopped the CLI).
        '4\tE\t8640000000001',
      ].join('\n'),
      'test.tsv',
    );
    expect(log.sessions).toEqual([
      {
        id: '1',
        clicks: [
          { item: 'A', at: 100_000 },
          { item: 'B', at: 100_500 },
        ],
      },
      { id: '2', clicks: [{ item: 'D', at: 200_000 }] },
    ]);
    expect(log.clicks).toBe(3);
    expect(log.skipped).toBe(3);
    expect(log.problems).toEqual([
      'test.tsv line 4: ItemId: got "", expected an id of 1 to 100 characters',
      'test.tsv line 5: Time: got "later", expected unix seconds in [0, 8640000000000]',
      'test.tsv line 8: Time: got "8640000000001", expected unix seconds in [0, 8640000000000]',
    ]);
  });

  it('refuses a file without the header', () => {
    expect(() => parseSessions('1\tA\t5\n', 'x.tsv')).toThrow('x.tsv: header: got "1\\tA\\t5"');
  });

  it('tests on the sessions of the last days; sessions across the split are in neither part', () => {
    const a = session('a', ['A', 'B'], T0);
    const across = {
      id: 'x',
      clicks: [
        { item: 'A', at: T0 + DAY - 1 },
        { item: 'B', at: T0 + DAY + 5000 },
      ],
    };
    const b = session('b', ['C', 'D'], T0 + 2 * DAY);
    const { train, test, splitAt } = timeSplit([a, across, b], 1);
    expect(splitAt).toBe(T0 + 2 * DAY + 1000 - DAY);
    expect(train.map((s) => s.id)).toEqual(['a']);
    expect(test.map((s) => s.id)).toEqual(['b']);
  });
});
