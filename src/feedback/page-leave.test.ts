// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { fb, idle, make, server, useOutboxHarness, type Req } from '../../test/support/outbox.js';

// The request made when the page goes away (page-leave.ts), through the Outbox.
useOutboxHarness();

/**
 * An event handed over and the page left at once, before its IndexedDB add has committed (nothing
 * would send it if the add never finished, as when the page is torn down): one leave request.
 */
async function leaveWhileStoring() {
  const o = make({ keepalive: true });
  const accepted = o.enqueue(fb());
  window.dispatchEvent(new Event('pagehide'));
  const { id } = await accepted;
  await idle();
  expect(server.requests).toHaveLength(1);
  return { o, id };
}

describe('page leave', () => {
  it('beacons on pagehide (text/plain, ≤ 60 KiB) and keeps the rows leased', async () => {
    const beacons: { size: number; type: string; body: string }[] = [];
    const spy = vi.spyOn(navigator, 'sendBeacon').mockImplementation((_u, data) => {
      const blob = data as Blob;
      beacons.push({ size: blob.size, type: blob.type, body: '' });
      return true;
    });
    const o = make();
    for (let i = 0; i < 1000; i++) await o.enqueue(fb());
    window.dispatchEvent(new Event('pagehide'));
    await idle();
    expect(beacons).toHaveLength(1);
    expect(beacons[0]!.type).toBe('text/plain');
    expect(beacons[0]!.size).toBeLessThanOrEqual(60 * 1024);
    // The beaconed rows are leased: the next flush sends only the others.
    await o.flush();
    const sent = server.delivered.size;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(1000);
    // Unconfirmed beacon rows come back after the lease.
    await vi.advanceTimersByTimeAsync(61_000);
    await o.flush();
    expect(server.delivered.size).toBe(1000);
    spy.mockRestore();
    o.destroy();
  });

  it('never registers unload or beforeunload', () => {
    const spy = vi.spyOn(window, 'addEventListener');
    const o = make();
    const types = spy.mock.calls.map((c) => c[0]);
    expect(types).toContain('pagehide');
    expect(types).not.toContain('unload');
    expect(types).not.toContain('beforeunload');
    spy.mockRestore();
    o.destroy();
  });

  it('every request goes without cookies or Referer; the page leave by fetch keepalive, settled by its reply', async () => {
    const o = make({ keepalive: true });
    await o.enqueue(fb());
    await o.flush();
    expect(server.requests[0]!.init).toMatchObject({
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      keepalive: false,
    });
    const beacon = vi.spyOn(navigator, 'sendBeacon');
    const { id } = await o.enqueue(fb());
    window.dispatchEvent(new Event('pagehide'));
    await idle();
    expect(beacon).not.toHaveBeenCalled();
    const leave = server.requests[1]!;
    expect(leave.init).toMatchObject({
      method: 'POST',
      keepalive: true,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    expect(leave.headers).toEqual({ 'Content-Type': 'text/plain' });
    expect(leave.ids).toEqual([id]);
    // The page lived to read the 2xx: acknowledged, never sent again.
    expect(await o.status()).toMatchObject({ pending: 0, inFlight: 0 });
    await vi.advanceTimersByTimeAsync(120_000);
    await o.flush();
    expect(server.delivered.get(id!)).toBe(1);
    expect(server.requests).toHaveLength(2);
    beacon.mockRestore();
    o.destroy();
  });

  it('page-leave requests share the 60 KiB keepalive budget of the page; a refused one leaves its rows pending', async () => {
    const held: { bytes: number; ids: string[]; answer: (ok: boolean) => void }[] = [];
    const fetchImpl = ((url: string, init: RequestInit) => {
      if (!init.keepalive) return server.fetch(url, init);
      const body = String(init.body);
      return new Promise<Response>((resolve, reject) =>
        held.push({
          bytes: new TextEncoder().encode(body).length,
          ids: (JSON.parse(body) as Req['body']).events.map((e) => String(e.id)),
          // A browser refuses a keepalive body over its quota by rejecting the fetch.
          answer: (ok) =>
            ok ? resolve(new Response(null, { status: 204 })) : reject(new TypeError('quota')),
        }),
      );
    }) as typeof fetch;
    const budget = 3000;
    const a = make({ fetch: fetchImpl, keepalive: true, beaconMaxBytes: budget });
    const b = make({ fetch: fetchImpl, keepalive: true, beaconMaxBytes: budget, name: 'b' });
    // ~200-byte events: 12 in `a` (~2,400 bytes), 10 in `b`.
    for (let i = 0; i < 12; i++) await a.enqueue(fb());
    for (let i = 0; i < 10; i++) await b.enqueue(fb());
    window.dispatchEvent(new Event('pagehide'));
    await idle();
    expect(held).toHaveLength(2);
    expect(held[0]!.ids).toHaveLength(12);
    // `b` got what `a` left of the budget: some of its rows, not all.
    expect(held[1]!.ids.length).toBeGreaterThan(0);
    expect(held[1]!.ids.length).toBeLessThan(10);
    expect(held[0]!.bytes + held[1]!.bytes).toBeLessThanOrEqual(budget);
    expect(await a.status()).toMatchObject({ pending: 0, inFlight: 12 });
    held[0]!.answer(false);
    held[1]!.answer(true);
    await idle();
    // Refused: pending again at once (not after the 60 s lease); taken: acknowledged.
    expect(await a.status()).toMatchObject({ pending: 12, inFlight: 0 });
    expect(await b.status()).toMatchObject({ pending: 10 - held[1]!.ids.length, inFlight: 0 });
    expect(await a.flush()).toMatchObject({ delivered: 12, remaining: 0 });
    // The budget is free again: a later leave of `b` may use all of it.
    document.dispatchEvent(new Event('visibilitychange'));
    await b.enqueue(fb());
    window.dispatchEvent(new Event('pagehide'));
    await idle();
    expect(held).toHaveLength(3);
    expect(held[2]!.ids).toHaveLength(10 - held[1]!.ids.length + 1);
    a.destroy();
    b.destroy();
  });

  it('a page that goes while an event is still being stored sends it, once', async () => {
    const { o, id } = await leaveWhileStoring();
    expect(server.requests[0]!.init).toMatchObject({ keepalive: true });
    expect(server.requests[0]!.ids).toEqual([id]);
    // Leased by the leave in a transaction after the add's, then acknowledged by the 2xx.
    expect(await o.status()).toMatchObject({ pending: 0, inFlight: 0 });
    await vi.advanceTimersByTimeAsync(120_000);
    await o.flush();
    expect(server.requests).toHaveLength(1);
    expect(server.delivered.get(id!)).toBe(1);
    o.destroy();
  });

  it('an event the page left with but the collector refused is stored and sent by the regular sender', async () => {
    server.decide = (req) => (req.init.keepalive ? { status: 503 } : { status: 200 });
    const { o, id } = await leaveWhileStoring();
    expect(await o.status()).toMatchObject({ pending: 1, inFlight: 0 });
    expect(await o.flush()).toMatchObject({ delivered: 1, remaining: 0 });
    expect(server.delivered.get(id!)).toBe(1);
    o.destroy();
  });

  it('sendBeacon only where fetch keepalive is missing', async () => {
    const beacon = vi.spyOn(navigator, 'sendBeacon').mockImplementation(() => true);
    const o = make({ keepalive: false });
    await o.enqueue(fb());
    window.dispatchEvent(new Event('pagehide'));
    await idle();
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(server.requests).toHaveLength(0);
    beacon.mockRestore();
    o.destroy();
  });
});
