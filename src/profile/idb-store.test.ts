import { IDBObjectStore as FakeStore } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB, view } from '../../test/support/fake-idb.js';
import { validateEvent } from '../events/validate.js';
import type { NormalizedEvent } from '../events/types.js';
import { IdbStore } from './idb-store.js';
import { DEFAULT_PROFILE_OPTIONS } from './options.js';
import { toSnapshot } from './snapshot.js';

const AT = Date.UTC(2026, 10, 28, 12);
const opened: IdbStore[] = [];
let diagnostics: string[] = [];

async function open(name = 'profile-copy'): Promise<IdbStore> {
  const store = await IdbStore.open(name, DEFAULT_PROFILE_OPTIONS, {
    diagnostic: (code) => diagnostics.push(code),
  });
  opened.push(store);
  return store;
}

function views(...ids: string[]): NormalizedEvent[] {
  return ids.map((id, i) => {
    const result = validateEvent(view(id, 'shoes'), AT + i);
    if (result.kind !== 'event') throw new Error(`test event ${id} is not valid`);
    return result.event;
  });
}

/** Counts `get` requests on the `state` store (where the aggregates live). */
function countStateReads(): () => number {
  let reads = 0;
  const get = FakeStore.prototype.get;
  vi.spyOn(FakeStore.prototype, 'get').mockImplementation(function (
    this: InstanceType<typeof FakeStore>,
    ...args: Parameters<typeof get>
  ) {
    if (this.name === 'state') reads++;
    return get.apply(this, args);
  });
  return () => reads;
}

beforeEach(() => {
  freshIndexedDB();
  diagnostics = [];
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const store of opened.splice(0)) store.close();
});

describe('the copy of the aggregates (read(true), for decisions)', () => {
  it('answers from this tab’s last commit without a database read; read() always reads', async () => {
    const store = await open();
    await store.write(views('a', 'b'));
    const reads = countStateReads();
    expect((await store.read(true)).eventCounts).toEqual({ view_item: 2 });
    expect(reads()).toBe(0);
    expect((await store.read()).eventCounts).toEqual({ view_item: 2 });
    expect(reads()).toBe(1);
    const before = reads();
    await store.write(views('c'));
    expect((await store.read(true)).eventCounts).toEqual({ view_item: 3 });
    // The write itself reads the stored aggregates (never the copy); the cached read does not.
    expect(reads()).toBe(before + 1);
  });

  it('read(true) hands out the copy itself, which a commit replaces whole and never changes', async () => {
    const store = await open();
    await store.write(views('a'));
    const first = await store.read(true);
    // No clone per decision: the same object until the next commit.
    expect(await store.read(true)).toBe(first);
    // read() always gives a fresh object; changing it changes neither the copy nor what is stored.
    const fresh = await store.read();
    expect(fresh).not.toBe(first);
    fresh.eventCounts.view_item = 99;
    expect((await store.read(true)).eventCounts).toEqual({ view_item: 1 });
    expect((await store.read()).eventCounts).toEqual({ view_item: 1 });
    await store.write(views('b'));
    const second = await store.read(true);
    expect(second).not.toBe(first);
    expect(second.eventCounts).toEqual({ view_item: 2 });
    // What an earlier decision read is left as it was.
    expect(first.eventCounts).toEqual({ view_item: 1 });
    expect(first.recent.viewed.map((r) => r.id)).toEqual(['a']);
  });

  it('a snapshot of the shared copy is a copy: changing it changes nothing cached', async () => {
    const store = await open();
    await store.write(views('a', 'b'));
    const snapshot = toSnapshot(
      await store.read(true),
      AT,
      DEFAULT_PROFILE_OPTIONS,
      'indexeddb',
      'granted',
    );
    snapshot.recent.viewed.length = 0;
    snapshot.cart.lines.push({ id: 'x', quantity: 1 });
    snapshot.eventCounts.view_item = 99;
    const again = await store.read(true);
    expect(again.recent.viewed.map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(again.cart).toEqual([]);
    expect(again.eventCounts).toEqual({ view_item: 2 });
  });

  it('drops the copy when another tab announces a write, then reads what that tab stored', async () => {
    const a = await open();
    const b = await open();
    await a.write(views('a'));
    expect((await a.read(true)).eventCounts).toEqual({ view_item: 1 });
    await b.write(views('b', 'c'));
    // The announcement arrives as a message; until then the copy may be a write behind.
    await vi.waitFor(async () => {
      expect((await a.read(true)).eventCounts).toEqual({ view_item: 3 });
    });
    expect((await a.read()).eventCounts).toEqual({ view_item: 3 });
    expect(diagnostics).toEqual([]);
  });

  it('reads the database when there is no copy yet, and keeps what it read', async () => {
    const writer = await open();
    await writer.write(views('a', 'b', 'c'));
    const reader = await open();
    const reads = countStateReads();
    expect((await reader.read(true)).eventCounts).toEqual({ view_item: 3 });
    expect((await reader.read(true)).eventCounts).toEqual({ view_item: 3 });
    expect(reads()).toBe(1);
  });

  it('keeps no copy without BroadcastChannel (another tab’s writes could not be heard of)', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    try {
      const store = await open('profile-no-channel');
      await store.write(views('a'));
      const reads = countStateReads();
      expect((await store.read(true)).eventCounts).toEqual({ view_item: 1 });
      expect((await store.read(true)).eventCounts).toEqual({ view_item: 1 });
      expect(reads()).toBe(2);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
