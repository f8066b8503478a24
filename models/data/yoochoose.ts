/**
 * The YOOCHOOSE training cut: clicks of `yoochoose-clicks.dat` (RecSys Challenge 2015; lines
 * `SessionId,Timestamp,ItemId,Category`, no header, e.g. `3,2014-04-02T13:17:46.940Z,214716935,0`)
 * written as `SessionId<TAB>ItemId<TAB>Time`.
 *
 * How the training file was made, most likely: the first 100,000 clicks of `yoochoose-clicks.dat`
 * through the usual session-based-recommendation preprocessing (GRU4Rec's: sessions of one click
 * dropped, clicks on items with fewer than 5 clicks dropped, sessions left with one click dropped,
 * the sessions ending on the last day held out), in file order. What the file and the original's
 * first lines show for certain: sessions are not whole (session 3's middle click, item 214774687,
 * is missing), and the order is the file's. So the cut keeps a click when its session AND its item
 * are in the recorded lists and its time in the recorded window, among the first `sourceClicks`
 * clicks, in file order; the recorded SHA-256 of the result says whether that was right.
 *
 * `Time` is not the instant of the ISO timestamp: 13:17:46.940Z is written 1396437466.94, i.e.
 * 11:17:46.940 UTC. The preprocessing read the ISO text as local wall-clock time on a machine in
 * Central European Summer Time (UTC+2 for the whole of April–September 2014), so every Time is the
 * instant minus 7,200 s (`timeOffsetSeconds`). It is written as Python prints a float: seconds, a
 * dot, the milliseconds without trailing zeros, `.0` for a whole second.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, createReadStream } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { OfferwiseError } from '../../src/util/errors.js';
import { dataError } from './data-error.js';
import { decodeIds, encodeIds, type EncodedIds } from './ids.js';

export const YOOCHOOSE_HEADER = 'SessionId\tItemId\tTime';
export const YOOCHOOSE_CLICKS_ENTRY = 'yoochoose-clicks.dat';
/** What the recorded cut assumes about the original (see the module comment). */
export const YOOCHOOSE_SOURCE_CLICKS = 100_000;
export const YOOCHOOSE_TIME_OFFSET_SECONDS = -7200;

export interface YoochooseCut {
  file: string;
  sha256: string;
  bytes: number;
  rows: number;
  /** Only the original's first `sourceClicks` clicks are read. */
  sourceClicks: number;
  /** Added to the ISO timestamp's instant to get `Time`. */
  timeOffsetSeconds: number;
  /** `Time` (ms) of the first and last kept click, inclusive. */
  window: { from: number; to: number };
  sessions: EncodedIds;
  items: EncodedIds;
}

/** Unix ms → `1396437466.94` / `1396445665.0` (Python's float printing, at ms precision). */
export function formatTime(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const fraction = ms - seconds * 1000;
  if (fraction === 0) return `${seconds}.0`;
  return `${seconds}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}

/** `1396437466.94` → 1396437466940; undefined when not seconds with at most 3 decimals. */
export function parseTime(text: string): number | undefined {
  const match = /^(\d+)(?:\.(\d{1,3}))?$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 1000 + Number((match[2] ?? '').padEnd(3, '0'));
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z$/;
const DIGITS = /^\d+$/;

/**
 * The training TSV from the lines of `yoochoose-clicks.dat`. Reads no more than
 * `cut.sourceClicks` clicks (the caller may close the source after); throws, naming the line,
 * on a malformed click, and when the source ends before `sourceClicks` clicks.
 */
export async function cutYoochoose(
  lines: AsyncIterable<string>,
  cut: YoochooseCut,
  source: string,
): Promise<{ text: string; clicksRead: number }> {
  const sessions = new Set(decodeIds(cut.sessions, 'sessions'));
  const items = new Set(decodeIds(cut.items, 'items'));
  const offset = cut.timeOffsetSeconds * 1000;
  const out = [YOOCHOOSE_HEADER];
  let lineNo = 0;
  let clicks = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const fields = line.split(',');
    // Some mirrors add a header line; the original has none.
    if (clicks === 0 && !DIGITS.test(fields[0] ?? '')) continue;
    const [session = '', time = '', item = ''] = fields;
    if (fields.length !== 4 || !DIGITS.test(session) || !ISO.test(time) || !DIGITS.test(item))
      throw dataError(
        source,
        `line ${lineNo}`,
        JSON.stringify(line.length > 80 ? `${line.slice(0, 77)}...` : line),
        'SessionId,Timestamp (ISO, Z),ItemId,Category',
      );
    clicks++;
    if (sessions.has(Number(session)) && items.has(Number(item))) {
      const at = Date.parse(time) + offset;
      if (at >= cut.window.from && at <= cut.window.to)
        out.push(`${session}\t${item}\t${formatTime(at)}`);
    }
    if (clicks === cut.sourceClicks) break;
  }
  if (clicks < cut.sourceClicks)
    throw dataError(
      source,
      'clicks',
      clicks.toLocaleString('en-US'),
      `at least ${cut.sourceClicks.toLocaleString('en-US')} (the file is truncated)`,
    );
  return { text: `${out.join('\n')}\n`, clicksRead: clicks };
}

/**
 * The cut that reproduces `trainingTsv`. `sourceClicks` and `timeOffsetSeconds` are facts about
 * the original that the training file cannot tell; the defaults are the recorded ones. Throws when
 * a line is not written the way `cutYoochoose` writes it.
 */
export function describeYoochoose(
  trainingTsv: string,
  file: string,
  sha256: string,
  sourceClicks = YOOCHOOSE_SOURCE_CLICKS,
  timeOffsetSeconds = YOOCHOOSE_TIME_OFFSET_SECONDS,
): YoochooseCut {
  const lines = trainingTsv.split('\n');
  if (lines[0] !== YOOCHOOSE_HEADER)
    throw dataError(file, 'header', JSON.stringify(lines[0]), JSON.stringify(YOOCHOOSE_HEADER));
  if (lines[lines.length - 1] !== '') throw dataError(file, 'end', 'no final line break', 'one');
  const sessions = new Set<number>();
  const items = new Set<number>();
  let from = Infinity;
  let to = -Infinity;
  for (let n = 1; n < lines.length - 1; n++) {
    const [session = '', item = '', time = '', ...rest] = lines[n]!.split('\t');
    const at = parseTime(time);
    if (!DIGITS.test(session) || !DIGITS.test(item) || at === undefined || rest.length > 0)
      throw dataError(file, `line ${n + 1}`, JSON.stringify(lines[n]), 'SessionId, ItemId, Time');
    if (formatTime(at) !== time)
      throw dataError(file, `line ${n + 1}: Time`, time, `its canonical form ${formatTime(at)}`);
    sessions.add(Number(session));
    items.add(Number(item));
    from = Math.min(from, at);
    to = Math.max(to, at);
  }
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  return {
    file,
    sha256,
    bytes: Buffer.byteLength(trainingTsv),
    rows: lines.length - 2,
    sourceClicks,
    timeOffsetSeconds,
    window: { from, to },
    sessions: encodeIds(sorted(sessions)),
    items: encodeIds(sorted(items)),
  };
}

/** Lines of a file or stream, and a way to stop reading early (closing what feeds them). */
export interface LineSource {
  lines: AsyncIterable<string>;
  close: () => void;
  /** Resolves when the source is done; rejects with what went wrong feeding it. */
  finished: Promise<void>;
}

function linesOf(stream: Readable): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

export function fileLines(path: string): LineSource {
  const stream = createReadStream(path);
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  return { lines: linesOf(stream), close: () => stream.destroy(), finished };
}

export const SEVEN_ZIP_TOOLS = ['7z', '7za', '7zz'] as const;

/** The first of `names` that is an executable on PATH (or a path to one), if any. */
export function findTool(names: readonly string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    const candidates = name.includes('/') ? [name] : dirs.map((dir) => join(dir, name));
    for (const candidate of candidates) {
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here: try the next.
      }
    }
  }
  return undefined;
}

export function sevenZipMissing(archive: string, names: readonly string[]): OfferwiseError {
  return dataError(
    archive,
    '7z tool',
    `none of ${names.join(', ')} on PATH`,
    'one to extract yoochoose-clicks.dat: install p7zip-full (Debian/Ubuntu: apt-get install ' +
      'p7zip-full; macOS: brew install p7zip), or extract yoochoose-clicks.dat yourself and ' +
      'pass its folder with --from',
  );
}

/**
 * The entries of a 7z archive (`7z l -slt`). A truncated 7z cannot be listed: its index is at
 * the end, so this is also the archive's integrity check before extraction.
 */
export function listArchive(tool: string, archive: string, label = archive): string[] {
  const listed = spawnSync(tool, ['l', '-slt', '-ba', archive], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (listed.error) throw dataError(label, tool, listed.error.message, 'a 7z tool that runs');
  if (listed.status !== 0) {
    // 7z names the archive on every line; only the reason is worth repeating.
    const reasons = `${listed.stderr}\n${listed.stdout}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /cannot|unexpected|truncated|headers error|data error|crc/i.test(l));
    const why = [...new Set(reasons)].slice(0, 2).join('; ');
    throw dataError(
      label,
      '7z l',
      `exit status ${listed.status}${why ? ` (${why})` : ''}`,
      'a whole 7z archive (a truncated download cannot be listed)',
    );
  }
  return listed.stdout
    .split('\n')
    .filter((l) => l.startsWith('Path = '))
    .map((l) => l.slice('Path = '.length).trim());
}

/** The lines of one entry of a 7z archive, streamed from `7z x -so` (nothing written to disk). */
export function archiveLines(tool: string, archive: string, entry: string): LineSource {
  const child = spawn(tool, ['x', '-so', '-bd', archive, entry], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString();
  });
  let closedByUs = false;
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(dataError(archive, tool, error.message, 'a 7z tool')));
    child.on('close', (code) => {
      if (code === 0 || closedByUs) resolve();
      else
        reject(
          dataError(
            archive,
            `7z x ${entry}`,
            `exit status ${code} (${stderr.trim().split('\n').slice(-1)[0] ?? ''})`,
            'a clean extraction',
          ),
        );
    });
  });
  return {
    lines: linesOf(child.stdout),
    close: () => {
      // Only what we need is read: stop the extractor (this child, by its handle). One that
      // already ended keeps its exit status.
      if (child.exitCode === null && child.signalCode === null) {
        closedByUs = true;
        child.kill();
      }
      // Unread output holds 'close' back until it is drained: drop it.
      child.stdout.destroy();
    },
    finished,
  };
}
