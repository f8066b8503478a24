import { beforeEach, describe, expect, it } from 'vitest';
import {
  allowedOf,
  DAY,
  diagnostics,
  MINUTE,
  makeStore,
  NO_CAPS,
  rulesWith,
  show,
  showAll,
  START,
  TIMEOUT,
  useStateStoreHarness,
} from '../../test/support/state-store.js';
import {
  allowance,
  impressions,
  IMPRESSION_HORIZON_MS,
  sweep,
  touchSession,
  windowStarts,
  type CapRules,
  type CounterRecord,
  type Frame,
} from './caps.js';
import {
  DEFAULT_CAPS,
  MAX_IMPRESSIONS_PER_KEY,
  type CapWindow,
  type StateStoreOptions,
} from './state-store.js';

const HOUR = 3600_000;
// Tuesday 10 March 2026, 12:00 local time.
const NOW = new Date(2026, 2, 10, 12).getTime();
const frame: Frame = { now: NOW, sessionId: 4, ...windowStarts(NOW) };
const rules = (r: Partial<CapRules>): CapRules => ({
  offer: {},
  placement: {},
  overall: {},
  ...r,
});

describe('windows', () => {
  it('starts the day at local midnight and the week six calendar days before', () => {
    expect(windowStarts(NOW)).toEqual({
      day: new Date(2026, 2, 10).getTime(),
      week: new Date(2026, 2, 4).getTime(),
    });
  });

  it('continues a session within the timeout (also when the clock went back), else starts the next', () => {
    const s = { id: 3, start: NOW - HOUR, last: NOW - 10 * 60_000 };
    expect(touchSession(s, NOW, 30 * 60_000)).toEqual({ id: 3, start: NOW - HOUR, last: NOW });
    expect(touchSession(s, NOW - 2 * HOUR, 30 * 60_000).id).toBe(3);
    expect(touchSession(s, NOW + HOUR, 30 * 60_000)).toEqual({
      id: 4,
      start: NOW + HOUR,
      last: NOW + HOUR,
    });
    expect(touchSession(undefined, NOW, 1)).toEqual({ id: 1, start: NOW, last: NOW });
  });
});

describe('allowance', () => {
  const counters = new Map<string, CounterRecord>([
    // Two today, one yesterday, one eight days ago (out of every window).
    ['offer:a', { times: [NOW - 9 * DAY, NOW - DAY, NOW - HOUR, NOW - 2 * HOUR] }],
    // One this session, none today otherwise.
    ['offer:b', { times: [NOW - 3 * DAY], session: { id: 4, count: 1 } }],
    ['placement:p', { times: [NOW - HOUR, NOW - 2 * HOUR], session: { id: 4, count: 2 } }],
    ['overall', { times: [NOW - HOUR, NOW - 2 * HOUR, NOW - DAY] }],
  ]);

  it('allows an offer while every window of it has room, in candidate order', () => {
    expect(allowance(counters, 'p', ['a', 'b', 'c'], rules({ offer: { day: 2 } }), frame)).toEqual({
      allowed: ['b', 'c'],
      room: Infinity,
    });
    expect(allowance(counters, 'p', ['a', 'b', 'c'], rules({ offer: { week: 3 } }), frame)).toEqual(
      { allowed: ['b', 'c'], room: Infinity },
    );
    expect(
      allowance(counters, 'p', ['c', 'b', 'a'], rules({ offer: { session: 1 } }), frame).allowed,
    ).toEqual(['c', 'a']);
  });

  it('takes the room from the placement and overall caps; none left allows nothing', () => {
    expect(
      allowance(
        counters,
        'p',
        ['a', 'c'],
        rules({ placement: { session: 5 }, overall: { day: 3 } }),
        frame,
      ),
    ).toEqual({ allowed: ['a', 'c'], room: 1 });
    // Another placement has its own counter; the overall one is shared.
    expect(allowance(counters, 'q', ['c'], rules({ placement: { session: 2 } }), frame).room).toBe(
      2,
    );
    expect(allowance(counters, 'p', ['c'], rules({ placement: { session: 2 } }), frame)).toEqual({
      allowed: [],
      room: 0,
    });
    // A session count of an earlier session counts nothing now.
    expect(
      allowance(counters, 'p', ['c'], rules({ placement: { session: 2 } }), {
        ...frame,
        sessionId: 5,
      }).room,
    ).toBe(2);
  });
});

describe('impressions', () => {
  it('adds one per offer shown, and as many to the placement and overall as offers shown', () => {
    const counters = new Map<string, CounterRecord>([
      ['offer:a', { times: [NOW - HOUR], session: { id: 4, count: 1 } }],
      ['overall', { times: [NOW - IMPRESSION_HORIZON_MS - 1], session: { id: 3, count: 9 } }],
    ]);
    expect(impressions(counters, 'p', ['a', 'b'], frame)).toEqual([
      ['offer:a', { times: [NOW - HOUR, NOW], session: { id: 4, count: 2 } }],
      ['offer:b', { times: [NOW], session: { id: 4, count: 1 } }],
      ['placement:p', { times: [NOW, NOW], session: { id: 4, count: 2 } }],
      // The time past the horizon is pruned; the count of an old session starts again.
      ['overall', { times: [NOW, NOW], session: { id: 4, count: 2 } }],
    ]);
    expect(impressions(counters, 'p', [], frame)).toEqual([]);
  });
});

describe('sweep', () => {
  it('deletes keys with nothing left, trims stale times, keeps the rest as they are', () => {
    const fresh: CounterRecord = { times: [NOW - DAY] };
    const { kept, changed } = sweep(
      [
        ['offer:old', { times: [NOW - 9 * DAY] }],
        ['offer:mixed', { times: [NOW - 9 * DAY, NOW - HOUR] }],
        ['offer:fresh', fresh],
        // No time left, but shown in the current session: its session count must stay.
        ['placement:p', { times: [], session: { id: 4, count: 1 } }],
      ],
      NOW,
      4,
    );
    expect(changed).toEqual([
      ['offer:old', undefined],
      ['offer:mixed', { times: [NOW - HOUR] }],
    ]);
    expect([...kept.keys()]).toEqual(['offer:mixed', 'offer:fresh', 'placement:p']);
    expect(kept.get('offer:fresh')).toBe(fresh);
  });
});

// ---------------------------------------------------------------------------------------------
// The same rules through a StateStore (on fake-indexeddb), against a clock the tests move.

useStateStoreHarness();
let clock = START;
const make = (options: StateStoreOptions = {}) => makeStore(() => clock, options);
beforeEach(() => void (clock = START));

describe('caps per scope and window', () => {
  /** How the i-th impression is made, what must be blocked after two, what must stay open. */
  const scopes: Record<
    keyof CapRules,
    {
      impression: (i: number) => [placement: string, offer: string];
      probe: [string, string];
      other?: [string, string];
    }
  > = {
    offer: { impression: (i) => [`p${i}`, 'a'], probe: ['p-new', 'a'], other: ['p-new', 'b'] },
    placement: { impression: (i) => ['p', `o${i}`], probe: ['p', 'fresh'], other: ['q', 'fresh'] },
    overall: { impression: (i) => [`p${i}`, `o${i}`], probe: ['p-new', 'fresh'] },
  };
  /** When the two impressions happen, a time at which they still count, and the first time they do not. */
  const windows: Record<
    CapWindow,
    { times: () => number[]; stillBlocked: (last: number) => number; reopened: () => number }
  > = {
    session: {
      times: () => [clock, clock + MINUTE],
      stillBlocked: (last) => last + TIMEOUT - 1,
      // The blocked probe was activity too: the session ends a timeout after it.
      reopened: () => clock + TIMEOUT,
    },
    day: {
      times: () => [
        new Date(2026, 2, 25, 23, 0).getTime(),
        new Date(2026, 2, 25, 23, 50).getTime(),
      ],
      stillBlocked: () => new Date(2026, 2, 26).getTime() - 1,
      reopened: () => new Date(2026, 2, 26).getTime(),
    },
    week: {
      // Wednesday 25 March and Thursday 26 March; crosses the EU DST change of 29 March.
      times: () => [new Date(2026, 2, 25, 9, 0).getTime(), new Date(2026, 2, 26, 9, 0).getTime()],
      stillBlocked: () => new Date(2026, 2, 31, 23, 59, 59, 999).getTime(),
      // 1 April: 25 March has left the last 7 calendar days, 26 March has not (1 of 2 left).
      reopened: () => new Date(2026, 3, 1).getTime(),
    },
  };

  const cases = (Object.keys(scopes) as (keyof CapRules)[]).flatMap((scope) =>
    (Object.keys(windows) as CapWindow[]).map((window) => ({ scope, window })),
  );

  it.each(cases)(
    '$scope × $window: limit 2 blocks the third, reopens with the window',
    async ({ scope, window }) => {
      const store = make();
      const rules = rulesWith(scope, window, 2);
      const { impression, probe, other } = scopes[scope];
      const spec = windows[window];
      const times = spec.times();
      for (const [i, at] of times.entries()) {
        clock = at;
        const [placement, offer] = impression(i);
        expect(await show(store, placement, offer, rules)).toEqual([offer]);
      }
      clock = spec.stillBlocked(times[times.length - 1]!);
      expect(await allowedOf(store, probe[0], [probe[1]], rules)).toEqual([]);
      if (other) expect(await allowedOf(store, other[0], [other[1]], rules)).toEqual([other[1]]);
      clock = spec.reopened();
      expect(await allowedOf(store, probe[0], [probe[1]], rules)).toEqual([probe[1]]);
      expect(diagnostics).toEqual([]);
    },
  );

  it.each(Object.keys(scopes) as (keyof CapRules)[])('limit 0 forbids (%s)', async (scope) => {
    const store = make();
    for (const window of ['session', 'day', 'week'] as const) {
      const rules = rulesWith(scope, window, 0);
      expect(await allowedOf(store, 'p', ['a', 'b'], rules)).toEqual([]);
    }
    expect(await store.reserve('p', ['a'], rulesWith(scope, 'day', 0), showAll)).toEqual({
      shown: [],
    });
    expect((await store.contents()).counters).toEqual({});
  });

  it('an absent limit means no cap; the default caps apply per offer, placement, overall', async () => {
    const store = make();
    // Defaults: offer 2 per session.
    expect(await show(store, 'p', 'b', DEFAULT_CAPS)).toEqual(['b']);
    expect(await show(store, 'p', 'b', DEFAULT_CAPS)).toEqual(['b']);
    expect(await show(store, 'p', 'b', DEFAULT_CAPS)).toEqual([]);
    for (let i = 0; i < 40; i++) expect(await show(store, 'q', 'a', NO_CAPS)).toEqual(['a']);
    // Overall 30 per day: 42 impressions already today.
    expect(await allowedOf(store, 'other', ['c'], DEFAULT_CAPS)).toEqual([]);
  });

  it('a session ends exactly after the timeout without activity, counted from any reserve or record', async () => {
    const rules = rulesWith('offer', 'session', 1);
    const store = make();
    const t0 = clock;
    expect(await show(store, 'p', 'a', rules)).toEqual(['a']);
    clock = t0 + 20 * MINUTE;
    await store.record('z', 'p'); // activity keeps the session alive
    clock = t0 + 20 * MINUTE + TIMEOUT - 1;
    expect(await allowedOf(store, 'p', ['a'], rules)).toEqual([]);
    clock += TIMEOUT; // exactly one timeout after the last activity
    expect(await allowedOf(store, 'p', ['a'], rules)).toEqual(['a']);
    const { session } = await store.contents();
    expect(session).toEqual({ id: 2, start: clock, last: clock });
  });

  it('shares the session and the counters across tabs', async () => {
    const rules = rulesWith('offer', 'session', 1);
    const a = make();
    const b = make();
    expect(await show(a, 'p', 'x', rules)).toEqual(['x']);
    expect(await allowedOf(b, 'p', ['x', 'y'], rules)).toEqual(['y']);
    clock += TIMEOUT - 1;
    await b.reserve('p', [], rules, showAll); // tab B's activity extends the shared session
    clock += TIMEOUT - 1;
    expect(await allowedOf(a, 'p', ['x'], rules)).toEqual([]);
    clock += TIMEOUT;
    expect(await allowedOf(a, 'p', ['x'], rules)).toEqual(['x']);
  });

  it('record() counts against the offer only', async () => {
    const store = make();
    const rules: CapRules = { offer: { day: 2 }, placement: { day: 1 }, overall: { day: 1 } };
    await store.record('a', 'p');
    await store.record('a', 'p');
    expect(await allowedOf(store, 'p', ['a', 'b'], rules)).toEqual(['b']);
    const { counters } = await store.contents();
    expect(Object.keys(counters)).toEqual(['offer:a']);
    expect(counters['offer:a']!.times).toEqual([clock, clock]);
  });
});

describe('time', () => {
  it('counts impressions stamped in the future (the clock went back) and never throws', async () => {
    const store = make();
    const rules = rulesWith('offer', 'day', 1);
    expect(await show(store, 'p', 'a', rules)).toEqual(['a']);
    clock -= 2 * 60 * MINUTE;
    expect(await allowedOf(store, 'p', ['a'], rules)).toEqual([]);
    clock -= 3 * DAY;
    expect(await allowedOf(store, 'p', ['a'], rulesWith('offer', 'week', 1))).toEqual([]);
    expect(await allowedOf(store, 'p', ['a'], rulesWith('offer', 'session', 1))).toEqual([]);
  });

  it('treats an impression more than 8 days ahead as made now, so it expires in time', async () => {
    const store = make();
    const rules = rulesWith('offer', 'day', 1);
    const start = new Date(2026, 2, 25, 12, 0);
    expect(await show(store, 'p', 'a', rules)).toEqual(['a']);
    clock = new Date(2026, 1, 20, 12, 0).getTime(); // a month back
    expect(await allowedOf(store, 'p', ['a'], rules)).toEqual([]);
    clock = new Date(2026, 1, 21, 0, 0).getTime(); // the next local day of the new clock
    expect(await allowedOf(store, 'p', ['a'], rules)).toEqual(['a']);
    expect(start.getTime()).toBeGreaterThan(clock);
  });

  it('a jump forward beyond the timeout starts a new session', async () => {
    const store = make();
    const rules = rulesWith('offer', 'session', 1);
    await show(store, 'p', 'a', rules);
    clock += 8 * DAY + 1;
    expect(await allowedOf(store, 'p', ['a'], rules)).toEqual(['a']);
  });
});

describe('bounded storage', () => {
  it('keeps at most the newest impression times per key, within 8 days', async () => {
    const store = make();
    const first = clock;
    for (let i = 0; i < MAX_IMPRESSIONS_PER_KEY + 20; i++) {
      clock = first + i;
      await show(store, 'p', 'a', NO_CAPS);
    }
    const { counters } = await store.contents();
    expect(counters['offer:a']!.times).toHaveLength(MAX_IMPRESSIONS_PER_KEY);
    expect(counters['offer:a']!.times[0]).toBe(first + 20);
    expect(counters['offer:a']!.session!.count).toBe(MAX_IMPRESSIONS_PER_KEY + 20);
    clock += 5 * DAY;
    await show(store, 'p', 'a', NO_CAPS);
    const kept = (await store.contents()).counters['offer:a']!.times;
    expect(kept).toHaveLength(MAX_IMPRESSIONS_PER_KEY);
    expect(kept[0]).toBe(first + 21);
    expect(kept[kept.length - 1]).toBe(clock);
    clock += 4 * DAY;
    await show(store, 'p', 'a', NO_CAPS);
    expect((await store.contents()).counters['offer:a']!.times).toEqual([clock - 4 * DAY, clock]);
  });

  it('deletes keys without an impression in 8 days, once a day', async () => {
    const store = make();
    await show(store, 'p', 'old', NO_CAPS);
    clock += 7 * DAY;
    await show(store, 'q', 'recent', NO_CAPS);
    clock += 1.5 * DAY;
    await store.record('x', 'r');
    const keys = Object.keys((await store.contents()).counters).sort();
    expect(keys).toEqual(['offer:recent', 'offer:x', 'overall', 'placement:q']);
  });
});
