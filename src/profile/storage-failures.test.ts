import {
  forceCloseDatabase,
  IDBDatabase as FakeDatabase,
  IDBObjectStore as FakeStore,
  IDBOpenDBRequest as FakeOpenRequest,
} from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB, order, view } from '../../test/support/fake-idb.js';
import { createOffers, Offerwise } from '../offerwise.js';

const opened: Offerwise[] = [];
async function make(config: Record<string, unknown> = {}) {
  const ow = await createOffers({ consent: 'granted', ...config });
  opened.push(ow);
  return ow;
}

function request<T>(run: (req: IDBOpenDBRequest) => void, version?: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const req =
      version === undefined ? indexedDB.open('offerwise') : indexedDB.open('offerwise', version);
    run(req);
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  });
}

beforeEach(() => {
  freshIndexedDB();
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((ow) => ow.destroy()));
});

describe('falling back to memory', () => {
  it('keeps working in memory when indexedDB.open throws', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The user denied permission', 'SecurityError');
    });
    const ow = await make();
    await ow.track(view('a', 'mens'));
    const profile = await ow.profile();
    expect(profile.storage).toBe('memory');
    expect(profile.eventCounts).toEqual({ view_item: 1 });
    expect(ow.diagnostics().map((d) => d.code)).toEqual(['storage_fallback']);
  });

  it('is ready within 3 s when indexedDB.open hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // A request that never fires success, error or blocked.
    vi.spyOn(indexedDB, 'open').mockImplementation(() => new FakeOpenRequest() as IDBOpenDBRequest);
    let ready = false;
    const creating = make().then((ow) => {
      ready = true;
      return ow;
    });
    await vi.advanceTimersByTimeAsync(2999);
    expect(ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const ow = await creating;
    expect(ready).toBe(true);
    await ow.track(view('a', 'mens'));
    expect((await ow.profile()).storage).toBe('memory');
    expect(ow.diagnostics()[0]!.message).toContain('did not open within 3000 ms');
  });

  it('aborts a failing write as a whole (no partial write) and keeps the events in memory', async () => {
    const ow = await make();
    await ow.track(view('kept', 'mens'));
    const put = FakeStore.prototype.put;
    vi.spyOn(FakeStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (this.name === 'state') throw new DOMException('Quota exceeded', 'QuotaExceededError');
      return put.apply(this, args);
    });
    await ow.track(view('lost-on-disk', 'womens'));
    vi.restoreAllMocks();
    const profile = await ow.profile();
    expect(profile.storage).toBe('memory');
    // The memory store starts from the last aggregates read (none were read yet): the failed
    // event is accepted in memory, and nothing of it reached the disk.
    expect(profile.eventCounts).toEqual({ view_item: 1 });
    const db = await request<IDBDatabase>(() => undefined);
    const chunks = await new Promise<{ events: { items: { id: string }[] }[] }[]>((resolve) => {
      const all = db.transaction('log').objectStore('log').getAll();
      all.onsuccess = () => resolve(all.result as never);
    });
    db.close();
    expect(chunks.flatMap((c) => c.events).map((e) => e.items[0]!.id)).toEqual(['kept']);
  });
});

describe('connections and versions', () => {
  it('reopens a connection the browser closed and retries the write once', async () => {
    let connection: IDBDatabase | undefined;
    const transaction = FakeDatabase.prototype.transaction;
    vi.spyOn(FakeDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      ...args
    ) {
      connection = this;
      return transaction.apply(this, args as never);
    });
    const ow = await make();
    await ow.track(view('a', 'mens'));
    forceCloseDatabase(connection as never);
    await ow.track(view('b', 'mens'));
    const profile = await ow.profile();
    expect(profile.storage).toBe('indexeddb');
    expect(profile.eventCounts).toEqual({ view_item: 2 });
  });

  it('steps aside when another tab upgrades, and never touches a newer database', async () => {
    const ow = await make();
    await ow.track(view('a', 'mens'));
    // A newer tab opens version 99: our open connection must close so that it is not blocked.
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('offerwise', 99);
      req.onupgradeneeded = () => req.result.createObjectStore('future');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    newer.close();
    await ow.track(view('b', 'mens')); // our version is now too old: memory, with a diagnostic
    const profile = await ow.profile();
    expect(profile.storage).toBe('memory');
    expect(
      ow
        .diagnostics()
        .some((d) => d.code === 'storage_fallback' && d.message.includes('VersionError')),
    ).toBe(true);
    const check = await new Promise<IDBDatabase>((resolve) => {
      const req = indexedDB.open('offerwise');
      req.onsuccess = () => resolve(req.result);
    });
    expect(check.version).toBe(99);
    expect([...check.objectStoreNames].sort()).toEqual(['future', 'log', 'state']);
    check.close();
  });

  it('upgrades a version-1 database: its per-event rows become chunks, its purchase ids are learnt', async () => {
    const v1 = await request<IDBDatabase>((req) => {
      req.onupgradeneeded = () => {
        req.result.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
        req.result.createObjectStore('state');
      };
    }, 1);
    await new Promise<void>((resolve) => {
      const tx = v1.transaction(['events', 'state'], 'readwrite');
      tx.objectStore('events').add({
        name: 'purchase',
        at: Date.now() - 1000,
        items: [{ id: 'x', quantity: 1, discounted: false }],
        value: 70,
        currency: 'EUR',
        transactionId: 'OLD-1',
        discounted: false,
      });
      tx.objectStore('events').add({
        name: 'view_item',
        at: Date.now() - 500,
        items: [{ id: 'y', quantity: 1, discounted: false }],
        discounted: false,
      });
      tx.oncomplete = () => resolve();
    });
    v1.close();

    const ow = await make();
    await ow.track(order('OLD-1', 70)); // already in the v1 log: a duplicate
    const data = await ow.exportData();
    expect(data.schemaVersion).toBe(2);
    expect(data.events.map((e) => e.name)).toEqual(['purchase', 'view_item', 'purchase']);
    expect(data.transactions.map((t) => t.id)).toEqual(['OLD-1']);
    expect(ow.stats().duplicatePurchases).toBe(1);
    expect((await databaseNames()).sort()).toEqual(['offerwise', 'offerwise-decisions']);
    const db = await request<IDBDatabase>(() => undefined);
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(['log', 'state']);
    db.close();
  });
});
