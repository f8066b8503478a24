import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateEffects } from '../../src/learning/effects.js';
import { validateSegments } from '../../src/learning/segments.js';
import { main as learn } from '../cli/learn.js';
import { readJsonl } from '../lib/jsonl.js';
import { fitSegments } from '../learning/fit-segments.js';
import { browsingProfiles } from '../learning/profiles.js';
import type { FeedbackBatch } from './logs.js';
import { gapClosed, runLoop } from './loop.js';
import { fallbackScore } from './simulator.js';
import { browsingWorldOf, DEFAULT_BROWSING_WORLD, readWorld } from './world-file.js';
import { loadCatalog, SIM_START } from './world.js';

const dir = mkdtempSync(join(tmpdir(), 'loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the learning loop', () => {
  it('runs the SDK decider for two weeks, learns from the logs and reports true values', async () => {
    const world = browsingWorldOf(readWorld(DEFAULT_BROWSING_WORLD), DEFAULT_BROWSING_WORLD);
    const fit = fitSegments(browsingProfiles(world, 300, 5, SIM_START), world.categories, {
      seed: 1,
      k: 4,
    });
    const text = JSON.stringify(fit.segments);
    const sha256 = createHash('sha256').update(text).digest('hex');
    const segments = { ...validateSegments(fit.segments), sha256 };
    const options = {
      world,
      shoppers: 150,
      weeks: 2,
      seed: 3,
      epsilon: 2,
      segments,
      score: fallbackScore,
      // The model's slope learned too (off by default), so that its path is run here.
      modelTerm: true,
    };
    // The loop itself checks every logged propensity against the probability recomputed from the
    // scores the decider weighed (it throws on a difference over 1e-9), with effects on and off.
    const result = await runLoop({ ...options, out: join(dir, 'a') });
    expect(result.k).toBe(4);
    expect(result.weeks.map((w) => w.week)).toEqual([1, 2]);
    const [first, second] = result.weeks as [(typeof result.weeks)[0], (typeof result.weeks)[0]];
    // Week 1 runs the shipped model: the policy is the static one, to the last bit.
    expect(first.effects).toBeNull();
    expect(first.policy).toBe(first.static);
    expect(second.effects).not.toBeNull();
    for (const w of result.weeks) {
      expect(w.decisions).toBeGreaterThan(50);
      expect(w.bestRule).toBe(Math.max(...Object.values(w.rules)));
      // The oracle takes the best offer of every decision: nothing beats it.
      for (const v of [w.policy, w.static, w.uniform, w.bestRule]) {
        expect(v).toBeLessThanOrEqual(w.oracle + 1e-12);
      }
      expect(w.uniform).toBeGreaterThan(0);
    }
    expect(result.gapClosed).toBe(
      (second.policy - second.uniform) / (second.oracle - second.uniform),
    );

    // What week 2 decided with: the file learned on week 1's logs, as the SDK validates it.
    const raw = readFileSync(join(dir, 'a', 'week-1', 'effects.json'));
    expect(createHash('sha256').update(raw).digest('hex')).toBe(second.effects!.sha256);
    const effects = validateEffects(JSON.parse(raw.toString('utf8')));
    expect(effects).toMatchObject({ reward: 'net', k: 4, epsilon: 2, segments_sha256: sha256 });
    expect(effects.temperature).toBe(second.effects!.temperature);
    expect(Object.keys(effects.offers).length).toBeGreaterThan(1);
    for (const e of Object.values(effects.offers)) expect(e.groups).toHaveLength(4);
    // The learner's default profile terms, learned through the claims (net is an order reward).
    expect(Object.keys(effects.profile!)).toEqual(['interest', 'bought', 'recent']);
    for (const slope of Object.values(effects.profile!)) expect(Number.isFinite(slope)).toBe(true);

    // The wire: the group report only on impressions, and only the contract's four fields.
    const batches = readJsonl<FeedbackBatch>(join(dir, 'a', 'week-1', 'feedback.jsonl'));
    const events = batches.flatMap((b) => b.events);
    const reports = events.filter((e) => e.group !== undefined);
    expect(reports.length).toBeGreaterThan(0);
    for (const e of reports) {
      expect(e.type).toBe('impression');
      expect(e.group).toBeGreaterThanOrEqual(0);
      expect(e.group).toBeLessThan(4);
      expect(e).toMatchObject({ groupK: 4, groupEpsilon: 2, groupSet: sha256.slice(0, 12) });
    }
    const fields = new Set(events.flatMap((e) => Object.keys(e)));
    expect([...fields].sort()).toEqual(
      [
        'at',
        'decisionId',
        'group',
        'groupEpsilon',
        'groupK',
        'groupSet',
        'id',
        'modelVersion',
        'offerId',
        'placement',
        'propensity',
        'type',
      ].sort(),
    );

    // Every event of the run has its own id (the learner drops repeats as resent events).
    const ids = ['week-1', 'week-2'].flatMap((w) =>
      readJsonl<FeedbackBatch>(join(dir, 'a', w, 'feedback.jsonl')).flatMap((b) =>
        b.events.map((e) => e.id),
      ),
    );
    expect(new Set(ids).size).toBe(ids.length);

    // The file is what `npm run learn` writes from the week's logs and the loop's catalog and
    // segments, byte for byte.
    const segmentsFile = join(dir, 'segments.json');
    writeFileSync(segmentsFile, text);
    const week = (name: string) => join(dir, 'a', 'week-1', name);
    await learn(
      [
        '--feedback',
        week('feedback.jsonl'),
        '--orders',
        week('orders-to-date.jsonl'),
        '--catalog',
        join(dir, 'a', 'catalog.json'),
        '--segments',
        segmentsFile,
        '--now',
        new Date(effects.generated_at).toISOString(),
        // As the loop ran: the model scored at the groups (its fallback scorer).
        '--model-term',
        'yes',
        '--scorer',
        'fallback',
        '--out',
        join(dir, 'relearned.json'),
      ],
      () => undefined,
    );
    expect(readFileSync(join(dir, 'relearned.json')).equals(raw)).toBe(true);

    // The offers as the catalog lists them, for `npm run learn --catalog`: the SDK takes them.
    const catalog = loadCatalog(JSON.parse(readFileSync(join(dir, 'a', 'catalog.json'), 'utf8')));
    expect(catalog.offers.map((o) => o.id)).toEqual(world.offers.map((o) => o.id));

    // Deterministic for a seed. Learning on the last week only (`window: 1`) changes nothing
    // before week 3, whose file was learned on week 2 alone: the log says which weeks.
    const lines: string[] = [];
    const again = await runLoop({
      ...options,
      weeks: 3,
      out: join(dir, 'b'),
      window: 1,
      log: (line) => lines.push(line),
    });
    expect(again.weeks.slice(0, 2)).toEqual(result.weeks);
    expect(lines.filter((l) => l.startsWith('loop: learned on weeks'))).toEqual([
      expect.stringMatching(/^loop: learned on weeks 1-1: /),
      expect.stringMatching(/^loop: learned on weeks 2-2: /),
    ]);
  }, 120_000);

  it('offers a coupon from its launch week only, and decides it then as an offer the effects file does not know', async () => {
    const base = browsingWorldOf(readWorld(DEFAULT_BROWSING_WORLD), DEFAULT_BROWSING_WORLD);
    const late = base.offers[0]!.id;
    const world = {
      ...base,
      offers: base.offers.map((o, i) => (i === 0 ? { ...o, launchWeek: 2 } : o)),
    };
    const fit = fitSegments(browsingProfiles(world, 300, 5, SIM_START), world.categories, {
      seed: 1,
      k: 4,
    });
    const text = JSON.stringify(fit.segments);
    const segments = {
      ...validateSegments(fit.segments),
      sha256: createHash('sha256').update(text).digest('hex'),
    };
    const shown = new Map<number, number>();
    const candidates = new Map<number, number>();
    await runLoop({
      world,
      shoppers: 150,
      weeks: 2,
      seed: 5,
      epsilon: 2,
      segments,
      score: fallbackScore,
      out: join(dir, 'late'),
      onDecision: ({ week, ids, probabilities }) => {
        const i = ids.indexOf(late);
        candidates.set(week, (candidates.get(week) ?? 0) + (i >= 0 ? 1 : 0));
        shown.set(week, (shown.get(week) ?? 0) + (i >= 0 ? probabilities[i]! : 0));
      },
    });
    // Week 1: not yet offered. Week 2: a candidate of every personalized decision (no cap yet
    // spent on it), with a probability of its own.
    expect(candidates.get(1)).toBe(0);
    expect(candidates.get(2)).toBeGreaterThan(50);
    expect(shown.get(2)).toBeGreaterThan(0);
    // The file week 2 decided with never saw it: it has the group levels a new offer is scored by.
    const effects = validateEffects(
      JSON.parse(readFileSync(join(dir, 'late', 'week-1', 'effects.json'), 'utf8')),
    );
    expect(effects.offers[late]).toBeUndefined();
    expect(effects.group_levels).toHaveLength(4);
    // The catalog lists it from the start, valid from week 2.
    const catalog = loadCatalog(
      JSON.parse(readFileSync(join(dir, 'late', 'catalog.json'), 'utf8')),
    );
    const offer = catalog.offers.find((o) => o.id === late)!;
    expect(offer.valid_from! - catalog.offers[1]!.valid_from!).toBe(7 * 86_400_000);
  }, 120_000);

  it('a week with nothing to learn from publishes no effects: the next week decides with what it had', async () => {
    // Every coupon launches in week 2: week 1 shows nothing, so its logs hold no decision with an
    // impression (the learner's NothingToLearnError), and week 2 runs the shipped model.
    const base = browsingWorldOf(readWorld(DEFAULT_BROWSING_WORLD), DEFAULT_BROWSING_WORLD);
    const world = { ...base, offers: base.offers.map((o) => ({ ...o, launchWeek: 2 })) };
    const fit = fitSegments(browsingProfiles(world, 300, 5, SIM_START), world.categories, {
      seed: 1,
      k: 4,
    });
    const segments = {
      ...validateSegments(fit.segments),
      sha256: createHash('sha256').update(JSON.stringify(fit.segments)).digest('hex'),
    };
    const lines: string[] = [];
    const result = await runLoop({
      world,
      shoppers: 100,
      weeks: 2,
      seed: 7,
      epsilon: 2,
      segments,
      score: fallbackScore,
      out: join(dir, 'nothing'),
      log: (line) => lines.push(line),
    });
    const [first, second] = result.weeks as [(typeof result.weeks)[0], (typeof result.weeks)[0]];
    expect(first.decisions).toBe(0);
    expect(gapClosed(first)).toBeNull();
    expect(second.decisions).toBeGreaterThan(20);
    expect(second.effects).toBeNull();
    expect(second.policy).toBe(second.static);
    expect(() => readFileSync(join(dir, 'nothing', 'week-1', 'effects.json'))).toThrow(/ENOENT/);
    expect(lines).toContain(
      'loop: week 1: nothing to learn from the logs so far (no personalized decision with an impression in the logs); week 2 decides with the shipped model alone',
    );
  }, 120_000);
});

describe('gapClosed', () => {
  it('is (policy − uniform) / (oracle − uniform), and null when the oracle is no better than uniform', () => {
    expect(gapClosed({ policy: 3, uniform: 2, oracle: 4 })).toBe(0.5);
    expect(gapClosed({ policy: 1.5, uniform: 2, oracle: 4 })).toBe(-0.25);
    // Offers that change nothing: no gap, whatever the policy's rounding.
    expect(gapClosed({ policy: 2.7844, uniform: 2.7844, oracle: 2.7844 })).toBeNull();
    expect(
      gapClosed({ policy: 2.7844 + 4e-16, uniform: 2.7844, oracle: 2.7844 + 8e-16 }),
    ).toBeNull();
    expect(gapClosed({ policy: 0, uniform: 0, oracle: 0 })).toBeNull();
    // A gap above a billionth of the values is one.
    expect(gapClosed({ policy: 1000 + 1e-6, uniform: 1000, oracle: 1000 + 2e-6 })).toBeCloseTo(
      0.5,
      6,
    );
  });
});
