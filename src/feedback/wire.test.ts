import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  carriesDecision,
  localKey,
  sendableEvent,
  toWireBatch,
  toWireEvent,
  uuidv4,
  WIRE_FIELDS,
  type FeedbackInput,
  type WireEvent,
} from './wire.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** 2026-11-20T12:34:56.789Z */
const NOW = Date.UTC(2026, 10, 20, 12, 34, 56, 789);

const input = (over: Record<string, unknown> = {}): FeedbackInput =>
  ({
    type: 'impression',
    decisionId: '6f1f7c52-1d0e-4a55-9a4e-0c1f3b0d2e11',
    offerId: 'c-shoes-15',
    placement: 'home',
    propensity: 0.62,
    modelVersion: 'd98eb637c883',
    ...over,
  }) as FeedbackInput;

const build = (over: Record<string, unknown> = {}, mode: 'full' | 'anonymous' = 'full') =>
  toWireEvent(input(over), 'the-id', NOW, mode) as unknown as Record<string, unknown>;

const refusal = (over: Record<string, unknown>, mode: 'full' | 'anonymous' = 'full') => {
  try {
    build(over, mode);
  } catch (error) {
    const e = error as { code: string; field: string; message: string };
    return { code: e.code, field: e.field, message: e.message };
  }
  return undefined;
};

afterEach(() => {
  vi.useRealTimers();
});

describe('the wire, pinned', () => {
  it('lists exactly these fields per mode (the README privacy model lists the same)', () => {
    expect(WIRE_FIELDS).toEqual({
      batch: ['v', 'sentAt', 'events', 'dropped', 'droppedId'],
      full: [
        'id',
        'type',
        'decisionId',
        'offerId',
        'placement',
        'propensity',
        'modelVersion',
        'at',
        'policies',
        'group',
        'groupK',
        'groupEpsilon',
        'groupSet',
      ],
      anonymous: ['id', 'type', 'offerId', 'placement', 'propensity', 'modelVersion', 'at'],
    });
  });

  it('group report: all four fields on an impression, in range, under full measurement only', () => {
    const report = { group: 7, groupK: 8, groupEpsilon: 1.5, groupSet: '0a1b2c3d4e5f' };
    const impression = build({ ...report, policies: { greedy: 0.5 } });
    expect(Object.keys(impression)).toEqual(WIRE_FIELDS.full);
    expect(impression).toMatchObject(report);
    // ε as computed (0.1 + 0.2) is normalised to its 2 decimals; anything finer is refused.
    expect(build({ ...report, groupEpsilon: 0.1 + 0.2 }).groupEpsilon).toBe(0.3);
    // Anonymous measurement checks the fields, then leaves them out (nothing about the shopper).
    expect(Object.keys(build(report, 'anonymous'))).toEqual(WIRE_FIELDS.anonymous);
    expect(refusal({ ...report, group: 8 }, 'anonymous')).toMatchObject({
      field: 'feedback.group',
    });
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { group: 8 },
        'feedback.group',
        'feedback.group: got 8, expected a whole number from 0 to 7 (groupK − 1)',
      ],
      [
        { group: -1 },
        'feedback.group',
        'feedback.group: got -1, expected a whole number from 0 to 7 (groupK − 1)',
      ],
      [
        { group: 1.5 },
        'feedback.group',
        'feedback.group: got 1.5, expected a whole number from 0 to 7 (groupK − 1)',
      ],
      [
        { groupK: 17, group: 3 },
        'feedback.groupK',
        'feedback.groupK: got 17, expected a whole number from 2 to 16',
      ],
      [
        { groupK: 1, group: 0 },
        'feedback.groupK',
        'feedback.groupK: got 1, expected a whole number from 2 to 16',
      ],
      [
        { groupEpsilon: 0 },
        'feedback.groupEpsilon',
        'feedback.groupEpsilon: got 0, expected a number in (0, 10] with at most 2 decimals',
      ],
      [
        { groupEpsilon: 10.01 },
        'feedback.groupEpsilon',
        'feedback.groupEpsilon: got 10.01, expected a number in (0, 10] with at most 2 decimals',
      ],
      [
        { groupEpsilon: 1.234 },
        'feedback.groupEpsilon',
        'feedback.groupEpsilon: got 1.234, expected a number in (0, 10] with at most 2 decimals',
      ],
      [
        { groupEpsilon: Infinity },
        'feedback.groupEpsilon',
        'feedback.groupEpsilon: got Infinity, expected a number in (0, 10] with at most 2 decimals',
      ],
      [
        { groupSet: '0A1B2C3D4E5F' },
        'feedback.groupSet',
        'feedback.groupSet: got "0A1B2C3D4E5F", expected 12 lower-case hex digits (of the segments SHA-256)',
      ],
      [
        { groupSet: 'a'.repeat(64) },
        'feedback.groupSet',
        `feedback.groupSet: got "${'a'.repeat(57)}...", expected 12 lower-case hex digits (of the segments SHA-256)`,
      ],
      [
        { groupSet: undefined },
        'feedback.groupSet',
        'feedback.groupSet: got undefined, expected present with group, groupK, groupEpsilon (all four or none)',
      ],
      [
        { type: 'click' },
        'feedback.group',
        'feedback.group: got "click", expected a group only on an impression',
      ],
    ];
    for (const [change, field, message] of cases) {
      expect(refusal({ ...report, ...change }), JSON.stringify(change)).toEqual({
        code: 'invalid_feedback',
        field,
        message,
      });
    }
  });

  it('full measurement: the listed fields, `at` floored to the second, policies on impressions', () => {
    const click = build({ type: 'click', at: NOW });
    expect(click).toEqual({
      id: 'the-id',
      type: 'click',
      decisionId: '6f1f7c52-1d0e-4a55-9a4e-0c1f3b0d2e11',
      offerId: 'c-shoes-15',
      placement: 'home',
      propensity: 0.62,
      modelVersion: 'd98eb637c883',
      at: Date.UTC(2026, 10, 20, 12, 34, 56),
    });
    const impression = build({ policies: { greedy: 0.5, 'big-discount_2': 0 } });
    expect(Object.keys(impression)).toEqual(WIRE_FIELDS.full.slice(0, -4)); // no group report
    expect(impression.policies).toEqual({ greedy: 0.5, 'big-discount_2': 0 });
    // Default `at`: now, floored.
    expect(build().at).toBe(Date.UTC(2026, 10, 20, 12, 34, 56));
  });

  it('anonymous measurement: no decision id, no policies, `at` floored to the hour', () => {
    const e = build({ at: NOW, policies: { greedy: 0.5 } }, 'anonymous');
    expect(e).toEqual({
      id: 'the-id',
      type: 'impression',
      offerId: 'c-shoes-15',
      placement: 'home',
      propensity: 0.62,
      modelVersion: 'd98eb637c883',
      at: Date.UTC(2026, 10, 20, 12),
    });
    expect(Object.keys(e)).toEqual(WIRE_FIELDS.anonymous);
  });

  it.each([
    ['candidates', [{ offerId: 'x', pTreated: 0.183211 }]],
    ['candidatesOmitted', 3],
    ['profile', { spent: 389.63 }],
    ['email', 'a@b.c'],
    ['url', 'https://shop/?q=boots'],
    ['id', 'chosen-by-the-caller'],
  ])('refuses any other input field, naming it: %s', (key, value) => {
    const got = refusal({ [key]: value });
    expect(got).toMatchObject({ code: 'invalid_feedback', field: `feedback.${key}` });
    expect(got!.message).toMatch(new RegExp(`^feedback\\.${key}: got .*, expected no such field`));
  });

  it('refuses a prototype key from parsed JSON as any other', () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(refusal(parsed)).toMatchObject({ field: 'feedback.__proto__' });
  });

  it('propensity: in (0, 1] with at most 4 decimals; float noise normalised, anything finer refused', () => {
    expect(build({ propensity: 0.1 + 0.2 }).propensity).toBe(0.3); // 0.30000000000000004
    expect(build({ propensity: 1 + 1e-12 }).propensity).toBe(1);
    expect(build({ propensity: 37 / 10_000 }).propensity).toBe(0.0037);
    expect(build({ propensity: 0.0001 }).propensity).toBe(0.0001);
    for (const bad of [1 / 3, 0.12345, 0.185001, 0, -0.5, 1.0001, Number.NaN, '0.5', 0.00004]) {
      expect(refusal({ propensity: bad }), String(bad)).toMatchObject({
        code: 'invalid_feedback',
        field: 'feedback.propensity',
      });
    }
    expect(refusal({ propensity: 1 / 3 })!.message).toBe(
      'feedback.propensity: got 0.3333333333333333, expected a number in (0, 1] with at most 4 decimals',
    );
  });

  it('policies: 1 to 4 named probabilities in [0, 1] with at most 2 decimals, impressions only', () => {
    expect(build({ policies: { a: 0.1 + 0.2, b: 1, c: 0, d: 0.07 } }).policies).toEqual({
      a: 0.3,
      b: 1,
      c: 0,
      d: 0.07,
    });
    const cases: [unknown, string, Record<string, unknown>?][] = [
      [{}, 'feedback.policies'],
      [{ a: 0.1, b: 0.1, c: 0.1, d: 0.1, e: 0.1 }, 'feedback.policies'],
      [[0.5], 'feedback.policies'],
      ['greedy', 'feedback.policies'],
      [{ Greedy: 0.5 }, 'feedback.policies.Greedy'],
      [{ _x: 0.5 }, 'feedback.policies._x'],
      [{ ['a'.repeat(33)]: 0.5 }, `feedback.policies.${'a'.repeat(33)}`],
      [{ a: 0.125 }, 'feedback.policies.a'],
      [{ a: 1.01 }, 'feedback.policies.a'],
      [{ a: -0.01 }, 'feedback.policies.a'],
      [{ a: Number.NaN }, 'feedback.policies.a'],
      [{ a: 0.5 }, 'feedback.policies', { type: 'click' }],
    ];
    for (const [policies, field, over] of cases) {
      expect(refusal({ policies, ...over }), JSON.stringify(policies)).toMatchObject({
        code: 'invalid_feedback',
        field,
      });
    }
  });

  it('other fields: named when malformed', () => {
    expect(refusal({ type: 'view' })).toMatchObject({ field: 'feedback.type' });
    expect(refusal({ decisionId: '' })).toMatchObject({ field: 'feedback.decisionId' });
    expect(refusal({ offerId: 'x'.repeat(201) })).toMatchObject({ field: 'feedback.offerId' });
    expect(refusal({ at: -1 })).toMatchObject({ field: 'feedback.at' });
    expect(() => toWireEvent(null, 'i', NOW, 'full')).toThrow(/^feedback: got null/);
  });

  it('batches: `sentAt` at the mode precision, `droppedId` only with counters', () => {
    const events = [build() as unknown as WireEvent];
    const full = toWireBatch('full', NOW, events, { id: 'r-1', counts: { rejected: 1 } });
    expect(full).toEqual({
      v: 1,
      sentAt: Date.UTC(2026, 10, 20, 12, 34, 56),
      events,
      dropped: { rejected: 1 },
      droppedId: 'r-1',
    });
    expect(Object.keys(full)).toEqual(WIRE_FIELDS.batch);
    expect(toWireBatch('anonymous', NOW, [])).toEqual({
      v: 1,
      sentAt: Date.UTC(2026, 10, 20, 12),
      events: [],
      dropped: {},
    });
  });

  it('a row stored by an older version goes out with the wire fields only', () => {
    const legacy = {
      id: '01a24af5-da2d-701c-9a65-c7209b49a199',
      type: 'impression',
      decisionId: 'd-1',
      offerId: 'o',
      placement: 'home',
      propensity: 0.185,
      modelVersion: 'm',
      at: NOW,
      candidates: [{ offerId: 'o', score: 0.041234, pTreated: 0.183211 }],
      candidatesOmitted: 2,
    } as unknown as WireEvent;
    expect(carriesDecision(legacy)).toBe(true);
    expect(sendableEvent(legacy)).toEqual({
      id: '01a24af5-da2d-701c-9a65-c7209b49a199',
      type: 'impression',
      decisionId: 'd-1',
      offerId: 'o',
      placement: 'home',
      propensity: 0.185,
      modelVersion: 'm',
      at: Date.UTC(2026, 10, 20, 12, 34, 56),
    });
    const anonymous = { ...build({}, 'anonymous'), at: NOW } as unknown as WireEvent;
    expect(carriesDecision(anonymous)).toBe(false);
    expect(sendableEvent(anonymous)).toMatchObject({ at: Date.UTC(2026, 10, 20, 12) });
  });
});

describe('ids', () => {
  it('event, batch and report ids are random v4: no clock, no counter', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    const ids = Array.from({ length: 500 }, () => uuidv4());
    expect(ids.every((id) => UUID_V4.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(500);
    // Made in the same millisecond: a UUIDv7 would share its first 12 hex digits (the time) and
    // count up after them. Here the first 8 digits are as random as the rest.
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBeGreaterThan(495);
    const hex = ids.map((id) => id.replace(/-/g, ''));
    const sorted = [...hex].sort();
    expect(sorted).not.toEqual(hex);
  });

  it('the local row key sorts by acceptance, also within one millisecond', () => {
    const keys = [localKey(NOW), localKey(NOW), localKey(NOW), localKey(NOW + 1)];
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(4);
  });
});
