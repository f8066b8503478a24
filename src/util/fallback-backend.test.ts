import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB } from '../../test/support/fake-idb.js';
import {
  BOTH,
  failTransactions,
  LAYOUT,
  upgradeTestDB,
  type TestDB,
} from '../../test/support/storage.js';
import { OfferwiseError } from './errors.js';
import { FallbackBackend, type FallbackOptions } from './fallback-backend.js';
import { CallerError, type Backend } from './store-tx.js';

let codes: string[] = [];
let messages: string[] = [];
const open: FallbackBackend<TestDB>[] = [];

function make(options: Partial<FallbackOptions<TestDB>> = {}): FallbackBackend<TestDB> {
  const backend = new FallbackBackend<TestDB>({
    name: 'test-db',
    version: 1,
    upgrade: upgradeTestDB,
    prefix: 'state',
    label: 'test database',
    report: (code, message) => {
      codes.push(code);
      messages.push(message);
    },
    layout: LAYOUT,
    what: 'the test store',
    fallbackCode: 'state_fallback',
    fallbackMessage: (reason, opening) => `${opening ? 'open' : 'transaction'}: ${reason}`,
    ...options,
  });
  open.push(backend);
  return backend;
}

beforeEach(() => {
  freshIndexedDB();
  codes = [];
  messages = [];
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const backend of open.splice(0)) backend.close();
});

/**
 * The same transactions, hand-checked, on every backend: what a store's logic sees cannot depend
 * on where it runs.
 */
async function script(db: Backend<TestDB>): Promise<unknown[]> {
  const out: unknown[] = [];
  await db.write(BOTH, async (tx) => {
    tx.put('rows', { id: 'c', rank: 1 });
    tx.put('rows', { id: 'a', rank: 2 });
    tx.put('rows', { id: 'b', rank: 1 });
    tx.put('kv', 1, 'x');
  });
  out.push(await db.read(BOTH, async (tx) => (await tx.getAll('rows')).map((r) => r.id)));
  out.push(await db.read(BOTH, async (tx) => (await tx.getAll('rows', 'a', 1)).map((r) => r.id)));
  out.push(
    await db.read(BOTH, async (tx) =>
      (await tx.getAllFromIndex('rows', 'by_rank', [1, 'b'], 5)).map((r) => r.id),
    ),
  );
  // A caller's error inside a transaction: rethrown as it was, nothing of it committed.
  const refused = await db
    .write(BOTH, async (tx) => {
      tx.put('kv', 2, 'x');
      tx.delete('rows', 'a');
      throw new CallerError(new Error('caller'));
    })
    .catch((error: unknown) => (error as Error).message);
  out.push(refused);
  out.push(
    await db.write(BOTH, async (tx) => {
      const x = (await tx.get('kv', 'x')) ?? 0;
      tx.put('kv', x + 10, 'x');
      tx.delete('rows', 'c');
      return [x, await tx.get('kv', 'x'), (await tx.getAll('rows')).map((r) => r.id)];
    }),
  );
  out.push(await db.read(BOTH, (tx) => tx.entries('kv')));
  return out;
}

const EXPECTED = [['a', 'b', 'c'], ['b'], ['c', 'a'], 'caller', [1, 11, ['a', 'b']], [['x', 11]]];

describe('one transaction interface over IndexedDB and over memory', () => {
  it('IndexedDB', async () => {
    const db = make();
    expect(await script(db)).toEqual(EXPECTED);
    expect(db.storage).toBe('indexeddb');
    expect(await databaseNames()).toEqual(['test-db']);
  });

  it('memory-only mode: the same results, no database', async () => {
    const db = make({ memoryOnly: true });
    expect(await script(db)).toEqual(EXPECTED);
    expect(await db.kind()).toBe('memory');
    expect(await databaseNames()).toEqual([]);
  });
});

describe('FallbackBackend', () => {
  it('continues in memory when indexedDB.open throws, reporting it once', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The user denied permission', 'SecurityError');
    });
    const db = make();
    expect(await script(db)).toEqual(EXPECTED);
    expect(await db.kind()).toBe('memory');
    expect(codes).toEqual(['state_fallback']);
    expect(messages[0]).toBe('open: SecurityError: The user denied permission');
  });

  it('after a failed transaction, continues in memory from what `carry` read', async () => {
    const db = make({
      carry: async (read) => ({ kv: await read(['kv'], (tx) => tx.entries('kv')) }),
    });
    await db.write(['kv'], async (tx) => tx.put('kv', 5, 'x'));
    failTransactions(1);
    // Run again in memory, on the copy the carry read from the disk.
    const first = await db.write(['kv'], async (tx) => {
      const x = (await tx.get('kv', 'x'))!;
      tx.put('kv', x + 1, 'x');
      return x;
    });
    expect(first).toBe(5);
    expect(await db.read(['kv'], (tx) => tx.get('kv', 'x'))).toBe(6);
    expect(db.storage).toBe('memory');
    expect(codes).toEqual(['state_fallback']);
    expect(messages[0]).toBe('transaction: UnknownError: simulated');
    // Nothing of the memory writes reached the disk.
    const disk = make();
    expect(await disk.read(['kv'], (tx) => tx.get('kv', 'x'))).toBe(5);
  });

  it('a carry that cannot read starts memory empty', async () => {
    const db = make({
      carry: async (read) => {
        try {
          return { kv: await read(['kv'], (tx) => tx.entries('kv')) };
        } catch {
          return undefined;
        }
      },
    });
    await db.write(['kv'], async (tx) => tx.put('kv', 5, 'x'));
    failTransactions(2);
    expect(await db.read(['kv'], (tx) => tx.get('kv', 'x'))).toBeUndefined();
    expect(db.storage).toBe('memory');
  });

  it("a caller's error or an invalid input is not a storage failure: no fallback", async () => {
    const db = make();
    const mistake = new OfferwiseError('invalid_input', 'bad argument');
    await expect(
      db.write(['kv'], async () => {
        throw mistake;
      }),
    ).rejects.toBe(mistake);
    const own = new Error('from a callback');
    await expect(
      db.read(['kv'], async () => {
        throw new CallerError(own);
      }),
    ).rejects.toBe(own);
    expect(await db.kind()).toBe('indexeddb');
    expect(codes).toEqual([]);
  });

  it('reopens a lost connection once, then still on IndexedDB', async () => {
    const db = make();
    await db.write(['kv'], async (tx) => tx.put('kv', 1, 'x'));
    failTransactions(1, 'InvalidStateError');
    expect(await db.read(['kv'], (tx) => tx.get('kv', 'x'))).toBe(1);
    expect(db.storage).toBe('indexeddb');
    expect(codes).toEqual(['state_reconnect']);
  });

  it('reset() empties memory; close() makes later transactions reject with destroyed', async () => {
    const db = make({ memoryOnly: true });
    await db.write(['kv'], async (tx) => tx.put('kv', 1, 'x'));
    db.reset();
    expect(await db.read(['kv'], (tx) => tx.entries('kv'))).toEqual([]);
    db.close();
    await expect(db.read(['kv'], (tx) => tx.entries('kv'))).rejects.toMatchObject({
      code: 'destroyed',
      message: expect.stringContaining('the test store was closed'),
    });
  });
});
