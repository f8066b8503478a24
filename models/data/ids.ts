/**
 * Compact, text-safe encodings of a set of whole numbers (row ids, session ids, item ids), for the
 * id lists kept in the repository. Two forms, and `encodeIds` keeps the shorter:
 *
 * - `bitmap`: bit `i` (least significant bit first in each byte) says whether `from + i` is in
 *   the set; base64. Best for dense sets (70% of Hillstrom's rows: 8,000 bytes for 64,000 ids).
 * - `delta-varint`: the first id, then each gap to the next, as unsigned LEB128 varints; base64.
 *   Best for sparse sets (item ids spread over hundreds of millions).
 */
import { OfferwiseError } from '../../src/util/errors.js';

export type EncodedIds =
  | { encoding: 'bitmap'; count: number; from: number; size: number; data: string }
  | { encoding: 'delta-varint'; count: number; data: string };

function idsError(field: string, got: string, expected: string): OfferwiseError {
  return new OfferwiseError('invalid_input', `${field}: got ${got}, expected ${expected}`, {
    field,
    value: got,
    expected,
  });
}

function checkSorted(ids: readonly number[]): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isSafeInteger(id) || id < 0)
      throw idsError(`ids[${i}]`, String(id), 'a whole number ≥ 0');
    if (i > 0 && id <= ids[i - 1]!)
      throw idsError(`ids[${i}]`, String(id), `more than ids[${i - 1}] = ${ids[i - 1]}`);
  }
}

export function encodeBitmap(ids: readonly number[]): EncodedIds {
  checkSorted(ids);
  const from = ids[0] ?? 0;
  const size = ids.length === 0 ? 0 : ids[ids.length - 1]! - from + 1;
  const bytes = new Uint8Array(Math.ceil(size / 8));
  for (const id of ids) {
    const bit = id - from;
    bytes[bit >> 3]! |= 1 << (bit & 7);
  }
  return {
    encoding: 'bitmap',
    count: ids.length,
    from,
    size,
    data: Buffer.from(bytes).toString('base64'),
  };
}

export function encodeDeltaVarint(ids: readonly number[]): EncodedIds {
  checkSorted(ids);
  const out: number[] = [];
  let previous = 0;
  for (const id of ids) {
    let gap = id - previous;
    previous = id;
    // Division, not shifts: an id may exceed 2^31.
    while (gap >= 0x80) {
      out.push((gap % 0x80) | 0x80);
      gap = Math.floor(gap / 0x80);
    }
    out.push(gap);
  }
  return {
    encoding: 'delta-varint',
    count: ids.length,
    data: Buffer.from(out).toString('base64'),
  };
}

/** The shorter of the two encodings of `ids` (sorted, distinct, whole numbers ≥ 0). */
export function encodeIds(ids: readonly number[]): EncodedIds {
  const bitmap = encodeBitmap(ids);
  const delta = encodeDeltaVarint(ids);
  return delta.data.length < bitmap.data.length ? delta : bitmap;
}

/** The ids, ascending. Throws when the data does not hold exactly `count` ids. */
export function decodeIds(encoded: EncodedIds, field = 'ids'): number[] {
  const bytes = Buffer.from(encoded.data, 'base64');
  const ids: number[] = [];
  if (encoded.encoding === 'bitmap') {
    if (bytes.length !== Math.ceil(encoded.size / 8))
      throw idsError(`${field}.data`, `${bytes.length} bytes`, `${Math.ceil(encoded.size / 8)}`);
    for (let bit = 0; bit < encoded.size; bit++)
      if (bytes[bit >> 3]! & (1 << (bit & 7))) ids.push(encoded.from + bit);
  } else if (encoded.encoding === 'delta-varint') {
    let previous = 0;
    let gap = 0;
    let scale = 1;
    for (const byte of bytes) {
      gap += (byte & 0x7f) * scale;
      if (byte & 0x80) {
        scale *= 0x80;
        continue;
      }
      previous += gap;
      ids.push(previous);
      gap = 0;
      scale = 1;
    }
    if (scale !== 1) throw idsError(`${field}.data`, 'a cut-off varint', 'whole varints');
  } else {
    throw idsError(
      `${field}.encoding`,
      JSON.stringify((encoded as { encoding: unknown }).encoding),
      '"bitmap" or "delta-varint"',
    );
  }
  if (ids.length !== encoded.count)
    throw idsError(`${field}`, `${ids.length} ids`, `count = ${encoded.count}`);
  return ids;
}
