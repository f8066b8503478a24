import { describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB } from '../../test/support/fake-idb.js';
import { fb, idle, make, server, useOutboxHarness, UUID_V4 } from '../../test/support/outbox.js';
import type { FeedbackInput } from './outbox.js';
import { OutboxStore } from './store.js';
import { WIRE_FIELDS } from './wire.js';

// The Outbox as a whole: what it accepts and stores, its status, and the privacy purge. Delivery
// and the page leave have their own files.
useOutboxHarness();

describe('Outbox', () => {
  it('validates events and names the field', async () => {
    const o = make();
    await expect(o.enqueue(fb({ propensity: 0 }))).rejects.toMatchObject({
      code: 'invalid_feedback',
      field: 'feedback.propensity',
    });
    await expect(o.enqueue(fb({ type: 'view' as never }))).rejects.toMatchObject({
      field: 'feedback.type',
    });
    await expect(o.enqueue(fb({ offerId: '' }))).rejects.toMatchObject({
      field: 'feedback.offerId',
    });
    o.destroy();
  });

  it('status(): pending, in flight, dropped not yet reported, where it lives', async () => {
    const clock = { shift: 0 };
    const o = make({ now: () => Date.now() + clock.shift });
    expect(await o.status()).toEqual({
      storage: 'indexeddb',
      pending: 0,
      inFlight: 0,
      dropped: {},
      suppressed: 0,
    });
    for (let i = 0; i < 3; i++) await o.enqueue(fb());
    expect(await o.status()).toMatchObject({ pending: 3, inFlight: 0 });
    // Another tab's request that never answers: the 3 rows are in flight (one database).
    let answer!: (r: Response) => void;
    const hanging = make({
      fetch: (() => new Promise<Response>((resolve) => (answer = resolve))) as typeof fetch,
    });
    const flushing = hanging.flush();
    await idle();
    expect(await hanging.status()).toMatchObject({ pending: 0, inFlight: 3 });
    answer(new Response(null, { status: 503 }));
    await flushing;
    hanging.destroy();
    expect(await o.status()).toMatchObject({ pending: 3, inFlight: 0 });
    // Back to pending; 8 days on they are dropped as expired and, while the server fails, the
    // counters wait to be reported.
    clock.shift = 8 * 24 * 3600_000;
    server.decide = () => ({ status: 503 });
    await o.flush();
    expect(await o.status()).toMatchObject({ pending: 0, inFlight: 0, dropped: { expired: 3 } });
    server.decide = () => ({ status: 200 });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await idle();
    expect(await o.status()).toEqual({
      storage: 'indexeddb',
      pending: 0,
      inFlight: 0,
      dropped: {},
      suppressed: 0,
    });
    expect(server.dropped).toEqual({ expired: 3 });
    o.destroy();
  });

  it('sends nothing personal: only the listed fields; any other input field is refused', async () => {
    const o = make();
    for (const [key, value] of Object.entries({
      email: 'a@b.c',
      items: ['sku-1'],
      search: 'red shoes',
      url: 'https://shop/?q=x',
      candidates: [{ offerId: 'o1', pTreated: 0.183211 }],
    })) {
      await expect(o.enqueue({ ...fb(), [key]: value } as FeedbackInput)).rejects.toMatchObject({
        code: 'invalid_feedback',
        field: `feedback.${key}`,
      });
    }
    expect(await o.status()).toMatchObject({ pending: 0 });
    await o.enqueue(fb({ at: Date.parse('2025-03-01T11:59:58.765Z') }));
    const group = { group: 1, groupK: 4, groupEpsilon: 2, groupSet: 'abcdef012345' };
    await o.enqueue(fb({ policies: { greedy: 0.25 }, ...group }));
    await o.flush();
    const body = server.requests[0]!.body;
    const optional = ['policies', ...Object.keys(group)];
    expect(Object.keys(body.events[0]!)).toEqual(
      WIRE_FIELDS.full.filter((k) => !optional.includes(k)),
    );
    expect(Object.keys(body.events[1]!)).toEqual(WIRE_FIELDS.full);
    expect(body.events[0]!.at).toBe(Date.parse('2025-03-01T11:59:58Z'));
    expect(body.events[0]!.id).toMatch(UUID_V4);
    expect(body.sentAt % 1000).toBe(0);
    expect(Object.keys(body)).toEqual(['v', 'sentAt', 'events', 'dropped']);
    o.destroy();
  });

  it("measurement 'off' stores nothing; 'anonymous' drops decisionId", async () => {
    const off = make({ measurement: 'off' });
    expect(await off.enqueue(fb())).toEqual({ id: null, stored: 'none' });
    expect(off.stats().suppressed).toBe(1);
    off.destroy();
    const anon = make({ measurement: 'anonymous' });
    await anon.enqueue(fb());
    await anon.flush();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.events[0]!.decisionId).toBeUndefined();
    anon.destroy();
  });
});

describe('Outbox privacy (issue 15)', () => {
  /** Rows of `<name>-outbox` through a store of its own (the database must exist already). */
  async function storedRows(name = 'offerwise') {
    expect(await databaseNames()).toContain(`${name}-outbox`);
    const store = new OutboxStore({ name });
    const rows = await store.rows();
    store.close();
    return rows;
  }

  it('anonymous measurement: memory only (no database), v4 ids, `at` and `sentAt` to the hour', async () => {
    // A wall clock at 12:34:56.789, so that flooring shows.
    const o = make({ measurement: 'anonymous', now: () => Date.now() + 2_096_789 });
    const r = await o.enqueue(fb());
    expect(r).toEqual({ id: expect.stringMatching(UUID_V4), stored: 'memory' });
    expect(await o.status()).toMatchObject({ storage: 'memory', pending: 1 });
    expect(await o.flush()).toMatchObject({ delivered: 1, reason: 'done' });
    const req = server.requests[0]!;
    expect(req.body.sentAt).toBe(Date.parse('2025-03-01T12:00:00Z'));
    expect(req.body.events).toEqual([
      {
        id: r.id,
        type: 'impression',
        offerId: 'o1',
        placement: 'home',
        propensity: 0.5,
        modelVersion: 'm1',
        at: Date.parse('2025-03-01T12:00:00Z'),
      },
    ]);
    expect(req.headers['X-Offerwise-Batch']).toMatch(UUID_V4);
    expect(await databaseNames()).toEqual([]);
    o.destroy();
    // Rows written without consent live and die with their instance.
    server.decide = () => ({ status: 503 });
    const a = make({ measurement: 'anonymous' });
    await a.enqueue(fb());
    await a.flush();
    a.destroy();
    server.decide = () => ({ status: 200 });
    const b = make({ measurement: 'anonymous' });
    expect(await b.flush()).toMatchObject({ delivered: 0, remaining: 0 });
    expect(await databaseNames()).toEqual([]);
    b.destroy();
  });

  it('rows stored under full measurement are neither sent nor deleted by an anonymous outbox', async () => {
    server.decide = () => ({ status: 503 });
    const full = make();
    const ids = [(await full.enqueue(fb())).id, (await full.enqueue(fb())).id];
    await full.flush();
    full.destroy();
    server.decide = () => ({ status: 200 });
    const anonymous = make({ measurement: 'anonymous' });
    await anonymous.enqueue(fb());
    await anonymous.flush();
    anonymous.destroy();
    expect([...server.delivered.keys()].filter((id) => ids.includes(id))).toEqual([]);
    expect((await storedRows()).map((r) => r.event.id)).toEqual(ids);
    await vi.advanceTimersByTimeAsync(61_000);
    const again = make();
    await again.flush();
    expect(ids.every((id) => server.delivered.has(id!))).toBe(true);
    again.destroy();
  });

  it('forgetDecisions(): deletes every row tied to a decision, on disk and in flight; counts no drop', async () => {
    let aborted = 0;
    const hanging = ((_url: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => {
          aborted++;
          reject(new DOMException('aborted', 'AbortError'));
        }),
      )) as typeof fetch;
    const o = make({ fetch: hanging });
    for (let i = 0; i < 5; i++) await o.enqueue(fb());
    const flushing = o.flush();
    await idle();
    expect(await o.status()).toMatchObject({ pending: 0, inFlight: 5 });
    await o.forgetDecisions();
    expect(aborted).toBe(1);
    expect((await flushing).delivered).toBe(0);
    expect(await o.status()).toEqual({
      storage: 'indexeddb',
      pending: 0,
      inFlight: 0,
      dropped: {},
      suppressed: 0,
    });
    expect(await storedRows()).toEqual([]);
    o.destroy();
    // Nothing of it later; what is reported after it goes as usual.
    await vi.advanceTimersByTimeAsync(61_000);
    const later = make();
    const { id } = await later.enqueue(fb());
    expect(await later.flush()).toMatchObject({ delivered: 1, remaining: 0 });
    expect([...server.delivered.keys()]).toEqual([id]);
    later.destroy();
  });

  it('forgetDecisions() never creates the database, whatever the measurement', async () => {
    for (const measurement of ['off', 'anonymous', 'full'] as const) {
      freshIndexedDB();
      const o = make({ measurement, memoryOnly: measurement === 'full' });
      await o.forgetDecisions();
      expect(await databaseNames(), measurement).toEqual([]);
      o.destroy();
    }
  });

  it('an event being stored while forgetDecisions() runs is refused and not kept', async () => {
    const o = make();
    const storing = o.enqueue(fb({ decisionId: 'd-before' }));
    const forgetting = o.forgetDecisions();
    await expect(storing).rejects.toMatchObject({
      code: 'invalid_feedback',
      field: 'feedback.decisionId',
    });
    await forgetting;
    expect(await o.status()).toMatchObject({ pending: 0, inFlight: 0 });
    const after = await o.enqueue(fb());
    expect(after.id).toMatch(UUID_V4);
    await o.flush();
    expect([...server.delivered.keys()]).toEqual([after.id]);
    o.destroy();
  });

  it('a purge between a lease and its POST: the leased copies are not sent', async () => {
    const o = make();
    for (let i = 0; i < 3; i++) await o.enqueue(fb());
    // The purge starts while the batch is being prepared (its rows leased, not yet posted).
    const store = (o as unknown as { store: OutboxStore }).store;
    const dropReport = store.dropReport.bind(store);
    let purge: Promise<void> | undefined;
    store.dropReport = (id) => {
      purge ??= o.forgetDecisions();
      return dropReport(id);
    };
    const summary = await o.flush();
    await purge;
    expect(purge).toBeDefined();
    expect(server.requests).toEqual([]);
    expect(summary).toMatchObject({ delivered: 0, remaining: 0 });
    expect(await o.status()).toMatchObject({ pending: 0, inFlight: 0, dropped: {} });
    o.destroy();
  });

  it("another tab's purge: its request in flight is aborted, copies it leased are never sent", async () => {
    let aborted = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Tab B: its request waits at the network until the test releases it.
    const slow = (async (url: string, init: RequestInit) => {
      const abort = new Promise<never>((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => {
          aborted++;
          reject(new DOMException('aborted', 'AbortError'));
        }),
      );
      await Promise.race([gate, abort]);
      return server.fetch(url, init);
    }) as typeof fetch;
    const tabB = make({ fetch: slow });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await tabB.enqueue(fb())).id!);
    const flushing = tabB.flush();
    await idle();
    expect(await tabB.status()).toMatchObject({ inFlight: 4 });
    const tabA = make();
    await tabA.forgetDecisions();
    await vi.advanceTimersByTimeAsync(10);
    await idle();
    expect(aborted).toBe(1);
    release();
    await flushing;
    await vi.advanceTimersByTimeAsync(120_000);
    await tabB.flush();
    expect(ids.filter((id) => server.delivered.has(id))).toEqual([]);
    expect(await storedRows()).toEqual([]);
    tabA.destroy();
    tabB.destroy();
  });

  it('a row an older version stored (with candidates) goes out with the wire fields only', async () => {
    const store = new OutboxStore();
    const event = {
      id: '01a24af5-da2d-701c-9a65-c7209b49a199',
      type: 'impression',
      decisionId: 'd-old',
      offerId: 'o1',
      placement: 'home',
      propensity: 0.185,
      modelVersion: 'm1',
      at: Date.parse('2025-03-01T11:59:59.123Z'),
      candidates: [
        { offerId: 'o1', score: 0.041, pTreated: 0.183211, pControl: 0.1421, uplift: 0.041 },
      ],
      candidatesOmitted: 3,
    };
    await store.add([
      {
        id: event.id,
        event: event as never,
        bytes: JSON.stringify(event).length,
        priority: 0,
        createdAt: Date.now(),
        state: 'pending',
        leaseUntil: 0,
        batchId: null,
        attempts: 0,
        notBefore: 0,
      },
    ]);
    store.close();
    const o = make();
    await o.flush();
    expect(server.requests[0]!.body.events).toEqual([
      {
        id: event.id,
        type: 'impression',
        decisionId: 'd-old',
        offerId: 'o1',
        placement: 'home',
        propensity: 0.185,
        modelVersion: 'm1',
        at: Date.parse('2025-03-01T11:59:59Z'),
      },
    ]);
    o.destroy();
  });
});
