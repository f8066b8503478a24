/**
 * Empirical-Bayes shrinkage of the (offer, group) estimates toward a prior built from the whole
 * table and the current model, so that a thin cell falls back to what the rest of the data and
 * the model say about it (docs/learning.md):
 *
 *   y_og = a_o + c_g + b · pred_og + u_og + e_og,   u_og ~ N(0, τ²_o),   e_og ~ N(0, v_og)
 *
 * y the cell's estimate and v its squared standard error, pred the model's objective score for
 * the group's centroid, a an offer's level, c a group's level (which moves every offer of a group
 * alike, so it never changes a decision by itself), b ≥ 0 how much of the model's differences
 * the data bears out. With an uninformative model (b = 0) the prior is the offer's pooled level
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
  /** Offer and group levels of the prior. */
  offerLevel: number[];
  groupLevel: number[];
}

interface Fit {
  a: number[];
  c: number[];
  b: number;
  /** Σ weights per offer and per group (for Var(m)). */
  offerWeight: number[];
  groupWeight: number[];
}

/**
 * Weighted least squares of y on offer and group levels and pred (b ≥ 0), by coordinate descent
 * (Gauss–Seidel on the normal equations: a few hundred sweeps of O(cells), whatever the number of
 * offers). Group levels are centred on their weighted mean so the solution is unique.
 */
function fitPrior(
  cells: readonly Cell[],
  weights: readonly number[],
  offers: number,
  groups: number,
  useModel: boolean,
): Fit {
  const a = new Array<number>(offers).fill(0);
  const c = new Array<number>(groups).fill(0);
  let b = 0;
  const offerWeight = new Array<number>(offers).fill(0);
  const groupWeight = new Array<number>(groups).fill(0);
  cells.forEach((cell, i) => {
    offerWeight[cell.offer]! += weights[i]!;
    groupWeight[cell.group]! += weights[i]!;
  });
  const observed = cells.map((cell, i) => ({ cell, w: weights[i]! })).filter((x) => x.w > 0);
  for (let sweep = 0; sweep < 1000; sweep++) {
    let change = 0;
    const num = new Array<number>(offers).fill(0);
    for (const { cell, w } of observed) {
      num[cell.offer]! += w * (cell.y! - c[cell.group]! - b * cell.pred);
    }
    for (let o = 0; o < offers; o++) {
      const next = offerWeight[o]! > 0 ? num[o]! / offerWeight[o]! : 0;
      change = Math.max(change, Math.abs(next - a[o]!));
      a[o] = next;
    }
    const gnum = new Array<number>(groups).fill(0);
    for (const { cell, w } of observed) {
      gnum[cell.group]! += w * (cell.y! - a[cell.offer]! - b * cell.pred);
    }
    const next = gnum.map((n, g) => (groupWeight[g]! > 0 ? n / groupWeight[g]! : 0));
    let centre = 0;
    let total = 0;
    for (let g = 0; g < groups; g++) {
      centre += groupWeight[g]! * next[g]!;
      total += groupWeight[g]!;
    }
    for (let g = 0; g < groups; g++) {
      const value = next[g]! - (total > 0 ? centre / total : 0);
      change = Math.max(change, Math.abs(value - c[g]!));
      c[g] = value;
    }
    if (useModel) {
      let bn = 0;
      let bd = 0;
      for (const { cell, w } of observed) {
        bn += w * cell.pred * (cell.y! - a[cell.offer]! - c[cell.group]!);
        bd += w * cell.pred * cell.pred;
      }
      const value = bd > 0 ? Math.max(0, bn / bd) : 0;
      change = Math.max(change, Math.abs(value - b));
      b = value;
    }
    if (change < 1e-12) break;
  }
  return { a, c, b, offerWeight, groupWeight };
}

const priorOf = (fit: Fit, cell: Cell) =>
  fit.a[cell.offer]! + fit.c[cell.group]! + fit.b * cell.pred;

/** Var(m) of a cell's prior mean, ignoring the covariances: 1/Σw of its offer + of its group. */
const priorVariance = (fit: Fit, cell: Cell) =>
  (fit.offerWeight[cell.offer]! > 0 ? 1 / fit.offerWeight[cell.offer]! : 0) +
  (fit.groupWeight[cell.group]! > 0 ? 1 / fit.groupWeight[cell.group]! : 0);

/** Shrinks every cell of the table (see the module comment). */
export function shrink(
  cells: readonly Cell[],
  offers: number,
  groups: number,
  options: { useModel?: boolean } = {},
): Shrinkage {
  const useModel = options.useModel ?? true;
  const isObserved = (c: Cell) => c.y !== undefined && c.v !== undefined && c.v > 0;
  // Fixed effect first: weights 1/v, residuals for DerSimonian–Laird.
  const fixed = fitPrior(
    cells,
    cells.map((c) => (isObserved(c) ? 1 / c.v! : 0)),
    offers,
    groups,
    useModel,
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
    count.filter((n) => n > 0).length + Math.max(0, groups - 1) + (useModel ? 1 : 0);
  const share = observedCells > 0 ? Math.max(0, observedCells - parameters) / observedCells : 0;
  const tau2 = q.map((qo, o) => {
    const denominator = sw[o]! - (sw[o]! > 0 ? sw2[o]! / sw[o]! : 0);
    return denominator > 0 ? Math.max(0, (qo - count[o]! * share) / denominator) : 0;
  });
  const random = fitPrior(
    cells,
    cells.map((c) => (isObserved(c) ? 1 / (c.v! + tau2[c.offer]!) : 0)),
    offers,
    groups,
    useModel,
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
  return { posteriors, tau2, beta: random.b, offerLevel: random.a, groupLevel: random.c };
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
