// Two tabs of one origin writing the same profile at the same time: every event and every
// aggregate update must land, and a purchase sent by both tabs is counted once.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../src/events/types.js';
import type { TrackStats } from '../../src/offerwise.js';
import { openPage, requireChromium, sdkPage, useHarness, type PageWindow } from '../support/e2e.js';

const hasChromium = requireChromium();

const EVENTS_PER_PAGE = 300;
/** Each page fires its events in this many tasks, yielding to the event loop in between. */
const TASKS_PER_PAGE = 12;
const SHARED_TRANSACTION = 'T-SHARED';
const SHARED_VALUE = 50;

/**
 * Event `i` of a page: a view, an add or a purchase in turn, each with a unique item id; the
 * last event of every page is the same purchase (same transaction id and value).
 */
function eventFor(tab: string, i: number): TrackEvent {
  const item = {
    item_id: `${tab}-${i}`,
    item_category: `cat${i % 5}`,
    price: 10,
  };
  if (i === EVENTS_PER_PAGE - 1) {
    return {
      event: 'purchase',
      ecommerce: {
        transaction_id: SHARED_TRANSACTION,
        value: SHARED_VALUE,
        currency: 'EUR',
        items: [item],
      },
    };
  }
  switch (i % 3) {
    case 0:
      return { event: 'view_item', ecommerce: { items: [item] } };
    case 1:
      return { event: 'add_to_cart', ecommerce: { currency: 'EUR', items: [item] } };
    default:
      return {
        event: 'purchase',
        ecommerce: {
          transaction_id: `${tab}-T${i}`,
          value: (i % 7) + 1,
          currency: 'EUR',
          items: [item],
        },
      };
  }
}

/**
 * Starts at `startAt` (wall clock, so both tabs begin together) and fires the events in chunks.
 * Chunk k goes once the other tab's chunk k − 1 is committed (its progress is in localStorage,
 * which both tabs share): the tabs still write at the same time, and their writes interleave by
 * construction, not by luck of scheduling. Whichever of the two first chunks commits first, the
 * other tab's second chunk commits after it, so the log switches tabs at least twice.
 */
function runTab(page: Page, tab: 'a' | 'b', events: TrackEvent[], startAt: number) {
  return page.evaluate(
    async ({ tab, events, startAt, tasks }) => {
      const ow = (window as unknown as PageWindow).offerwise;
      await ow.ready;
      const other = tab === 'a' ? 'b' : 'a';
      const committed = (who: string) => Number(localStorage.getItem(`committed-${who}`) ?? -1);
      while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1));
      const chunk = Math.ceil(events.length / tasks);
      const accepted: Promise<void>[] = [];
      for (let k = 0; k * chunk < events.length; k++) {
        while (k > 0 && committed(other) < k - 1) await new Promise((r) => setTimeout(r, 1));
        const mine = events.slice(k * chunk, (k + 1) * chunk).map((event) => ow.track(event));
        accepted.push(...mine);
        void Promise.allSettled(mine).then(() => {
          if (committed(tab) < k) localStorage.setItem(`committed-${tab}`, String(k));
        });
        // Next chunk in a later task.
        await new Promise((r) => setTimeout(r, 0));
      }
      const results = await Promise.allSettled(accepted);
      return {
        rejected: results.filter((r) => r.status === 'rejected').length,
        stats: ow.stats(),
      };
    },
    { tab, events, startAt, tasks: TASKS_PER_PAGE },
  );
}

describe.skipIf(!hasChromium)('two tabs tracking at once', () => {
  const h = useHarness();

  it('loses no event and no aggregate update; a shared purchase counts once', async () => {
    const url = h.server.page('/concurrent.html', sdkPage({ consent: 'granted' }));
    const context = await h.newContext();
    const a = await openPage(context, url);
    const b = await openPage(context, url);
    const eventsA = Array.from({ length: EVENTS_PER_PAGE }, (_, i) => eventFor('a', i));
    const eventsB = Array.from({ length: EVENTS_PER_PAGE }, (_, i) => eventFor('b', i));

    const startAt = Date.now() + 300;
    const [ra, rb] = await Promise.all([
      runTab(a.page, 'a', eventsA, startAt),
      runTab(b.page, 'b', eventsB, startAt),
    ]);

    // Expected totals, computed from the inputs.
    const all = [...eventsA, ...eventsB];
    const purchases = all.filter((e) => e.event === 'purchase');
    const distinct = new Map(
      purchases.map((e) => [String(e.ecommerce?.transaction_id), Number(e.ecommerce?.value)]),
    );
    const spend = [...distinct.values()].reduce((sum, v) => sum + v, 0);
    expect(purchases.length).toBe(200);
    expect(distinct.size).toBe(199);

    expect(ra.rejected + rb.rejected).toBe(0);
    const sum = (key: 'accepted' | 'invalid' | 'duplicatePurchases', s: TrackStats[]) =>
      s.reduce((n, x) => n + x[key], 0);
    expect(sum('accepted', [ra.stats, rb.stats])).toBe(600);
    expect(sum('invalid', [ra.stats, rb.stats])).toBe(0);
    // Whichever tab committed the shared purchase second saw it as a duplicate.
    expect(sum('duplicatePurchases', [ra.stats, rb.stats])).toBe(1);

    // Read back from a fresh page: what is on disk, not what either tab holds in memory.
    const reader = await openPage(context, url);
    const result = await reader.page.evaluate(async () => {
      const ow = (window as unknown as PageWindow).offerwise;
      await ow.ready;
      return { profile: await ow.profile(), exported: await ow.exportData() };
    });
    const { profile, exported } = result;
    expect(profile.eventCounts).toEqual({ view_item: 200, add_to_cart: 200, purchase: 200 });
    expect(profile.purchases.total).toEqual({ count: 199, spend });
    expect(profile.purchases.d30).toEqual({ count: 199, spend });
    expect(profile.log).toEqual({ events: 600, compacted: 0, expired: 0 });

    // Category affinity: views 1, adds 3, purchases 5 (the duplicate adds nothing).
    const views = 200;
    const adds = 200;
    const counted = 199;
    const affinity = profile.categories.reduce((total, c) => total + c.score, 0);
    expect(profile.categories.map((c) => c.category).sort()).toEqual([
      'cat0',
      'cat1',
      'cat2',
      'cat3',
      'cat4',
    ]);
    expect(affinity).toBeCloseTo(views * 1 + adds * 3 + counted * 5, 1);

    // Every event is in the raw log exactly once.
    const ids = exported.events.map((e) => e.items[0]?.id);
    expect(exported.events).toHaveLength(600);
    expect(new Set(ids).size).toBe(600);
    expect(new Set(ids)).toEqual(new Set(all.map((e) => String(e.ecommerce?.items?.[0]?.item_id))));
    // The scenario really ran concurrently: the log (exported in write order) goes a, b, a at least.
    const order = exported.events.map((e) => e.items[0]!.id[0]);
    const switches = order.filter((tab, i) => i > 0 && tab !== order[i - 1]).length;
    expect(switches, 'the two tabs did not interleave their writes').toBeGreaterThanOrEqual(2);
    expect(exported.transactions).toHaveLength(199);
    expect(exported.transactions.filter((t) => t.id === SHARED_TRANSACTION)).toHaveLength(1);

    expect([...a.errors, ...b.errors, ...reader.errors]).toEqual([]);
  });
});
