// The demo collector (demo/collector.mjs, plain Node) against the SDK's wire format
// (src/feedback/wire.ts): the same fields and precision, what the SDK builds is stored unchanged,
// anything else is dropped; and the collector's bounded structures on their own.
import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_EVENT_FIELDS,
  BATCH_FIELDS,
  EVENT_FIELDS,
  EVENT_TYPES,
  GROUP_BOUNDS,
  GROUP_FIELDS,
  IdMemory,
  ORDER_FIELDS,
  POLICY_ID,
  PRECISION,
  RateLimiter,
  RecentLog,
  validateBatch,
  validateEvent,
  validateOrder,
} from '../../demo/collector.mjs';
import {
  FEEDBACK_TYPES,
  GROUP_EPSILON_DECIMALS,
  GROUP_SET,
  MAX_GROUP_EPSILON,
  MAX_GROUP_K,
  MAX_POLICIES,
  POLICY_DECIMALS,
  POLICY_NAME,
  PROPENSITY_DECIMALS,
  TIME_PRECISION_MS,
  toWireBatch,
  toWireEvent,
  uuidv4,
  WIRE_FIELDS,
} from '../../src/feedback/wire.js';

const NOW = Date.UTC(2026, 10, 20, 12, 34, 56, 789);
const DAY = 86_400_000;

describe('the collector accepts exactly the SDK’s wire format', () => {
  it('has the same field lists, types and precision as src/feedback/wire.ts', () => {
    expect([...BATCH_FIELDS]).toEqual([...WIRE_FIELDS.batch]);
    expect([...EVENT_FIELDS]).toEqual([...WIRE_FIELDS.full]);
    expect([...ANONYMOUS_EVENT_FIELDS]).toEqual([...WIRE_FIELDS.anonymous]);
    expect([...EVENT_TYPES]).toEqual([...FEEDBACK_TYPES]);
    expect(POLICY_ID.source).toBe(POLICY_NAME.source);
    expect([...GROUP_FIELDS]).toEqual(WIRE_FIELDS.full.slice(-4));
    expect(GROUP_BOUNDS).toEqual({
      maxK: MAX_GROUP_K,
      maxEpsilon: MAX_GROUP_EPSILON,
      epsilonDecimals: GROUP_EPSILON_DECIMALS,
      set: GROUP_SET,
    });
    expect(PRECISION).toEqual({
      propensityDecimals: PROPENSITY_DECIMALS,
      policyDecimals: POLICY_DECIMALS,
      fullTimeMs: TIME_PRECISION_MS.full,
      anonymousTimeMs: TIME_PRECISION_MS.anonymous,
    });
    const five = { a: 0.1, b: 0.1, c: 0.1, d: 0.1, e: 0.1 };
    expect(Object.keys(five).length).toBe(MAX_POLICIES + 1);
    const event = { ...full(), policies: five };
    expect(validateEvent(event, 'e', NOW).error).toBe(
      `e.policies: got ${JSON.stringify(five)}, expected at most ${MAX_POLICIES} policies`,
    );
  });

  const input = {
    type: 'impression' as const,
    decisionId: 'a4f1c2d0-5b7e-4c1a-9f3e-2d6b8a0c4e17',
    offerId: 'c-shoes-15',
    placement: 'category-shoes',
    propensity: 0.6182,
    modelVersion: 'd98eb637c883',
    at: NOW - 1_234,
    policies: { greedy: 0.62, 'big-discount': 0 },
    group: 3,
    groupK: 8,
    groupEpsilon: 2,
    groupSet: '5e1f0a9c3b7d',
  };
  function full() {
    return toWireEvent(input, uuidv4(), NOW, 'full') as unknown as Record<string, unknown>;
  }

  it('stores what the SDK builds unchanged, in both modes, batch header included', () => {
    const events = [
      toWireEvent(input, uuidv4(), NOW, 'full'),
      toWireEvent(input, uuidv4(), NOW, 'anonymous'),
    ];
    const anonymous = events[1] as unknown as Record<string, unknown>;
    expect(Object.keys(anonymous)).toEqual([...WIRE_FIELDS.anonymous]);
    const wire = toWireBatch('full', NOW, events, {
      id: uuidv4(),
      counts: { rejected: 1, http_404: 2 },
    });
    const checked = validateBatch(JSON.parse(JSON.stringify(wire)), NOW);
    expect(checked.error).toBeUndefined();
    if (checked.error !== undefined) return;
    expect(checked.invalid).toEqual([]);
    expect(checked.events).toEqual(events);
    expect({ ...checked.header, events: checked.events }).toEqual(wire);
  });

  it('drops unknown fields at both levels, and keeps no finer numbers than the wire carries', () => {
    const checked = validateBatch(
      {
        v: 1,
        sentAt: NOW,
        events: [
          { ...full(), shopper: { email: 'a@example.com' }, receivedAt: 0, candidates: [] },
          // As an older SDK sent them: 6 digits and milliseconds.
          { ...full(), propensity: 0.185_234, at: NOW - 1, policies: { greedy: 0.123_456 } },
          { ...full(), decisionId: undefined, policies: { greedy: 0.5 }, at: NOW - 1 },
          { ...full(), groupEpsilon: 1.239 },
        ],
        dropped: {},
        receivedAt: '1999-01-01T00:00:00.000Z',
        shopper: { email: 'a@example.com' },
      },
      NOW,
    );
    if (checked.error !== undefined) throw new Error(checked.error);
    expect(Object.keys(checked.header)).toEqual(['v', 'sentAt', 'dropped']);
    expect(checked.header.sentAt).toBe(NOW - 789);
    const [first, old, anonymous, fine] = checked.events;
    expect(Object.keys(first!)).toEqual([...WIRE_FIELDS.full]);
    expect([old!.propensity, old!.at, old!.policies]).toEqual([
      0.1852,
      NOW - 789,
      { greedy: 0.12 },
    ]);
    // No decision id: anonymous, so no policies, no group and the hour only.
    expect(Object.keys(anonymous!)).toEqual([...WIRE_FIELDS.anonymous]);
    expect(fine!.groupEpsilon).toBe(1.24);
    expect(anonymous!.at).toBe(Date.UTC(2026, 10, 20, 12));
  });

  it('refuses what the wire cannot carry, naming the field, the value and what was expected', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ propensity: 0 }, 'e.propensity: got 0, expected a probability in (0, 1], at least 0.0001'],
      [
        { propensity: 0.00004 },
        'e.propensity: got 0.00004, expected a probability in (0, 1], at least 0.0001',
      ],
      [
        { propensity: '0.5' },
        'e.propensity: got "0.5", expected a probability in (0, 1], at least 0.0001',
      ],
      [{ type: 'purchase' }, 'e.type: got "purchase", expected impression, click, claim, dismiss'],
      [{ id: '' }, 'e.id: got "", expected a non-empty string of at most 200 characters'],
      [
        { modelVersion: 7 },
        'e.modelVersion: got 7, expected a non-empty string of at most 200 characters',
      ],
      [{ policies: [0.5] }, 'e.policies: got [0.5], expected an object of policy → probability'],
      [{ group: 8 }, 'e.group: got 8, expected a whole number from 0 to 7'],
      [{ groupK: 17 }, 'e.groupK: got 17, expected a whole number from 2 to 16'],
      [{ groupEpsilon: 0 }, 'e.groupEpsilon: got 0, expected a number in (0, 10]'],
      [
        { groupSet: 'ABCDEF012345' },
        'e.groupSet: got "ABCDEF012345", expected 12 lower-case hex digits',
      ],
      [
        { groupSet: undefined },
        'e.groupSet: got undefined, expected all four group fields or none',
      ],
      [{ type: 'click' }, 'e.group: got "click", expected a group only on an impression'],
      [
        { policies: { __proto__x: 1 } },
        'e.policies key: got "__proto__x", expected a policy id matching /^[a-z0-9][a-z0-9_-]{0,31}$/',
      ],
      [
        { at: NOW + DAY + 1 },
        `e.at: got ${NOW + DAY + 1}, expected a time in ms since 1970 from ${NOW - 8 * DAY} to ${NOW + DAY} (the last 8 days, or 1 ahead)`,
      ],
    ];
    for (const [change, message] of cases) {
      expect(validateEvent({ ...full(), ...change }, 'e', NOW).error).toBe(message);
    }
    expect(validateBatch({ v: 1, events: [], dropped: { rejected: -1 } }, NOW)).toMatchObject({
      events: [],
      invalid: ['dropped.rejected: got -1, expected a whole number ≥ 0'],
      header: { v: 1, dropped: {} },
    });
    expect(validateBatch({ v: '1', events: [] }, NOW)).toMatchObject({ status: 400 });
  });

  it('orders: the known fields, in bounds', () => {
    const full = { orderId: 'o', decisionId: 'd', revenue: 80, discount: 8, offerId: 'c' };
    expect(Object.keys(validateOrder({ ...full, email: 'x' }).order!)).toEqual([...ORDER_FIELDS]);
    expect(
      validateOrder({ orderId: 'o', decisionId: 'd', revenue: 80, discount: 8, email: 'x' }),
    ).toEqual({ order: { orderId: 'o', decisionId: 'd', revenue: 80, discount: 8 } });
    expect(validateOrder({ orderId: 'o', decisionId: 'd', revenue: 80 })).toEqual({
      order: { orderId: 'o', decisionId: 'd', revenue: 80, discount: 0 },
    });
    expect(validateOrder({ orderId: 'o', decisionId: 'd', revenue: 100_000.01 }).error).toBe(
      'revenue: got 100000.01, expected a number from 0 to 100000',
    );
  });
});

describe('the collector’s bounded memory', () => {
  it('IdMemory forgets after its TTL and past its cap, oldest first', () => {
    let now = 0;
    const ids = new IdMemory({ ttlMs: 100, maxIds: 3, now: () => now });
    for (const id of ['a', 'b', 'c', 'd']) {
      ids.add(id);
      now += 10;
    }
    expect([ids.size, ids.evicted, ids.has('a'), ids.has('b'), ids.has('d')]).toEqual([
      3,
      1,
      false,
      true,
      true,
    ]);
    // 'b' was added at 10: at 110 it is past the TTL, 'c' (20) not yet.
    now = 110;
    expect([ids.has('b'), ids.has('c'), ids.size, ids.evicted]).toEqual([false, true, 2, 1]);
  });

  it('RecentLog pages by cursor and keeps the last N', () => {
    const log = new RecentLog<number>(5);
    for (let i = 1; i <= 12; i++) log.push(i);
    expect(log.page(0, 3)).toEqual({ items: [8, 9, 10], next: '10', more: true });
    expect(log.page(10, 3)).toEqual({ items: [11, 12], next: '12', more: false });
    expect(log.page(12, 3)).toEqual({ items: [], next: '12', more: false });
  });

  it('RateLimiter: a bucket per client, refilled by the clock, debts waited off', () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 2, perSecond: 0.5, maxClients: 2, now: () => now });
    expect([limiter.take('x'), limiter.take('x'), limiter.take('x')]).toEqual([0, 0, 2]);
    expect(limiter.take('y')).toBe(0);
    limiter.spend('y', 4); // a batch of 5 events: the bucket is at -3
    expect(limiter.take('y')).toBe(8);
    now = 2_000;
    expect(limiter.take('x')).toBe(0);
    // A third client pushes the least recently seen ('y') out: it starts afresh.
    expect(limiter.take('z')).toBe(0);
    expect(limiter.take('y')).toBe(0);
  });
});
