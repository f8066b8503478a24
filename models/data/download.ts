/**
 * Fetching a data file over HTTP(S) with Node's fetch: streamed to `<dest>.part` (hashed on the
 * way), checked against Content-Length and the expected SHA-256, then renamed to `dest`, so a
 * file at `dest` is always a whole one. Every failure is one OfferwiseError naming the URL, what
 * was got and what was expected.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { OfferwiseError } from '../../src/util/errors.js';
import type { Progress } from './progress.js';

export function loadError(field: string, got: string, expected: string): OfferwiseError {
  return new OfferwiseError('load_failed', `${field}: got ${got}, expected ${expected}`, {
    field,
    value: got,
    expected,
  });
}

export function sha256Of(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Throws `<what>: SHA-256: got …, expected …` unless `expected` is null (not known) or equal. */
export function checkSha256(what: string, got: string, expected: string | null, note = ''): void {
  if (expected !== null && got !== expected)
    throw loadError(`${what}: SHA-256`, got, `${expected}${note}`);
}

export interface DownloadOptions {
  /** Names the file in errors and progress lines (`hillstrom: <file>`). */
  label: string;
  progress: Progress;
  /** null: not known; the caller checks the file's structure instead. */
  expectedSha256: string | null;
}

export interface Downloaded {
  bytes: number;
  sha256: string;
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const text = cause?.message ?? cause?.code ?? (error instanceof Error ? error.message : '');
  return text || String(error);
}

export async function download(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<Downloaded> {
  const field = `${options.label}: GET ${url}`;
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    throw loadError(field, describeCause(error), 'a response (is the machine online?)');
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw loadError(field, `HTTP ${response.status} ${response.statusText}`.trim(), 'HTTP 200');
  }
  // A compressed body's Content-Length counts compressed bytes, not the ones fetch hands over.
  const encoding = response.headers.get('content-encoding');
  const header = response.headers.get('content-length');
  const length =
    header !== null && /^\d+$/.test(header) && (!encoding || encoding === 'identity')
      ? Number(header)
      : undefined;
  const part = `${dest}.part`;
  const out = createWriteStream(part);
  const outDone = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  // Awaited on success; after a failure, the cleanup below waits for 'close' instead.
  outDone.catch(() => {});
  const hash = createHash('sha256');
  const task = options.progress.task(`${options.label}: ${basename(dest)}`, length);
  let got = 0;
  const truncated = () =>
    loadError(
      field,
      `${got.toLocaleString('en-US')} bytes`,
      `${length!.toLocaleString('en-US')} (Content-Length): the download was cut short`,
    );
  try {
    const reader = response.body.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (length !== undefined && got < length) throw truncated();
        throw loadError(
          field,
          `a broken connection after ${got.toLocaleString('en-US')} bytes (${describeCause(error)})`,
          'the whole file',
        );
      }
      if (chunk.done) break;
      got += chunk.value.byteLength;
      hash.update(chunk.value);
      task.advance(chunk.value.byteLength);
      if (!out.write(chunk.value))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    out.end();
    await outDone;
    if (length !== undefined && got !== length) throw truncated();
    const sha256 = hash.digest('hex');
    checkSha256(field, sha256, options.expectedSha256);
    renameSync(part, dest);
    task.done();
    return { bytes: got, sha256 };
  } catch (error) {
    task.done(false);
    // The file may still be opening: remove it only once the stream has let go of it.
    if (!out.closed) {
      const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
      out.destroy();
      await closed;
    }
    rmSync(part, { force: true });
    throw error;
  }
}
