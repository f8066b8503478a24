import { describe, expect, it } from 'vitest';
import { decodeIds, encodeBitmap, encodeDeltaVarint, encodeIds, type EncodedIds } from './ids.js';

describe('id lists', () => {
  it('writes a bitmap least significant bit first, from the smallest id', () => {
    // Bits 0, 2, 3 → 0b00001101 = 0x0d; id 11 is bit 9 → 0x02 in the second byte.
    const encoded = encodeBitmap([2, 4, 5, 11]);
    expect(encoded).toEqual({
      encoding: 'bitmap',
      count: 4,
      from: 2,
      size: 10,
      data: Buffer.from([0x0d, 0x02]).toString('base64'),
    });
    expect(decodeIds(encoded)).toEqual([2, 4, 5, 11]);
  });

  it('writes gaps as LEB128 varints, beyond 2^31 too', () => {
    // 0, then gaps 300 (0xac 0x02) and 1; then a gap of 2^32 (0x80 0x80 0x80 0x80 0x10).
    const ids = [0, 300, 301, 301 + 2 ** 32];
    const encoded = encodeDeltaVarint(ids);
    expect(Buffer.from(encoded.data, 'base64')).toEqual(
      Buffer.from([0x00, 0xac, 0x02, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10]),
    );
    expect(decodeIds(encoded)).toEqual(ids);
  });

  it('keeps the shorter form: a bitmap for dense ids, gaps for sparse ones', () => {
    const dense = Array.from({ length: 1000 }, (_, i) => 2 * i);
    const sparse = [214_000_000, 214_100_000, 214_500_000];
    expect(encodeIds(dense).encoding).toBe('bitmap');
    expect(encodeIds(sparse).encoding).toBe('delta-varint');
    expect(decodeIds(encodeIds(dense))).toEqual(dense);
    expect(decodeIds(encodeIds(sparse))).toEqual(sparse);
    expect(decodeIds(encodeIds([]))).toEqual([]);
  });

  it('refuses ids out of order, and data that does not hold its count', () => {
    expect(() => encodeIds([3, 3])).toThrow('ids[1]: got 3, expected more than ids[0] = 3');
    expect(() => encodeIds([-1])).toThrow('ids[0]: got -1, expected a whole number ≥ 0');
    const short: EncodedIds = { ...encodeDeltaVarint([1, 2]), count: 3 };
    expect(() => decodeIds(short, 'sessions')).toThrow('sessions: got 2 ids, expected count = 3');
    const cut: EncodedIds = { encoding: 'delta-varint', count: 1, data: 'gA==' }; // 0x80 alone
    expect(() => decodeIds(cut)).toThrow('ids.data: got a cut-off varint, expected whole varints');
  });
});
