import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOffers, type Offerwise } from '../../src/offerwise.js';
import { OfferwiseError } from '../../src/util/errors.js';
import { freshIndexedDB, view } from '../support/fake-idb.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const catalog = {
  version: 1,
  server_time: new Date(NOW).toISOString(),
  currency: 'EUR',
  placements: { home: { limit: 2 } },
  offers: [
    {
      id: 'w10',
      type: 'coupon',
      title: '10% off',
      category: 'womens',
      discount: { percent: 10 },
      code: 'W',
      max_claims: 1,
    },
    {
      id: 'm5',
      type: 'coupon',
      title: '5 off',
      category: 'mens',
      discount: { amount: 5 },
      code: 'M',
    },
  ],
};

let bodies: { v: number; events: Record<string, unknown>[]; dropped: Record<string, number> }[] =
  [];
let ow: Offerwise | undefined;

beforeEach(() => {
  freshIndexedDB();
  bodies = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return new Response(null, { status: 204 });
    }),
  );
});
afterEach(async () => {
  await ow?.destroy();
  ow = undefined;
  vi.unstubAllGlobals();
});

describe('report() and flush()', () => {
  it('sends what the shopper did with the decision, with its propensity, and nothing personal', async () => {
    ow = await createOffers({
      consent: 'granted',
      catalog,
      endpoint: '/api/feedback',
      now: () => NOW,
      decisions: { holdoutShare: 0 },
    });
    await ow.track(view('secret-sku', 'womens'));
    const decision = await ow.decide({ placement: 'home' });
    expect(decision.offers).toHaveLength(2);
    const [first, second] = decision.offers;
    await ow.report(decision.decisionId, first!.offerId, 'impression');
    await ow.report(decision.decisionId, second!.offerId, 'impression');
    await ow.report(decision.decisionId, 'w10', 'claim');
    const summary = await ow.flush();
    expect(summary).toMatchObject({ delivered: 3, remaining: 0, reason: 'done' });
    const events = bodies.flatMap((b) => b.events);
    expect(events.map((e) => [e.type, e.offerId])).toEqual([
      ['impression', first!.offerId],
      ['impression', second!.offerId],
      ['claim', 'w10'],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({
        decisionId: decision.decisionId,
        placement: 'home',
        modelVersion: decision.modelVersion,
      });
      expect(Object.keys(e).sort()).toEqual([
        'at',
        'decisionId',
        'id',
        'modelVersion',
        'offerId',
        'placement',
        'propensity',
        'type',
      ]);
    }
    expect(events[0]!.propensity).toBe(first!.propensity);
    expect(JSON.stringify(bodies)).not.toContain('secret-sku');
    expect(bodies[0]!.v).toBe(1);
    // The claim used up w10's max_claims: the next decision cannot show it.
    const next = await ow.decide({ placement: 'home' });
    expect(next.offers.map((o) => o.offerId)).toEqual(['m5']);
  });

  it('refuses feedback about a decision this page did not make', async () => {
    ow = await createOffers({
      consent: 'granted',
      catalog,
      endpoint: '/api/feedback',
      now: () => NOW,
    });
    const error = await ow.report('nope', 'w10', 'click').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfferwiseError);
    expect((error as OfferwiseError).message).toBe(
      'report().decisionId: got "nope", expected the id of a decision made on this page',
    );
  });

  it('without consent sends nothing, unless anonymous measurement is opted in', async () => {
    ow = await createOffers({
      consent: 'denied',
      catalog,
      endpoint: '/api/feedback',
      now: () => NOW,
    });
    let decision = await ow.decide({ placement: 'home' });
    await ow.report(decision.decisionId, decision.offers[0]!.offerId, 'impression');
    await ow.flush();
    expect(bodies).toEqual([]);
    await ow.destroy();
    ow = await createOffers({
      consent: 'denied',
      measurement: 'anonymous',
      catalog,
      endpoint: '/api/feedback',
      now: () => NOW,
    });
    decision = await ow.decide({ placement: 'home' });
    await ow.report(decision.decisionId, decision.offers[0]!.offerId, 'impression');
    await ow.flush();
    const [event] = bodies.flatMap((b) => b.events);
    expect(event).toMatchObject({
      type: 'impression',
      offerId: decision.offers[0]!.offerId,
      placement: 'home',
    });
    expect(event!.decisionId).toBeUndefined();
  });
});
