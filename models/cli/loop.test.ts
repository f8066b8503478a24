// @vitest-environment node
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main as loop } from './loop.js';

// `npm run loop` on a tiny run (300 shoppers, one week, the fallback scorer): the flags it refuses
// in one line, and the warnings it prints on stderr without changing the run.
const dir = mkdtempSync(join(tmpdir(), 'loop-cli-'));
const small = ['--shoppers', '300', '--weeks', '1', '--scorer', 'fallback', '--no-noise', 'no'];
const warnings = (notes: string[]) => notes.filter((line) => line.startsWith('loop: warning'));

describe('npm run loop', () => {
  it('refuses a day that does not exist and a seed beyond 32 bits', async () => {
    const run = (...flags: string[]) => loop(['--out', join(dir, 'refused'), ...small, ...flags]);
    await expect(run('--start', '2026-02-30T00:00:00Z')).rejects.toThrow(
      '--start: got "2026-02-30T00:00:00Z", expected an ISO date-time on a day that exists (2026-02 has no day 30)',
    );
    await expect(run('--start', '2027-02-29')).rejects.toThrow(
      '--start: got "2027-02-29", expected an ISO date-time on a day that exists (2027-02 has no day 29)',
    );
    await expect(run('--seed', '99999999999999999999999')).rejects.toThrow(
      '--seed: got "99999999999999999999999", expected a whole number from 0 to 4294967295',
    );
  });

  it('warns of a k above the cap and of segments that share no category with the world', async () => {
    const notes: string[] = [];
    const log = (line: string) => notes.push(line);
    const out = join(dir, 'k16');
    // A leap day exists.
    const wide = await loop(
      ['--out', out, ...small, '--k', '16', '--start', '2028-02-29T00:00:00Z'],
      log,
    );
    expect(wide.k).toBe(16);
    expect(wide.epsilon).toBe(2);
    expect(warnings(notes)).toEqual([
      "loop: warning: --k 16 is above the cap k ≤ e^ε + 1 (8 at ε = 2): a device's report names its true group less than half the time",
    ]);

    // The same groups under other category names: taken, with a warning.
    const segments = JSON.parse(readFileSync(join(out, 'segments.json'), 'utf8'));
    segments.vector.categories = ['kids', 'toys', 'garden', 'books', 'games'];
    const foreign = join(dir, 'foreign-segments.json');
    writeFileSync(foreign, JSON.stringify(segments));
    notes.length = 0;
    const taken = await loop(['--out', join(dir, 'foreign'), ...small, '--segments', foreign], log);
    expect(taken.k).toBe(16);
    expect(warnings(notes)).toEqual([
      `loop: warning: --segments ${foreign} has the categories kids, toys, garden, books, games, none of the world's (womens, mens, shoes, accessories, outdoor): its groups cannot tell the shoppers' interests apart`,
    ]);

    // The world's own groups, at the cap: nothing to warn about.
    notes.length = 0;
    await loop(
      ['--out', join(dir, 'own'), ...small, '--segments', join(out, 'segments.json')],
      log,
    );
    await loop(['--out', join(dir, 'k8'), ...small, '--k', '8'], log);
    expect(warnings(notes)).toEqual([]);
  }, 120_000);

  it('says why gapClosed and the ratios are null, names late offers, and the world behind a refused order', async () => {
    const world = JSON.parse(
      readFileSync(new URL('../campaign/worlds/browsing.json', import.meta.url), 'utf8'),
    );
    // Orders worth nothing: every value is 0, the oracle no better than uniform.
    world.response.basket.base = 0;
    world.response.basket.history = 0;
    world.offers[0].launch_week = 5;
    const flat = join(dir, 'flat-world.json');
    writeFileSync(flat, JSON.stringify(world));
    const notes: string[] = [];
    const result = await loop(['--out', join(dir, 'flat'), ...small, '--world', flat], (line) =>
      notes.push(line),
    );
    expect(result.gapClosed).toBeNull();
    expect(result.overStatic).toBeNull();
    expect(result.overBestRule).toBeNull();
    expect(warnings(notes)).toEqual([
      'loop: warning: c-womens-10 (launch_week 5) launch after the last week run (--weeks 1): never shown',
      "loop: warning: in the last week the oracle is no better than uniform (0 against 0 per decision): the world's offers change nothing there, so there is no gap to close and gapClosed is null",
      "loop: warning: the last week's static value is 0 per decision, so the ratios over it are null",
    ]);

    // Each order raises the next one's basket by all of its value: the orders outgrow the SDK's cap.
    world.response.basket.base = 1e6;
    world.response.basket.history = 1;
    writeFileSync(flat, JSON.stringify(world));
    await expect(loop(['--out', join(dir, 'grows'), ...small, '--world', flat])).rejects.toThrow(
      /^browsing world: the SDK refused a simulated purchase event \(ecommerce\.items\[0\]\.price: got [\d.]+, expected a number from 0 to 1000000000\); its value comes from the world's response\.basket \(base \+ history × the shopper's year of spend: every order raises the next, so a large basket\.history grows the orders week by week\); lower basket\.base or basket\.history: \{"event":"purchase"/,
    );
  }, 120_000);
});
