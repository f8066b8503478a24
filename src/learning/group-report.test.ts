// @vitest-environment happy-dom
// The shopper's group on the wire, through a real instance (fake-indexeddb): the first impression
// of a personalized decision's first offer carries the k-RR report of the group the device placed
// itself in, with k, ε and the segments file's id, and nothing else about the shopper; the day's
// memo repeats the answer; never without consent, under anonymous measurement, Global Privacy
// Control, the holdout, with learning off, or without a segments file of known SHA-256.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubCollector, type StubCollector } from '../../test/support/fetch-collector.js';
import { freshIndexedDB, view } from '../../test/support/fake-idb.js';
import type { OfferwiseConfig } from '../config.js';
import { localDay } from '../decision-half.js';
import type { StateContents } from '../decide/state-store.js';
import { createOffers, type Offerwise } from '../offerwise.js';

const T0 = Date.UTC(2026, 10, 28, 12);
const SEGMENTS_SHA = '5e1f0a9c3b7d'.padEnd(64, '0');
const open: Offerwise[] = [];
let collector: StubCollector;

// Categories shoes and bags (9 + 3·2 = 15 dimensions: interest, bought and recent per category);
// the engagement, price, cart and tenure dimensions (the last 4) scaled down so that the interest
// shares decide: group 1 is "shoe browsers".
const d = 15;
const zero = Array<number>(d).fill(0);
const segments = {
  format: 'offerwise-segments',
  version: 1,
  vector: { version: 2, categories: ['shoes', 'bags'] },
  standardization: { mean: zero, scale: [...Array<number>(11).fill(1), 100, 100, 100, 100] },
  centroids: [
    [13, ...zero.slice(1)],
    [13, 0, 0, 0, 0, 1, ...zero.slice(6)],
    [13, 0, 0, 0, 0, 0, 1, ...zero.slice(7)],
  ],
  spread: [1, 1, 1],
  labels: ['no browsing yet', 'shoe browsers', 'bag browsers'],
  sha256: SEGMENTS_SHA,
};

function catalog(over: Record<string, unknown> = {}) {
  return {
    version: 1,
    server_time: new Date(T0).toISOString(),
    currency: 'EUR',
    placements: { home: { limit: 2 } },
    offers: ['shoes', 'bags', 'hats'].map((category, i) => ({
      id: `c${i}`,
      type: 'coupon',
      title: `Coupon ${i}`,
      category,
      discount: { percent: 10 + i },
      code: `C${i}`,
    })),
    segments,
    ...over,
  };
}

async function make(config: OfferwiseConfig = {}, raw: Record<string, unknown> = catalog()) {
  const ow = await createOffers({
    consent: 'granted',
    catalog: raw,
    endpoint: 'https://shop.example/api/feedback',
    now: () => T0,
    decisions: { holdoutShare: 0 },
    ...config,
  });
  open.push(ow);
  return ow;
}

/** Decides, reports every shown offer's impression (the second one first) and a click, sends. */
async function showAll(ow: Offerwise) {
  const decision = await ow.decide({ placement: 'home' });
  const ids = decision.offers.map((o) => o.offerId);
  for (const id of [...ids].reverse()) await ow.report(decision.decisionId, id, 'impression');
  await ow.report(decision.decisionId, ids[0]!, 'impression');
  await ow.report(decision.decisionId, ids[0]!, 'click');
  await ow.flush();
  return decision;
}

beforeEach(() => {
  freshIndexedDB();
  collector = stubCollector();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  vi.unstubAllGlobals();
});

const stateOf = async (ow: Offerwise) => (await ow.exportData()).decisions as StateContents;
const sent = () => collector.sent();
const GROUP_KEYS = ['group', 'groupK', 'groupEpsilon', 'groupSet'];
const withGroup = () => sent().filter((e) => GROUP_KEYS.some((k) => k in e));

describe('the group report on the wire', () => {
  it('the first impression of the first offer carries the day’s k-RR report, once per decision', async () => {
    const ow = await make({ learning: { epsilon: 1.5 } });
    await ow.track(view('s1', 'shoes'));
    expect((await ow.profile()).group).toEqual({ id: 1, label: 'shoe browsers' });
    const decision = await showAll(ow);
    expect(ow.inspect(decision.decisionId)!.group).toMatchObject({ id: 1, segments: SEGMENTS_SHA });
    const first = decision.offers[0]!.offerId;
    expect(sent().map((e) => [e.type, e.offerId, GROUP_KEYS.filter((k) => k in e).length])).toEqual(
      [
        ['impression', decision.offers[1]!.offerId, 0],
        ['impression', first, 4],
        ['impression', first, 0],
        ['click', first, 0],
      ],
    );
    // The report is the day's draw kept in the decision state for the true group (1), which
    // exportData() shows the shopper; k = 3, ε as configured, the segments file's first 12 digits.
    const memo = (await stateOf(ow)).groupReport!;
    expect(memo).toEqual({
      day: localDay(T0),
      key: '5e1f0a9c3b7d/1.5',
      draws: [{ group: 1, reported: memo.draws[0]!.reported }],
    });
    const [report] = withGroup();
    expect(report).toMatchObject({
      group: memo.draws[0]!.reported,
      groupK: 3,
      groupEpsilon: 1.5,
      groupSet: '5e1f0a9c3b7d',
    });
    // Nothing else about the shopper: the wire's fields only, no label, weights or interests.
    expect(Object.keys(report!).sort()).toEqual(
      [...GROUP_KEYS, 'at', 'decisionId', 'id', 'modelVersion', 'offerId', 'placement']
        .concat(['propensity', 'type'])
        .sort(),
    );
    expect(JSON.stringify(sent())).not.toMatch(/shoe browsers|weights|shoes/);
    // Later decisions the same day repeat the same answer: no new draw, no extra privacy loss.
    collector.clear();
    await showAll(ow);
    await showAll(ow);
    expect(withGroup().map((e) => e.group)).toEqual([report!.group, report!.group]);
    expect((await stateOf(ow)).groupReport!.draws).toHaveLength(1);
  });

  it('never with learning off, without consent, under anonymous measurement or GPC, in the holdout', async () => {
    const off = await make({ learning: { epsilon: 0 }, dbName: 'off' });
    await showAll(off);
    expect((await off.profile()).group?.label).toBe('no browsing yet'); // placed, not reported
    const pending = await make({ consent: 'pending', measurement: 'anonymous', dbName: 'p' });
    await showAll(pending);
    const held = await make({ decisions: { holdoutShare: 1 }, dbName: 'held' });
    await showAll(held);
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    try {
      const gpc = await make({ measurement: 'anonymous', dbName: 'gpc' });
      expect(gpc.consent()).toBe('denied');
      await showAll(gpc);
    } finally {
      delete (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl;
    }
    expect(sent().length).toBeGreaterThanOrEqual(8); // the events went out, without a group
    expect(withGroup()).toEqual([]);
  });

  it('never without a segments file of known SHA-256; effects alone still apply', async () => {
    const { sha256: _, ...anonymousCopy } = segments;
    const ow = await make({}, catalog({ segments: anonymousCopy }));
    const decision = await showAll(ow);
    expect(ow.inspect(decision.decisionId)!.group).toMatchObject({ id: 0 });
    expect(ow.inspect(decision.decisionId)!.group!.segments).toBeUndefined();
    const none = await make({ dbName: 'none' }, catalog({ segments: undefined }));
    await showAll(none);
    expect((await none.profile()).group).toBeUndefined();
    expect(withGroup()).toEqual([]);
  });

  it('config: learning.epsilon from 0 to 10, rounded to 2 decimals, named when wrong', async () => {
    const ow = await make({ learning: { epsilon: 0.125 } });
    await showAll(ow);
    expect(withGroup()[0]!.groupEpsilon).toBe(0.13);
    await expect(createOffers({ learning: { epsilon: 11 } })).rejects.toThrow(
      'config.learning.epsilon: got 11, expected a number from 0 to 10',
    );
    await expect(createOffers({ learning: { e: 1 } as never })).rejects.toThrow(
      'config.learning: got object, expected an object { epsilon }',
    );
    await expect(createOffers({ learning: 2 as never })).rejects.toThrow(
      'config.learning: got 2, expected an object { epsilon }',
    );
  });
});
