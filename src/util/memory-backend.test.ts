import { describe, expect, it } from 'vitest';
import { BOTH, LAYOUT, type Row, type TestDB } from '../../test/support/storage.js';
import { compareKeys, MemoryBackend } from './memory-backend.js';

const ids = (rows: Row[]) => rows.map((r) => r.id);

describe('compareKeys', () => {
  it('orders keys as IndexedDB does: numbers, then strings, then arrays element by element', () => {
    const keys = [['b'], 'b', 10, ['a', 2], 'a', -1, ['a', 1], [1, 'z'], 'B', ['a']];
    const sorted = [...keys].sort(compareKeys);
    expect(sorted).toEqual([-1, 10, 'B', 'a', 'b', [1, 'z'], ['a'], ['a', 1], ['a', 2], ['b']]);
    expect(compareKeys([1, 'x'], [1, 'x'])).toBe(0);
  });
});

describe('MemoryBackend', () => {
  async function seeded(): Promise<MemoryBackend<TestDB>> {
    const db = new MemoryBackend(LAYOUT);
    await db.write(BOTH, async (tx) => {
      tx.put('rows', { id: 'c', rank: 1 });
      tx.put('rows', { id: 'a', rank: 2 });
      tx.put('rows', { id: 'b', rank: 1 });
      tx.put('kv', 7, 'x');
    });
    return db;
  }

  it('reads rows in key order, after a key and up to a count', async () => {
    const db = await seeded();
    await db.read(BOTH, async (tx) => {
      expect(ids(await tx.getAll('rows'))).toEqual(['a', 'b', 'c']);
      expect(ids(await tx.getAll('rows', 'a'))).toEqual(['b', 'c']);
      expect(ids(await tx.getAll('rows', 'a', 1))).toEqual(['b']);
      expect(ids(await tx.getAll('rows', 'c'))).toEqual([]);
      expect(await tx.entries('kv')).toEqual([['x', 7]]);
      expect(await tx.get('rows', 'b')).toEqual({ id: 'b', rank: 1 });
      expect(await tx.get('rows', 'nope')).toBeUndefined();
    });
  });

  it('reads an index in its key order, ties by primary key', async () => {
    const db = await seeded();
    await db.read(['rows'], async (tx) => {
      expect(ids(await tx.getAllFromIndex('rows', 'by_rank'))).toEqual(['b', 'c', 'a']);
      expect(ids(await tx.getAllFromIndex('rows', 'by_rank', [1, 'b']))).toEqual(['c', 'a']);
      expect(ids(await tx.getAllFromIndex('rows', 'by_rank', [1, 'b'], 1))).toEqual(['c']);
    });
  });

  it('sees its own writes at once; others see them only once it commits', async () => {
    const db = await seeded();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const writing = db.write(BOTH, async (tx) => {
      tx.put('kv', 8, 'x');
      tx.delete('rows', 'a');
      expect(await tx.get('kv', 'x')).toBe(8);
      expect(ids(await tx.getAll('rows'))).toEqual(['b', 'c']);
      await gate;
      order.push('write');
    });
    // Queued behind the write: it runs only after the write committed.
    const reading = db.read(BOTH, async (tx) => {
      order.push('read');
      return [await tx.get('kv', 'x'), ids(await tx.getAll('rows'))];
    });
    release();
    await writing;
    expect(await reading).toEqual([8, ['b', 'c']]);
    expect(order).toEqual(['write', 'read']);
  });

  it('commits all or nothing: a transaction that throws leaves no write behind', async () => {
    const db = await seeded();
    const boom = new Error('boom');
    await expect(
      db.write(BOTH, async (tx) => {
        tx.put('kv', 99, 'x');
        tx.put('rows', { id: 'd', rank: 0 });
        throw boom;
      }),
    ).rejects.toBe(boom);
    await db.read(BOTH, async (tx) => {
      expect(await tx.get('kv', 'x')).toBe(7);
      expect(ids(await tx.getAll('rows'))).toEqual(['a', 'b', 'c']);
    });
    // The queue goes on after a failed transaction.
    expect(await db.read(['kv'], (tx) => tx.get('kv', 'x'))).toBe(7);
  });

  it('hands out copies, as structured clone does: changing one changes nothing stored', async () => {
    const db = await seeded();
    const row: Row = { id: 'e', rank: 3 };
    await db.write(['rows'], async (tx) => tx.put('rows', row));
    row.rank = 100;
    const read = (await db.read(['rows'], (tx) => tx.get('rows', 'e')))!;
    expect(read.rank).toBe(3);
    read.note = 'changed';
    expect(await db.read(['rows'], (tx) => tx.get('rows', 'e'))).toEqual({ id: 'e', rank: 3 });
  });

  it('starts from a snapshot and refuses stores outside the transaction', async () => {
    const db = new MemoryBackend(LAYOUT, {
      kv: [
        ['y', 2],
        ['x', 1],
      ],
    });
    expect(await db.read(['kv'], (tx) => tx.entries('kv'))).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
    await expect(db.read(['kv'], (tx) => tx.getAll('rows'))).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });
});
