import { IDBOpenDBRequest as FakeOpenRequest } from 'fake-indexeddb';
import type { DBSchema, IDBPDatabase } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB } from '../../test/support/fake-idb.js';
import { failTransactions } from '../../test/support/storage.js';
import { deleteDatabase, IdbConnection, type IdbConnectionOptions } from './idb.js';

interface KvDB extends DBSchema {
  kv: { key: string; value: number };
}

let reports: [string, string][] = [];
const links: IdbConnection<KvDB>[] = [];

function link(options: Partial<IdbConnectionOptions<KvDB>> = {}): IdbConnection<KvDB> {
  const made = new IdbConnection<KvDB>({
    name: 'kv',
    version: 1,
    upgrade: (db: IDBPDatabase<KvDB>, oldVersion) => {
      if (oldVersion < 1) db.createObjectStore('kv');
    },
    prefix: 'outbox',
    label: 'kv database',
    report: (code, message) => reports.push([code, message]),
    ...options,
  });
  links.push(made);
  return made;
}

/** A raw connection of another tab that ignores `versionchange` (old code). */
function rawOpen(version: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('kv', version);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains('kv')) req.result.createObjectStore('kv');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Lets fake-indexeddb run `n` of its tasks (it schedules them with `setImmediate`). */
async function macrotasks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const put = (l: IdbConnection<KvDB>, value: number) =>
  l.transaction(['kv'], 'readwrite', async (tx) => {
    await tx.objectStore('kv').put(value, 'x');
    return value;
  });
const get = (l: IdbConnection<KvDB>) =>
  l.transaction(['kv'], 'readonly', (tx) => tx.objectStore('kv').get('x'));

beforeEach(() => {
  freshIndexedDB();
  reports = [];
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const l of links.splice(0)) l.close();
});

describe('IdbConnection', () => {
  it('opens on first use, resolves after the commit, readwrite with relaxed durability', async () => {
    const l = link();
    expect(await databaseNames()).toEqual([]);
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
    expect(await put(l, 3)).toBe(3);
    expect(await get(l)).toBe(3);
    const made = spy.mock.calls.filter((c) => c[1] !== 'versionchange'); // the upgrade's own
    expect(made.map((c) => [c[1], c[2]])).toEqual([
      ['readwrite', { durability: 'relaxed' }],
      ['readonly', undefined],
    ]);
    expect(reports).toEqual([]);
  });

  it('commits nothing of a transaction whose callback throws', async () => {
    const l = link();
    await put(l, 1);
    const boom = new Error('boom');
    await expect(
      l.transaction(['kv'], 'readwrite', async (tx) => {
        await tx.objectStore('kv').put(2, 'x');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await get(l)).toBe(1);
  });

  it('reopens a lost connection and runs the callback again, once', async () => {
    const l = link();
    await put(l, 1);
    const dropped = vi.fn();
    const again = link({ dropped });
    failTransactions(1, 'InvalidStateError');
    expect(await get(again)).toBe(1);
    expect(reports.map(([code]) => code)).toEqual(['outbox_reconnect']);
    expect(reports[0]![1]).toContain('kv database connection lost');
    expect(dropped).toHaveBeenCalledTimes(1);
    // Lost twice in a row: no endless loop, the error goes to the caller.
    failTransactions(2, 'InvalidStateError');
    await expect(get(again)).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(reports.map(([code]) => code)).toEqual(['outbox_reconnect', 'outbox_reconnect']);
  });

  it('rejects within 3 s when open hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const request = new FakeOpenRequest() as unknown as IDBOpenDBRequest;
    vi.spyOn(indexedDB, 'open').mockImplementation(() => request);
    let outcome: unknown = 'pending';
    const l = link();
    l.connection().then(
      () => (outcome = 'opened'),
      (error: { code?: string; message?: string }) => (outcome = `${error.code}: ${error.message}`),
    );
    await vi.advanceTimersByTimeAsync(2999);
    expect(outcome).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBe('storage_unavailable: IndexedDB did not open within 3000 ms');
  });

  it('steps aside when another tab upgrades, and reports being blocked by one that does not', async () => {
    const dropped = vi.fn();
    const l = link({ dropped });
    await put(l, 1);
    // A newer version elsewhere: this connection closes at once instead of blocking it.
    const newer = await rawOpen(2);
    expect(dropped).toHaveBeenCalledTimes(1);
    newer.close();
    // An older tab that ignores versionchange keeps the upgrade waiting: reported, not hung.
    const old = await rawOpen(2);
    const upgrading = link({ version: 3 });
    const opened = upgrading.connection();
    await vi.waitFor(() => expect(reports.map(([code]) => code)).toContain('outbox_blocked'));
    old.close();
    await opened;
    expect(reports.map(([code]) => code)).toEqual(['outbox_blocked']);
  });

  it('with no version, opens what exists; a missing database meets the upgrade at 0', async () => {
    const versions: number[] = [];
    const probe = link({
      version: undefined,
      upgrade: (_db, oldVersion, tx) => {
        versions.push(oldVersion);
        tx.done.catch(() => undefined);
        tx.abort(); // a probe must not create the database
      },
    });
    await expect(probe.connection()).rejects.toMatchObject({ name: 'AbortError' });
    expect(versions).toEqual([0]);
    expect(await databaseNames()).toEqual([]);
    await put(link(), 4);
    expect(await get(link({ version: undefined }))).toBe(4);
  });

  it('close() is for good: later uses reject with destroyed', async () => {
    const l = link();
    await put(l, 1);
    l.close();
    await expect(get(l)).rejects.toMatchObject({ code: 'destroyed' });
  });
});

describe('deleteDatabase', () => {
  it('deletes; a delete another tab holds up is reported after 3 s, without waiting for it', async () => {
    await put(link(), 1);
    for (const l of links.splice(0)) l.close();
    await deleteDatabase('kv', 'state_forget_pending', 'kv database', (c, m) =>
      reports.push([c, m]),
    );
    expect(await databaseNames()).toEqual([]);
    expect(reports).toEqual([]);

    const old = await rawOpen(1);
    const askedToClose = new Promise<void>((resolve) => (old.onversionchange = () => resolve()));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let done = false;
    const deleting = deleteDatabase('kv', 'state_forget_pending', 'kv database', (c, m) =>
      reports.push([c, m]),
    ).then(() => (done = true));
    // fake-indexeddb fires `blocked` two of its tasks after `versionchange`.
    await askedToClose;
    await macrotasks(2);
    await vi.advanceTimersByTimeAsync(2999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await deleting;
    expect(reports).toEqual([
      [
        'state_forget_pending',
        'deleting the kv database is blocked by another tab; it completes when that tab closes',
      ],
    ]);
    vi.useRealTimers();
    old.close();
    await vi.waitFor(async () => expect(await databaseNames()).toEqual([]));
  });
});
