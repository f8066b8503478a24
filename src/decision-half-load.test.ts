// The profile half when the decision half cannot be loaded (the script tag's second file is
// missing, blocked or tampered with): the loader here is src/decision-half-loader.ts mocked to fail the
// first time and succeed later, as src/script-tag/loader.ts does after its 30 s back-off.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB, view } from '../test/support/fake-idb.js';
import { OfferwiseError } from './util/errors.js';

const loader = vi.hoisted(() => ({
  fail: true,
  calls: 0,
  scheduled: [] as (() => void)[],
  error: undefined as unknown,
}));

vi.mock('./decision-half-loader.js', async () => {
  const runtime = await vi.importActual<typeof import('./decision-half.js')>('./decision-half.js');
  return {
    loadRuntime: () => {
      loader.calls++;
      // As the real loader: the same failure for every call until it tries again.
      loader.error ??= new OfferwiseError('load_failed', 'the offerwise runtime did not load');
      return loader.fail ? Promise.reject(loader.error) : Promise.resolve(runtime);
    },
    // As the script tag does for a page without `ow-` elements: later (here: when the test says).
    scheduleRuntime: (start: () => void) => loader.scheduled.push(start),
  };
});

const { Offerwise } = await import('./offerwise.js');
const open: InstanceType<typeof Offerwise>[] = [];

beforeEach(() => {
  freshIndexedDB();
  loader.fail = true;
  loader.calls = 0;
  loader.scheduled = [];
  loader.error = undefined;
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
});

function make(consent: 'granted' | 'denied' = 'granted') {
  const ow = new Offerwise({
    consent,
    catalog: { version: 1, server_time: '2026-11-28T12:00:00Z', offers: [] },
    endpoint: 'https://shop.example/feedback',
  });
  open.push(ow);
  return ow;
}

describe('the decision half is loaded when needed, and its failure breaks nothing else', () => {
  it('nothing is loaded until the schedule says so or a decision method is called', async () => {
    const ow = make();
    await ow.ready;
    await ow.track(view('a', 'mens'));
    expect(loader.calls).toBe(0);
    expect(loader.scheduled).toHaveLength(1);
    loader.fail = false;
    loader.scheduled[0]!();
    expect(loader.calls).toBe(1);
    const decision = await ow.decide({ placement: 'home' });
    expect(decision.offers).toEqual([]);
    // One load for the instance, however many calls.
    await ow.recommend({ placement: 'home' });
    expect(loader.calls).toBe(1);
  });

  it('a failed load: every method resolves as documented, the profile works, a later call retries', async () => {
    const ow = make();
    await ow.ready;
    const decision = await ow.decide({ placement: 'home', limit: 2 });
    expect(decision).toMatchObject({ placement: 'home', offers: [], source: 'fallback' });
    expect(await ow.recommend({ placement: 'home' })).toMatchObject({ items: [] });
    expect(await ow.cachedDecision('home')).toBeUndefined();
    expect(await ow.catalog()).toBeUndefined();
    expect(ow.inspect(decision.decisionId)).toBeUndefined();
    expect(await ow.feedbackStatus()).toEqual({
      storage: 'none',
      pending: 0,
      inFlight: 0,
      dropped: {},
      suppressed: 0,
    });
    expect(await ow.flush()).toEqual({
      delivered: 0,
      dropped: {},
      remaining: 0,
      reason: 'unavailable',
    });
    await expect(ow.report(decision.decisionId, 'x', 'click')).rejects.toMatchObject({
      code: 'load_failed',
    });
    const codes = ow.diagnostics().map((d) => d.code);
    // One failure, however many calls met it: reported once.
    expect(codes.filter((c) => c === 'runtime_failed')).toHaveLength(1);
    expect(codes).toContain('decide_failed');
    expect(codes).toContain('recommend_failed');
    // The profile half is untouched, and its data can still be exported (without decision state).
    await ow.track(view('a', 'mens'));
    expect((await ow.profile()).eventCounts).toEqual({ view_item: 1 });
    const exported = await ow.exportData();
    expect(exported.events).toHaveLength(1);
    expect(exported).not.toHaveProperty('decisions');
    // A malformed recommend() request is still refused by the profile half.
    await expect(ow.recommend({ placement: '' })).rejects.toMatchObject({ code: 'invalid_input' });

    // Once the file can be loaded, the next call loads it (the loader's back-off is its own).
    loader.fail = false;
    const calls = loader.calls;
    expect((await ow.flush()).reason).not.toBe('unavailable');
    expect(loader.calls).toBe(calls + 1);
    expect((await ow.feedbackStatus()).storage).toBe('indexeddb');
  });

  it('forget() and a denial erase the decision databases by name when the half cannot load', async () => {
    // A page that did load the decision half once: its databases are on the device.
    loader.fail = false;
    const first = make();
    await first.ready;
    await first.exportData(); // opens the decision state
    await first.feedbackStatus(); // and the outbox
    await first.destroy();
    expect(await databaseNames()).toEqual(
      expect.arrayContaining(['offerwise', 'offerwise-decisions', 'offerwise-outbox']),
    );

    loader.fail = true;
    const ow = make();
    await ow.ready;
    await ow.consent('denied');
    expect(await databaseNames()).not.toContain('offerwise-decisions');
    await ow.forget();
    const left = await databaseNames();
    expect(left).not.toContain('offerwise');
    expect(left).not.toContain('offerwise-catalog');
  });
});
