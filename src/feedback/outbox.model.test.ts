// @vitest-environment happy-dom
import { afterEach, expect, it, vi } from 'vitest';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import { Outbox } from './outbox.js';
import { OutboxStore } from './store.js';
import { seededRandom } from '../decide/random.js';

/**
 * Model-based test: a seeded random sequence of enqueue / time passes / server replies / crash /
 * reload / storage error, invariants after every step and at the end. Replay a failing seed with
 * `OUTBOX_SEED=<seed> npx vitest run src/feedback/outbox.model.test.ts`.
 */

const tick = () => new Promise<void>((r) => setImmediate(r));
async function idle(n = 30): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

const STEPS = Number(process.env.OUTBOX_STEPS ?? 250);
/**
 * CI runs a fixed list (deterministic); `OUTBOX_SEEDS=<n>` explores n random seeds (each printed),
 * `OUTBOX_SEED=<seed>` replays one. Regressions kept in the list: 1409732983 (a page whose first
 * transaction fails must still honour the committed Retry-After gate: the store carries it into
 * memory) and 1755013269 / 650240735 (a storage error armed before the database was created hit
 * fake-indexeddb's own upgrade transaction: see the `storage error` step).
 */
const FIXED_SEEDS = [
  899122810, 1274609491, 2040600032, 681040693, 796338684, 1284475239, 709893389, 1345052591,
  1616250361, 6896532, 893533706, 359441480, 1409732983, 1755013269, 650240735,
];
const SEEDS = process.env.OUTBOX_SEED
  ? [Number(process.env.OUTBOX_SEED)]
  : process.env.OUTBOX_SEEDS
    ? Array.from({ length: Number(process.env.OUTBOX_SEEDS) }, () =>
        Math.floor(Math.random() * 2 ** 31),
      )
    : FIXED_SEEDS;

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

it.each(SEEDS)('model: seed %i', { timeout: 120_000 }, async (seed) => {
  freshIndexedDB();
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'Date'],
    now: Date.parse('2025-03-01T12:00:00Z'),
  });
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;

  const accepted = new Set<string>(); // committed to IndexedDB
  const acceptedInMemory = new Set<string>(); // accepted after a storage fallback (not durable)
  const poison = new Set<string>();
  const delivered = new Map<string, number>();
  const allowedDup = new Set<string>(); // reply lost, crash in flight, beacon, ack lost to storage
  const legitDrop = new Set<string>(); // single-event 413
  let inflight = 0;
  let maxInflight = 0;
  let requests = 0;
  let gateUntil = 0;
  let lastIds: string[] = [];
  let healthy = false;
  let crashes = 0;
  let storageErrors = 0;
  const reported: Record<string, number> = {};
  const violations: string[] = [];
  const history = new Map<string, string[]>();
  let page = 0;
  let fellBack = false;
  const note = (ids: string[], what: string) => {
    for (const id of ids)
      history.set(id, [...(history.get(id) ?? []), `${what}@p${page}/t${Date.now() % 1e7}`]);
  };

  const fetchImpl = (async (_u: string, init: RequestInit) => {
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    try {
      requests++;
      if (Date.now() < gateUntil)
        violations.push(
          `request at ${Date.now()} before Retry-After ${gateUntil} (page ${page}) after ${log.slice(-6).join(' | ')}`,
        );
      const myPage = page;
      const body = JSON.parse(String(init.body)) as {
        events: { id: string; offerId: string }[];
        dropped: Record<string, number>;
      };
      const ids = body.events.map((e) => e.id);
      lastIds = ids; // in flight from here: a crash now may leave it delivered but not acked
      await tick();
      const record = () => {
        if (fellBack) for (const id of ids) allowedDup.add(id);
        note(ids, `delivered(${ids.length})`);
        for (const id of ids) delivered.set(id, (delivered.get(id) ?? 0) + 1);
        for (const [k, v] of Object.entries(body.dropped)) reported[k] = (reported[k] ?? 0) + v;
      };
      if (body.events.some((e) => e.offerId === 'bad')) return new Response(null, { status: 400 });
      const r = healthy ? 0 : rnd();
      if (process.env.OUTBOX_DEBUG && healthy) console.log('healthy request', ids.length);
      if (r < 0.5) {
        record();
        return new Response(null, { status: 200 });
      }
      if (r < 0.58) throw new TypeError('network');
      if (r < 0.64) {
        record();
        for (const id of ids) allowedDup.add(id);
        throw new TypeError('reply lost');
      }
      if (r < 0.7) {
        if (ids.length === 1) legitDrop.add(ids[0]!);
        return new Response(null, { status: 413 });
      }
      if (r < 0.8) {
        const secs = 1 + Math.floor(rnd() * 120);
        const asDate = rnd() < 0.5;
        const header = asDate
          ? new Date(Math.ceil((Date.now() + secs * 1000) / 1000) * 1000).toUTCString()
          : String(secs);
        // A reply to a page that is gone (crash/reload during the request) is never seen.
        if (page === myPage) {
          gateUntil = Math.max(gateUntil, asDate ? Date.parse(header) : Date.now() + secs * 1000);
        }
        return new Response(null, { status: pick([429, 503]), headers: { 'Retry-After': header } });
      }
      return new Response(null, { status: pick([408, 500, 503]) });
    } finally {
      inflight--;
    }
  }) as unknown as typeof fetch;

  vi.spyOn(navigator, 'sendBeacon').mockImplementation((_u, data) => {
    void (data as Blob).text().then((text) => {
      const body = JSON.parse(text) as { events: { id: string; offerId: string }[] };
      note(
        body.events.map((e) => e.id),
        'beacon',
      );
      // The collector answers a beacon like a POST: a poison event rejects the whole body.
      if (rnd() < 0.5 && !body.events.some((e) => e.offerId === 'bad')) {
        for (const e of body.events) {
          delivered.set(e.id, (delivered.get(e.id) ?? 0) + 1);
        }
      }
      for (const e of body.events) allowedDup.add(e.id);
    });
    return true;
  });

  const make = () =>
    new Outbox({
      endpoint: '/c',
      fetch: fetchImpl,
      monotonic: () => Date.now(),
      locks: null,
      random: rnd,
      onDiagnostic: (code) => {
        // Rows leased in IndexedDB when the page fell back to memory are re-sent by the next page.
        // That includes the last batch, whose ack may be the transaction that failed.
        if (code === 'outbox_fallback') {
          fellBack = true;
          for (const id of lastIds) allowedDup.add(id);
        }
      },
    });
  let outbox = make();
  let memoryMode = false;
  const log: string[] = [];

  const check = () => {
    expect(violations).toEqual([]);
    expect(maxInflight, 'at most one request in flight').toBeLessThanOrEqual(1);
    for (const [id, n] of delivered) {
      if (n > 1 && !allowedDup.has(id)) {
        expect.fail(`id ${id} delivered ${n}×: ${(history.get(id) ?? []).join(', ')}`);
      }
    }
  };

  for (let step = 0; step < STEPS; step++) {
    const r = rnd();
    if (r < 0.45) {
      const n = 1 + Math.floor(rnd() * 8);
      log.push(`enqueue ${n}`);
      for (let i = 0; i < n; i++) {
        const bad = rnd() < 0.02;
        const res = await outbox.enqueue({
          type: pick(['impression', 'click', 'claim', 'dismiss'] as const),
          decisionId: `d${step}`,
          offerId: bad ? 'bad' : `o${i}`,
          placement: 'home',
          propensity: 0.5,
          modelVersion: 'm',
        });
        const id = res.id!;
        if (bad) poison.add(id);
        (res.stored === 'indexeddb' ? accepted : acceptedInMemory).add(id);
      }
    } else if (r < 0.8) {
      const ms = Math.floor(rnd() * 90_000);
      log.push(`time +${ms}`);
      await vi.advanceTimersByTimeAsync(ms);
      await idle();
    } else if (r < 0.86) {
      log.push('flush');
      await outbox.flush();
    } else if (r < 0.93) {
      const reload = rnd() < 0.5;
      log.push(reload ? 'reload' : 'crash');
      crashes++;
      if (reload) window.dispatchEvent(new Event('pagehide'));
      // The last batch may have reached the server without its ack committing (R4).
      for (const id of lastIds) allowedDup.add(id);
      outbox.destroy();
      await idle();
      outbox = make();
      page++;
      // The next page knows only the Retry-After gate that was committed (a crash between the
      // reply and its commit, or a page on the memory fallback, loses it: documented).
      const probe = new OutboxStore();
      const committed = await probe.updateMeta<number, number | undefined>('gate', (v) => ({
        result: v,
      }));
      probe.close();
      gateUntil = Math.min(gateUntil, committed ?? 0);
      memoryMode = false;
      fellBack = false;
    } else if (!memoryMode) {
      log.push('storage error');
      note([...accepted], `storage-error`);
      storageErrors++;
      memoryMode = true;
      // Fail the next transaction the page opens. fake-indexeddb creates its own upgrade
      // (`versionchange`) transaction through the same public method while it opens a new
      // database; a browser never does, and a throw there escapes from fake-indexeddb's task
      // queue (uncaught, not a promise of ours) and wedges every later open of the database.
      const original = IDBDatabase.prototype.transaction;
      const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
        this: IDBDatabase,
        ...args
      ) {
        if ((args[1] as string) === 'versionchange') return original.apply(this, args);
        spy.mockRestore();
        throw new DOMException('simulated', 'UnknownError');
      });
    }
    await idle(5);
    try {
      check();
    } catch (error) {
      console.log(
        `outbox-model seed=${seed} failed at step ${step}: ${log.slice(-10).join(' | ')}`,
      );
      throw error;
    }
  }

  // Heal: healthy server, a fresh page, time for every lease and backoff to run out.
  vi.restoreAllMocks();
  healthy = true;
  outbox.destroy();
  await idle();
  outbox = make();
  for (let i = 0; i < 40; i++) {
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    await idle();
    const s = await outbox.flush();
    if (process.env.OUTBOX_DEBUG)
      console.log('heal', i, JSON.stringify(s), await outbox.stats().storage);
    if (s.remaining === 0 && s.reason === 'done' && i > 2) break;
  }
  outbox.destroy();
  await idle();
  check();

  const lost = [...accepted].filter(
    (id) => !delivered.has(id) && !poison.has(id) && !legitDrop.has(id),
  );
  const poisonDelivered = [...poison].filter((id) => delivered.has(id));
  const dups = [...delivered.values()].reduce((n, c) => n + (c > 1 ? c - 1 : 0), 0);
  const memLost = [...acceptedInMemory].filter((id) => !delivered.has(id)).length;
  console.log(
    `outbox-model seed=${seed} steps=${STEPS} accepted=${accepted.size} accepted_in_memory=${acceptedInMemory.size} ` +
      `delivered=${[...accepted].filter((id) => delivered.has(id)).length} dropped_poison=${poison.size} ` +
      `dropped_too_large=${legitDrop.size} lost=${lost.length} memory_fallback_lost=${memLost} ` +
      `raw_duplicates=${dups} crashes=${crashes} storage_errors=${storageErrors} requests=${requests} ` +
      `max_inflight=${maxInflight} reported=${JSON.stringify(reported)}`,
  );
  if (lost.length > 0) {
    const st = new OutboxStore();
    const rows = await st.rows();
    const left = new Map(rows.map((r) => [r.id, r]));
    console.log(
      'lost sample',
      lost.slice(0, 5).map((id) => JSON.stringify(left.get(id) ?? 'not in db')),
    );
    console.log('rows left', rows.length, 'now', Date.now());
  }
  expect(lost, `seed ${seed}: lost`).toEqual([]);
  expect(poisonDelivered).toEqual([]);
  expect(reported.rejected ?? 0).toBeGreaterThanOrEqual(
    [...poison].filter((id) => accepted.has(id)).length,
  );
});
