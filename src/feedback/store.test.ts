import { beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB } from '../../test/unit/fake-idb.js';
import { uuidv7 } from './outbox.js';
import { OutboxStore, type OutboxRow } from './store.js';

let n = 0;
function row(priority = 0, createdAt = 1000 + n, bytes = 100): OutboxRow {
  const id = uuidv7(createdAt);
  n++;
  return {
    id,
    event: { id, type: 'impression' },
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
    const fail = (times: number) => {
      let left = times;
      const original = IDBDatabase.prototype.transaction;
      const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
        this: IDBDatabase,
        ...args
      ) {
        if (left-- <= 0) {
          spy.mockRestore();
          return original.apply(this, args);
        }
        throw new DOMException('simulated', 'UnknownError');
      });
      return spy;
    };
    const read = (s: OutboxStore) =>
      s.updateMeta<number, number | undefined>('gate', (v) => ({ result: v }));
    try {
      // The failed transaction is followed by a readable one: the value is carried.
      fail(1);
      const codes: string[] = [];
      const b = new OutboxStore({ carryMeta: { gate: -1 }, onDiagnostic: (c) => codes.push(c) });
      expect(await read(b)).toBe(123_456);
      expect(await b.kind()).toBe('memory');
      expect(codes).toEqual(['outbox_fallback']);
      b.close();
      // Unreadable too: the conservative value.
      fail(2);
      const c = new OutboxStore({ carryMeta: { gate: -1 }, onDiagnostic: (x) => codes.push(x) });
      expect(await read(c)).toBe(-1);
      expect(codes).toContain('outbox_carry_failed');
      c.close();
      // Without `carryMeta` nothing is carried.
      fail(1);
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
