// Candidate policies: the first impression of a personalized decision's first offer carries, for
// each policy the catalog names, the rounded probability that it would have shown that offer
// (what `npm run ope` needs from a collector's logs), and nothing else about the decision: no
// candidates, no model outputs. Never on other events, never twice, never without consent.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubCollector, type StubCollector } from '../../test/support/fetch-collector.js';
import { freshIndexedDB, view } from '../../test/support/fake-idb.js';
import type { OfferwiseConfig } from '../config.js';
import { createOffers, type Offerwise } from '../offerwise.js';

const T0 = Date.UTC(2026, 10, 28, 12);
const open: Offerwise[] = [];
let collector: StubCollector;

function catalog(offers: number, policies?: unknown[]) {
  return {
    version: 1,
    server_time: new Date(T0).toISOString(),
    currency: 'EUR',
    placements: { home: { limit: 2 } },
    offers: Array.from({ length: offers }, (_, i) => ({
      id: `c${i}`,
      type: 'coupon',
      title: `Coupon ${i}`,
      category: ['shoes', 'bags', 'hats'][i % 3],
      discount: { percent: 5 + (i % 20) },
      code: `C${i}`,
      placements: ['home'],
    })),
    ...(policies ? { policies } : {}),
  };
}

const POLICIES = [
  { id: 'greedy', decisions: { exploration: 0 } },
  { id: 'big', rule: 'biggest_discount' },
];

async function make(config: OfferwiseConfig = {}, offers = 4, policies: unknown[] = POLICIES) {
  const ow = await createOffers({
    consent: 'granted',
    catalog: catalog(offers, policies),
    endpoint: 'https://shop.example/api/feedback',
    now: () => T0,
    decisions: { holdoutShare: 0 } as OfferwiseConfig['decisions'],
    ...config,
  });
  open.push(ow);
  return ow;
}

beforeEach(() => {
  freshIndexedDB();
  collector = stubCollector();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  vi.unstubAllGlobals();
});

const sent = () => collector.sent();

describe('candidate policies on the wire', () => {
  it('the first impression of the first offer carries each policy’s odds of it, once', async () => {
    const ow = await make();
    await ow.track(view('x', 'shoes'));
    const decision = await ow.decide({ placement: 'home' });
    expect(decision.offers).toHaveLength(2);
    const [first, second] = decision.offers.map((o) => o.offerId);
    const inspection = ow.inspect(decision.decisionId)!;
    await ow.report(decision.decisionId, second!, 'impression');
    await ow.report(decision.decisionId, first!, 'impression');
    await ow.report(decision.decisionId, first!, 'impression');
    await ow.report(decision.decisionId, first!, 'click');
    expect((await ow.flush()).reason).toBe('done');
    const events = sent();
    expect(events.map((e) => [e.type, e.offerId, 'policies' in e])).toEqual([
      ['impression', second, false],
      ['impression', first, true],
      ['impression', first, false],
      ['click', first, false],
    ]);
    // Four candidates at most: every policy's odds are whole points already, so the device's
    // random rounding leaves them exact. The rule picks the biggest discount (c3, 8%).
    expect(events[1]!.policies).toEqual(inspection.policies);
    expect(inspection.policies!.big).toBe(first === 'c3' ? 1 : 0);
    for (const p of Object.values(inspection.policies!))
      expect(Math.abs(p * 100 - Math.round(p * 100))).toBeLessThan(1e-9);
    // The propensity is on its grid too, and nothing else about the decision is sent.
    const propensity = events[1]!.propensity as number;
    expect(Math.abs(propensity * 100 - Math.round(propensity * 100))).toBeLessThan(1e-9);
    expect(Object.keys(events[1]!).sort()).toEqual(
      [
        'at',
        'decisionId',
        'id',
        'modelVersion',
        'offerId',
        'placement',
        'policies',
        'propensity',
        'type',
      ].sort(),
    );
    expect(JSON.stringify(events)).not.toMatch(/pTreated|pControl|uplift|score|shoes|Coupon/);
  });

  it('none without catalog policies, under anonymous measurement or after forget()', async () => {
    const plain = await make({}, 4, []);
    const d1 = await plain.decide({ placement: 'home' });
    await plain.report(d1.decisionId, d1.offers[0]!.offerId, 'impression');
    await plain.flush();
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).not.toHaveProperty('policies');

    collector.clear();
    const anonymous = await make({ consent: 'denied', measurement: 'anonymous', dbName: 'anon' });
    const d2 = await anonymous.decide({ placement: 'home' });
    await anonymous.report(d2.decisionId, d2.offers[0]!.offerId, 'impression');
    await anonymous.flush();
    // Without consent decisions are not personalized, and anonymous events carry no decision id.
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).not.toHaveProperty('policies');
    expect(sent()[0]).not.toHaveProperty('decisionId');

    collector.clear();
    const forgetful = await make({ dbName: 'forget' });
    const d3 = await forgetful.decide({ placement: 'home' });
    await forgetful.forget();
    expect(forgetful.inspect(d3.decisionId)).toBeUndefined();
    await expect(
      forgetful.report(d3.decisionId, d3.offers[0]!.offerId, 'impression'),
    ).rejects.toThrow(/report\(\)\.decisionId/);
  });

  it('with more than ten candidates the odds are rounded to whole points at random', async () => {
    const ow = await make({ dbName: 'many' }, 30, [
      { id: 'warm', decisions: { temperature: 0.05, exploration: 0.05 } },
    ]);
    const decision = await ow.decide({ placement: 'home' });
    const exact = ow.inspect(decision.decisionId)!.policies!.warm!;
    await ow.report(decision.decisionId, decision.offers[0]!.offerId, 'impression');
    await ow.flush();
    const reported = (sent()[0]!.policies as Record<string, number>).warm!;
    expect([Math.floor(exact * 100 + 1e-9) / 100, Math.ceil(exact * 100 - 1e-9) / 100]).toContain(
      reported,
    );
  });

  it('logCandidates is retired: accepted, reported once as deprecated, sends nothing more', async () => {
    const ow = await make({ logCandidates: true, dbName: 'legacy' });
    const d = await ow.decide({ placement: 'home' });
    expect(ow.diagnostics().filter((x) => x.code === 'deprecated_option')).toHaveLength(1);
    await ow.report(d.decisionId, d.offers[0]!.offerId, 'impression');
    await ow.flush();
    expect(sent()[0]).not.toHaveProperty('candidates');
    await expect(createOffers({ logCandidates: 'yes' as unknown as boolean })).rejects.toThrow(
      /config\.logCandidates: got "yes", expected true or false/,
    );
  });
});
