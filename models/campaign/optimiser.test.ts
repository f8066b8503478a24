import { describe, expect, it } from 'vitest';
import { joinLogs } from './logged-samples.js';
import { evaluatePolicy } from './ope.js';
import { parsePolicy } from './policy.js';
import { loadCatalog, syntheticRows } from './world.js';
import { campaignObjective, parseSpace, settingOf, truthObjective } from './optimiser.js';
import { seededRandom } from '../../src/decide/random.js';
import { search, synthetic, type Dimension } from './search.js';
import { simulate } from './simulator.js';

describe('search methods', () => {
  it('find the exact maximum of a small space and never exceed the budget', () => {
    const dims: Dimension[] = [
      { name: 'a', values: [0, 1, 2] },
      { name: 'b', values: ['x', 'y', 'z'] },
    ];
    // f(a, b) = a + (b == 'y' ? 5 : 0): the maximum 7 at (2, 'y').
    for (const method of ['ga', 'sa', 'random'] as const) {
      let calls = 0;
      const f = (p: readonly number[]) => {
        calls++;
        return p[0]! + (p[1] === 1 ? 5 : 0);
      };
      const r = search(method, dims, f, { budget: 9, seed: 3 });
      expect(r.bestValue).toBe(7);
      expect(r.best).toEqual([2, 1]);
      expect(r.evaluations).toBeLessThanOrEqual(9);
      expect(calls).toBe(r.evaluations); // repeated points are looked up, not re-evaluated
      const limited = search(method, dims, f, { budget: 4, seed: 3 });
      expect(limited.evaluations).toBe(4);
      expect(limited.trace.map((t) => t.evaluation)).toEqual([1, 2, 3, 4]);
    }
  });

  it('are deterministic for a seed', () => {
    const s = synthetic('rastrigin');
    for (const method of ['ga', 'sa', 'random'] as const) {
      const a = search(method, s.dims, s.f, { budget: 200, seed: 9 });
      const b = search(method, s.dims, s.f, { budget: 200, seed: 9 });
      expect(b).toEqual(a);
    }
  });

  it('knows the synthetic optima', () => {
    for (const name of ['quadratic', 'rastrigin'] as const) {
      const s = synthetic(name);
      expect(s.f(s.argmax)).toBeCloseTo(s.optimum, 9);
      // Every dimension at its worst value gives 0.
      expect(s.optimum).toBeGreaterThan(0);
    }
    // Quadratic, 8 dimensions on −5…5: worst squared distances from the centres
    // −3, 1.5, 0, 4, −1, 2.5, −4.5, 3 are 8², 6.5², 5², 9², 6², 7.5², 9.5², 8².
    expect(synthetic('quadratic').optimum).toBeCloseTo(
      64 + 42.25 + 25 + 81 + 36 + 56.25 + 90.25 + 64,
      9,
    );
  });

  it('GA and SA reach ≥ 98% of the optimum at 1,000 evaluations (quadratic, Rastrigin)', () => {
    for (const name of ['quadratic', 'rastrigin'] as const) {
      const s = synthetic(name);
      const mean = { ga: 0, sa: 0, random: 0 };
      for (let seed = 1; seed <= 5; seed++) {
        for (const method of ['ga', 'sa', 'random'] as const) {
          const r = search(method, s.dims, s.f, { budget: 1000, seed });
          if (method !== 'random') expect(r.bestValue / s.optimum).toBeGreaterThanOrEqual(0.98);
          expect(r.evaluations).toBeLessThanOrEqual(1000);
          mean[method] += r.bestValue / s.optimum / 5;
        }
      }
      // Random search is the baseline: below both at the same budget.
      expect(mean.random).toBeLessThan(Math.min(mean.ga, mean.sa) - 0.01);
    }
  });
});

describe('campaign objective', () => {
  it('maps settings to SDK options and removed offers, and is the OPE estimate', async () => {
    const sim = await simulate({
      rows: syntheticRows(300, seededRandom(2)),
      shoppers: 300,
      days: 5,
      seed: 21,
      features: false,
    });
    const offers = new Map(loadCatalog(sim.catalog).offers.map((o) => [o.id, o]));
    const space = parseSpace({
      params: {
        'discount.mens': [10, 25],
        exploration: { min: 0.1, max: 0.3, step: 0.1 },
        objective: ['uplift', 'conversion'],
      },
      constraints: { maxDiscountPerDecision: 2 },
    });
    expect(space.dims.map((d) => d.values)).toEqual([
      [10, 25],
      [0.1, 0.2, 0.3],
      ['uplift', 'conversion'],
    ]);
    const setting = settingOf(space.dims, [1, 2, 1], offers);
    expect(setting.remove).toEqual(['c-mens-10']);
    expect(setting.decisions).toEqual({ exploration: 0.3, objective: 'conversion' });
    expect(() =>
      settingOf(parseSpace({ params: { 'discount.mens': [15] } }).dims, [0], offers),
    ).toThrow(/no mens offer at 15%/);
    expect(() => parseSpace({ params: { caps: [1, 2] } })).toThrow(/unknown setting/);

    const samples = {
      net: joinLogs(sim.batches, sim.decisions, sim.orders, 'net').samples,
      revenue: joinLogs(sim.batches, sim.decisions, sim.orders, 'revenue').samples,
      discount: joinLogs(sim.batches, sim.decisions, sim.orders, 'discount').samples,
    };
    const objective = campaignObjective(samples, offers, space);
    const policy = parsePolicy({ decisions: setting.decisions, remove: setting.remove });
    const estimate = objective(policy);
    const ope = evaluatePolicy(samples.net, policy, offers, { bootstrap: 0 });
    expect(estimate.net).toBeCloseTo(ope.snips.value, 10);

    // The oracle objective of the logging policy is truth.json's value.
    const oracle = truthObjective(samples.net, offers, space, sim.truth.perDecision);
    expect(oracle(parsePolicy({})).net).toBeCloseTo(sim.truth.policies.logging!.value.net, 10);

    // A search over the space returns a setting whose estimate is the best it saw.
    const f = (p: readonly number[]) => {
      const s = settingOf(space.dims, p, offers);
      return objective(parsePolicy({ decisions: s.decisions, remove: s.remove })).objective;
    };
    const r = search('ga', space.dims, f, { budget: 12, seed: 1 });
    expect(r.evaluations).toBe(12); // the whole space (2 × 3 × 2)
    const all = Array.from({ length: 12 }, (_, i) =>
      f([i % 2, Math.floor(i / 2) % 3, Math.floor(i / 6)]),
    );
    expect(r.bestValue).toBe(Math.max(...all));
  }, 20_000);
});
