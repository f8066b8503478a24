import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toWireBatch, toWireEvent } from '../../src/feedback/wire.js';
import { validateEffects } from '../../src/learning/effects.js';
import { main as learn } from '../cli/learn.js';
import { DEFAULT_SEGMENTS, readSegments } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'learn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const AT = Date.UTC(2026, 10, 28, 12);

/**
 * A collector's feedback file: offer `c-a` shown in four decisions at propensity 0.5, two of them
 * clicked; `c-b` in four at 0.5, none clicked. The impressions are sent twice (a retry), as a
 * collector may store them.
 */
function collectorFile(extra: readonly object[] = [], name = 'feedback.jsonl'): string {
  const events: object[] = [];
  for (let d = 0; d < 8; d++) {
    const offerId = d < 4 ? 'c-a' : 'c-b';
    const base = {
      decisionId: `d-${d}`,
      offerId,
      placement: 'home',
      propensity: 0.5,
      modelVersion: 'm-1',
    };
    events.push(toWireEvent({ ...base, type: 'impression', at: AT + d }, `i-${d}`, AT, 'full'));
    if (d < 2) {
      events.push(toWireEvent({ ...base, type: 'click', at: AT + 60_000 }, `c-${d}`, AT, 'full'));
    }
  }
  const batch = toWireBatch('full', AT + 120_000, events as Parameters<typeof toWireBatch>[2]);
  // Events no SDK could write (the wire refuses them) go into the stored line as they are.
  const stored = { ...batch, events: [...batch.events, ...extra] };
  const file = join(dir, name);
  const line = JSON.stringify({ receivedAt: new Date(AT + 120_000).toISOString(), ...stored });
  writeFileSync(file, `${line}\n${line}\n`);
  return file;
}

/** `npm run learn` with these flags at a fixed time; its stderr lines. */
async function runLearn(args: readonly string[]) {
  const lines: string[] = [];
  const result = await learn([...args, '--now', '2026-11-29T00:00:00Z'], (line) =>
    lines.push(line),
  );
  return { result, lines };
}

/** `npm run learn` on a feedback file with the click reward (segments: none by default). */
const learnClicks = (feedback: string, out: string, segments: readonly string[] = ['none']) =>
  runLearn([
    '--feedback',
    feedback,
    '--out',
    out,
    ...(segments.length > 0 ? ['--segments', ...segments] : []),
    '--reward',
    'click',
  ]);

describe('npm run learn on collector files', () => {
  it('writes the offer effects worked out by hand (SNIPS, then DerSimonian–Laird)', async () => {
    const out = join(dir, 'effects.json');
    const { result, lines } = await learnClicks(collectorFile(), out);
    // SNIPS: c-a 2 of 4 → 0.5, variance Σw²(y − V)² / (Σw)² = 16 · 0.25 / 64 = 1/16; c-b 0 of 4,
    // no variance of its own: the pooled one, Σy²/π / Σ1/π − V² = 4/16 − 1/16 = 3/16, gives
    // 3/16 · 16 / 64 = 3/64. DerSimonian–Laird: weights 16 and 64/3, fixed level 3/14,
    // Q = 16/7, τ² = (Q − 1) / (Σw − Σw²/Σw) = 9/128; random-effects level m = 15/64;
    // c-a: B = (1/16) / (1/16 + 9/128) = 8/17 → 15/64 + 9/17 · (1/2 − 15/64) = 3/8;
    // c-b: B = (3/64) / (3/64 + 9/128) = 2/5 → 15/64 + 3/5 · (0 − 15/64) = 3/32.
    expect(result.offers['c-a']!.mean).toBeCloseTo(0.375, 5);
    expect(result.offers['c-b']!.mean).toBeCloseTo(0.09375, 5);
    // sd: √((1 − B) v + B² Var(m)), Var(m) = 1 / Σ 1/(v + τ²).
    expect(result.offers['c-a']!.se).toBeCloseTo(Math.sqrt(3) / 8, 5);
    expect(result.offers['c-b']!.se).toBeCloseTo(0.195156, 5);
    expect(result.offers['c-a']!.n).toBe(4);
    expect(result).toMatchObject({
      reward: 'click',
      k: null,
      epsilon: null,
      profile: null,
      surrogate: null,
    });
    expect(lines).toContain('learn: no segments (--segments none): offer effects only');
    // The fixture has no holdout (every decision personalized): the values are not incremental.
    expect(lines).toContain(
      'learn: no holdout decisions: the values are what a decision earns with each offer, not over no offer (the choice between offers is the same)',
    );
    const effects = validateEffects(JSON.parse(readFileSync(out, 'utf8')));
    expect(effects.offers['c-a']!.groups).toBeUndefined();
    expect(effects.valid_until).toBe(Date.UTC(2026, 11, 13));
  });

  it('leaves out an impression whose propensity no SDK writes, and says so', async () => {
    // A clicked decision of c-b logged at propensity 10⁻¹² would weigh 10¹² against the others'
    // 2 and make c-b's value 1; under the wire's smallest propensity (0.0001) it is left out, so
    // the effects are those worked out by hand above.
    const base = { decisionId: 'd-x', offerId: 'c-b', placement: 'home', modelVersion: 'm-1' };
    const hostile = [
      { ...base, id: 'i-x', type: 'impression', propensity: 1e-12, at: AT },
      { ...base, id: 'c-x', type: 'click', propensity: 1e-12, at: AT + 60_000 },
    ];
    const { result, lines } = await learnClicks(
      collectorFile(hostile, 'hostile.jsonl'),
      join(dir, 'hostile-effects.json'),
    );
    expect(result.leftOut).toEqual({ impressions: 1, times: 0, orders: 0, lines: 0 });
    expect(lines).toContain(
      'learn: 1 impression left out: propensity outside [0.0001, 1] (the wire carries 4 decimals; no SDK wrote it)',
    );
    expect(result.decisions.personalized).toBe(8);
    expect(result.offers['c-a']!.mean).toBeCloseTo(0.375, 5);
    expect(result.offers['c-b']!.mean).toBeCloseTo(0.09375, 5);
  });

  it('leaves out an impression whose time is not one (before 1970, past a Date), and says so', async () => {
    // Two clicked decisions of c-b, dated −5 ms and 9·10¹⁵ ms (past the last ms a Date holds,
    // which stopped the learner with "Invalid time value" when it dated its window): both left
    // out, so the effects and the window are those of the clean logs.
    const clean = await learnClicks(collectorFile(), join(dir, 'times-clean.json'));
    const base = { offerId: 'c-b', placement: 'home', modelVersion: 'm-1', propensity: 0.5 };
    const hostile = [-5, 9e15].flatMap((at, i) => [
      { ...base, decisionId: `d-t${i}`, id: `i-t${i}`, type: 'impression', at },
      { ...base, decisionId: `d-t${i}`, id: `c-t${i}`, type: 'click', at },
    ]);
    const { result, lines } = await learnClicks(
      collectorFile(hostile, 'times.jsonl'),
      join(dir, 'times-effects.json'),
    );
    expect(result.leftOut).toEqual({ impressions: 0, times: 2, orders: 0, lines: 0 });
    expect(lines).toContain(
      'learn: 2 impressions left out: time (`at`) not in [0, 8640000000000000] ms since the epoch',
    );
    expect(result.decisions.personalized).toBe(8);
    expect(result.window).toEqual(clean.result.window);
    expect(result.window.from).toMatch(/^2026-/);
    expect(result.offers['c-b']!.mean).toBeCloseTo(0.09375, 5);
  });

  it('leaves out feedback lines that are not batches (garbage, a line cut short), and says so', async () => {
    const clean = await learnClicks(collectorFile(), join(dir, 'lines-clean.json'));
    const file = collectorFile([], 'cut.jsonl');
    // A crash mid-write leaves half a line; a file edited by hand, a line that is not JSON.
    appendFileSync(file, 'not json at all\n{"v":1,"sentAt":1,"events":[{"id":"i-9","type":"impr\n');
    const cut = await learnClicks(file, join(dir, 'lines-cut.json'));
    expect(clean.result.leftOut).toEqual({ impressions: 0, times: 0, orders: 0, lines: 0 });
    expect(cut.result.leftOut).toEqual({ impressions: 0, times: 0, orders: 0, lines: 2 });
    expect(cut.lines).toContain(
      'learn: 2 feedback lines left out: are not a wire-format batch (not JSON, cut short, or without `v: 1`)',
    );
    expect(cut.result.offers).toEqual(clean.result.offers);
  });

  it('counts a group report only when it is of the segments file, names a group of it and has a usable ε', async () => {
    const segments = readSegments(DEFAULT_SEGMENTS);
    const k = segments.centroids.length;
    const groupSet = segments.sha256.slice(0, 12);
    const report = { group: 1, groupK: k, groupEpsilon: 2, groupSet };
    const decision = (d: string, extra: object) => ({
      id: `i-g${d}`,
      type: 'impression',
      decisionId: `g-${d}`,
      offerId: 'c-a',
      placement: 'home',
      propensity: 0.5,
      modelVersion: 'm-1',
      at: AT,
      ...extra,
    });
    const reported = [
      decision('ok-1', report),
      decision('ok-2', { ...report, group: k - 1 }),
      // How the loop's no-noise run writes an exact report (docs/learning.md): used.
      decision('exact', { ...report, groupEpsilon: 100 }),
      // Of another segments file or k, a group out of [0, k), ε above 100 (the loop's exact
      // reports are written as 100) or 0: the decisions count, their reports do not.
      decision('other-file', { ...report, groupSet: 'f'.repeat(12) }),
      decision('other-k', { ...report, groupK: k + 4 }),
      decision('group-k', { ...report, group: k }),
      decision('negative', { ...report, group: -1 }),
      decision('eps-big', { ...report, groupEpsilon: 150 }),
      decision('eps-zero', { ...report, groupEpsilon: 0 }),
    ];
    // The default segments file (no --segments flag).
    const { result } = await learnClicks(
      collectorFile(reported, 'reports.jsonl'),
      join(dir, 'reports-effects.json'),
      [],
    );
    expect(result.decisions).toEqual({ personalized: 17, holdout: 0, withGroup: 3 });
    // A shop's logs are learned for blended groups (no `placement`: the SDK's default, and bytes
    // as before) unless --placement says otherwise.
    const written = JSON.parse(readFileSync(join(dir, 'reports-effects.json'), 'utf8'));
    expect(written).not.toHaveProperty('placement');
    await runLearn([
      '--feedback',
      collectorFile(reported, 'reports.jsonl'),
      '--out',
      join(dir, 'reports-nearest.json'),
      '--reward',
      'click',
      '--placement',
      'nearest',
    ]);
    const nearest = JSON.parse(readFileSync(join(dir, 'reports-nearest.json'), 'utf8'));
    expect(nearest.placement).toBe('nearest');
    const { placement: _nearest, ...rest } = nearest;
    expect(rest).toEqual(written);
  });

  it('leaves out order lines that are not orders, and says how many', async () => {
    const orders = (name: string, extra: readonly object[]) => {
      const file = join(dir, name);
      const lines = [
        { orderId: 'o1', decisionId: 'd-0', value: 40, discount: 4, at: AT },
        { orderId: 'o2', decisionId: 'd-5', value: 25, at: AT },
        ...extra,
      ];
      writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      return file;
    };
    const run = (ordersFile: string, out: string) =>
      runLearn([
        '--feedback',
        collectorFile(),
        '--orders',
        ordersFile,
        '--out',
        join(dir, out),
        '--segments',
        'none',
      ]);
    const clean = await run(orders('orders.jsonl', []), 'clean.json');
    // A refund written as a negative order, an absurd value, a discount above the value or below
    // 0, a value that is not a number: each would move d-1's or d-6's reward (−10⁹ moved an
    // offer's learned value by millions); all five are left out.
    const hostile = await run(
      orders('orders-hostile.jsonl', [
        { orderId: 'x1', decisionId: 'd-1', value: -1e9, at: AT },
        { orderId: 'x2', decisionId: 'd-1', value: 1e300, at: AT },
        { orderId: 'x3', decisionId: 'd-6', value: 50, discount: 80, at: AT },
        { orderId: 'x4', decisionId: 'd-6', value: 50, discount: -5, at: AT },
        { orderId: 'x5', decisionId: 'd-6', value: 'abc', at: AT },
      ]),
      'hostile.json',
    );
    expect(clean.result.leftOut).toEqual({ impressions: 0, times: 0, orders: 0, lines: 0 });
    expect(hostile.result.leftOut).toEqual({ impressions: 0, times: 0, orders: 5, lines: 0 });
    expect(hostile.lines).toContain(
      'learn: 5 order lines left out: value not a number in [0, 1000000000] or discount not in [0, value]',
    );
    expect(hostile.result.offers).toEqual(clean.result.offers);
    expect(hostile.result.temperature).toBe(clean.result.temperature);
  });

  it('learns nothing from a line without `v: 1`: its events are left out with it', async () => {
    const clean = await learnClicks(collectorFile(), join(dir, 'v-clean.json'));
    // The same batch once more, without `v` and once with `v: 2`, each with a click on c-b that
    // would make c-b's value that of c-a if it were read.
    const file = collectorFile([], 'no-v.jsonl');
    const click = (id: string, decisionId: string) =>
      toWireEvent(
        {
          decisionId,
          offerId: 'c-b',
          placement: 'home',
          propensity: 0.5,
          modelVersion: 'm-1',
          type: 'click',
          at: AT + 60_000,
        },
        id,
        AT,
        'full',
      );
    appendFileSync(file, JSON.stringify({ sentAt: AT, events: [click('x-1', 'd-4')] }) + '\n');
    appendFileSync(
      file,
      JSON.stringify({ v: 2, sentAt: AT, events: [click('x-2', 'd-5')] }) + '\n',
    );
    const { result, lines } = await learnClicks(file, join(dir, 'v-bad.json'));
    expect(result.leftOut).toEqual({ impressions: 0, times: 0, orders: 0, lines: 2 });
    expect(lines).toContain(
      'learn: 2 feedback lines left out: are not a wire-format batch (not JSON, cut short, or without `v: 1`)',
    );
    expect(result.offers).toEqual(clean.result.offers);
  });

  it('refuses an order reward when no order names a decision of the feedback, saying what it read', async () => {
    const file = join(dir, 'orders-elsewhere.jsonl');
    const lines = [
      { orderId: 'o1', decisionId: 'elsewhere-1', value: 40, at: AT },
      { orderId: 'o2', value: 25, at: AT },
      { orderId: 'o3', decisionId: 'd-0', value: 'abc', at: AT },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const empty = join(dir, 'orders-empty.jsonl');
    writeFileSync(empty, '');
    const run = (orders: string) =>
      runLearn([
        '--feedback',
        collectorFile(),
        '--orders',
        orders,
        '--out',
        join(dir, 'no-orders.json'),
        '--segments',
        'none',
      ]);
    await expect(run(file)).rejects.toThrow(
      `--orders: no order in ${JSON.stringify(file)} names a decision of the feedback (3 lines, 1 with an order id, a decision id and a valid value): --reward net learns from the orders of the decisions; --reward claim learns from the claims alone`,
    );
    await expect(run(empty)).rejects.toThrow('(0 lines, 0 with an order id,');
    const one = join(dir, 'orders-one.jsonl');
    writeFileSync(one, `${JSON.stringify({ orderId: 'o9', value: 5, at: AT })}\n`);
    await expect(run(one)).rejects.toThrow('(1 line, 0 with an order id,');
  });

  it('says what it read when no line holds a personalized decision, and names a file it cannot read', async () => {
    const csv = join(dir, 'not-feedback.jsonl');
    writeFileSync(csv, 'recency,history,visit\n3,100,1\n');
    await expect(learnClicks(csv, join(dir, 'csv.json'))).rejects.toThrow(
      '--feedback: no personalized decision with an impression in the logs (0 events with a decision and an offer; 2 JSONL lines, 2 of them not a wire-format batch (not JSON, cut short, or without `v: 1`); impressions left out: 0 for their propensity, 0 for their time)',
    );
    const parquet = join(dir, 'fake.parquet');
    writeFileSync(parquet, 'PAR1 but not really');
    const error = await learnClicks(parquet, join(dir, 'parquet.json')).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(
      message.startsWith(`--feedback: ${JSON.stringify(parquet)} could not be read as feedback (`),
    ).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('names --catalog when it is missing, not JSON, or not a catalog', async () => {
    const run = (catalog: string) =>
      learnClicks(collectorFile(), join(dir, 'cat.json'), [DEFAULT_SEGMENTS, '--catalog', catalog]);
    const missing = join(dir, 'no-catalog.json');
    await expect(run(missing)).rejects.toThrow(
      `--catalog: got "${missing}", expected a file that exists`,
    );
    const broken = join(dir, 'broken-catalog.json');
    writeFileSync(broken, '{"offers": [');
    await expect(run(broken)).rejects.toThrow(`--catalog ${broken}: `);
    const wrong = join(dir, 'wrong-catalog.json');
    writeFileSync(wrong, '{"offers": []}');
    await expect(run(wrong)).rejects.toThrow(
      `--catalog ${wrong}: version: got undefined, expected 1`,
    );
  });

  it('refuses a net reward without the orders, naming the flag', async () => {
    await expect(
      learn(['--feedback', collectorFile(), '--out', join(dir, 'x.json'), '--segments', 'none']),
    ).rejects.toThrow(
      '--reward net needs the orders (--orders <orders.jsonl>), or use --reward click or claim',
    );
  });
});
