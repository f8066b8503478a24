import { describe, expect, it } from 'vitest';
import { joinLogs } from './logged-samples.js';
import { evaluatePolicy } from './ope.js';
import { parsePolicy } from './policy.js';
import { loadCatalog, syntheticRows } from './world.js';
import { campaignObjective, parseSpace, settingOf, truthObjective } from './optimiser.js';
import { seededRandom } from '../../src/decide/random.js';
import { particleSwarmSearch, search, synthetic, type Dimension } from './search.js';
import { simulate } from './simulator.js';

describe('search methods', () => {
  it('find the exact maximum of a small space and never exceed the budget', () => {
    const dims: Dimension[] = [
      { name: 'a', values: [0, 1, 2] },
      { name: 'b', values: ['x', 'y', 'z'] },
    ];
    // f(a, b) = a + (b == 'y' ? 5 : 0): the maximum 7 at (2, 'y').
    for (const method of ['ga', 'sa', 'pso', 'random'] as const) {
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
    for (const method of ['ga', 'sa', 'pso', 'random'] as const) {
      const a = search(method, s.dims, s.f, { budget: 200, seed: 9 });
      const b = search(method, s.dims, s.f, { budget: 200, seed: 9 });
      expect(b).toEqual(a);
      const other = search(method, s.dims, s.f, { budget: 200, seed: 10 });
      expect(other.trace).not.toEqual(a.trace);
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

  it('GA, SA and PSO reach ≥ 98% of the optimum at 1,000 evaluations (quadratic, Rastrigin)', () => {
    for (const name of ['quadratic', 'rastrigin'] as const) {
      const s = synthetic(name);
      const mean = { ga: 0, sa: 0, pso: 0, random: 0 };
      for (let seed = 1; seed <= 5; seed++) {
        for (const method of ['ga', 'sa', 'pso', 'random'] as const) {
          const r = search(method, s.dims, s.f, { budget: 1000, seed });
          if (method !== 'random') expect(r.bestValue / s.optimum).toBeGreaterThanOrEqual(0.98);
          expect(r.evaluations).toBeLessThanOrEqual(1000);
          mean[method] += r.bestValue / s.optimum / 5;
        }
      }
      // Random search is the baseline: below all three at the same budget.
      expect(mean.random).toBeLessThan(Math.min(mean.ga, mean.sa, mean.pso) - 0.01);
    }
  });
  describe('particle swarm', () => {
    // Two ordered dimensions of 7 and 2 values and a categorical one of 3, all off-centre.
    const dims: Dimension[] = [
      { name: 'a', values: [0, 1, 2, 3, 4, 5, 6] },
      { name: 'b', values: [10, 20] },
      { name: 'c', values: ['x', 'y', 'z'] },
    ];
    // f = −(a − 4)² + 3·[b = 20] + [c = 'z']: the maximum 4 at index (4, 1, 2), 42 points in all.
    const f = (p: readonly number[]) =>
      -((p[0]! - 4) ** 2) + (p[1] === 1 ? 3 : 0) + (p[2] === 2 ? 1 : 0);

    it('evaluates only grid points inside the bounds, each once, within the budget', () => {
      for (const seed of [1, 2, 3]) {
        const seen: string[] = [];
        const r = particleSwarmSearch(
          dims,
          (p) => {
            p.forEach((g, i) => {
              expect(Number.isInteger(g)).toBe(true);
              expect(g).toBeGreaterThanOrEqual(0);
              expect(g).toBeLessThan(dims[i]!.values.length);
            });
            seen.push(p.join(','));
            return f(p);
          },
          { budget: 30, seed },
        );
        expect(new Set(seen).size).toBe(seen.length); // a repeated point is looked up, not paid for
        expect(r.evaluations).toBe(seen.length);
        expect(r.evaluations).toBeLessThanOrEqual(30);
        expect(r.trace.map((t) => t.evaluation)).toEqual(seen.map((_, i) => i + 1));
        expect(r.trace.at(-1)!.best).toBe(r.bestValue);
        expect(f(r.best)).toBe(r.bestValue);
      }
    });

    it('ends once the space is exhausted, having found its maximum', () => {
      // The budget (1,000) exceeds the 42 points: the swarm stops when it has seen them all (or
      // has found nothing new for 100 × swarm moves) instead of proposing forever.
      let calls = 0;
      const r = particleSwarmSearch(
        dims,
        (p) => {
          calls++;
          return f(p);
        },
        { budget: 1000, seed: 5 },
      );
      expect(calls).toBe(r.evaluations);
      expect(r.evaluations).toBeLessThanOrEqual(42);
      expect(r.best).toEqual([4, 1, 2]);
      expect(r.bestValue).toBe(4);
    });

    it('finds the exact optimum of the quadratic at 1,000 evaluations (seeds 1–5)', () => {
      const s = synthetic('quadratic');
      for (let seed = 1; seed <= 5; seed++) {
        const r = particleSwarmSearch(s.dims, s.f, { budget: 1000, seed });
        expect(r.best).toEqual(s.argmax);
        expect(r.bestValue).toBeCloseTo(s.optimum, 9);
      }
    });

    it('stops after 100 × swarm moves in a row bring no new point', () => {
      // A swarm that cannot move (w = c1 = c2 = 0) and is never re-seeded: its 10 starts are
      // proposed once, then every move lands on a known point; the 1,000th idle move ends the
      // search, long before the budget (500) or the evaluator's cap (50 × 500 + 1,000 proposals).
      const s = synthetic('quadratic');
      const r = particleSwarmSearch(s.dims, s.f, {
        budget: 500,
        seed: 1,
        inertia: 0,
        cognitive: 0,
        social: 0,
        patience: Infinity,
      });
      expect(r.proposals).toBe(10 + 1000);
      expect(r.evaluations).toBe(10); // 10 random points of 21⁸ are distinct
    });
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
