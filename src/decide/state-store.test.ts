import {
  forceCloseDatabase,
  IDBDatabase as FakeDatabase,
  IDBObjectStore as FakeStore,
  IDBOpenDBRequest as FakeOpenRequest,
  IDBTransaction as FakeTransaction,
} from 'fake-indexeddb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames } from '../../test/support/fake-idb.js';
import {
  allowedOf,
  codes,
  DAY,
  diagnostics,
  makeStore,
  MINUTE,
  NO_CAPS,
  rulesWith,
  show,
  showAll,
  START,
  TIMEOUT,
  useStateStoreHarness,
} from '../../test/support/state-store.js';
import { OfferwiseError } from '../util/errors.js';
import {
  DEFAULT_CAPS,
  DEFAULT_STATE_DB_NAME,
  StateStore,
  type CapRules,
  type StateStoreOptions,
} from './state-store.js';
import type { Decision } from './types.js';

// The decision state as stored: reservations in one transaction across tabs, the copy of the
// counters, claims, decisions and the seed, export and forget, and the memory fallback. What the
// cap windows allow is tested in caps.test.ts.

useStateStoreHarness();
let clock = START;
const make = (options: StateStoreOptions = {}) => makeStore(() => clock, options);
beforeEach(() => void (clock = START));

describe('reserve and choose', () => {
  it('choose sees only the allowed offers, in order, and exactly what it returns is recorded', async () => {
    const store = make();
    const rules: CapRules = { offer: { session: 1 }, placement: { session: 3 }, overall: {} };
    await show(store, 'p', 'a', rules);
    const seen: [string[], number][] = [];
    const result = { shown: ['c'], extra: 42 };
    const returned = await store.reserve('p', ['a', 'b', 'c', 'b'], rules, (allowed, room) => {
      seen.push([allowed, room]);
      return result;
    });
    expect(returned).toBe(result);
    expect(seen).toEqual([[['b', 'c'], 2]]);
    const { counters } = await store.contents();
    expect(Object.keys(counters).sort()).toEqual(['offer:a', 'offer:c', 'overall', 'placement:p']);
    expect(counters['offer:c']!.times).toEqual([clock]);
    expect(counters['placement:p']!.times).toEqual([clock, clock]);
    expect(counters['overall']!.session!.count).toBe(2);
  });

  it('records the placement and overall once per shown offer', async () => {
    const store = make();
    const rules: CapRules = { offer: {}, placement: { session: 3 }, overall: {} };
    await store.reserve('p', ['a', 'b'], rules, showAll);
    let room = -1;
    expect(
      await store.reserve('p', ['c', 'd'], rules, (allowed, r) => {
        room = r;
        return { shown: allowed.slice(0, r) };
      }),
    ).toEqual({ shown: ['c'] });
    expect(room).toBe(1);
    expect(await allowedOf(store, 'p', ['e'], rules)).toEqual([]);
    expect((await store.contents()).counters['overall']!.times).toHaveLength(3);
  });

  it('records more than the room when choose insists, with a diagnostic', async () => {
    const store = make();
    const rules: CapRules = { offer: {}, placement: { session: 1 }, overall: {} };
    expect(await store.reserve('p', ['a', 'b'], rules, showAll)).toEqual({ shown: ['a', 'b'] });
    expect(codes()).toEqual(['state_room_exceeded']);
    expect((await store.contents()).counters['placement:p']!.times).toHaveLength(2);
  });

  it('records nothing and rethrows when choose throws', async () => {
    const store = make();
    await show(store, 'p', 'a', NO_CAPS);
    clock += 5 * MINUTE;
    const before = await store.contents();
    const boom = new Error('boom');
    await expect(
      store.reserve('p', ['a', 'b'], NO_CAPS, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await store.contents()).toEqual(before); // not even the session's activity
    expect(diagnostics).toEqual([]);
  });

  it.each([
    ['an offer that was not allowed', () => ({ shown: ['z'] })],
    ['the same offer twice', () => ({ shown: ['a', 'a'] })],
    ['no shown array', () => ({}) as { shown: string[] }],
    ['a promise', () => Promise.resolve({ shown: [] }) as unknown as { shown: string[] }],
  ])('rejects a choose that returns %s, recording nothing', async (_name, choose) => {
    const store = make();
    const rules = rulesWith('offer', 'session', 5);
    const error = await store.reserve('p', ['a', 'b'], rules, choose).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfferwiseError);
    expect((error as OfferwiseError).code).toBe('invalid_input');
    expect((await store.contents()).counters).toEqual({});
    expect((await store.contents()).session).toBeNull();
  });

  it('rejects invalid arguments as programmer errors', async () => {
    const store = make();
    await expect(store.reserve('', ['a'], NO_CAPS, showAll)).rejects.toMatchObject({
      code: 'invalid_input',
      field: 'reserve().placement',
    });
    await expect(
      store.reserve('p', ['a'], { ...NO_CAPS, offer: { day: -1 } }, showAll),
    ).rejects.toMatchObject({ code: 'invalid_input', field: 'reserve().rules.offer.day' });
    await expect(store.reserve('p', [''], NO_CAPS, showAll)).rejects.toMatchObject({
      field: 'reserve().candidates[0]',
    });
    await expect(
      store.reserve('p', ['a', 7 as unknown as string], NO_CAPS, showAll),
    ).rejects.toMatchObject({ code: 'invalid_input', field: 'reserve().candidates[1]' });
    await expect(store.record('a', '')).rejects.toMatchObject({ code: 'invalid_input' });
    expect(() => new StateStore({ sessionTimeoutMs: 0 })).toThrow(OfferwiseError);
  });

  it('two tabs reserving at once never both show an offer past its cap (20 rounds)', async () => {
    const rules: CapRules = { offer: { session: 1 }, placement: {}, overall: {} };
    const a = make();
    const b = make();
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all([
        a.reserve('p', ['hot'], rules, showAll),
        b.reserve('hero', ['hot'], rules, showAll),
      ]);
      expect(results.flatMap((r) => r.shown)).toEqual(['hot']);
      clock += TIMEOUT; // next session: the cap opens again
    }
    const { counters, storage } = await a.contents();
    expect(storage).toBe('indexeddb');
    expect(counters['offer:hot']!.times).toHaveLength(20);
    expect(diagnostics).toEqual([]);
  });
});

describe('the copy of the counters', () => {
  /** Counts `getAll` requests on the counters store (the full read `reserve` saves). */
  function countCounterReads(): () => number {
    let reads = 0;
    const getAll = FakeStore.prototype.getAll;
    vi.spyOn(FakeStore.prototype, 'getAll').mockImplementation(function (
      this: InstanceType<typeof FakeStore>,
      ...args: Parameters<typeof getAll>
    ) {
      if (this.name === 'counters') reads++;
      return getAll.apply(this, args);
    });
    return () => reads;
  }

  it('reads every counter once, then only while another tab (or record) changed them', async () => {
    const rules = rulesWith('offer', 'day', 2);
    const reads = countCounterReads();
    const a = make();
    const b = make();
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']);
    expect(reads()).toBe(1); // nothing copied yet
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']);
    expect(reads()).toBe(1); // this tab's own commit is the copy: no read
    expect(await show(a, 'p', 'x', rules)).toEqual([]); // capped, from the copy
    expect(reads()).toBe(1);
    // Tab B shows y: tab A's copy is stale and must not be used.
    expect(await show(b, 'p', 'y', rules)).toEqual(['y']);
    expect(reads()).toBe(2);
    expect(await allowedOf(a, 'p', ['x', 'y', 'z'], rules)).toEqual(['y', 'z']);
    expect(reads()).toBe(3);
    expect(await show(b, 'p', 'y', rules)).toEqual(['y']);
    expect(await allowedOf(a, 'p', ['x', 'y', 'z'], rules)).toEqual(['z']);
    // record() changes a counter: this tab's copy follows it (no read), and the next reserve sees it.
    await a.record('z', 'p');
    await a.record('z', 'p');
    const before = reads();
    expect(await allowedOf(a, 'p', ['x', 'y', 'z'], rules)).toEqual([]);
    expect(reads()).toBe(before);
    // Another tab's record() is seen as well: its count, read from the store.
    await b.record('w', 'p');
    await b.record('w', 'p');
    expect(await allowedOf(a, 'p', ['w', 'v'], rules)).toEqual(['v']);
    expect(reads()).toBe(before + 1);
    expect(diagnostics).toEqual([]);
  });

  it('chooses from a stale copy at most once: another tab’s reservation between the copy and the transaction is seen', async () => {
    const rules = rulesWith('offer', 'session', 1);
    const a = make();
    const b = make();
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']); // A's copy: x shown, y not
    const calls: string[][] = [];
    // B's reservation of y is asked for first, so its transaction runs first; A's is asked for
    // at once after, while its copy (made before B's) still says y is free, and chooses from it.
    const [fromB, fromA] = await Promise.all([
      show(b, 'hero', 'y', rules),
      a.reserve('p', ['x', 'y', 'z'], rules, (allowed) => {
        calls.push(allowed);
        return { shown: allowed.filter((id) => id !== 'z') };
      }),
    ]);
    expect(fromB).toEqual(['y']);
    // First from the stale copy (y allowed), then, that transaction aborted with nothing written,
    // from what is stored: y was shown by B, so A shows nothing.
    expect(calls).toEqual([['y', 'z'], ['z']]);
    expect(fromA.shown).toEqual([]);
    const { counters } = await a.contents();
    expect(counters['offer:y']!.times).toEqual([clock]); // B's impression only
    expect(counters['offer:z']).toBeUndefined();
    expect(counters['placement:p']!.times).toEqual([clock]); // x; nothing of the aborted attempt
    expect(counters['overall']!.session!.count).toBe(2); // x and y
    // The copy is current again: the next reservation chooses once, from it.
    calls.length = 0;
    await a.reserve('p', ['y', 'z'], rules, (allowed) => {
      calls.push(allowed);
      return { shown: allowed };
    });
    expect(calls).toEqual([['z']]);
    expect(diagnostics).toEqual([]);
  });

  it('two reservations at once in one tab: the second sees the first, from one copy', async () => {
    const rules = rulesWith('offer', 'session', 1);
    const a = make();
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']);
    const results = await Promise.all([
      show(a, 'p', 'y', rules),
      show(a, 'hero', 'y', rules),
      show(a, 'side', 'y', rules),
    ]);
    expect(results.flat()).toEqual(['y']);
    expect((await make().contents()).counters['offer:y']!.times).toHaveLength(1);
  });

  it('a stale copy never overwrites what another tab wrote to the meta record', async () => {
    const a = make();
    const b = make();
    await show(a, 'p', 'x', NO_CAPS); // A has a copy of meta and the counters
    // Each time B changes the meta record after A's copy was made, then A reserves from its
    // copy, finds it stale, and reserves again from the stored record, keeping B's change.
    // 1. The day's group-report draw.
    expect(
      await b.groupReport({ group: 1, day: 20_000, key: 'k/1', k: 4, epsilon: 1 }, () => 0.1),
    ).toBe(1);
    await show(a, 'p', 'y', NO_CAPS);
    expect((await make().contents()).groupReport).toEqual({
      day: 20_000,
      key: 'k/1',
      draws: [{ group: 1, reported: 1 }],
    });
    // 2. The shopper's seed, which A's copy does not have.
    const seed = await b.shopperSeed();
    await show(a, 'p', 'z', NO_CAPS);
    expect((await make().contents()).seed).toBe(seed);
    // 3. A saved decision, after 31 minutes without activity: B begins session 2; A, a minute
    // later, continues it (from its copy it would have begun one of its own at its own time).
    clock += 31 * MINUTE;
    await b.saveDecision({
      decisionId: 'd-b',
      placement: 'hero',
      offers: [],
      modelVersion: 'm',
      source: 'model',
      at: clock,
    });
    const begun = clock;
    clock += MINUTE;
    await show(a, 'p', 'w', NO_CAPS);
    expect((await make().contents()).session).toEqual({ id: 2, start: begun, last: clock });
    expect(await a.shopperSeed()).toBe(seed);
    expect(await a.lastDecision('hero')).toMatchObject({ decisionId: 'd-b' });
    expect(diagnostics).toEqual([]);
  });

  it('keeps its copy through its own seed, group report and saved decision (no counters read)', async () => {
    const reads = countCounterReads();
    const a = make();
    await show(a, 'p', 'x', NO_CAPS);
    expect(reads()).toBe(1);
    await a.shopperSeed();
    await a.groupReport({ group: 0, day: 20_000, key: 'k/1', k: 4, epsilon: 1 }, () => 0.1);
    await a.saveDecision({
      decisionId: 'd-a',
      placement: 'hero',
      offers: [],
      modelVersion: 'm',
      source: 'model',
      at: clock,
    });
    let calls = 0;
    await a.reserve('p', ['y'], NO_CAPS, (allowed) => {
      calls++;
      return { shown: allowed };
    });
    expect(calls).toBe(1); // chosen from the copy, which was current
    expect(reads()).toBe(1);
    const state = await make().contents();
    expect(state.groupReport?.draws).toEqual([{ group: 0, reported: 0 }]);
    expect(Object.keys(state.counters).sort()).toEqual([
      'offer:x',
      'offer:y',
      'overall',
      'placement:p',
    ]);
    expect(state.decisions['hero']).toMatchObject({ decisionId: 'd-a' });
  });

  it('returns once its writes are queued; a commit that fails later is reported and not counted', async () => {
    const rules = rulesWith('offer', 'session', 1);
    const a = make();
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']);
    // The next reservation's commit fails after reserve() resolved (as an I/O error would).
    const commit = vi.spyOn(FakeTransaction.prototype, 'commit').mockImplementationOnce(function (
      this: InstanceType<typeof FakeTransaction>,
    ) {
      this.abort();
    });
    expect(await show(a, 'p', 'y', rules)).toEqual(['y']);
    await vi.waitFor(() => expect(codes()).toContain('state_commit_failed'));
    commit.mockRestore();
    // y's impression was not counted (and the copy of the counters is not trusted): y is
    // allowed again, x still is not.
    expect(await allowedOf(a, 'p', ['x', 'y'], rules)).toEqual(['y']);
    expect(await allowedOf(make(), 'p', ['x', 'y'], rules)).toEqual(['y']);
  });

  it('a failed transaction leaves the copy as it was (what the database still holds)', async () => {
    const rules = rulesWith('offer', 'session', 1);
    const a = make();
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']);
    await expect(
      a.reserve('p', ['y'], rules, () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await allowedOf(a, 'p', ['x', 'y'], rules)).toEqual(['y']);
    expect(await allowedOf(make(), 'p', ['x', 'y'], rules)).toEqual(['y']);
  });

  it('after forget() nothing of the old counters is used', async () => {
    const rules = rulesWith('offer', 'session', 1);
    const a = make();
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']);
    await a.forget();
    expect(await allowedOf(a, 'p', ['x'], rules)).toEqual(['x']);
  });
});

describe('claims, decisions, seed', () => {
  it('counts claims per offer, shared by tabs', async () => {
    const a = make();
    expect(await a.claims('c1')).toBe(0);
    expect(await a.addClaim('c1')).toBe(1);
    const b = make();
    const [x, y] = await Promise.all([a.addClaim('c1'), b.addClaim('c1')]);
    expect([x, y].sort()).toEqual([2, 3]);
    expect(await b.claims('c1')).toBe(3);
    expect(await b.claims('c2')).toBe(0);
  });

  it('keeps the last decision per placement', async () => {
    const decision: Decision = {
      decisionId: 'd1',
      placement: 'hero',
      offers: [
        { offerId: 'a', score: 0.4, propensity: 0.8, explanation: 'Because you like shoes' },
      ],
      modelVersion: 'm1',
      source: 'model',
      at: clock,
    };
    const a = make();
    await a.saveDecision(decision);
    const b = make();
    expect(await b.lastDecision('hero')).toEqual(decision);
    expect(await b.lastDecision('sidebar')).toBeUndefined();
    await b.saveDecision({ ...decision, decisionId: 'd2', offers: [], holdout: true });
    expect(await a.lastDecision('hero')).toMatchObject({ decisionId: 'd2', holdout: true });
  });

  it('keeps the last decision for its session only', async () => {
    let now = clock;
    const store = new StateStore({ now: () => now });
    try {
      const decision: Decision = {
        decisionId: 'd1',
        placement: 'hero',
        offers: [{ offerId: 'a', score: 0.4, propensity: 0.8, explanation: 'x' }],
        modelVersion: 'm1',
        source: 'model',
        at: now,
      };
      await store.saveDecision(decision);
      now += 29 * 60_000; // still the session (30 minutes of inactivity end it)
      expect(await store.lastDecision('hero')).toEqual(decision);
      now += 31 * 60_000; // 31 minutes after the last activity: a new visit
      expect(await store.lastDecision('hero')).toBeUndefined();
      // Activity in the new session does not bring the old decision back.
      await store.reserve('other', ['a'], DEFAULT_CAPS, () => ({ shown: [] }));
      expect(await store.lastDecision('hero')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('draws the shopper seed once per database', async () => {
    const a = make();
    const seed = await a.shopperSeed();
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
    expect(await a.shopperSeed()).toBe(seed);
    const [b, c] = [make(), make()];
    expect(await Promise.all([b.shopperSeed(), c.shopperSeed()])).toEqual([seed, seed]);
    const other = make({ dbName: 'another-shop' });
    expect(await other.shopperSeed()).not.toBe(seed);
    expect((await databaseNames()).sort()).toEqual(['another-shop', DEFAULT_STATE_DB_NAME]);
  });
});

describe('the group report memo', () => {
  // A random source that replays the given draws: k = 4, ε = 1: p = e / (e + 3) = 0.475367, so a
  // first draw of 0.9 reports another group (the second draw, 0.5, picks index 1 of the 3 others),
  // and 0.1 reports the true one.
  const draws =
    (...values: number[]) =>
    () =>
      values.shift() ?? 0.1;
  const today = { day: 20_000, key: 'abcdef012345/1', k: 4, epsilon: 1 };

  it('repeats the day’s draw for a group in every tab, at most 3 groups a day, anew each day', async () => {
    const a = make();
    const b = make(); // another tab
    expect(await a.groupReport({ ...today, group: 0 }, draws(0.9, 0.5))).toBe(2);
    // Any later report of group 0 today, in either tab, repeats 2 without drawing.
    expect(await b.groupReport({ ...today, group: 0 }, draws(0.1))).toBe(2);
    expect(await a.groupReport({ ...today, group: 0 }, draws(0.1))).toBe(2);
    expect(await b.groupReport({ ...today, group: 3 }, draws(0.1))).toBe(3);
    expect(await a.groupReport({ ...today, group: 1 }, draws(0.1))).toBe(1);
    // A fourth group the same day: nothing (the daily budget is 3 draws, ≤ 3ε).
    expect(await a.groupReport({ ...today, group: 2 }, draws(0.1))).toBeUndefined();
    expect((await b.contents()).groupReport).toEqual({
      ...{ day: today.day, key: today.key },
      draws: [
        { group: 0, reported: 2 },
        { group: 3, reported: 3 },
        { group: 1, reported: 1 },
      ],
    });
    // A new day, or another segments file or ε, starts over.
    expect(await a.groupReport({ ...today, day: today.day + 1, group: 2 }, draws(0.1))).toBe(2);
    expect(await a.groupReport({ ...today, key: 'abcdef012345/2', group: 0 }, draws(0.1))).toBe(0);
    expect(await b.groupReport({ ...today, key: 'abcdef012345/2', group: 0 }, draws(0.9, 0))).toBe(
      0,
    );
  });

  it('reports nothing when the memo cannot outlive the page (memory), and refuses a bad group', async () => {
    const memory = make({ memoryOnly: true });
    expect(await memory.groupReport({ ...today, group: 0 }, draws(0.1))).toBeUndefined();
    expect((await memory.contents()).groupReport).toBeNull();
    const store = make();
    await expect(store.groupReport({ ...today, group: 4 })).rejects.toThrow(
      'groupReport().group: got 4, expected a group from 0 to 3',
    );
    await expect(store.groupReport({ ...today, group: 0, epsilon: 0 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    // forget() deletes the memo with the database.
    await store.groupReport({ ...today, group: 0 }, draws(0.1));
    await store.forget();
    expect((await store.contents()).groupReport).toBeNull();
  });
});

describe('contents and forget', () => {
  it('returns everything stored, JSON-serialisable', async () => {
    const store = make();
    await show(store, 'p', 'a', NO_CAPS);
    await store.addClaim('a');
    const decision: Decision = {
      decisionId: 'd',
      placement: 'p',
      offers: [],
      modelVersion: 'none',
      source: 'fallback',
      at: clock,
    };
    await store.saveDecision(decision);
    const seed = await store.shopperSeed();
    const contents = await store.contents();
    expect(JSON.parse(JSON.stringify(contents))).toEqual(contents);
    expect(contents).toEqual({
      storage: 'indexeddb',
      session: { id: 1, start: clock, last: clock },
      seed,
      counters: {
        'offer:a': { times: [clock], session: { id: 1, count: 1 } },
        'placement:p': { times: [clock], session: { id: 1, count: 1 } },
        overall: { times: [clock], session: { id: 1, count: 1 } },
      },
      claims: { a: 1 },
      decisions: { p: decision },
      groupReport: null,
    });
  });

  it('forget() deletes the database, even with another tab open', async () => {
    const a = make();
    const b = make();
    await show(a, 'p', 'x', NO_CAPS);
    const seed = await b.shopperSeed();
    await a.forget();
    expect(await databaseNames()).toEqual([]);
    expect(diagnostics).toEqual([]);
    // Later use starts afresh.
    expect((await a.contents()).counters).toEqual({});
    expect(await a.shopperSeed()).not.toBe(seed);
  });

  it('close() makes later calls reject with destroyed', async () => {
    const store = make();
    await store.claims('a');
    store.close();
    await expect(store.claims('a')).rejects.toMatchObject({ code: 'destroyed' });
  });
});

describe('degrading to memory', () => {
  it('works in memory when indexedDB.open throws, exact within the tab', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The user denied permission', 'SecurityError');
    });
    const store = make();
    const rules = rulesWith('offer', 'session', 1);
    const results = await Promise.all([
      store.reserve('p', ['hot'], rules, showAll),
      store.reserve('q', ['hot'], rules, showAll),
    ]);
    expect(results.flatMap((r) => r.shown)).toEqual(['hot']);
    expect(await store.addClaim('a')).toBe(1);
    const seed = await store.shopperSeed();
    expect(await store.shopperSeed()).toBe(seed);
    const first = await store.reserve('p', ['a'], NO_CAPS, () => ({ shown: ['a'] }));
    expect(first.shown).toEqual(['a']);
    const boom = new Error('boom');
    await expect(
      store.reserve('p', ['b'], NO_CAPS, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const contents = await store.contents();
    expect(contents.storage).toBe('memory');
    expect(Object.keys(contents.counters).sort()).toEqual([
      'offer:a',
      'offer:hot',
      'overall',
      'placement:p',
    ]);
    expect(codes()).toEqual(['state_fallback']);
    expect(diagnostics[0]!.message).toContain('SecurityError');
  });

  it('is ready within 3 s when indexedDB.open hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(indexedDB, 'open').mockImplementation(() => new FakeOpenRequest() as IDBOpenDBRequest);
    const store = make();
    let done = false;
    const contents = store.contents().then((c) => {
      done = true;
      return c;
    });
    await vi.advanceTimersByTimeAsync(2999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await contents).storage).toBe('memory');
    expect(codes()).toEqual(['state_fallback']);
    expect(diagnostics[0]!.message).toContain('within 3000 ms');
  });

  it('falls back when a transaction fails, keeping what the database held', async () => {
    const store = make();
    const rules = rulesWith('offer', 'day', 1);
    expect(await show(store, 'p', 'a', rules)).toEqual(['a']);
    const seed = await store.shopperSeed();
    const put = FakeStore.prototype.put;
    vi.spyOn(FakeStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (this.name === 'counters') throw new DOMException('Quota exceeded', 'QuotaExceededError');
      return put.apply(this, args);
    });
    const calls: string[][] = [];
    const result = await store.reserve('p', ['a', 'b'], rules, (allowed) => {
      calls.push(allowed);
      return { shown: allowed };
    });
    expect(result.shown).toEqual(['b']);
    expect(calls).toEqual([['b'], ['b']]); // once on the database, once again in memory
    expect(codes()).toEqual(['state_fallback']);
    expect(diagnostics[0]!.message).toContain('QuotaExceededError');
    vi.restoreAllMocks();
    const contents = await store.contents();
    expect(contents.storage).toBe('memory');
    expect(contents.seed).toBe(seed);
    expect(contents.counters['offer:a']!.times).toEqual([clock]);
    expect(contents.counters['offer:b']!.times).toEqual([clock]);
    expect(await allowedOf(store, 'p', ['a', 'b', 'c'], rules)).toEqual(['c']);
    // Nothing of the failed reservation reached the database.
    const disk = make();
    expect((await disk.contents()).counters['offer:b']).toBeUndefined();
  });

  it('reopens a connection the browser closed and retries once', async () => {
    let connection: IDBDatabase | undefined;
    const transaction = FakeDatabase.prototype.transaction;
    vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      ...args
    ) {
      connection = this;
      return transaction.apply(this, args as never);
    });
    const store = make();
    await show(store, 'p', 'a', NO_CAPS);
    forceCloseDatabase(connection as never);
    await show(store, 'p', 'b', NO_CAPS);
    const contents = await store.contents();
    expect(contents.storage).toBe('indexeddb');
    expect(Object.keys(contents.counters)).toContain('offer:b');
    expect(codes()).not.toContain('state_fallback');
  });

  it('steps aside for an upgrade in another tab, then degrades to memory', async () => {
    const store = make();
    await show(store, 'p', 'a', NO_CAPS);
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(DEFAULT_STATE_DB_NAME, 7);
      req.onupgradeneeded = () => req.result.createObjectStore('future');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    newer.close();
    expect(await show(store, 'p', 'b', NO_CAPS)).toEqual(['b']);
    expect((await store.contents()).storage).toBe('memory');
    expect(
      diagnostics.some((d) => d.code === 'state_fallback' && d.message.includes('VersionError')),
    ).toBe(true);
  });
});

describe('schema version 2', () => {
  it('opens a version 1 database as it is: its counters, session and seed carry on', async () => {
    // As v1 code left it: x shown once this session, the seed drawn, the sweep done today.
    const v1 = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(DEFAULT_STATE_DB_NAME, 1);
      req.onupgradeneeded = () => {
        for (const table of ['counters', 'meta', 'claims', 'decisions']) {
          req.result.createObjectStore(table);
        }
        const tx = req.transaction!;
        tx.objectStore('counters').put({ times: [clock], session: { id: 4, count: 1 } }, 'offer:x');
        tx.objectStore('meta').put(
          {
            session: { id: 4, start: clock - MINUTE, last: clock },
            seed: 1234,
            sweptAt: clock,
            rev: 'v1-rev',
          },
          'meta',
        );
        tx.objectStore('claims').put(2, 'x');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    v1.close();
    const store = make();
    const rules = rulesWith('offer', 'session', 1);
    expect(await allowedOf(store, 'p', ['x', 'y'], rules)).toEqual(['y']);
    expect(await store.shopperSeed()).toBe(1234);
    expect(await store.claims('x')).toBe(2);
    const state = await store.contents();
    expect(state.storage).toBe('indexeddb');
    expect(state.session).toEqual({ id: 4, start: clock - MINUTE, last: clock });
    const version = await new Promise<number>((resolve, reject) => {
      const req = indexedDB.open(DEFAULT_STATE_DB_NAME);
      req.onsuccess = () => {
        resolve(req.result.version);
        req.result.close();
      };
      req.onerror = () => reject(req.error);
    });
    expect(version).toBe(2);
    expect(diagnostics).toEqual([]);
  });
});
