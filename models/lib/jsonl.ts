/** JSON Lines files: one JSON value per line, as the collector and the simulator write them. */
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Reads a JSONL file; a line that is not JSON is an error naming the file and line, unless
 * `skipBad` is given: then it is left out and `skipBad` hears of it (an append-only log cut short
 * by a crash ends in half a line). Reads 16 MiB at a time, so files larger than V8's longest
 * string (about 512 MiB: the decisions of a million visits) can be read.
 */
export function readJsonl<T = unknown>(
  path: string,
  options: { skipBad?: (lineNo: number) => void } = {},
): T[] {
  const out: T[] = [];
  let lineNo = 0;
  const take = (line: string) => {
    lineNo++;
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      if (options.skipBad) options.skipBad(lineNo);
      else throw new Error(`${path}:${lineNo}: expected one JSON object per line`);
    }
  };
  const fd = openSync(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const chunk = Buffer.allocUnsafe(1 << 24);
    let rest = '';
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const lines = (rest + decoder.write(chunk.subarray(0, n))).split('\n');
      rest = lines.pop()!;
      for (const line of lines) take(line);
    }
    take(rest + decoder.end());
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Writes one JSON value per line (a trailing newline after the last). */
export function writeJsonl(path: string, items: readonly unknown[]): void {
  writeFileSync(path, items.map((x) => JSON.stringify(x)).join('\n') + '\n');
}
