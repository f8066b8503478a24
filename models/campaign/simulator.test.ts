import { describe, expect, it } from 'vitest';
import { actionProbabilities, parsePolicy } from './policy.js';
import { trueResponse } from './truth.js';
import { loadCatalog, syntheticRows } from './world.js';
import { seededRandom } from '../../src/decide/random.js';
import { simSerialUuidv4, simulate, simUuidv4, type Simulation } from './simulator.js';

const rows = syntheticRows(400, seededRandom(7));

describe('ground truth', () => {
  it('matches a hand-worked shopper and offer', () => {
    // Recent (1 month) web shopper in an urban zip, $200 last year, bought womens; 20% womens coupon.
    // logit click = −2.2 + 0.9 (bought) + 0.4 (web) + 0.6 (womens × urban) + 2.5·0.2 = 0.2
    // logit claim|click = −0.8 + 3·0.2 + 0.5 = 0.3; basket 40 + 0.1·200 = 60
    const t = trueResponse(
      {
        recencyMonths: 1,
        history: 200,
        bought: ['womens'],
        newbie: false,
        channel: 'web',
        zip: 'urban',
      },
      { category: 'womens', discount: { percent: 20 } },
    );
    expect(t.click).toBeCloseTo(0.549834, 6); // σ(0.2)
    expect(t.claim).toBeCloseTo(0.315848, 6); // σ(0.2)·σ(0.3)
    // P(order) = 0.315848 · σ(−0.6 + 0.15 ln 201) + 0.684152 · σ(−3.5 + 0.3 ln 201)
    //          = 0.315848 · 0.548719 + 0.684152 · 0.129092
    expect(t.order).toBeCloseTo(0.261631, 5);
    expect(t.revenue).toBeCloseTo(60 * 0.261631, 3);
    expect(t.discount).toBeCloseTo(0.315848 * 0.548719 * 60 * 0.2, 4);
    expect(t.net).toBeCloseTo(t.revenue - t.discount, 10);
  });
});

describe('simulated event ids', () => {
  it('never repeat within a run, even where two shoppers draw the same numbers', () => {
    // Two streams from one seed stand for two shoppers whose 32-bit streams overlap: drawn alone,
    // their ids are equal; with the serial in front, each of 2,000 ids is its own.
    expect(simUuidv4(seededRandom(9))).toBe(simUuidv4(seededRandom(9)));
    const a = seededRandom(9);
    const b = seededRandom(9);
    const ids = Array.from({ length: 1000 }, (_, i) => [
      simSerialUuidv4(2 * i, 77, a),
      simSerialUuidv4(2 * i + 1, 77, b),
    ]).flat();
    expect(new Set(ids).size).toBe(2000);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Serial 0 under key 0 mixes to 0; the rest is what simUuidv4 draws from the same stream.
    expect(simSerialUuidv4(0, 0, seededRandom(3))).toBe(
      `00000000-0000${simUuidv4(seededRandom(3)).slice(13)}`,
    );
  });
});

describe('simulate', () => {
  let first: Simulation;

  it('is deterministic for a seed and writes the wire format', async () => {
    first = await simulate({ rows, shoppers: 150, days: 5, seed: 3, features: false });
    const again = await simulate({ rows, shoppers: 150, days: 5, seed: 3, features: false });
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    const other = await simulate({ rows, shoppers: 150, days: 5, seed: 4, features: false });
    expect(JSON.stringify(other.batches)).not.toBe(JSON.stringify(first.batches));

    const ids = new Set<string>();
    for (const batch of first.batches) {
      expect(Object.keys(batch).sort()).toEqual(['dropped', 'events', 'sentAt', 'v']);
      expect(batch.v).toBe(1);
      for (const e of batch.events) {
        // As the SDK sends them: the catalog policies' odds on a personalized first impression.
        const personalized = e.type === 'impression' && e.modelVersion !== 'none';
        expect(Object.keys(e).sort()).toEqual(
          [
            'at',
            'decisionId',
            'id',
            'modelVersion',
            'offerId',
            'placement',
            'propensity',
            'type',
            ...(personalized ? ['policies'] : []),
          ].sort(),
        );
        if (personalized)
          expect(Object.keys(e.policies!)).toEqual([
            'greedy',
            'warm',
            'revenue',
            'biggest_discount',
          ]);
        expect(['impression', 'click', 'claim']).toContain(e.type);
        expect(e.propensity > 0 && e.propensity <= 1).toBe(true);
        // As the SDK sends them: a random v4 id, the time to the second.
        expect(e.id).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(e.at % 1000).toBe(0);
        expect(ids.has(e.id)).toBe(false);
        ids.add(e.id);
      }
      expect(batch.sentAt).toBeGreaterThan(batch.events[batch.events.length - 1]!.at);
    }
    expect(first.truth.holdout).toBeGreaterThan(0);
    expect(first.truth.personalized).toBeGreaterThan(300);
  });

  it('logs the propensities the SDK policy gives the logged candidates', () => {
    const catalog = loadCatalog(first.catalog);
    const offers = new Map(catalog.offers.map((o) => [o.id, o]));
    const logging = parsePolicy({});
    let checked = 0;
    for (const d of first.decisions) {
      if (d.shown.length === 0) continue;
      if (!d.personalized) {
        expect(d.shown[0]!.propensity).toBe(1);
        continue;
      }
      const p = actionProbabilities(logging, d.candidates, offers, d.cartValue);
      const i = d.candidates.findIndex((c) => c.offerId === d.shown[0]!.offerId);
      expect(p[i]).toBeCloseTo(d.shown[0]!.propensity, 12);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      checked++;
    }
    expect(checked).toBe(first.truth.personalized);
  });

  it('never lets a shopper claim a coupon twice (max_claims 1 through the state store)', () => {
    const claims = new Map<string, number>();
    const shopperOf = new Map(first.decisions.map((d) => [d.decisionId, d.shopper]));
    for (const b of first.batches)
      for (const e of b.events)
        if (e.type === 'claim') {
          const key = `${shopperOf.get(e.decisionId)}/${e.offerId}`;
          claims.set(key, (claims.get(key) ?? 0) + 1);
        }
    expect(claims.size).toBeGreaterThan(10);
    expect(Math.max(...claims.values())).toBe(1);
  });

  it('draws outcomes that agree with the exact truth', async () => {
    const sim = await simulate({ rows, shoppers: 1200, days: 5, seed: 11, features: false });
    const n = sim.truth.personalized;
    const truth = sim.truth.policies.logging!.value;
    for (const r of ['click', 'claim', 'order'] as const) {
      const se = Math.sqrt((truth[r] * (1 - truth[r])) / n);
      expect(Math.abs(sim.truth.realized[r] - truth[r])).toBeLessThan(4 * se);
    }
    // Orders are attributed to a decision; a coupon's discount only on orders that used it.
    for (const o of sim.orders) {
      if (o.offerId === null) expect(o.discount).toBe(0);
      else expect(o.discount).toBeGreaterThan(0);
    }
    // The uplift policy is better than random on claims here, and the alternatives are reported.
    expect(Object.keys(sim.truth.policies)).toEqual([
      'logging',
      'uniform',
      'biggest_discount',
      'greedy',
      'warm',
      'conversion',
      'revenue',
    ]);
  }, 20_000);
});
