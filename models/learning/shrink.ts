/**
 * Empirical-Bayes shrinkage of the (offer, group) estimates toward a prior built from the whole
 * table and the current model, so that a thin cell falls back to what the rest of the data and
 * the model say about it (docs/learning.md):
 *
 *   y_og = a_o + c_g + b · pred_og + Σ_j γ_j · x_ogj + u_og + e_og,
 *   u_og ~ N(0, τ²_o),   e_og ~ N(0, v_og)
 *
 * y the cell's estimate and v its squared standard error, pred the model's objective score for
 * the group's centroid, a an offer's level, c a group's level (which moves every offer of a group
 * alike, so it never changes a decision by itself), b ≥ 0 how much of the model's differences
 * the data bears out, x the group's profile terms for the offer (its browsing share of the
 * offer's category, its share of buyers of it) and γ their slopes, of either sign: learned
 * between groups, they let a device move its group's value by its own profile. With an uninformative model (b = 0) the prior is the offer's pooled level
 * plus the group's level. τ²_o, the spread of the offer's true group values around the prior, is
 * DerSimonian–Laird's moment estimate from the fixed-effect residuals (the residual degrees of
 * freedom shared out over the offers by their cells); the prior is refitted with
 * weights 1/(v + τ²), and each cell's posterior is
 *
 *   mean = m + (1 − B)(y − m),  var = (1 − B) v + B² Var(m),  B = v / (v + τ²_o)
 *
 * A cell without an estimate gets the prior: mean m, var τ²_o + Var(m).
 */

export interface Cell {
  offer: number;
  group: number;
  /** The cell's estimate and its squared standard error; undefined when unobserved. */
  y?: number;
  v?: number;
  /** The model's score for the group's centroid, 0 without a model. */
  pred: number;
  /** The group's profile terms for the offer (as many as `shrink`'s `covariates`); 0 when absent. */
  x?: readonly number[];
}

export interface Posterior {
  mean: number;
  sd: number;
  /** The prior mean the cell was shrunk toward. */
  prior: number;
}

export interface Shrinkage {
  posteriors: Posterior[];
  /** τ² per offer. */
  tau2: number[];
  /** The model's slope (≥ 0). */
  beta: number;
  /** The profile terms' slopes. */
  gamma: number[];
  /** Offer and group levels of the prior. */
  offerLevel: number[];
  groupLevel: number[];
}

interface Fit {
  a: number[];
  c: number[];
  b: number;
  gamma: number[];
  /** Σ weights per offer and per group (for Var(m)). */
  offerWeight: number[];
  groupWeight: number[];
}

/**
 * Offer and group levels of `values` by weighted least squares (alternating weighted means,
 * Gauss–Seidel on the normal equations: O(cells) a sweep, whatever the number of offers), group
 * levels centred on their weighted mean; and the residuals.
 */
function twoWay(
  cells: readonly Cell[],
  weights: readonly number[],
  values: readonly number[],
  totals: { offer: readonly number[]; group: readonly number[] },
) {
  const a = new Array<number>(totals.offer.length).fill(0);
  const c = new Array<number>(totals.group.length).fill(0);
  for (let sweep = 0; sweep < 20_000; sweep++) {
    let change = 0;
    const num = new Array<number>(a.length).fill(0);
    cells.forEach((cell, i) => (num[cell.offer]! += weights[i]! * (values[i]! - c[cell.group]!)));
    for (let o = 0; o < a.length; o++) {
      const next = totals.offer[o]! > 0 ? num[o]! / totals.offer[o]! : 0;
      change = Math.max(change, Math.abs(next - a[o]!));
      a[o] = next;
    }
    const gnum = new Array<number>(c.length).fill(0);
    cells.forEach((cell, i) => (gnum[cell.group]! += weights[i]! * (values[i]! - a[cell.offer]!)));
    const next = gnum.map((n, g) => (totals.group[g]! > 0 ? n / totals.group[g]! : 0));
    let centre = 0;
    let total = 0;
    for (let g = 0; g < c.length; g++) {
      centre += totals.group[g]! * next[g]!;
      total += totals.group[g]!;
    }
    for (let g = 0; g < c.length; g++) {
      const value = next[g]! - (total > 0 ? centre / total : 0);
      change = Math.max(change, Math.abs(value - c[g]!));
      c[g] = value;
    }
    if (change < 1e-14) break;
  }
  const residual = values.map((v, i) => v - a[cells[i]!.offer]! - c[cells[i]!.group]!);
  return { a, c, residual };
}

/** Solves A x = b (small, symmetric positive semi-definite) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const m = A.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-300) continue;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / p;
      for (let k = col; k <= n; k++) m[r]![k]! -= f * m[col]![k]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-300 ? 0 : row[n]! / row[i]!));
}

/**
 * Weighted least squares of y on offer and group levels, the model's prediction (b ≥ 0) and the
 * covariates (free slopes, or ≥ 0 with `positiveCovariates`), by Frisch–Waugh–Lovell: each column
 * is stripped of the two-way levels, the slopes solve the small normal equations of the residuals
 * (a slope held ≥ 0 that comes out negative is set to 0 and the rest refitted), each covariate's
 * slope is shrunk by its standard error, then the levels are fitted to what the slopes leave. A
 * column with no variation beside the levels gets slope 0.
 */
/** What the prior has: the table's size and which slopes it fits, and how. */
interface PriorSpec {
  offers: number;
  groups: number;
  useModel: boolean;
  covariates: number;
  positiveCovariates: boolean;
  shrinkSlopes: boolean;
}

function fitPrior(cells: readonly Cell[], weights: readonly number[], spec: PriorSpec): Fit {
  const { offers, groups, useModel, covariates, positiveCovariates, shrinkSlopes } = spec;
  const offerWeight = new Array<number>(offers).fill(0);
  const groupWeight = new Array<number>(groups).fill(0);
  cells.forEach((cell, i) => {
    offerWeight[cell.offer]! += weights[i]!;
    groupWeight[cell.group]! += weights[i]!;
  });
  const observed = cells.map((_, i) => i).filter((i) => weights[i]! > 0);
  const seen = observed.map((i) => cells[i]!);
  const w = observed.map((i) => weights[i]!);
  const totals = { offer: offerWeight, group: groupWeight };
  const y = seen.map((cell) => cell.y!);
  // Columns: the prediction (when used), then each covariate.
  const columns: number[][] = [];
  if (useModel) columns.push(seen.map((cell) => cell.pred));
  for (let j = 0; j < covariates; j++) columns.push(seen.map((cell) => cell.x?.[j] ?? 0));
  const strip = (v: number[]) => twoWay(seen, w, v, totals).residual;
  const ry = strip(y);
  const rx = columns.map(strip);
  const dot = (u: number[], v: number[]) => u.reduce((sum, x, i) => sum + w[i]! * x * v[i]!, 0);
  // Each column is scaled to unit weighted norm, so that one tolerance and one small ridge serve
  // columns of any scale; a column left with (almost) nothing beside the levels is dropped.
  const norm = rx.map((col) => Math.sqrt(dot(col, col)));
  const largest = Math.max(0, ...norm);
  const z = rx.map((col, j) => col.map((x) => x / (norm[j]! || 1)));
  const positive = rx.map((_, j) => (useModel && j === 0) || positiveCovariates);
  const active = norm.map((n) => n > 0 && n > 1e-9 * largest);
  const RIDGE = 1e-10;
  const normal = (idx: number[]) =>
    idx.map((j, r) => idx.map((l, q) => dot(z[j]!, z[l]!) + (r === q ? RIDGE : 0)));
  let slopes = new Array<number>(rx.length).fill(0);
  for (let attempt = 0; attempt <= rx.length; attempt++) {
    const idx = active.flatMap((on, j) => (on ? [j] : []));
    const solution = solve(
      normal(idx),
      idx.map((j) => dot(z[j]!, ry)),
    );
    slopes = new Array<number>(rx.length).fill(0);
    idx.forEach((j, r) => (slopes[j] = solution[r]! / norm[j]!));
    // The prior never follows the model (or a surrogate) backwards: the most negative of the
    // slopes held ≥ 0 is set to 0, and the others are refitted.
    let worst = -1;
    slopes.forEach((v, j) => {
      if (positive[j] && v < 0 && (worst < 0 || v < slopes[worst]!)) worst = j;
    });
    if (worst < 0) break;
    active[worst] = false;
    slopes[worst] = 0;
  }
  // Each slope, the model's included, is shrunk by its own noise (positive-part James–Stein on
  // one coefficient: × max(0, 1 − se²/γ²), se² from the inverse of the normal equations, the
  // weights being inverse variances): a term the cells barely vary in, or that others explain,
  // gets no slope instead of a wild one. The model's slope is read from what the offer and group
  // levels leave of the cells; with few groups that is one or two numbers, and unshrunk it came
  // out anywhere from 0 to thousands on Hillstrom's splits (docs/learning.md).
  const idx = active.flatMap((on, j) => (on ? [j] : []));
  const A = normal(idx);
  idx.forEach((j, r) => {
    if (!shrinkSlopes) return;
    const unit = solve(
      A,
      idx.map((_, q) => (q === r ? 1 : 0)),
    )[r]!;
    const variance = unit / norm[j]! ** 2;
    const slope = slopes[j]!;
    slopes[j] = slope === 0 ? 0 : slope * Math.max(0, 1 - variance / (slope * slope));
  });
  const b = useModel ? slopes[0]! : 0;
  const gamma = slopes.slice(useModel ? 1 : 0);
  const rest = y.map(
    (value, i) => value - columns.reduce((sum, col, j) => sum + slopes[j]! * col[i]!, 0),
  );
  const { a, c } = twoWay(seen, w, rest, totals);
  return { a, c, b, gamma, offerWeight, groupWeight };
}

const priorOf = (fit: Fit, cell: Cell) => {
  let m = fit.a[cell.offer]! + fit.c[cell.group]! + fit.b * cell.pred;
  fit.gamma.forEach((g, j) => (m += g * (cell.x?.[j] ?? 0)));
  return m;
};

/** Var(m) of a cell's prior mean, ignoring the covariances: 1/Σw of its offer + of its group. */
const priorVariance = (fit: Fit, cell: Cell) =>
  (fit.offerWeight[cell.offer]! > 0 ? 1 / fit.offerWeight[cell.offer]! : 0) +
  (fit.groupWeight[cell.group]! > 0 ? 1 / fit.groupWeight[cell.group]! : 0);

/** Shrinks every cell of the table (see the module comment). */
export function shrink(
  cells: readonly Cell[],
  offers: number,
  groups: number,
  options: {
    useModel?: boolean;
    covariates?: number;
    positiveCovariates?: boolean;
    /** Shrink each covariate's slope by its standard error (default true). */
    shrinkSlopes?: boolean;
  } = {},
): Shrinkage {
  const spec: PriorSpec = {
    offers,
    groups,
    useModel: options.useModel ?? true,
    covariates: options.covariates ?? 0,
    positiveCovariates: options.positiveCovariates ?? false,
    shrinkSlopes: options.shrinkSlopes ?? true,
  };
  const { useModel, covariates } = spec;
  const isObserved = (c: Cell) => c.y !== undefined && c.v !== undefined && c.v > 0;
  // Fixed effect first: weights 1/v, residuals for DerSimonian–Laird.
  const fixed = fitPrior(
    cells,
    cells.map((c) => (isObserved(c) ? 1 / c.v! : 0)),
    spec,
  );
  const q = new Array<number>(offers).fill(0);
  const sw = new Array<number>(offers).fill(0);
  const sw2 = new Array<number>(offers).fill(0);
  const count = new Array<number>(offers).fill(0);
  for (const cell of cells) {
    if (!isObserved(cell)) continue;
    const w = 1 / cell.v!;
    q[cell.offer]! += w * (cell.y! - priorOf(fixed, cell)) ** 2;
    sw[cell.offer]! += w;
    sw2[cell.offer]! += w * w;
    count[cell.offer]!++;
  }
  // The residual degrees of freedom, shared out over the offers by their cells: the group levels
  // and the slope are fitted on every offer's cells at once.
  const observedCells = count.reduce((x, y) => x + y, 0);
  const parameters =
    count.filter((n) => n > 0).length + Math.max(0, groups - 1) + (useModel ? 1 : 0) + covariates;
  const share = observedCells > 0 ? Math.max(0, observedCells - parameters) / observedCells : 0;
  const tau2 = q.map((qo, o) => {
    const denominator = sw[o]! - (sw[o]! > 0 ? sw2[o]! / sw[o]! : 0);
    return denominator > 0 ? Math.max(0, (qo - count[o]! * share) / denominator) : 0;
  });
  const random = fitPrior(
    cells,
    cells.map((c) => (isObserved(c) ? 1 / (c.v! + tau2[c.offer]!) : 0)),
    spec,
  );
  const posteriors = cells.map((cell): Posterior => {
    const m = priorOf(random, cell);
    const vm = priorVariance(random, cell);
    const t = tau2[cell.offer]!;
    if (!isObserved(cell)) return { mean: m, sd: Math.sqrt(t + vm), prior: m };
    const v = cell.v!;
    const B = v / (v + t);
    return {
      mean: m + (1 - B) * (cell.y! - m),
      sd: Math.sqrt((1 - B) * v + B * B * vm),
      prior: m,
    };
  });
  return {
    posteriors,
    tau2,
    beta: random.b,
    gamma: random.gamma,
    offerLevel: random.a,
    groupLevel: random.c,
  };
}

/**
 * DerSimonian–Laird shrinkage of estimates toward their common (precision-weighted) level: the
 * offers' pooled values, so that an offer with few decisions falls back to what offers earn.
 */
export function shrinkToCommonLevel(cells: readonly Pick<Cell, 'y' | 'v'>[]): {
  posteriors: Posterior[];
  tau2: number[];
} {
  const observed = cells.filter((c) => c.y !== undefined && c.v !== undefined && c.v > 0);
  let sw = 0;
  let sw2 = 0;
  let swy = 0;
  for (const c of observed) {
    sw += 1 / c.v!;
    sw2 += 1 / c.v! ** 2;
    swy += c.y! / c.v!;
  }
  const fixed = sw > 0 ? swy / sw : 0;
  let q = 0;
  for (const c of observed) q += (c.y! - fixed) ** 2 / c.v!;
  const denominator = sw - (sw > 0 ? sw2 / sw : 0);
  const tau2 = denominator > 0 ? Math.max(0, (q - (observed.length - 1)) / denominator) : 0;
  let rw = 0;
  let rwy = 0;
  for (const c of observed) {
    rw += 1 / (c.v! + tau2);
    rwy += c.y! / (c.v! + tau2);
  }
  const m = rw > 0 ? rwy / rw : 0;
  const vm = rw > 0 ? 1 / rw : 0;
  const posteriors = cells.map((c): Posterior => {
    if (c.y === undefined || c.v === undefined || !(c.v > 0)) {
      return { mean: m, sd: Math.sqrt(tau2 + vm), prior: m };
    }
    const B = c.v / (c.v + tau2);
    return { mean: m + (1 - B) * (c.y - m), sd: Math.sqrt((1 - B) * c.v + B * B * vm), prior: m };
  });
  return { posteriors, tau2: [tau2] };
}
