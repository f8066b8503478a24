// @vitest-environment happy-dom
// A claim's event does not wait for the claim count: <ow-coupon> shows the code at once, and a
// shopper who leaves the page in that moment must not lose the event to the count's write. Through
// a real instance (fake-indexeddb), with the count's write never finishing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubCollector, type StubCollector } from '../../test/support/fetch-collector.js';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import { StateStore } from '../decide/state-store.js';
import { createOffers, type Offerwise } from '../offerwise.js';

const T0 = Date.UTC(2026, 11, 7, 12);
const open: Offerwise[] = [];
let collector: StubCollector;
const sent = () => collector.sent();

beforeEach(() => {
  freshIndexedDB();
  collector = stubCollector();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  vi.unstubAllGlobals();
});

describe('a claim report', () => {
  it('stores and sends the claim event while the claim count is still being written', async () => {
    const ow = await createOffers({
      consent: 'granted',
      endpoint: 'https://shop.example/api/feedback',
      now: () => T0,
      decisions: { holdoutShare: 0 },
      catalog: {
        version: 1,
        server_time: new Date(T0).toISOString(),
        currency: 'EUR',
        placements: { home: { limit: 1 } },
        offers: [
          { id: 'c1', type: 'coupon', title: 'Ten off', discount: { percent: 10 }, code: 'TEN' },
        ],
      },
    });
    open.push(ow);
    const decision = await ow.decide({ placement: 'home' });
    expect(decision.offers.map((o) => o.offerId)).toEqual(['c1']);
    // The count's write never finishes (a page about to go, a slow disk).
    const addClaim = vi
      .spyOn(StateStore.prototype, 'addClaim')
      .mockReturnValue(new Promise<number>(() => {}));
    void ow.report(decision.decisionId, 'c1', 'claim');
    await vi.waitFor(
      async () => {
        expect(addClaim).toHaveBeenCalledWith('c1');
        await ow.flush();
        expect(sent().filter((e) => e.type === 'claim')).toHaveLength(1);
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(sent().find((e) => e.type === 'claim')).toMatchObject({
      decisionId: decision.decisionId,
      offerId: 'c1',
      placement: 'home',
    });
  });
});
