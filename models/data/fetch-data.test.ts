// `npm run data` end to end against a fixture HTTP server on 127.0.0.1 serving files this test
// makes (never the internet): download, cut, checks, and the errors of each way it can fail.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/data.js';
import { sha256Of } from './download.js';
import { fetchData, type FetchDataOptions } from './fetch-data.js';
import {
  FAKE_CLICKS,
  FAKE_CLICKS_TRAINING,
  FAKE_ORIGINAL,
  FAKE_TRAINING,
  fakeHillstromCut,
  fakeYoochooseCut,
} from './fixtures.js';
import { encodeIds } from './ids.js';
import { createProgress } from './progress.js';
import { findTool, SEVEN_ZIP_TOOLS } from './yoochoose.js';

interface Route {
  status?: number;
  body: Buffer;
  /** Declare this Content-Length but send only `body`, then drop the connection. */
  declare?: number;
}

const routes = new Map<string, Route>();
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file');
      return;
    }
    const length = route.declare ?? route.body.length;
    res.writeHead(route.status ?? 200, { 'content-length': String(length) });
    if (route.declare === undefined) res.end(route.body);
    // Sent in full before the drop, so the client sees exactly `body.length` bytes.
    else res.write(route.body, () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ORIGINAL_SHA = sha256Of(FAKE_ORIGINAL);

function setup(extra: Partial<FetchDataOptions> = {}) {
  const out = mkdtempSync(join(tmpdir(), 'data-out-'));
  const log: string[] = [];
  const options: FetchDataOptions = {
    out,
    log: (line) => log.push(line),
    progress: createProgress({ tty: false, write: () => {}, log: (line) => log.push(line) }),
    hillstrom: {
      source: { url: `${base}/hillstrom.csv`, file: 'hillstrom.csv', sha256: null },
      cut: fakeHillstromCut(sha256Of(FAKE_TRAINING)),
    },
    yoochoose: {
      source: { url: `${base}/yoochoose-data.7z`, file: 'yoochoose-data.7z', sha256: null },
      cut: fakeYoochooseCut(sha256Of(FAKE_CLICKS_TRAINING)),
    },
    only: 'hillstrom',
    ...extra,
  };
  return { out, log, options };
}

describe('npm run data: downloads', () => {
  it('downloads the original, cuts it and writes the training file byte for byte', async () => {
    routes.set('/hillstrom.csv', { body: Buffer.from(FAKE_ORIGINAL) });
    const { out, log, options } = setup();
    const written = await fetchData(options);
    expect(readFileSync(join(out, 'hillstrom-train.csv'), 'utf8')).toBe(FAKE_TRAINING);
    expect(written).toEqual([
      {
        data: 'hillstrom',
        file: join(out, 'hillstrom-train.csv'),
        sha256: sha256Of(FAKE_TRAINING),
        rows: 3,
        bytes: Buffer.byteLength(FAKE_TRAINING),
        source: {
          kind: 'download',
          path: join(out, 'sources', 'hillstrom.csv'),
          url: `${base}/hillstrom.csv`,
          sha256: ORIGINAL_SHA,
        },
      },
    ]);
    expect(readFileSync(join(out, 'sources', 'hillstrom.csv'), 'utf8')).toBe(FAKE_ORIGINAL);
    expect(log.at(-2)).toBe(`hillstrom: hillstrom.csv: ${FAKE_ORIGINAL.length} B, done`);

    // A second run reuses the whole download: the server no longer has the file.
    routes.delete('/hillstrom.csv');
    const again = await fetchData({ ...options, log: (line) => log.push(line) });
    expect(again[0]!.sha256).toBe(sha256Of(FAKE_TRAINING));
    expect(log).toContain(
      `hillstrom: using the earlier download ${join(out, 'sources', 'hillstrom.csv')}`,
    );
  });

  it.each([
    [404, 'Not Found'],
    [500, 'Internal Server Error'],
  ])('says HTTP %i with the URL, and leaves no file behind', async (status, text) => {
    routes.set('/hillstrom.csv', { status, body: Buffer.from('oops') });
    const { out, options } = setup();
    await expect(fetchData(options)).rejects.toThrow(
      `hillstrom: GET ${base}/hillstrom.csv: got HTTP ${status} ${text}, expected HTTP 200`,
    );
    expect(readdirSync(join(out, 'sources'))).toEqual([]);
    expect(existsSync(join(out, 'hillstrom-train.csv'))).toBe(false);
  });

  it('says a body shorter than its Content-Length is truncated: bytes got and expected', async () => {
    routes.set('/hillstrom.csv', { body: Buffer.from(FAKE_ORIGINAL.slice(0, 100)), declare: 420 });
    const { out, options } = setup();
    await expect(fetchData(options)).rejects.toThrow(
      `hillstrom: GET ${base}/hillstrom.csv: got 100 bytes, expected 420 (Content-Length): the download was cut short`,
    );
    expect(readdirSync(join(out, 'sources'))).toEqual([]);
  });

  it('names both hashes when the source is not the recorded one', async () => {
    routes.set('/hillstrom.csv', { body: Buffer.from(FAKE_ORIGINAL) });
    const wrong = 'ab'.repeat(32);
    const { out, options } = setup();
    options.hillstrom!.source!.sha256 = wrong;
    await expect(fetchData(options)).rejects.toThrow(
      `hillstrom: GET ${base}/hillstrom.csv: SHA-256: got ${ORIGINAL_SHA}, expected ${wrong}`,
    );
    expect(readdirSync(join(out, 'sources'))).toEqual([]);
  });

  it('names both hashes and both row counts when the cut is not the recorded training file', async () => {
    // One more row kept than the recorded file has: the cut cannot give the recorded bytes.
    routes.set('/hillstrom.csv', { body: Buffer.from(FAKE_ORIGINAL) });
    const { out, options } = setup();
    options.hillstrom!.cut = {
      ...fakeHillstromCut(sha256Of(FAKE_TRAINING)),
      rowIds: encodeIds([1, 2, 3, 4]),
    };
    const more = FAKE_TRAINING.replace(
      '4,1,',
      '3,7,1) $0 - $100,29.99,0,1,Urban,1,Web,No E-Mail,0,0,0\n4,1,',
    );
    await expect(fetchData(options)).rejects.toThrow(
      `hillstrom: the cut of ${join(out, 'sources', 'hillstrom.csv')}: SHA-256: got ${sha256Of(more)} (4 rows), expected ${sha256Of(FAKE_TRAINING)} (3 rows): the source is not the file the model was trained on`,
    );
    expect(existsSync(join(out, 'hillstrom-train.csv'))).toBe(false);
  });

  it('says when the server is not there', async () => {
    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { options } = setup();
    options.hillstrom!.source!.url = `http://127.0.0.1:${port}/hillstrom.csv`;
    await expect(fetchData(options)).rejects.toThrow(
      `hillstrom: GET http://127.0.0.1:${port}/hillstrom.csv: got connect ECONNREFUSED 127.0.0.1:${port}, expected a response (is the machine online?)`,
    );
  });
});

describe('npm run data -- --from', () => {
  it('checks an already-cut training file and copies it', async () => {
    const from = mkdtempSync(join(tmpdir(), 'data-from-'));
    writeFileSync(join(from, 'hillstrom-train.csv'), FAKE_TRAINING);
    const { out, log, options } = setup({ from });
    const written = await fetchData(options);
    expect(readFileSync(join(out, 'hillstrom-train.csv'), 'utf8')).toBe(FAKE_TRAINING);
    expect(written[0]!.source).toEqual({
      kind: 'cut',
      path: join(from, 'hillstrom-train.csv'),
      sha256: sha256Of(FAKE_TRAINING),
    });
    expect(log).toEqual([
      `hillstrom: ${join(from, 'hillstrom-train.csv')} is the recorded training file; copied to ${join(out, 'hillstrom-train.csv')}`,
    ]);

    writeFileSync(join(from, 'hillstrom-train.csv'), FAKE_TRAINING.replace('809.7', '809.8'));
    await expect(fetchData(options)).rejects.toThrow(
      `hillstrom: ${join(from, 'hillstrom-train.csv')}: SHA-256: got ${sha256Of(FAKE_TRAINING.replace('809.7', '809.8'))}, expected ${sha256Of(FAKE_TRAINING)}`,
    );
  });

  it('cuts an original given there, preferring it to a training file', async () => {
    const from = mkdtempSync(join(tmpdir(), 'data-from-'));
    writeFileSync(join(from, 'hillstrom.csv'), FAKE_ORIGINAL);
    writeFileSync(join(from, 'hillstrom-train.csv'), 'not used');
    const { out, options } = setup({ from });
    const written = await fetchData(options);
    expect(readFileSync(join(out, 'hillstrom-train.csv'), 'utf8')).toBe(FAKE_TRAINING);
    expect(written[0]!.source.kind).toBe('original');
  });

  it('says what it looked for in a folder that has neither', async () => {
    const from = mkdtempSync(join(tmpdir(), 'data-from-'));
    const { options } = setup({ from, only: 'yoochoose' });
    await expect(fetchData(options)).rejects.toThrow(
      `yoochoose: --from ${from}: got none of yoochoose-clicks.dat, yoochoose-data.7z, yoochoose-clicks-train.tsv, expected the original clicks or archive (to cut) or the training file (to check and copy)`,
    );
  });

  it('cuts an extracted yoochoose-clicks.dat, reading only the clicks it needs', async () => {
    const from = mkdtempSync(join(tmpdir(), 'data-from-'));
    writeFileSync(join(from, 'yoochoose-clicks.dat'), FAKE_CLICKS);
    const { out, options } = setup({ from, only: 'yoochoose' });
    const written = await fetchData(options);
    expect(readFileSync(join(out, 'yoochoose-clicks-train.tsv'), 'utf8')).toBe(
      FAKE_CLICKS_TRAINING,
    );
    expect(written[0]).toMatchObject({ data: 'yoochoose', rows: 6, source: { kind: 'original' } });
  });

  it('refuses a yoochoose-clicks.dat with fewer clicks than the cut reads', async () => {
    const from = mkdtempSync(join(tmpdir(), 'data-from-'));
    const path = join(from, 'yoochoose-clicks.dat');
    writeFileSync(path, FAKE_CLICKS.split('\n').slice(0, 5).join('\n'));
    const { options } = setup({ from, only: 'yoochoose' });
    await expect(fetchData(options)).rejects.toThrow(
      `yoochoose: ${path}: clicks: got 5, expected at least 9 (the file is truncated)`,
    );
  });

  it('names the package to install when no 7z tool is found', async () => {
    const from = mkdtempSync(join(tmpdir(), 'data-from-'));
    const archive = join(from, 'yoochoose-data.7z');
    writeFileSync(archive, 'not looked at');
    const { options } = setup({ from, only: 'yoochoose', sevenZipTools: ['no-such-7z-tool'] });
    await expect(fetchData(options)).rejects.toThrow(
      `yoochoose: ${archive}: 7z tool: got none of no-such-7z-tool on PATH, expected one to extract yoochoose-clicks.dat: install p7zip-full`,
    );
  });
});

const sevenZip = findTool(SEVEN_ZIP_TOOLS);
if (!sevenZip)
  console.warn(
    `skipped the 7z download test: none of ${SEVEN_ZIP_TOOLS.join(', ')} on PATH (Debian: apt-get install p7zip-full)`,
  );

describe.skipIf(!sevenZip)('npm run data: the YOOCHOOSE archive', () => {
  function archiveOf(files: Record<string, string>): Buffer {
    const dir = mkdtempSync(join(tmpdir(), 'data-7z-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const made = spawnSync(sevenZip!, ['a', '-bd', 'a.7z', ...Object.keys(files)], { cwd: dir });
    expect(made.status).toBe(0);
    return readFileSync(join(dir, 'a.7z'));
  }

  it('downloads the 7z, streams yoochoose-clicks.dat out of it and cuts it', async () => {
    // Far more than a pipe holds after the clicks read: 7z must be stopped, not waited for.
    const rest = '1,2014-04-07T10:51:09.277Z,100,0\n'.repeat(50_000);
    const body = archiveOf({
      'yoochoose-clicks.dat': FAKE_CLICKS + rest,
      'yoochoose-buys.dat': '',
    });
    routes.set('/yoochoose-data.7z', { body });
    const { out, options } = setup({ only: 'yoochoose' });
    const written = await fetchData(options);
    expect(readFileSync(join(out, 'yoochoose-clicks-train.tsv'), 'utf8')).toBe(
      FAKE_CLICKS_TRAINING,
    );
    expect(written[0]!.source).toMatchObject({ kind: 'download', sha256: sha256Of(body) });
  });

  it('refuses an archive without yoochoose-clicks.dat, and a truncated one', async () => {
    const from = mkdtempSync(join(tmpdir(), 'data-from-'));
    const archive = join(from, 'yoochoose-data.7z');
    writeFileSync(archive, archiveOf({ 'other.dat': 'x' }));
    const { options } = setup({ from, only: 'yoochoose' });
    await expect(fetchData(options)).rejects.toThrow(
      `yoochoose: ${archive}: entries: got other.dat, expected yoochoose-clicks.dat among them`,
    );
    const whole = archiveOf({ 'yoochoose-clicks.dat': FAKE_CLICKS });
    writeFileSync(archive, whole.subarray(0, whole.length - 40));
    // 7z's own words vary by version; the message starts and ends the same.
    const error = await fetchData(options).catch((e: Error) => e);
    expect(String(error)).toMatch(`yoochoose: ${archive}: 7z l: got exit status 2 (`);
    expect(String(error)).toMatch(
      /Unexpected end of archive\), expected a whole 7z archive \(a truncated download cannot be listed\)$/,
    );
  });
});

describe('npm run data: the command', () => {
  it('refuses an unknown --only before touching anything', async () => {
    await expect(main(['--only', 'criteo'], () => {})).rejects.toThrow(
      '--only: got "criteo", expected one of hillstrom, yoochoose',
    );
  });
});

describe('progress', () => {
  it('prints a line per tenth on a pipe, and the end', () => {
    const lines: string[] = [];
    const progress = createProgress({ tty: false, write: () => {}, log: (l) => lines.push(l) });
    const task = progress.task('hillstrom: h.csv', 1000);
    for (const n of [50, 200, 300, 449, 1]) task.advance(n);
    task.done();
    expect(lines).toEqual([
      'hillstrom: h.csv: 250 B (20% of 1.0 kB)',
      'hillstrom: h.csv: 550 B (50% of 1.0 kB)',
      'hillstrom: h.csv: 999 B (90% of 1.0 kB)',
      'hillstrom: h.csv: 1.0 kB, done',
    ]);
  });

  it('redraws a bar in place on a terminal', () => {
    let screen = '';
    let clock = 0;
    const progress = createProgress({
      tty: true,
      write: (t) => (screen += t),
      log: () => {},
      now: () => clock,
    });
    const task = progress.task('yoochoose: y.7z', 2_000_000);
    task.advance(500_000);
    clock += 50; // too soon to redraw
    task.advance(500_000);
    task.done();
    expect(screen).toBe(
      `\ryoochoose: y.7z [########----------------------]  25% 500.0 kB / 2.0 MB\x1b[K` +
        `\ryoochoose: y.7z [###############---------------]  50% 1.0 MB / 2.0 MB\x1b[K\n`,
    );
  });
});
