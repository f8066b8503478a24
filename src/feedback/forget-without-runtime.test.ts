// forget() and a withdrawal delete the stored feedback tied to decisions also when the decision
// half (the script tag's second file, with the outbox) cannot be loaded: row by row in the
// outbox database, which other tabs may hold open (no deleteDatabase), and never creating it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB } from '../../test/support/fake-idb.js';
import { OfferwiseError } from '../util/errors.js';
import { OutboxStore } from './store.js';

const loader = vi.hoisted(() => ({ fail: false }));

vi.mock('../decision-half-loader.js', async () => {
  const runtime =
    await vi.importActual<typeof import('../decision-half.js')>('../decision-half.js');
  return {
    loadRuntime: () =>
      loader.fail
        ? Promise.reject(new OfferwiseError('load_failed', 'the offerwise runtime did not load'))
        : Promise.resolve(runtime),
    scheduleRuntime: () => undefined,
  };
});

const { Offerwise } = await import('../offerwise.js');
const open: InstanceType<typeof Offerwise>[] = [];
const catalog = {
  version: 1,
  server_time: '2026-11-28T12:00:00Z',
  currency: 'EUR',
  placements: { home: { limit: 2 } },
  offers: [0, 1].map((i) => ({
    id: `c${i}`,
    type: 'coupon',
    title: `Coupon ${i}`,
    category: `cat${i}`,
    code: `C${i}`,
    discount: { percent: 5 },
    placements: ['home'],
  })),
};

function make() {
  const ow = new Offerwise({
    consent: 'granted',
    catalog,
    endpoint: 'https://shop.example/feedback',
    now: () => Date.UTC(2026, 10, 28, 12),
    decisions: { holdoutShare: 0 },
  });
  open.push(ow);
  return ow;
}

/** A page that did load the decision half: two events stored while the collector was down. */
async function leaveRows(): Promise<void> {
  loader.fail = false;
  const ow = make();
  await ow.ready;
  const d = await ow.decide({ placement: 'home' });
  await ow.report(d.decisionId, d.offers[0]!.offerId, 'impression');
  await ow.report(d.decisionId, d.offers[0]!.offerId, 'click');
  await ow.flush();
  await ow.destroy();
  open.splice(open.indexOf(ow), 1);
  loader.fail = true;
}

async function rows() {
  const store = new OutboxStore();
  const all = await store.rows();
  store.close();
  return all;
}

beforeEach(() => {
  freshIndexedDB();
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(null, { status: 503 })),
  );
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  vi.unstubAllGlobals();
});

describe('without the decision half', () => {
  it.each(['forget', 'denied'] as const)(
    '%s: the outbox rows tied to a decision are deleted, the database stays',
    async (how) => {
      await leaveRows();
      expect((await rows()).map((r) => r.event.type)).toEqual(['impression', 'click']);
      const ow = make();
      await ow.ready;
      if (how === 'forget') await ow.forget();
      else await ow.consent('denied');
      expect(ow.diagnostics().map((d) => d.code)).toContain('runtime_failed');
      expect(await rows()).toEqual([]);
      expect(await databaseNames()).toContain('offerwise-outbox');
    },
  );

  it('a device that never stored feedback gets no outbox database from forget()', async () => {
    loader.fail = true;
    const ow = make();
    await ow.ready;
    await ow.forget();
    await ow.consent('denied');
    expect(await databaseNames()).not.toContain('offerwise-outbox');
  });
});
