/**
 * Seeded, deterministic black-box search over a discrete space: a genetic algorithm, simulated
 * annealing and random search (the baseline). Every method maximises `f` and spends at most
 * `budget` evaluations of distinct points (a point already evaluated is looked up, not counted),
 * so methods compare at equal evaluation budgets.
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

export type Method = 'ga' | 'sa' | 'random';

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

export function search(
  method: Method,
  dims: readonly Dimension[],
  f: (point: readonly number[]) => number,
  options: { budget: number; seed: number } & GaOptions & SaOptions,
): SearchResult {
  switch (method) {
    case 'ga':
      return geneticSearch(dims, f, options);
    case 'sa':
      return annealingSearch(dims, f, options);
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
