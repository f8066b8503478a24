import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMain, runCli, type CliIo } from './cli.js';

// models/cli/train.ts and a stranger whose name ends the same way.
const dir = mkdtempSync(join(tmpdir(), 'cli-'));
mkdirSync(join(dir, 'cli'));
const script = join(dir, 'cli', 'train.ts');
const other = join(dir, 'other-train.ts');
const link = join(dir, 'train-link.ts');
writeFileSync(script, '');
writeFileSync(other, '');
symlinkSync(script, link);
const url = pathToFileURL(script).href;

describe('isMain', () => {
  it('matches the started script by its real path', () => {
    expect(isMain(url, script)).toBe(true);
    expect(isMain(url, relative(process.cwd(), script))).toBe(true);
    expect(isMain(url, link)).toBe(true);
  });

  it('does not match another file whose name ends the same way, or no script', () => {
    expect(isMain(url, other)).toBe(false);
    expect(isMain(url, join(dir, 'train.ts'))).toBe(false);
    expect(isMain(url, undefined)).toBe(false);
  });
});

describe('runCli', () => {
  function io(argv: string[]) {
    const out = { stdout: [] as string[], stderr: [] as string[], exit: [] as number[] };
    const value: CliIo = {
      argv,
      stdout: (line) => out.stdout.push(line),
      stderr: (line) => out.stderr.push(line),
      exit: (code) => out.exit.push(code),
    };
    return { io: value, out };
  }

  it('prints what main returns as one JSON line, given the arguments after the script', async () => {
    const { io: cli, out } = io(['node', script, '--n', '2']);
    await runCli('train', url, async (argv) => ({ argv, twice: 2 * Number(argv[1]) }), cli);
    expect(out).toEqual({
      stdout: ['{"argv":["--n","2"],"twice":4}'],
      stderr: [],
      exit: [],
    });
  });

  it('turns an error into one line on stderr and exit status 1', async () => {
    const { io: cli, out } = io(['node', script]);
    await runCli(
      'train',
      url,
      () => {
        throw new Error('--data: got nothing, expected a value (required)');
      },
      cli,
    );
    expect(out).toEqual({
      stdout: [],
      stderr: ['train: --data: got nothing, expected a value (required)'],
      exit: [1],
    });
  });

  it('keeps an error of several lines on one, and names the CLI once when the message already does', async () => {
    const run = async (message: string) => {
      const { io: cli, out } = io(['node', script]);
      await runCli(
        'learn',
        url,
        () => {
          throw new Error(message);
        },
        cli,
      );
      return out.stderr;
    };
    expect(await run('learn: no rows\n')).toEqual(['learn: no rows']);
    expect(await run('Parser Error: bad\n\nLINE 3: FROM x\n   ^')).toEqual([
      'learn: Parser Error: bad LINE 3: FROM x ^',
    ]);
    expect(await run('learner: other')).toEqual(['learn: learner: other']);
  });

  it('does not run main when the module is imported', async () => {
    const { io: cli, out } = io(['node', other]);
    let ran = false;
    await runCli('train', url, () => (ran = true), cli);
    expect(ran).toBe(false);
    expect(out).toEqual({ stdout: [], stderr: [], exit: [] });
  });
});
