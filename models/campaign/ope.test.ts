import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Offer } from '../../src/decide/types.js';
import { joinLogs, joinPolicyLogs, policySource, type LoggedSample } from './logged-samples.js';
import { readLogs, type CandidateRecord, type DecisionRecord } from './logs.js';
import { evaluatePolicy, evaluateReported, trueValue } from './ope.js';
import { parsePolicy, type PolicySpec } from './policy.js';
import { loadCatalog, syntheticRows } from './world.js';
import { seededRandom } from '../../src/decide/random.js';
import { simulate } from './simulator.js';

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

describe('reported candidate policies (what the SDK sends)', () => {
  it('give the same samples and estimates as decisions.jsonl when the odds are on the grid', async () => {
    const rows = syntheticRows(300, seededRandom(9));
    const sim = await simulate({ rows, shoppers: 200, days: 4, seed: 21, features: false });
    const catalog = loadCatalog(sim.catalog);
    const offersOf = new Map(catalog.offers.map((o) => [o.id, o]));
    expect(catalog.policies?.map((p) => p.id)).toEqual([
      'greedy',
      'warm',
      'revenue',
      'biggest_discount',
    ]);
    const fromFile = joinLogs(sim.batches, sim.decisions, sim.orders, 'claim').samples;
    const reported = joinPolicyLogs(sim.batches, sim.orders, 'claim');
    expect(reported.samples.length).toBe(fromFile.length);
    expect(reported.policyIds).toEqual({
      greedy: fromFile.length,
      warm: fromFile.length,
      revenue: fromFile.length,
      biggest_discount: fromFile.length,
    });
    const key = (id: string, offer: string, p: number, r: number) => `${id} ${offer} ${p} ${r}`;
    expect(
      reported.samples.map((s) => key(s.decisionId, s.offerId, s.propensity, s.reward)).sort(),
    ).toEqual(
      fromFile
        .map((s) =>
          key(
            s.decision.decisionId,
            s.decision.candidates[s.shown]!.offerId,
            s.propensity,
            s.reward,
          ),
        )
        .sort(),
    );
    // With at most six candidates every policy's odds are whole points already, so the device's
    // random rounding leaves them as they are and the estimates agree exactly.
    for (const { id, spec } of catalog.policies!) {
      const a = evaluatePolicy(fromFile, spec as PolicySpec, offersOf, { bootstrap: 20, seed: 1 });
      const b = evaluateReported(reported.samples, id, { bootstrap: 20, seed: 1 });
      expect(b.n).toBe(a.n);
      expect(b.ips.value).toBeCloseTo(a.ips.value, 12);
      expect(b.snips.value).toBeCloseTo(a.snips.value, 12);
      expect(b.ess).toBeCloseTo(a.ess, 9);
      expect(b.dr).toBeNull();
    }
  });

  it('joins by hand: the first impression with odds, deduped, malformed odds or propensity left out', () => {
    const impression = (id: string, decisionId: string, offerId: string, extra = {}) => ({
      id,
      type: 'impression',
      decisionId,
      offerId,
      placement: 'home',
      propensity: 0.5,
      modelVersion: 'm',
      at: 5,
      ...extra,
    });
    const batch = {
      v: 1,
      events: [
        impression('e1', 'd1', 'b', { policies: { greedy: 1, big: 0 } }),
        impression('e2', 'd1', 'a'), // a later slot: no odds
        { id: 'e3', type: 'claim', decisionId: 'd1', offerId: 'b' },
        impression('e4', 'd2', 'a', { propensity: 0.25, policies: { greedy: 0.5, big: 1 } }),
        impression('e5', 'd3', 'a', { policies: { greedy: 'x' } }),
        impression('e6', 'd4', 'a'), // not personalized: no odds
        // A propensity no SDK writes (under the wire's 0.0001): its weight would be 10¹².
        impression('e7', 'd5', 'a', { propensity: 1e-12, policies: { greedy: 1, big: 0 } }),
      ],
    };
    const joined = joinPolicyLogs([batch, batch], undefined, 'claim');
    expect(joined.duplicates).toBe(7);
    expect(joined.excluded).toEqual({ malformed_policies: 2 });
    expect(joined.policyIds).toEqual({ greedy: 2, big: 2 });
    expect(joined.samples.map((x) => [x.decisionId, x.offerId, x.propensity, x.reward])).toEqual([
      ['d1', 'b', 0.5, 1],
      ['d2', 'a', 0.25, 0],
    ]);
    // greedy: weights 1/0.5 = 2 and 0.5/0.25 = 2 → IPS (2·1 + 2·0)/2 = 1, SNIPS 2/4.
    const greedy = evaluateReported(joined.samples, 'greedy', { bootstrap: 0 });
    expect(greedy.ips.value).toBeCloseTo(1, 12);
    expect(greedy.snips.value).toBeCloseTo(0.5, 12);
    expect(greedy.ess).toBeCloseTo(2, 12);
    // big: weights 0 and 4 → IPS 0, ESS 1.
    const big = evaluateReported(joined.samples, 'big', { bootstrap: 0 });
    expect(big.ips.value).toBe(0);
    expect(big.ess).toBeCloseTo(1, 12);
    expect(() => evaluateReported(joined.samples, 'nope')).toThrow(
      'no logged decision reports policy "nope"',
    );
  });
});

describe('readLogs and the policy source', () => {
  it("reads a collector's logs without decisions.jsonl, and says what each --policy needs", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ope-readlogs-'));
    const impression = (id: string, decisionId: string, policies?: Record<string, number>) => ({
      id,
      type: 'impression',
      decisionId,
      offerId: 'a',
      placement: 'home',
      propensity: 0.5,
      modelVersion: 'm',
      at: 1,
      ...(policies ? { policies } : {}),
    });
    writeFileSync(
      join(dir, 'feedback.jsonl'),
      `${JSON.stringify({ v: 1, events: [impression('e1', 'd1', { greedy: 0.5 })] })}\n`,
    );
    const logs = readLogs({ feedback: [join(dir, 'feedback.jsonl')] });
    expect(logs.decisions).toBeUndefined();
    expect(logs.orders).toBeUndefined();
    expect(policySource('greedy', logs, 'claim')).toMatchObject({ kind: 'reported', id: 'greedy' });
    // No orders.jsonl beside the feedback (a demo before its first order): the reward that needs
    // them is refused saying where the orders were looked for and what else would do.
    expect(() => policySource('greedy', logs, 'net')).toThrow(
      'reward net needs the orders (--orders): no orders.jsonl beside the first --feedback file, where a collector writes it at the first order; pass --orders <file>, or --reward click or claim',
    );
    expect(() => policySource('warm', logs, 'claim')).toThrow(
      '--policy "warm": not a file, and no logged impression reports a catalog policy of that id (the logs have: greedy)',
    );
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ decisions: { exploration: 1 } }));
    expect(() => policySource(file, logs, 'claim')).toThrow(
      /a policy file needs the decisions side file .* These logs can evaluate the catalog's candidate policies: greedy \(--policy <id>\)/,
    );
    expect(() => readLogs({ feedback: [join(dir, 'missing.jsonl')] })).toThrow(
      /^--feedback: got ".*missing\.jsonl", expected a file that exists$/,
    );
  });

  it('leaves out log lines that are not JSON (a crash cuts the last one short), and warns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ope-readlogs-'));
    const batch = JSON.stringify({ v: 1, events: [] });
    writeFileSync(join(dir, 'feedback.jsonl'), `${batch}\nnot json\n${batch}\n{"v":1,"ev`);
    writeFileSync(join(dir, 'orders.jsonl'), `{"orderId":"o1"}\n{"orderId":"o2","reve`);
    const logs = readLogs({ feedback: [join(dir, 'feedback.jsonl')] });
    expect(logs.batches).toHaveLength(2);
    expect(logs.orders).toEqual([{ orderId: 'o1' }]);
    expect(logs.warnings).toEqual([
      '2 line(s) of the feedback files left out: not a wire-format batch (not JSON, cut short, or without `v: 1`)',
      `1 line(s) of ${join(dir, 'orders.jsonl')} left out: not JSON (cut short?)`,
    ]);
  });

  it('leaves out decisions of decisions.jsonl that weighed offers the catalog lacks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ope-readlogs-'));
    const d1 = decision('d1');
    const d2 = decision('d2');
    d2.candidates = [candidate('a', 0.1), { ...candidate('b', 0.1), offerId: 'gone' }];
    writeFileSync(join(dir, 'feedback.jsonl'), `${JSON.stringify({ v: 1, events: [] })}\n`);
    writeFileSync(join(dir, 'decisions.jsonl'), `${JSON.stringify(d1)}\n${JSON.stringify(d2)}\n`);
    expect(() => readLogs({ feedback: [join(dir, 'feedback.jsonl')] })).toThrow(
      /^--catalog: got ".*catalog\.json", expected a file that exists \(the campaign catalog the decisions were made with\)$/,
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
    const logs = readLogs({ feedback: [join(dir, 'feedback.jsonl')] });
    expect(logs.decisions!.map((d) => d.decisionId)).toEqual(['d1']);
    expect(logs.offerNotInCatalog).toBe(1);
    expect(logs.warnings).toHaveLength(1);
    expect(logs.warnings[0]).toMatch(
      /^1 decision\(s\) left out: offers not in .*catalog\.json: gone /,
    );
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
