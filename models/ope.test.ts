import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Offer } from '../src/decide/types.js';
import {
  loadCatalog,
  parsePolicy,
  syntheticRows,
  type CandidateRecord,
  type DecisionRecord,
} from './campaign.js';
import {
  decisionsFromFeedback,
  evaluatePolicy,
  joinLogs,
  readLogs,
  trueValue,
  type LoggedSample,
} from './ope.js';
import { seededRandom } from './random.js';
import { simulate } from './simulate.js';

const coupon = (id: string, percent: number, category: string): Offer => ({
  id,
  type: 'coupon',
  title: id,
  category,
  discount: { percent },
  code: id,
  member_only: false,
  placements: [],
});
const offers = new Map([
  ['a', coupon('a', 10, 'mens')],
  ['b', coupon('b', 25, 'womens')],
]);
const candidate = (offerId: string, score: number): CandidateRecord => ({
  offerId,
  category: offerId === 'a' ? 'mens' : 'womens',
  score,
  pTreated: 0.2,
  pControl: 0.1,
  uplift: score,
  allowed: true,
});
const decision = (id: string, personalized = true): DecisionRecord => ({
  decisionId: id,
  placement: 'home',
  at: 0,
  shopper: 0,
  personalized,
  holdout: !personalized,
  modelVersion: 'm',
  source: 'model',
  cartValue: 0,
  candidates: [candidate('a', 0.1), candidate('b', 0.05)],
  shown: [],
});
function sample(id: string, shown: 'a' | 'b', propensity: number, reward: number): LoggedSample {
  const d = decision(id);
  d.shown = [{ offerId: shown, propensity }];
  return { decision: d, shown: shown === 'a' ? 0 : 1, propensity, reward };
}

describe('estimators', () => {
  const samples = [sample('1', 'b', 0.5, 1), sample('2', 'a', 0.8, 1), sample('3', 'b', 0.25, 0)];

  it('IPS, SNIPS and ESS of a deterministic rule, worked by hand', () => {
    // biggest discount always shows b: weights 1/0.5 = 2, 0, 1/0.25 = 4.
    const r = evaluatePolicy(samples, parsePolicy({ rule: 'biggest_discount' }), offers, {
      bootstrap: 0,
    });
    expect(r.ips.value).toBeCloseTo((2 * 1 + 0 + 4 * 0) / 3, 12);
    expect(r.snips.value).toBeCloseTo(2 / 6, 12);
    expect(r.ess).toBeCloseTo(36 / 20, 12); // (2 + 0 + 4)² / (4 + 0 + 16)
    expect(r.logged.value).toBeCloseTo(2 / 3, 12);
    expect(r.minPropensity).toBe(0.25);
    expect(r.maxWeight).toBe(4);
  });

  it('uses the SDK policy for a candidate config (uniform: exploration 1)', () => {
    // π = 1/2 for each: weights 1, 0.625, 2.
    const r = evaluatePolicy(samples, parsePolicy({ decisions: { exploration: 1 } }), offers, {
      bootstrap: 0,
    });
    expect(r.ips.value).toBeCloseTo((1 + 0.625 + 0) / 3, 12);
    expect(r.snips.value).toBeCloseTo(1.625 / 3.625, 12);
  });

  it('DR equals the direct model plus the weighted residuals (constant prediction)', () => {
    // Every pTreated is 0.2 (slope 0), so the direct model is the per-offer mean reward of the
    // other half (cross-fitting by index parity): indexes 0 and 2 use the fit on index 1 (a: 1;
    // b unseen → the pooled mean 1); index 1 uses the fit on indexes 0 and 2 (b: 0.5; a → 0.5).
    const r = evaluatePolicy(samples, parsePolicy({ decisions: { exploration: 1 } }), offers, {
      bootstrap: 0,
    });
    const dr1 = 1 + 1 * (1 - 1); // dm = ½·1 + ½·1
    const dr2 = 0.5 + 0.625 * (1 - 0.5);
    const dr3 = 1 + 2 * (0 - 1);
    expect(r.dr.value).toBeCloseTo((dr1 + dr2 + dr3) / 3, 12);
  });

  it('warns when propensities are tiny or the effective sample is small', () => {
    const tiny = [
      sample('1', 'b', 0.005, 1),
      ...Array.from({ length: 40 }, (_, i) => sample(`x${i}`, 'a', 0.99, 0)),
    ];
    const r = evaluatePolicy(tiny, parsePolicy({ rule: 'biggest_discount' }), offers, {
      bootstrap: 10,
    });
    expect(r.warnings.join('\n')).toMatch(/min logged propensity 0.00500/);
    expect(r.warnings.join('\n')).toMatch(/effective sample size/);
  });
});

describe('joinLogs', () => {
  it('dedupes event ids, skips the holdout, takes rewards from claims and orders', () => {
    const d1 = decision('d1');
    d1.shown = [{ offerId: 'b', propensity: 0.4 }];
    const d2 = decision('d2', false);
    d2.shown = [{ offerId: 'a', propensity: 1 }];
    const d3 = decision('d3');
    d3.shown = [{ offerId: 'a', propensity: 0.6 }];
    const ev = (
      id: string,
      type: string,
      decisionId: string,
      offerId: string,
      propensity: number,
    ) => ({
      id,
      type,
      decisionId,
      offerId,
      placement: 'home',
      propensity,
      modelVersion: 'm',
      at: 1,
    });
    const batch = {
      v: 1,
      sentAt: 2,
      events: [ev('e1', 'impression', 'd1', 'b', 0.4), ev('e2', 'claim', 'd1', 'b', 0.4)],
      dropped: {},
    };
    const batches = [
      batch,
      { ...batch, receivedAt: 'x' }, // a retried batch, as the collector may store twice
      {
        v: 1,
        sentAt: 3,
        events: [ev('e3', 'impression', 'd2', 'a', 1), ev('e4', 'impression', 'd3', 'a', 0.6)],
        dropped: {},
      },
    ];
    const orders = [
      { decisionId: 'd1', revenue: 50, discount: 12.5 },
      { decisionId: 'd3', revenue: 20, discount: 0 },
    ];
    const claims = joinLogs(batches, [d1, d2, d3], orders, 'claim');
    expect(claims.duplicates).toBe(2);
    expect(claims.excluded.not_personalized).toBe(1);
    expect(
      claims.samples.map((s) => [s.decision.decisionId, s.shown, s.propensity, s.reward]),
    ).toEqual([
      ['d1', 1, 0.4, 1],
      ['d3', 0, 0.6, 0],
    ]);
    expect(joinLogs(batches, [d1, d2, d3], orders, 'net').samples.map((s) => s.reward)).toEqual([
      37.5, 20,
    ]);
    expect(() => joinLogs(batches, [d1], undefined, 'revenue')).toThrow(/orders/);
  });
});

describe('decisionsFromFeedback (the SDK logCandidates wire format)', () => {
  it('gives the same samples and estimates as decisions.jsonl for the same traffic', async () => {
    const rows = syntheticRows(300, seededRandom(9));
    const sim = await simulate({ rows, shoppers: 200, days: 4, seed: 21, features: false });
    const catalog = loadCatalog(sim.catalog);
    const offersOf = new Map(catalog.offers.map((o) => [o.id, o]));
    // What an SDK with logCandidates sends: the first impression of a personalized decision's
    // first offer carries the allowed candidates with the model outputs (no features, no cart).
    const byId = new Map(sim.decisions.map((d) => [d.decisionId, d]));
    const logged = new Set<string>();
    const batches = (sim.batches as unknown as { events: Record<string, unknown>[] }[]).map(
      (b) => ({
        ...b,
        events: b.events.map((e) => {
          const d = byId.get(e.decisionId as string);
          if (e.type !== 'impression' || !d?.personalized || d.shown[0]?.offerId !== e.offerId)
            return e;
          if (logged.has(d.decisionId)) return e;
          logged.add(d.decisionId);
          return {
            ...e,
            candidates: d.candidates
              .filter((c) => c.allowed)
              .map(({ offerId, score, pTreated, pControl, uplift }) => ({
                offerId,
                score,
                pTreated,
                pControl,
                uplift,
              })),
          };
        }),
      }),
    );
    const derived = decisionsFromFeedback(batches, offersOf);
    expect(derived.length).toBe(logged.size);
    const fromFile = joinLogs(sim.batches, sim.decisions, sim.orders, 'claim').samples;
    const fromFeedback = joinLogs(batches, derived, sim.orders, 'claim').samples;
    const key = (s: LoggedSample) =>
      `${s.decision.decisionId} ${s.decision.candidates[s.shown]!.offerId} ${s.propensity} ${s.reward}`;
    expect(fromFeedback.map(key).sort()).toEqual(fromFile.map(key).sort());
    // The simulator's policy ranks by uplift, so the cart value the wire leaves out changes nothing.
    for (const raw of [{ decisions: { temperature: 0.05, exploration: 0.3 } }, {}]) {
      const policy = parsePolicy(raw);
      const a = evaluatePolicy(fromFile, policy, offersOf, { bootstrap: 20, seed: 1 });
      const b = evaluatePolicy(fromFeedback, policy, offersOf, { bootstrap: 20, seed: 1 });
      expect(b.n).toBe(a.n);
      expect(b.ips.value).toBeCloseTo(a.ips.value, 12);
      expect(b.snips.value).toBeCloseTo(a.snips.value, 12);
      expect(b.ess).toBeCloseTo(a.ess, 9);
    }
  });

  it('dedupes, excludes truncated candidate lists, names a malformed event', () => {
    const impression = (id: string, decisionId: string, extra: Record<string, unknown>) => ({
      id,
      type: 'impression',
      decisionId,
      offerId: 'b',
      placement: 'home',
      propensity: 0.4,
      modelVersion: 'm',
      at: 5,
      ...extra,
    });
    const c = { offerId: 'b', score: 0.3, pTreated: 0.2, pControl: 0.1, uplift: 0.1 };
    const batch = {
      v: 1,
      events: [
        impression('e1', 'd1', { candidates: [c, { ...c, offerId: 'a', score: 0.1 }] }),
        impression('e2', 'd2', { candidates: [c], candidatesOmitted: 3 }),
        impression('e3', 'd3', {}),
      ],
    };
    const records = decisionsFromFeedback([batch, batch], offers);
    expect(
      records.map((r) => [r.decisionId, r.candidates.map((x) => x.offerId), r.omitted]),
    ).toEqual([
      ['d1', ['b', 'a'], undefined],
      ['d2', ['b'], 3],
    ]);
    expect(records[0]).toMatchObject({
      personalized: true,
      holdout: false,
      cartValue: 0,
      shown: [{ offerId: 'b', propensity: 0.4 }],
    });
    expect(records[0]!.candidates[1]).toMatchObject({ category: 'mens', allowed: true });
    const joined = joinLogs([batch], records, undefined, 'claim');
    expect(joined.samples.map((x) => x.decision.decisionId)).toEqual(['d1']);
    expect(joined.excluded.candidates_truncated).toBe(1);
    expect(() =>
      decisionsFromFeedback(
        [{ events: [impression('bad', 'd9', { candidates: [{ ...c, uplift: 'x' }] })] }],
        offers,
      ),
    ).toThrow('event bad: candidates[0].uplift: got x, expected a finite number');
  });
});

describe('readLogs', () => {
  it('uses the feedback when there is no decisions.jsonl, leaving out decisions with offers the catalog lacks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ope-readlogs-'));
    const c = (offerId: string) => ({
      offerId,
      score: 0.1,
      pTreated: 0.2,
      pControl: 0.1,
      uplift: 0.1,
    });
    const impression = (id: string, decisionId: string, candidates: unknown[]) => ({
      id,
      type: 'impression',
      decisionId,
      offerId: 'a',
      placement: 'home',
      propensity: 0.5,
      modelVersion: 'm',
      at: 1,
      candidates,
    });
    writeFileSync(
      join(dir, 'feedback.jsonl'),
      `${JSON.stringify({
        v: 1,
        events: [
          impression('e1', 'd1', [c('a'), c('b')]),
          impression('e2', 'd2', [c('a'), c('gone')]),
        ],
      })}\n`,
    );
    writeFileSync(
      join(dir, 'catalog.json'),
      JSON.stringify({
        version: 1,
        server_time: '2026-11-28T12:00:00Z',
        currency: 'EUR',
        offers: [...offers.values()].map((o) => ({ ...o, placements: ['home'] })),
      }),
    );
    const warn = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const logs = readLogs({ feedback: join(dir, 'feedback.jsonl') });
    expect(logs.decisions.map((d) => d.decisionId)).toEqual(['d1']);
    expect(logs.offerNotInCatalog).toBe(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /1 decision\(s\) left out: offers not in .*catalog\.json: gone/,
    );
    warn.mockRestore();
    expect(logs.orders).toBeUndefined();
    // Neither decisions.jsonl nor candidates: the message says what to turn on.
    writeFileSync(join(dir, 'feedback.jsonl'), `${JSON.stringify({ v: 1, events: [] })}\n`);
    expect(() => readLogs({ feedback: join(dir, 'feedback.jsonl') })).toThrow(/logCandidates/);
  });
});

describe('validation against the simulator', () => {
  it('the 95% intervals of IPS, SNIPS and DR hold the true value in ≥ 90% of seeds', async () => {
    const rows = syntheticRows(400, seededRandom(5));
    const policy = parsePolicy({ decisions: { temperature: 0.05, exploration: 0.3 } });
    const seeds = Array.from({ length: 12 }, (_, i) => 100 + i);
    const hits = { ips: 0, snips: 0, dr: 0 };
    for (const seed of seeds) {
      const sim = await simulate({ rows, shoppers: 250, days: 5, seed, features: false });
      const catalog = loadCatalog(sim.catalog);
      const offersOf = new Map(catalog.offers.map((o) => [o.id, o]));
      const { samples } = joinLogs(sim.batches, sim.decisions, sim.orders, 'claim');
      expect(samples.length).toBe(sim.truth.personalized);
      const truth = trueValue(samples, policy, offersOf, sim.truth.perDecision, 'claim');
      expect(truth).toBeCloseTo(sim.truth.policies.warm!.value.claim, 12);
      const r = evaluatePolicy(samples, policy, offersOf, { bootstrap: 300, seed });
      for (const k of ['ips', 'snips', 'dr'] as const)
        if (r[k].low <= truth && truth <= r[k].high) hits[k]++;
    }
    for (const k of ['ips', 'snips', 'dr'] as const)
      expect(hits[k] / seeds.length).toBeGreaterThanOrEqual(0.9);
  }, 30_000);
});
