/**
 * Seeded, deterministic black-box search over a discrete space: a genetic algorithm, simulated
 * annealing, particle swarm optimisation and random search (the baseline). Every method maximises
 * `f` and spends at most `budget` evaluations of distinct points (a point already evaluated is
 * looked up, not counted), so methods compare at equal evaluation budgets.
 */
import { seededRandom } from '../../src/decide/random.js';

/** One dimension: its values, in order; numeric dimensions are ordered (moves go to neighbours). */
export interface Dimension {
  name: string;
  values: readonly (number | string)[];
}

export interface TracePoint {
  /** Distinct evaluations so far. */
  evaluation: number;
  value: number;
  best: number;
}

export interface SearchResult {
  best: number[];
  bestValue: number;
  evaluations: number;
  /** Points proposed, repeats (looked up, free) included: the work beyond the budget. */
  proposals: number;
  trace: TracePoint[];
}

export interface GaOptions {
  population?: number;
  tournament?: number;
  crossover?: number;
  /** Per-gene mutation probability; default 1 / number of dimensions. */
  mutation?: number;
  elite?: number;
}

export interface SaOptions {
  restarts?: number;
  /** Initial temperature; default: the mean |Δf| of a few random moves ÷ ln 2 (half of them accepted). */
  t0?: number;
  /** Final temperature as a share of t0 (geometric cooling in between); default 0.001. */
  tEnd?: number;
}

export interface PsoOptions {
  /** Particles; default 10. */
  swarm?: number;
  /** Inertia w; default 0.729 (with c1 = c2 = 1.49445: Clerc's constriction, χ = 0.729, φ = 4.1). */
  inertia?: number;
  /** Cognitive coefficient c1 (pull towards the particle's own best); default 1.49445. */
  cognitive?: number;
  /** Social coefficient c2 (pull towards the swarm's best); default 1.49445. */
  social?: number;
  /** Velocity clamp as a share of each dimension's index range (at least 1 index); default 0.2. */
  vmax?: number;
  /** Moves in a row without a new point after which a particle is re-seeded; default 8. */
  patience?: number;
  /** Share of re-seeds that probe from the swarm's best along one dimension; default 0.9. */
  probe?: number;
}

export type Method = 'ga' | 'sa' | 'pso' | 'random';

class BudgetExhausted extends Error {}

/** Memoised, counted objective; throws {@link BudgetExhausted} past the budget. */
class Evaluator {
  private readonly cache = new Map<string, number>();
  readonly trace: TracePoint[] = [];
  best: number[] = [];
  bestValue = -Infinity;
  proposals = 0;

  constructor(
    private readonly f: (point: readonly number[]) => number,
    readonly budget: number,
  ) {}

  get evaluations(): number {
    return this.cache.size;
  }

  value(point: readonly number[]): number {
    this.proposals++;
    // A space smaller than the budget, or a converged search, must still end.
    if (this.proposals > 50 * this.budget + 1000) throw new BudgetExhausted();
    const key = point.join(',');
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    if (this.cache.size >= this.budget) throw new BudgetExhausted();
    const v = this.f(point);
    this.cache.set(key, v);
    if (v > this.bestValue) {
      this.bestValue = v;
      this.best = [...point];
    }
    this.trace.push({ evaluation: this.cache.size, value: v, best: this.bestValue });
    return v;
  }

  result(): SearchResult {
    return {
      best: this.best,
      bestValue: this.bestValue,
      evaluations: this.evaluations,
      proposals: this.proposals,
      trace: this.trace,
    };
  }
}

function isOrdered(d: Dimension): boolean {
  return d.values.every((v) => typeof v === 'number');
}

function randomPoint(dims: readonly Dimension[], random: () => number): number[] {
  return dims.map((d) => Math.floor(random() * d.values.length));
}

/** Moves one gene: to a nearby value for ordered dimensions (±1, ±2, … geometric), else any other. */
function move(d: Dimension, index: number, random: () => number): number {
  const n = d.values.length;
  if (n <= 1) return index;
  if (!isOrdered(d)) {
    const other = Math.floor(random() * (n - 1));
    return other >= index ? other + 1 : other;
  }
  let step = 1;
  while (random() < 0.35 && step < n - 1) step++;
  const dir = random() < 0.5 ? -1 : 1;
  let next = index + dir * step;
  if (next < 0 || next >= n) next = index - dir * step;
  return Math.min(n - 1, Math.max(0, next));
}

function run(evaluator: Evaluator, body: () => void): SearchResult {
  try {
    body();
  } catch (error) {
    if (!(error instanceof BudgetExhausted)) throw error;
  }
  return evaluator.result();
}

/** Random search: uniform points until the budget is spent. */
export function randomSearch(
  dims: readonly Dimension[],
  f: (point: readonly number[]) => number,
  options: { budget: number; seed: number },
): SearchResult {
  const random = seededRandom(options.seed);
  const ev = new Evaluator(f, options.budget);
  return run(ev, () => {
    for (;;) ev.value(randomPoint(dims, random));
  });
}

/**
 * Genetic algorithm: a random population; each generation keeps the `elite` best, then breeds
 * the rest from parents chosen by tournament (best of `tournament` drawn at random), uniform
 * crossover (with probability `crossover`, else a copy of the first parent) and per-gene mutation.
 */
export function geneticSearch(
  dims: readonly Dimension[],
  f: (point: readonly number[]) => number,
  options: { budget: number; seed: number } & GaOptions,
): SearchResult {
  const random = seededRandom(options.seed);
  const ev = new Evaluator(f, options.budget);
  const size = options.population ?? 30;
  const k = options.tournament ?? 3;
  const pc = options.crossover ?? 0.9;
  const pm = options.mutation ?? 1 / Math.max(1, dims.length);
  const elite = options.elite ?? 2;
  return run(ev, () => {
    let population = Array.from({ length: size }, () => {
      const genes = randomPoint(dims, random);
      return { genes, fitness: ev.value(genes) };
    });
    const pick = () => {
      let best = population[Math.floor(random() * population.length)]!;
      for (let i = 1; i < k; i++) {
        const rival = population[Math.floor(random() * population.length)]!;
        if (rival.fitness > best.fitness) best = rival;
      }
      return best;
    };
    for (;;) {
      population.sort((a, b) => b.fitness - a.fitness);
      const next = population.slice(0, elite);
      while (next.length < size) {
        const a = pick();
        const b = pick();
        const genes =
          random() < pc ? a.genes.map((g, i) => (random() < 0.5 ? g : b.genes[i]!)) : [...a.genes];
        for (let i = 0; i < genes.length; i++)
          if (random() < pm) genes[i] = move(dims[i]!, genes[i]!, random);
        next.push({ genes, fitness: ev.value(genes) });
      }
      population = next;
    }
  });
}

/**
 * Simulated annealing with restarts: the budget is split evenly; each restart starts from a
 * random point (the last one from the best found), proposes one-gene moves and accepts a worse
 * one with probability exp(Δ / T), T cooling geometrically from t0 to t0 · tEnd over the
 * restart's share of the budget.
 */
export function annealingSearch(
  dims: readonly Dimension[],
  f: (point: readonly number[]) => number,
  options: { budget: number; seed: number } & SaOptions,
): SearchResult {
  const random = seededRandom(options.seed);
  const ev = new Evaluator(f, options.budget);
  const restarts = Math.max(1, options.restarts ?? 4);
  const tEnd = options.tEnd ?? 0.001;
  const neighbour = (point: readonly number[]) => {
    const out = [...point];
    const i = Math.floor(random() * dims.length);
    out[i] = move(dims[i]!, out[i]!, random);
    return out;
  };
  return run(ev, () => {
    let t0 = options.t0;
    if (t0 === undefined) {
      // Calibrate: the mean worsening of a few random moves is accepted half the time at first.
      let sum = 0;
      let count = 0;
      for (let i = 0; i < 5; i++) {
        const p = randomPoint(dims, random);
        const d = Math.abs(ev.value(neighbour(p)) - ev.value(p));
        if (d > 0) {
          sum += d;
          count++;
        }
      }
      t0 = count > 0 ? sum / count / Math.LN2 : 1;
    }
    for (let r = 0; r < restarts; r++) {
      const share = Math.floor((options.budget - ev.evaluations) / (restarts - r));
      const stop = ev.evaluations + share;
      let current =
        r === restarts - 1 && ev.best.length > 0 ? [...ev.best] : randomPoint(dims, random);
      let value = ev.value(current);
      const start = ev.evaluations;
      let steps = 0;
      while (ev.evaluations < stop && steps < 50 * share + 100) {
        steps++;
        const progress = Math.min(1, (ev.evaluations - start) / Math.max(1, stop - start));
        const t = t0 * Math.pow(tEnd, progress);
        const candidate = neighbour(current);
        const v = ev.value(candidate);
        if (v >= value || random() < Math.exp((v - value) / t)) {
          current = candidate;
          value = v;
        }
      }
    }
  });
}

/**
 * Particle swarm optimisation (global-best topology) on each dimension's index line
 * [0, size − 1]; a particle's continuous position is rounded to the nearest index to be evaluated.
 * Categorical dimensions get the same treatment, their values in the order listed: the swarm can
 * settle on any of them, but "between" two categories means nothing, so on a categorical setting
 * the swarm's pull is a biased random choice rather than a move towards similar values.
 * Per dimension: v ← w·v + c1·r1·(p − x) + c2·r2·(g − x) (r1, r2 uniform on [0, 1), p the
 * particle's best point, g the swarm's), v clamped to ±vmax, x ← x + v; a position past an end is
 * put on the end and that velocity component zeroed.
 * On a grid the swarm soon collapses onto points already evaluated, which cost no budget but
 * teach nothing: a particle whose last `patience` moves brought no new point is re-seeded and
 * forgets its own best. With probability `probe` it restarts at the swarm's best with a velocity
 * along one random dimension (a line probe: the settings a GA mutation or an SA move would try),
 * else at a uniform random point with a random velocity. The search ends when the budget is spent,
 * every point of the space has been evaluated, or 100 × swarm moves in a row bring no new point.
 */
export function particleSwarmSearch(
  dims: readonly Dimension[],
  f: (point: readonly number[]) => number,
  options: { budget: number; seed: number } & PsoOptions,
): SearchResult {
  const random = seededRandom(options.seed);
  const ev = new Evaluator(f, options.budget);
  const size = Math.max(1, options.swarm ?? 10);
  const w = options.inertia ?? 0.729;
  const c1 = options.cognitive ?? 1.49445;
  const c2 = options.social ?? 1.49445;
  const patience = Math.max(1, options.patience ?? 8);
  const probe = options.probe ?? 0.9;
  const top = dims.map((d) => Math.max(0, d.values.length - 1));
  // At least one index, so that a setting of two or three values can change in one move.
  const vmax = top.map((t) => Math.max(1, (options.vmax ?? 0.2) * t));
  const spaceSize = dims.reduce((n, d) => n * d.values.length, 1);
  const velocity = () => vmax.map((m) => (2 * random() - 1) * m);
  let g: number[] = [];
  let gValue = -Infinity;
  const seed = (start: number[], v: number[]) => {
    const value = ev.value(start);
    if (value > gValue) {
      g = start;
      gValue = value;
    }
    return { x: [...start], v, best: start, bestValue: value, stale: 0 };
  };
  return run(ev, () => {
    const swarm = Array.from({ length: size }, () => seed(randomPoint(dims, random), velocity()));
    let idle = 0;
    while (ev.evaluations < spaceSize && idle < 100 * size) {
      for (let j = 0; j < swarm.length; j++) {
        const p = swarm[j]!;
        for (let i = 0; i < dims.length; i++) {
          let v =
            w * p.v[i]! +
            c1 * random() * (p.best[i]! - p.x[i]!) +
            c2 * random() * (g[i]! - p.x[i]!);
          v = Math.max(-vmax[i]!, Math.min(vmax[i]!, v));
          let x = p.x[i]! + v;
          if (x < 0 || x > top[i]!) {
            x = Math.max(0, Math.min(top[i]!, x));
            v = 0;
          }
          p.x[i] = x;
          p.v[i] = v;
        }
        const before = ev.evaluations;
        const point = p.x.map((x) => Math.round(x));
        const value = ev.value(point);
        if (value > p.bestValue) {
          p.best = point;
          p.bestValue = value;
        }
        if (value > gValue) {
          g = point;
          gValue = value;
        }
        p.stale = ev.evaluations > before ? 0 : p.stale + 1;
        if (p.stale >= patience) {
          if (random() < probe) {
            const k = Math.floor(random() * dims.length);
            const speed = Math.max(1, random() * vmax[k]!) * (random() < 0.5 ? -1 : 1);
            swarm[j] = seed(
              [...g],
              g.map((_, i) => (i === k ? speed : 0)),
            );
          } else swarm[j] = seed(randomPoint(dims, random), velocity());
        }
        idle = ev.evaluations > before ? 0 : idle + 1;
      }
    }
  });
}

export function search(
  method: Method,
  dims: readonly Dimension[],
  f: (point: readonly number[]) => number,
  options: { budget: number; seed: number } & GaOptions & SaOptions & PsoOptions,
): SearchResult {
  switch (method) {
    case 'ga':
      return geneticSearch(dims, f, options);
    case 'sa':
      return annealingSearch(dims, f, options);
    case 'pso':
      return particleSwarmSearch(dims, f, options);
    case 'random':
      return randomSearch(dims, f, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Synthetic objectives with a known optimum (for validation)

export interface Synthetic {
  name: string;
  dims: Dimension[];
  f: (point: readonly number[]) => number;
  optimum: number;
  argmax: number[];
}

/** The grid −5, −4.5, …, 5 (21 values). */
const GRID = Array.from({ length: 21 }, (_, i) => -5 + i / 2);

/**
 * f(x) = Σ_i (max_grid h_i − h_i(x_i)) ≥ 0 for a per-dimension cost h_i with its minimum 0 at
 * c_i: 0 at the worst point, the optimum Σ_i max h_i at x = c. `quadratic`: h = (x − c)²;
 * `rastrigin`: h = (x − c)² + 10 − 10 cos(2π(x − c)) (local optima at every whole offset).
 */
export function synthetic(name: 'quadratic' | 'rastrigin', dimensions = 8): Synthetic {
  const centres = [-3, 1.5, 0, 4, -1, 2.5, -4.5, 3, 0.5, -2].slice(0, dimensions);
  if (name === 'rastrigin') centres.forEach((c, i) => (centres[i] = Math.round(c)));
  const h = (x: number, c: number) =>
    name === 'quadratic' ? (x - c) ** 2 : (x - c) ** 2 + 10 - 10 * Math.cos(2 * Math.PI * (x - c));
  const worst = centres.map((c) => Math.max(...GRID.map((x) => h(x, c))));
  const dims = centres.map((_, i) => ({ name: `x${i}`, values: GRID }));
  return {
    name,
    dims,
    f: (p) => p.reduce((s, g, i) => s + worst[i]! - h(GRID[g]!, centres[i]!), 0),
    optimum: worst.reduce((a, b) => a + b, 0),
    argmax: centres.map((c) => GRID.indexOf(c)),
  };
}
