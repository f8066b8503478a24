/**
 * `npm run data`: get each data set's source (download into `<out>/sources/`, or take it from
 * `--from`), cut the training file out of it, and write it to `<out>/` only when its SHA-256 is the
 * recorded one. `--from` may also hold the already-cut training files: they are checked and copied.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../lib/cli.js';
import {
  HILLSTROM_SOURCE,
  readHillstromCut,
  readYoochooseCut,
  YOOCHOOSE_SOURCE,
  type SourceSpec,
} from './datasets.js';
import { checkSha256, download, loadError, sha256File, sha256Of } from './download.js';
import { cutHillstrom, type HillstromCut } from './hillstrom.js';
import type { Progress } from './progress.js';
import {
  archiveLines,
  cutYoochoose,
  fileLines,
  findTool,
  listArchive,
  SEVEN_ZIP_TOOLS,
  sevenZipMissing,
  YOOCHOOSE_CLICKS_ENTRY,
  type LineSource,
  type YoochooseCut,
} from './yoochoose.js';

export const DATA_SETS = ['hillstrom', 'yoochoose'] as const;
export type DataSetName = (typeof DATA_SETS)[number];

export interface FetchDataOptions {
  out: string;
  from?: string;
  only?: DataSetName;
  log: Log;
  progress: Progress;
  /** Default: the published source and the recorded cut. Tests give their own. */
  hillstrom?: { source?: SourceSpec; cut?: HillstromCut };
  yoochoose?: { source?: SourceSpec; cut?: YoochooseCut };
  /** The 7z programs looked for on PATH, in order. */
  sevenZipTools?: readonly string[];
}

export interface WrittenFile {
  data: DataSetName;
  file: string;
  sha256: string;
  rows: number;
  bytes: number;
  source: {
    /** Downloaded, an original given with --from, or an already-cut file given with --from. */
    kind: 'download' | 'original' | 'cut';
    path: string;
    url?: string;
    sha256: string;
  };
}

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}`;

/** Writes `text` to `target` (via a temporary file) if its SHA-256 is the recorded one. */
function writeChecked(
  data: DataSetName,
  target: string,
  text: string,
  expected: { sha256: string; rows: number },
  source: WrittenFile['source'],
): WrittenFile {
  const sha256 = sha256Of(text);
  const rows = text.split('\n').length - 2;
  if (sha256 !== expected.sha256)
    throw loadError(
      `${data}: the cut of ${source.path}: SHA-256`,
      `${sha256} (${plural(rows, 'rows')})`,
      `${expected.sha256} (${plural(expected.rows, 'rows')}): the source is not the file the model was trained on`,
    );
  const part = `${target}.part`;
  writeFileSync(part, text);
  renameSync(part, target);
  return { data, file: target, sha256, rows, bytes: Buffer.byteLength(text), source };
}

/** Checks an already-cut training file and copies it to `target` (unless it is `target`). */
async function copyChecked(
  data: DataSetName,
  path: string,
  target: string,
  expected: { sha256: string; rows: number; bytes: number },
  log: Log,
): Promise<WrittenFile> {
  const sha256 = await sha256File(path);
  checkSha256(`${data}: ${path}`, sha256, expected.sha256);
  if (!existsSync(target) || realpathSync(path) !== realpathSync(target)) {
    // Written, not copied: a copy would keep the source's mode (read-only in ../shared/data).
    writeFileSync(`${target}.part`, readFileSync(path));
    renameSync(`${target}.part`, target);
  }
  log(`${data}: ${path} is the recorded training file; copied to ${target}`);
  return {
    data,
    file: target,
    sha256,
    rows: expected.rows,
    bytes: expected.bytes,
    source: { kind: 'cut', path, sha256 },
  };
}

/** The downloaded source in `<out>/sources/` (an earlier whole download is reused). */
async function downloaded(
  data: DataSetName,
  spec: SourceSpec,
  options: FetchDataOptions,
): Promise<{ path: string; sha256: string }> {
  const dir = join(options.out, 'sources');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, spec.file);
  if (existsSync(path)) {
    options.log(`${data}: using the earlier download ${path}`);
    const sha256 = await sha256File(path);
    checkSha256(`${data}: ${path}`, sha256, spec.sha256, ' (delete the file to download it again)');
    return { path, sha256 };
  }
  options.log(`${data}: downloading ${spec.url}`);
  const got = await download(spec.url, path, {
    label: data,
    progress: options.progress,
    expectedSha256: spec.sha256,
  });
  return { path, sha256: got.sha256 };
}

async function hillstrom(options: FetchDataOptions): Promise<WrittenFile> {
  const spec = options.hillstrom?.source ?? HILLSTROM_SOURCE;
  const cut = options.hillstrom?.cut ?? readHillstromCut();
  const target = join(options.out, cut.file);
  let source: WrittenFile['source'];
  if (options.from !== undefined) {
    const original = join(options.from, spec.file);
    const already = join(options.from, cut.file);
    if (existsSync(original)) {
      const sha256 = await sha256File(original);
      checkSha256(`hillstrom: ${original}`, sha256, spec.sha256);
      source = { kind: 'original', path: original, sha256 };
    } else if (existsSync(already))
      return copyChecked('hillstrom', already, target, cut, options.log);
    else
      throw loadError(
        `hillstrom: --from ${options.from}`,
        `neither ${spec.file} nor ${cut.file}`,
        'the original (to cut) or the training file (to check and copy)',
      );
  } else {
    const got = await downloaded('hillstrom', spec, options);
    source = { kind: 'download', path: got.path, url: spec.url, sha256: got.sha256 };
  }
  options.log(`hillstrom: cutting ${plural(cut.rows, 'rows')} out of ${source.path}`);
  const text = cutHillstrom(readFileSync(source.path, 'utf8'), cut, `hillstrom: ${source.path}`);
  return writeChecked('hillstrom', target, text, cut, source);
}

function openArchive(path: string, options: FetchDataOptions): LineSource {
  const tools = options.sevenZipTools ?? SEVEN_ZIP_TOOLS;
  const tool = findTool(tools);
  if (tool === undefined) throw sevenZipMissing(`yoochoose: ${path}`, tools);
  const entries = listArchive(tool, path, `yoochoose: ${path}`);
  if (!entries.includes(YOOCHOOSE_CLICKS_ENTRY))
    throw loadError(
      `yoochoose: ${path}: entries`,
      entries.length === 0 ? 'none' : entries.slice(0, 6).join(', '),
      `${YOOCHOOSE_CLICKS_ENTRY} among them`,
    );
  return archiveLines(tool, path, YOOCHOOSE_CLICKS_ENTRY);
}

async function yoochoose(options: FetchDataOptions): Promise<WrittenFile> {
  const spec = options.yoochoose?.source ?? YOOCHOOSE_SOURCE;
  const cut = options.yoochoose?.cut ?? readYoochooseCut();
  const target = join(options.out, cut.file);
  let source: WrittenFile['source'];
  let open: () => LineSource;
  if (options.from !== undefined) {
    const clicks = join(options.from, YOOCHOOSE_CLICKS_ENTRY);
    const archive = join(options.from, spec.file);
    const already = join(options.from, cut.file);
    if (existsSync(clicks)) {
      source = { kind: 'original', path: clicks, sha256: await sha256File(clicks) };
      open = () => fileLines(clicks);
    } else if (existsSync(archive)) {
      const sha256 = await sha256File(archive);
      checkSha256(`yoochoose: ${archive}`, sha256, spec.sha256);
      source = { kind: 'original', path: archive, sha256 };
      open = () => openArchive(archive, options);
    } else if (existsSync(already))
      return copyChecked('yoochoose', already, target, cut, options.log);
    else
      throw loadError(
        `yoochoose: --from ${options.from}`,
        `none of ${YOOCHOOSE_CLICKS_ENTRY}, ${spec.file}, ${cut.file}`,
        'the original clicks or archive (to cut) or the training file (to check and copy)',
      );
  } else {
    const got = await downloaded('yoochoose', spec, options);
    source = { kind: 'download', path: got.path, url: spec.url, sha256: got.sha256 };
    open = () => openArchive(got.path, options);
  }
  options.log(
    `yoochoose: cutting ${plural(cut.rows, 'clicks')} out of the first ${plural(cut.sourceClicks, 'clicks')} of ${source.path}`,
  );
  const lines = open();
  let text: string;
  try {
    ({ text } = await cutYoochoose(lines.lines, cut, `yoochoose: ${source.path}`));
  } catch (error) {
    lines.close();
    // A failed extraction ends the lines early: its own error says more than "truncated".
    await lines.finished;
    throw error;
  }
  lines.close();
  await lines.finished;
  return writeChecked('yoochoose', target, text, cut, source);
}

/** Gets, cuts, checks and writes the training files; returns what was written. */
export async function fetchData(options: FetchDataOptions): Promise<WrittenFile[]> {
  if (options.from !== undefined && !existsSync(options.from))
    throw loadError('--from', options.from, 'an existing folder');
  mkdirSync(options.out, { recursive: true });
  const written: WrittenFile[] = [];
  for (const name of DATA_SETS) {
    if (options.only !== undefined && options.only !== name) continue;
    written.push(await (name === 'hillstrom' ? hillstrom(options) : yoochoose(options)));
  }
  return written;
}
