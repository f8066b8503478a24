import { beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import { failTransactions } from '../../test/support/storage.js';
import { OutboxStore, type OutboxRow } from './store.js';
import { localKey, uuidv4, type WireEvent } from './wire.js';

let n = 0;
/** A row whose event is a full-measurement one (with a decision id), or an anonymous one. */
function row(priority = 0, createdAt = 1000 + n, bytes = 100, anonymous = false): OutboxRow {
  const id = localKey(createdAt);
  n++;
  const event = {
    id: uuidv4(),
    type: 'impression',
    ...(anonymous ? {} : { decisionId: `d-${n}` }),
    offerId: 'o1',
    placement: 'home',
    propensity: 1,
    modelVersion: 'm1',
    at: createdAt,
  } as WireEvent;
  return {
    id,
    event,
    bytes,
    priority,
    createdAt,
    state: 'pending',
    leaseUntil: 0,
    batchId: null,
    attempts: 0,
    notBefore: 0,
  };
}

describe.each([false, true])('OutboxStore (memoryOnly=%s)', (memoryOnly) => {
  let store: OutboxStore;
  beforeEach(() => {
    freshIndexedDB();
    store = new OutboxStore({ memoryOnly, maxRows: 5, maxBytes: 10_000 });
  });

  it('never puts rows of visits far apart in one batch', async () => {
    const MIN = 60_000;
    // Two visits: at 0 and 10 minutes, then (after a time offline) at 40 and 41 minutes.
    const rows = [row(0, 0), row(0, 10 * MIN), row(0, 40 * MIN), row(0, 41 * MIN)];
    await store.add(rows);
    const lease = (batchId: string) =>
      store.lease({ maxEvents: 50, maxBytes: 1e6, leaseMs: 60_000, now: 50 * MIN, batchId });
    expect((await lease('b1')).map((r) => r.id)).toEqual([rows[0]!.id, rows[1]!.id]);
    expect((await lease('b2')).map((r) => r.id)).toEqual([rows[2]!.id, rows[3]!.id]);
    expect(await lease('b3')).toEqual([]);
  });

  it('stores one row per event and leases oldest first', async () => {
    const rows = [row(), row(), row()];
    expect((await store.add(rows)).stored).toBe(memoryOnly ? 'memory' : 'indexeddb');
    expect(await store.rows()).toHaveLength(3);
    const leased = await store.lease({
      maxEvents: 2,
      maxBytes: 1e6,
      leaseMs: 1000,
      now: 5000,
      batchId: 'b1',
    });
    expect(leased.map((r) => r.id)).toEqual([rows[0]!.id, rows[1]!.id]);
    expect(leased.every((r) => r.state === 'leased' && r.batchId === 'b1')).toBe(true);
    // Leased rows are not due until the lease expires.
    const next = await store.lease({
      maxEvents: 10,
      maxBytes: 1e6,
      leaseMs: 1000,
      now: 5500,
      batchId: 'b2',
    });
    expect(next.map((r) => r.id)).toEqual([rows[2]!.id]);
    const expired = await store.lease({
      maxEvents: 10,
      maxBytes: 1e6,
      leaseMs: 1000,
      now: 6001,
      batchId: 'b3',
    });
    expect(expired).toHaveLength(2);
  });

  it('acks, releases with backoff and counts drops', async () => {
    const rows = [row(), row(), row()];
    await store.add(rows);
    await store.lease({ maxEvents: 10, maxBytes: 1e6, leaseMs: 1000, now: 5000, batchId: 'b' });
    await store.ack([rows[0]!.id]);
    await store.release([rows[1]!.id], 9000);
    await store.drop([rows[2]!.id], 'rejected');
    const left = await store.rows();
    expect(left.map((r) => [r.id, r.state, r.attempts])).toEqual([[rows[1]!.id, 'pending', 1]]);
    expect(
      await store.lease({ maxEvents: 10, maxBytes: 1e6, leaseMs: 1, now: 8999, batchId: 'x' }),
    ).toHaveLength(0);
    expect(
      await store.lease({ maxEvents: 10, maxBytes: 1e6, leaseMs: 1, now: 9000, batchId: 'x' }),
    ).toHaveLength(1);
    expect(await store.dropCounts()).toEqual({ rejected: 1 });
    expect(await store.takeDropCounts()).toEqual({ rejected: 1 });
    expect(await store.dropCounts()).toEqual({});
  });

  it('seals drop counters into a report that keeps its id until a 2xx settles it', async () => {
    const rows = [row(), row(), row()];
    await store.add(rows);
    expect(await store.dropReport('r1')).toBeUndefined();
    await store.drop([rows[0]!.id], 'rejected');
    const first = await store.dropReport('r1');
    expect(first).toEqual({ id: 'r1', counts: { rejected: 1 } });
    // Not settled (the reply was lost): the same report again, whatever id is offered.
    await store.drop([rows[1]!.id], 'too_large');
    expect(await store.dropReport('r2')).toEqual(first);
    expect(await store.dropCounts()).toEqual({ rejected: 1, too_large: 1 });
    await store.settleDropReport('other');
    expect(await store.dropReport('r2')).toEqual(first);
    await store.settleDropReport('r1');
    // Drops counted after the sealing go in the next report.
    expect(await store.dropReport('r3')).toEqual({ id: 'r3', counts: { too_large: 1 } });
    await store.settleDropReport('r3');
    expect(await store.dropReport('r4')).toBeUndefined();
    expect(await store.dropCounts()).toEqual({});
  });

  it('evicts lowest priority first, oldest first, and counts evictions', async () => {
    const claim = row(3, 1);
    const old = row(0, 2);
    const clicks = [row(1, 3), row(1, 4)];
    const imp = row(0, 5);
    await store.add([claim, old, ...clicks, imp]);
    const more = [row(2, 6), row(0, 7)];
    const { evicted } = await store.add(more);
    expect(evicted).toEqual([old.id, imp.id]);
    expect((await store.rows()).map((r) => r.id).sort()).toEqual(
      [claim.id, ...clicks.map((r) => r.id), ...more.map((r) => r.id)].sort(),
    );
    expect(await store.dropCounts()).toEqual({ evicted: 2 });
  });

  it('expires by age only', async () => {
    await store.add([row(0, 1000), row(0, 5000)]);
    expect(await store.expire(6000, 4000)).toBe(1);
    expect(await store.rows()).toHaveLength(1);
    expect(await store.dropCounts()).toEqual({ expired: 1 });
  });

  it('a lease drops and counts rows past the retention, not the ones a live lease holds', async () => {
    const held = row(0, 1000);
    const old = row(0, 1001);
    const young = row(0, 9000);
    await store.add([held, old, young]);
    await store.leaseIds([held.id], 1500, 60_000, 'live');
    const expired: string[][] = [];
    const leased = await store.lease({
      maxEvents: 10,
      maxBytes: 1e6,
      leaseMs: 1000,
      now: 10_000,
      batchId: 'b',
      expireBefore: 5000,
      onExpired: (ids) => expired.push(ids),
    });
    expect(leased.map((r) => r.id)).toEqual([young.id]);
    expect(expired).toEqual([[old.id]]);
    expect((await store.rows()).map((r) => r.id)).toEqual([held.id, young.id]);
    expect(await store.dropCounts()).toEqual({ expired: 1 });
  });

  it('deletes the rows tied to a decision, not others, without counting drops; totals follow', async () => {
    const full = [row(0), row(1), row(3)];
    const anonymous = [row(0, 2000, 70, true), row(2, 2001, 70, true)];
    await store.add([full[0]!, anonymous[0]!, full[1]!, anonymous[1]!, full[2]!]);
    await store.drop([full[2]!.id], 'rejected');
    await store.leaseIds([full[0]!.id], 1500, 60_000, 'in-flight');
    expect(await store.deleteDecisionRows()).toBe(2);
    expect((await store.rows()).map((r) => r.id)).toEqual(anonymous.map((r) => r.id));
    // The drop counters say nothing about the withdrawal: as they were.
    expect(await store.dropCounts()).toEqual({ rejected: 1 });
    expect(await store.deleteDecisionRows()).toBe(0);
    // The running totals (the caps' basis) count what is left: 140 bytes in 2 rows; with a cap of
    // 5 rows, 3 more fit without an eviction.
    const { evicted } = await store.add([row(0, 3000), row(0, 3001), row(0, 3002)]);
    expect(evicted).toEqual([]);
    expect((await store.add([row(2, 3003)])).evicted).toEqual([anonymous[0]!.id]);
  });

  it('treats a notBefore far in the future as a clock that went back', async () => {
    const r = row();
    await store.add([r]);
    await store.release([r.id], 10 * 24 * 3600_000);
    expect(
      await store.lease({ maxEvents: 1, maxBytes: 1e6, leaseMs: 1, now: 1000, batchId: 'b' }),
    ).toHaveLength(1);
  });
});

describe('OutboxStore on IndexedDB', () => {
  it('keeps rows across instances (database `<name>-outbox`)', async () => {
    freshIndexedDB();
    const a = new OutboxStore({ name: 'shop' });
    const r = row();
    await a.add([r]);
    a.close();
    const b = new OutboxStore({ name: 'shop' });
    expect((await b.rows()).map((x) => x.id)).toEqual([r.id]);
    expect(b.dbName).toBe('shop-outbox');
    expect((await indexedDB.databases()).map((d) => d.name)).toContain('shop-outbox');
  });

  it('carries `carryMeta` records into memory when its first transaction fails', async () => {
    freshIndexedDB();
    const a = new OutboxStore();
    await a.updateMeta<number, void>('gate', () => ({ value: 123_456, result: undefined }));
    a.close();
    const read = (s: OutboxStore) =>
      s.updateMeta<number, number | undefined>('gate', (v) => ({ result: v }));
    try {
      // The failed transaction is followed by a readable one: the value is carried.
      failTransactions(1);
      const codes: string[] = [];
      const b = new OutboxStore({ carryMeta: { gate: -1 }, onDiagnostic: (c) => codes.push(c) });
      expect(await read(b)).toBe(123_456);
      expect(await b.kind()).toBe('memory');
      expect(codes).toEqual(['outbox_fallback']);
      b.close();
      // Unreadable too: the conservative value.
      failTransactions(2);
      const c = new OutboxStore({ carryMeta: { gate: -1 }, onDiagnostic: (x) => codes.push(x) });
      expect(await read(c)).toBe(-1);
      expect(codes).toContain('outbox_carry_failed');
      c.close();
      // Without `carryMeta` nothing is carried.
      failTransactions(1);
      const d = new OutboxStore();
      expect(await read(d)).toBeUndefined();
      d.close();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('a full outbox reads only the rows it evicts (the `evict` index), not all of them', async () => {
    // Found by the R9 chaos test in Chromium: at the 5,000-row cap every report() read all rows
    // (getAll, ~60 ms of structured clone on the page's main thread) to choose one to evict.
    freshIndexedDB();
    const s = new OutboxStore({ maxRows: 50, maxBytes: 1e9 });
    const first = Array.from({ length: 50 }, (_, i) => row(i % 5 === 0 ? 1 : 0));
    await s.add(first);
    const all = vi.spyOn(IDBObjectStore.prototype, 'getAll');
    const some = vi.spyOn(IDBIndex.prototype, 'getAll');
    try {
      const evicted: string[] = [];
      for (let i = 0; i < 10; i++) evicted.push(...(await s.add([row(2)])).evicted);
      expect(all).not.toHaveBeenCalled();
      expect(some).toHaveBeenCalledTimes(10);
      // Each read asked for a page of candidates, never for everything.
      for (const call of some.mock.calls) expect(call[1]).toBeLessThanOrEqual(500);
      expect(evicted).toEqual(
        first
          .filter((r) => r.priority === 0)
          .map((r) => r.id)
          .slice(0, 10),
      );
    } finally {
      vi.restoreAllMocks();
    }
    expect(await s.rows()).toHaveLength(50);
    expect(await s.dropCounts()).toEqual({ evicted: 10 });
    s.close();
  });

  it('a lease of a backlog reads one page of rows, not all of them', async () => {
    // Found by the R9 chaos test in Chromium: sending a 5,000-row backlog read every row for each
    // batch of 50 (O(n²): ~20 s of structured clone on the page's main thread).
    freshIndexedDB();
    const s = new OutboxStore();
    await s.add(Array.from({ length: 1000 }, () => row()));
    const all = vi.spyOn(IDBObjectStore.prototype, 'getAll');
    try {
      const batch = await s.lease({
        maxEvents: 50,
        maxBytes: 1e6,
        leaseMs: 1000,
        now: 5000,
        batchId: 'b',
      });
      expect(batch).toHaveLength(50);
      expect(all).toHaveBeenCalledTimes(1);
      expect(all.mock.calls[0]![1]).toBe(100);
    } finally {
      vi.restoreAllMocks();
    }
    // Rows that are not due (leased) are skipped page after page.
    const next = await s.lease({
      maxEvents: 50,
      maxBytes: 1e6,
      leaseMs: 1000,
      now: 5001,
      batchId: 'c',
    });
    expect(next).toHaveLength(50);
    s.close();
  });

  it('upgrades a v1 outbox in place: its rows stay and are evicted in order', async () => {
    freshIndexedDB();
    const old = [row(1), row(0), row(0)];
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('offerwise-outbox', 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore('events', { keyPath: 'id' });
        open.result.createObjectStore('meta');
      };
      open.onsuccess = () => {
        const tx = open.result.transaction(['events', 'meta'], 'readwrite');
        for (const r of old) tx.objectStore('events').put(r);
        tx.objectStore('meta').put({ rows: 3, bytes: 300 }, 'totals');
        tx.oncomplete = () => {
          open.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
      open.onerror = () => reject(open.error);
    });
    const s = new OutboxStore({ maxRows: 3 });
    const { evicted, stored } = await s.add([row(2)]);
    expect(stored).toBe('indexeddb');
    expect(evicted).toEqual([old[1]!.id]);
    expect((await s.rows()).map((r) => r.id)).toEqual([old[0]!.id, old[2]!.id, expect.any(String)]);
    s.close();
    const version = (await indexedDB.databases()).find((d) => d.name === 'offerwise-outbox');
    expect(version?.version).toBe(2);
  });

  it('falls back to memory when IndexedDB is missing', async () => {
    const saved = globalThis.indexedDB;
    // @ts-expect-error simulate a browser without IndexedDB
    delete globalThis.indexedDB;
    const codes: string[] = [];
    try {
      const s = new OutboxStore({ onDiagnostic: (c) => codes.push(c) });
      expect((await s.add([row()])).stored).toBe('memory');
      expect(await s.rows()).toHaveLength(1);
      expect(codes).toContain('outbox_fallback');
    } finally {
      globalThis.indexedDB = saved;
    }
  });
});
