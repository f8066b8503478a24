// @vitest-environment happy-dom
// forget() and consent, through the public API, for what the outbox stores and sends (issue 15,
// finding 2): rows tied to a decision are deleted by forget() and by a withdrawal (at run time, or
// a page that starts denied), never sent afterwards; a page under `pending` neither sends nor
// deletes them; rows written without consent never reach the disk.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB } from '../../test/support/fake-idb.js';
import type { OfferwiseConfig } from '../config.js';
import { createOffers, type Offerwise } from '../offerwise.js';
import { OutboxStore } from './store.js';

const T0 = Date.UTC(2026, 10, 28, 12);
/** The wall clock of the instances; a later page moves it on (past backoffs and leases). */
const clock = { now: T0 };
const open: Offerwise[] = [];
let down = false;
/** Events the collector stored (answered 204), and every event it was sent. */
let stored: Record<string, unknown>[] = [];
let seen: Record<string, unknown>[] = [];

const catalog = {
  version: 1,
  server_time: new Date(T0).toISOString(),
  currency: 'EUR',
  placements: { home: { limit: 2 } },
  offers: Array.from({ length: 3 }, (_, i) => ({
    id: `c${i}`,
    type: 'coupon',
    title: `Coupon ${i}`,
    category: ['shoes', 'bags', 'hats'][i],
    discount: { percent: 5 + i },
    code: `C${i}`,
    placements: ['home'],
  })),
};

async function make(config: OfferwiseConfig = {}) {
  const ow = await createOffers({
    consent: 'granted',
    catalog,
    endpoint: 'https://shop.example/api/feedback',
    now: () => clock.now,
    decisions: { holdoutShare: 0 } as OfferwiseConfig['decisions'],
    ...config,
  });
  open.push(ow);
  return ow;
}

/** A later page: the earlier instances gone, the clock 10 minutes on. */
async function nextPage(config: OfferwiseConfig = {}) {
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  clock.now += 10 * 60_000;
  return make(config);
}

/** One decision, an impression and a click of each offer: the decision id and the event ids. */
async function browse(ow: Offerwise) {
  const d = await ow.decide({ placement: 'home' });
  expect(d.offers.length).toBeGreaterThan(0);
  const ids: string[] = [];
  for (const o of d.offers) {
    for (const type of ['impression', 'click'] as const) {
      const { id } = await ow.report(d.decisionId, o.offerId, type);
      if (id) ids.push(id);
    }
  }
  return { decisionId: d.decisionId, ids };
}

/** The outbox rows that carry a decision id (the database must exist). */
async function decisionRows(): Promise<string[]> {
  const store = new OutboxStore();
  const rows = await store.rows();
  store.close();
  return rows.filter((r) => 'decisionId' in r.event).map((r) => r.event.id);
}

beforeEach(() => {
  freshIndexedDB();
  clock.now = T0;
  down = false;
  stored = [];
  seen = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      const events = (JSON.parse(String(init.body)) as { events: Record<string, unknown>[] })
        .events;
      seen.push(...events);
      if (down) return new Response(null, { status: 503 });
      stored.push(...events);
      return new Response(null, { status: 204 });
    }),
  );
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  vi.unstubAllGlobals();
});

const ids = (events: Record<string, unknown>[]) => events.map((e) => e.id);

describe('forget() and withdrawal delete what ties feedback to decisions', () => {
  it('forget(): the rows go, the decisions of before can no longer be reported, nothing of them is sent', async () => {
    const ow = await make();
    down = true;
    const before = await browse(ow);
    await ow.flush(); // 503: kept for a retry
    expect((await decisionRows()).sort()).toEqual([...before.ids].sort());

    await ow.forget();
    expect(await decisionRows()).toEqual([]);
    const d = await ow.decide({ placement: 'home' });
    await expect(ow.report(before.decisionId, d.offers[0]!.offerId, 'click')).rejects.toMatchObject(
      { code: 'invalid_feedback', field: 'report().decisionId' },
    );
    // What comes after forget() goes as usual.
    const { id } = await ow.report(d.decisionId, d.offers[0]!.offerId, 'impression');
    down = false;
    const later = await nextPage();
    expect(await later.flush()).toMatchObject({ delivered: 1, remaining: 0, reason: 'done' });
    expect(ids(stored)).toEqual([id]);
    expect(seen.some((e) => e.decisionId === before.decisionId)).toBe(true);
    expect(stored.filter((e) => e.decisionId === before.decisionId)).toEqual([]);
  });

  it("consent('denied') deletes them; a later grant sends only what came after it", async () => {
    const ow = await make();
    down = true;
    const before = await browse(ow);
    await ow.flush();
    await ow.consent('denied');
    expect(await decisionRows()).toEqual([]);
    down = false;
    await ow.consent('granted');
    const after = await browse(ow);
    await ow.flush();
    await (await nextPage()).flush();
    expect(ids(stored).sort()).toEqual([...after.ids].sort());
    expect(stored.some((e) => e.decisionId === before.decisionId)).toBe(false);
  });

  it('a page that starts denied (configured, or by Global Privacy Control) deletes them', async () => {
    for (const start of [{ consent: 'denied' as const }, { gpc: true }]) {
      freshIndexedDB();
      down = true;
      const first = await make();
      await browse(first);
      await first.flush();
      expect(await decisionRows()).toHaveLength(4);
      const gpc = (on: boolean) =>
        Object.defineProperty(navigator, 'globalPrivacyControl', { value: on, configurable: true });
      if ('gpc' in start) gpc(true);
      const denied = await nextPage('gpc' in start ? {} : start);
      expect(denied.consent()).toBe('denied');
      await denied.flush(); // the decision half is up (its start deletes them)
      await vi.waitFor(async () => expect(await decisionRows()).toEqual([]));
      gpc(false);
      down = false;
      await (await nextPage()).flush();
      expect(stored).toEqual([]);
    }
  });

  it('a page under pending neither sends nor deletes them; a grant sends them', async () => {
    const first = await make();
    down = true;
    const before = await browse(first);
    await first.flush();
    down = false;
    const pending = await nextPage({ consent: 'pending' });
    expect(await pending.flush()).toMatchObject({ delivered: 0, remaining: 0 });
    expect((await decisionRows()).sort()).toEqual([...before.ids].sort());
    expect(stored).toEqual([]);
    await pending.consent('granted');
    await pending.flush();
    expect(ids(stored).sort()).toEqual([...before.ids].sort());
  });

  it('without consent nothing reaches the disk: no outbox database is created, forget() creates none', async () => {
    down = true;
    const anonymous = await make({ consent: 'denied', measurement: 'anonymous' });
    const events = await browse(anonymous);
    await anonymous.flush();
    expect(await anonymous.feedbackStatus()).toMatchObject({ storage: 'memory', pending: 4 });
    await anonymous.forget();
    await anonymous.consent('pending');
    expect(await databaseNames()).not.toContain('offerwise-outbox');
    down = false;
    const pending = await nextPage({ consent: 'pending', measurement: 'anonymous' });
    await browse(pending);
    await pending.flush();
    // Four anonymous events of the second page; the first page's died with it.
    expect(stored).toHaveLength(4);
    expect(ids(stored).filter((id) => events.ids.includes(id as string))).toEqual([]);
    expect(stored.every((e) => !('decisionId' in e) && (e.at as number) % 3_600_000 === 0)).toBe(
      true,
    );
    expect(await databaseNames()).not.toContain('offerwise-outbox');
  });
});
