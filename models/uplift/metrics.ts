/**
 * Uplift and classification metrics over plain arrays, reproducing scikit-uplift's
 * `sklift/metrics/metrics.py` (the version whose `uplift_at_k` takes `strategy` and uses
 * `int(n * k)`) and the scikit-learn helpers it relies on, so that numbers computed here can be
 * compared one-to-one with numbers from the Python tooling.
 *
 * Conventions shared by every function:
 * - `y` is the 0/1 outcome, `treatment` the 0/1 arm (1 = treated), `uplift` the model's scores.
 * - Like sklift's `check_is_binary`, `y` and `treatment` must hold only 0 and 1 and both of them
 *   (sklift compares `np.unique(array)` with `[0, 1]`, so an all-0 or all-1 array is refused too).
 * - Rows are ranked as `np.argsort(uplift, kind='mergesort')[::-1]`: a stable ascending sort,
 *   reversed, so the scores come out descending and rows with equal scores come out in REVERSED
 *   original order. Curves only have points where the score changes, so the order inside a tie
 *   group never shows in a curve; it does in {@link upliftAtK}.
 * - NaN scores are refused (numpy would sort them first after the reversal and treat each as a
 *   threshold of its own; a NaN score is always a bug upstream).
 */

/** Points of a curve; `x[i]` is the number of top-ranked rows, `y[i]` the curve's value there. */
export interface Curve {
  x: number[];
  y: number[];
}

// ---------------------------------------------------------------------------------------------
// Input checks

function toNumbers(name: string, values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => {
    if (typeof v !== 'number') throw new Error(`${name}: expected numbers, got ${typeof v}`);
    return v;
  });
}

function checkSameLength(arrays: Record<string, ArrayLike<number>>): number {
  const entries = Object.entries(arrays);
  const n = entries[0]?.[1].length ?? 0;
  for (const [name, array] of entries) {
    if (array.length !== n) {
      const lengths = entries.map(([k, a]) => `${k}=${a.length}`).join(', ');
      throw new Error(`inputs must have the same length, got ${lengths} (failed on ${name})`);
    }
  }
  return n;
}

/** sklift's `check_is_binary`: only 0 and 1, and both present. */
function checkBinary(name: string, values: ArrayLike<number>): number[] {
  const out = toNumbers(name, values);
  let zeros = 0;
  let ones = 0;
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (v === 0) zeros++;
    else if (v === 1) ones++;
    else throw new Error(`${name}[${i}] is ${String(v)}: expected only 0 and 1`);
  }
  if (zeros === 0 || ones === 0) {
    const got = out.length === 0 ? 'no values' : `only ${ones === 0 ? 0 : 1}s`;
    throw new Error(
      `${name} must contain both 0 and 1 (as sklift's check_is_binary requires), got ${got}`,
    );
  }
  return out;
}

function checkScores(name: string, values: ArrayLike<number>): number[] {
  const out = toNumbers(name, values);
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i])) throw new Error(`${name}[${i}] is NaN: scores must be numbers`);
  }
  return out;
}

function at(values: readonly number[], i: number): number {
  const v = values[i];
  if (v === undefined) throw new Error(`internal: index ${i} out of range ${values.length}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// numpy building blocks

/**
 * `np.argsort(scores, kind='mergesort')[::-1]`: row indices by score descending, ties in reversed
 * original order (the stable ascending sort keeps ties in original order; the reversal flips them).
 */
function descendingOrder(scores: readonly number[]): number[] {
  const order = scores.map((_, i) => i);
  order.sort((a, b) => {
    const sa = at(scores, a);
    const sb = at(scores, b);
    if (sa < sb) return -1;
    if (sa > sb) return 1;
    return a - b; // stable: equal scores keep original order (-0 and 0 are equal, as in numpy)
  });
  return order.reverse();
}

/**
 * numpy's float64 sum (`np.add.reduce`), which adds contiguous arrays pairwise: blocks of up to
 * 128 values go through 8 running partial sums, longer runs are split in two (at a multiple of 8).
 * Matching it keeps areas bit-for-bit equal to `np.trapz`, not merely within rounding.
 */
function numpySum(values: readonly number[], start = 0, n = values.length): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += at(values, start + i);
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => at(values, start + j));
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = at(r, j) + at(values, start + i + j);
    }
    // ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), as numpy groups them
    let res =
      at(r, 0) + at(r, 1) + (at(r, 2) + at(r, 3)) + (at(r, 4) + at(r, 5) + (at(r, 6) + at(r, 7)));
    for (; i < n; i++) res += at(values, start + i);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpySum(values, start, n2) + numpySum(values, start + n2, n - n2);
}

/** `np.divide(a, b, out=np.zeros_like(a), where=b != 0)`: 0 where the divisor is 0. */
function divideOrZero(a: number, b: number): number {
  return b !== 0 ? a / b : 0;
}

interface Thresholds {
  /** N: rows at or above each threshold (threshold index + 1). */
  all: number[];
  /** N_T: treated rows among them. */
  treated: number[];
  /** Y_T: responders among the treated ones. */
  yTreated: number[];
  /** N_C = N − N_T. */
  control: number[];
  /** Y_C: responders among the control ones. */
  yControl: number[];
}

/**
 * The shared part of sklift's `uplift_curve` and `qini_curve`: sort, then cumulative counts read at
 * `np.r_[np.where(np.diff(sorted_uplift))[0], n - 1]`, i.e. the last row of each run of equal
 * scores. (`np.diff` of two equal infinities is NaN, which counts as "changed", so adjacent equal
 * infinite scores each get a point, exactly as in numpy.)
 */
function thresholds(y: number[], uplift: number[], treatment: number[]): Thresholds {
  const order = descendingOrder(uplift);
  const out: Thresholds = { all: [], treated: [], yTreated: [], control: [], yControl: [] };
  let nT = 0;
  let yT = 0;
  let yC = 0;
  for (let k = 0; k < order.length; k++) {
    const row = at(order, k);
    const t = at(treatment, row);
    const outcome = at(y, row);
    nT += t;
    if (t === 1) yT += outcome;
    else yC += outcome;
    const next = order[k + 1];
    const isThreshold = next === undefined || at(uplift, next) - at(uplift, row) !== 0;
    if (isThreshold) {
      out.all.push(k + 1);
      out.treated.push(nT);
      out.yTreated.push(yT);
      out.control.push(k + 1 - nT);
      out.yControl.push(yC);
    }
  }
  return out;
}

/** sklift's closing step: prepend (0, 0) unless the curve already starts there. */
function startAtOrigin(x: number[], values: number[]): Curve {
  if (x.length === 0 || values[0] !== 0 || x[0] !== 0) {
    return { x: [0, ...x], y: [0, ...values] };
  }
  return { x, y: values };
}

function checkCurveInputs(
  y: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
): { y: number[]; uplift: number[]; treatment: number[] } {
  checkSameLength({ y, uplift, treatment });
  return {
    y: checkBinary('y', y),
    uplift: checkScores('uplift', uplift),
    treatment: checkBinary('treatment', treatment),
  };
}

// ---------------------------------------------------------------------------------------------
// Curves

/** Reproduces `sklift.metrics.uplift_curve`: x = N, y = (Y_T/N_T − Y_C/N_C)·N at each threshold. */
export function upliftCurve(
  y: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
): Curve {
  const input = checkCurveInputs(y, uplift, treatment);
  const th = thresholds(input.y, input.uplift, input.treatment);
  const values = th.all.map(
    (n, i) =>
      (divideOrZero(at(th.yTreated, i), at(th.treated, i)) -
        divideOrZero(at(th.yControl, i), at(th.control, i))) *
      n,
  );
  return startAtOrigin(th.all, values);
}

/** Reproduces `sklift.metrics.qini_curve`: x = N, y = Y_T − Y_C·(N_T/N_C) at each threshold. */
export function qiniCurve(
  y: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
): Curve {
  const input = checkCurveInputs(y, uplift, treatment);
  const th = thresholds(input.y, input.uplift, input.treatment);
  const values = th.all.map(
    (_, i) =>
      at(th.yTreated, i) - at(th.yControl, i) * divideOrZero(at(th.treated, i), at(th.control, i)),
  );
  return startAtOrigin(th.all, values);
}

/**
 * Reproduces `sklift.metrics.perfect_uplift_curve`: the uplift curve of the score
 * 2·(y == t) + s, where s = y if control responders outnumber treated non-responders, else t.
 */
export function perfectUpliftCurve(y: ArrayLike<number>, treatment: ArrayLike<number>): Curve {
  checkSameLength({ y, treatment });
  const ys = checkBinary('y', y);
  const ts = checkBinary('treatment', treatment);
  let controlResponders = 0;
  let treatedNonResponders = 0;
  for (let i = 0; i < ys.length; i++) {
    if (at(ys, i) === 1 && at(ts, i) === 0) controlResponders++;
    if (at(ys, i) === 0 && at(ts, i) === 1) treatedNonResponders++;
  }
  const summand = controlResponders > treatedNonResponders ? ys : ts;
  const perfect = ys.map((v, i) => 2 * (v === at(ts, i) ? 1 : 0) + at(summand, i));
  return upliftCurve(ys, perfect, ts);
}

/**
 * Reproduces `sklift.metrics.perfect_qini_curve`: with negativeEffect, the Qini curve of the score
 * y·t − y·(1 − t); without, the points (0,0), (r,r), (n,r) with r = ΣY_T − N_T·ΣY_C/N_C.
 */
export function perfectQiniCurve(
  y: ArrayLike<number>,
  treatment: ArrayLike<number>,
  negativeEffect = true,
): Curve {
  const n = checkSameLength({ y, treatment });
  const ys = checkBinary('y', y);
  const ts = checkBinary('treatment', treatment);
  if (typeof negativeEffect !== 'boolean') {
    throw new TypeError(`negativeEffect should be a boolean, got ${typeof negativeEffect}`);
  }
  if (negativeEffect) {
    const perfect = ys.map((v, i) => v * at(ts, i) - v * (1 - at(ts, i)));
    return qiniCurve(ys, perfect, ts);
  }
  let sumTreated = 0;
  let nTreated = 0;
  let sumControl = 0;
  let nControl = 0;
  for (let i = 0; i < n; i++) {
    if (at(ts, i) === 1) {
      sumTreated += at(ys, i);
      nTreated++;
    } else {
      sumControl += at(ys, i);
      nControl++;
    }
  }
  // Same evaluation order as sklift: sum_T − (len_T · sum_C) / len_C.
  const ratioRandom = sumTreated - (nTreated * sumControl) / nControl;
  return { x: [0, ratioRandom, n], y: [0, ratioRandom, ratioRandom] };
}

// ---------------------------------------------------------------------------------------------
// Scores

/** Reproduces `sklearn.metrics.auc` (used by sklift): trapezoid area, x monotonic either way. */
export function auc(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSameLength({ x, y });
  const xs = toNumbers('x', x);
  const ys = toNumbers('y', y);
  if (xs.length < 2) {
    throw new Error(
      `At least 2 points are needed to compute area under curve, but x has ${xs.length}`,
    );
  }
  const dx = xs.slice(1).map((v, i) => v - at(xs, i));
  let direction = 1;
  if (dx.some((d) => d < 0)) {
    if (dx.every((d) => d <= 0)) direction = -1;
    else throw new Error(`x is neither increasing nor decreasing: [${xs.join(', ')}]`);
  }
  // np.trapz(y, x) = sum(d * (y[1:] + y[:-1]) / 2.0)
  const terms = dx.map((d, i) => (d * (at(ys, i + 1) + at(ys, i))) / 2);
  return direction * numpySum(terms);
}

function normalisedArea(actual: Curve, perfect: Curve): number {
  const xEnd = at(perfect.x, perfect.x.length - 1);
  const yEnd = at(perfect.y, perfect.y.length - 1);
  const baseline = auc([0, xEnd], [0, yEnd]);
  const perfectArea = auc(perfect.x, perfect.y) - baseline;
  const actualArea = auc(actual.x, actual.y) - baseline;
  return actualArea / perfectArea;
}

/**
 * Reproduces `sklift.metrics.qini_auc_score`: (area under the Qini curve − random line) divided by
 * (area under the perfect Qini curve − random line); the random line joins (0,0) to the perfect
 * curve's last point.
 */
export function qiniAucScore(
  y: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
  negativeEffect = true,
): number {
  if (typeof negativeEffect !== 'boolean') {
    throw new TypeError(`negativeEffect should be a boolean, got ${typeof negativeEffect}`);
  }
  return normalisedArea(
    qiniCurve(y, uplift, treatment),
    perfectQiniCurve(y, treatment, negativeEffect),
  );
}

/**
 * Reproduces `sklift.metrics.uplift_auc_score`: (area under the uplift curve − random line) divided
 * by (area under the perfect uplift curve − random line).
 */
export function upliftAucScore(
  y: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
): number {
  return normalisedArea(upliftCurve(y, uplift, treatment), perfectUpliftCurve(y, treatment));
}

/**
 * Reproduces `sklift.metrics.uplift_at_k(strategy='overall')`: among the top rows by uplift
 * (`int(n * k)` of them for a fractional k, k of them for a whole k, as for a Python int), the
 * treated response rate minus the control response rate. Where sklift would return NaN (no treated
 * or no control row in the top k), this throws.
 */
export function upliftAtK(
  y: ArrayLike<number>,
  uplift: ArrayLike<number>,
  treatment: ArrayLike<number>,
  k = 0.3,
): number {
  const n = checkSameLength({ y, uplift, treatment });
  const ys = checkBinary('y', y);
  const ts = checkBinary('treatment', treatment);
  const scores = checkScores('uplift', uplift);
  // In Python an int k is a count and a float k a fraction; here a whole number is a count.
  const isCount = Number.isInteger(k);
  if ((isCount && (k >= n || k <= 0)) || (!isCount && !(k > 0 && k < 1))) {
    throw new Error(
      `k=${k} should be either positive and smaller than the number of samples ${n} ` +
        `or a float in the (0, 1) range`,
    );
  }
  const size = isCount ? k : Math.trunc(n * k); // Python's int() truncates n * k
  const top = descendingOrder(scores).slice(0, size);
  let nT = 0;
  let yT = 0;
  let nC = 0;
  let yC = 0;
  for (const row of top) {
    if (at(ts, row) === 1) {
      nT++;
      yT += at(ys, row);
    } else {
      nC++;
      yC += at(ys, row);
    }
  }
  if (nT === 0 || nC === 0) {
    throw new Error(
      `uplift at k=${k}: the top ${size} of ${n} rows hold ${nT} treated and ${nC} control rows; ` +
        `both groups are needed`,
    );
  }
  return yT / nT - yC / nC;
}

/**
 * Reproduces `sklearn.metrics.roc_auc_score` for a binary y: the Mann–Whitney probability that a
 * positive outscores a negative, a tie counting one half (midranks).
 */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  checkSameLength({ y, score });
  const ys = toNumbers('y', y);
  const scores = checkScores('score', score);
  let positives = 0;
  for (let i = 0; i < ys.length; i++) {
    const v = at(ys, i);
    if (v === 1) positives++;
    else if (v !== 0) throw new Error(`y[${i}] is ${String(v)}: expected only 0 and 1`);
  }
  const negatives = ys.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error('Only one class present in y. ROC AUC score is not defined in that case.');
  }
  const order = scores.map((_, i) => i).sort((a, b) => at(scores, a) - at(scores, b) || a - b);
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  let positiveRankSum = 0;
  let start = 0;
  while (start < order.length) {
    let end = start;
    const value = at(scores, at(order, start));
    while (end + 1 < order.length && at(scores, at(order, end + 1)) === value) end++;
    const midrank = (start + 1 + (end + 1)) / 2;
    for (let i = start; i <= end; i++) {
      if (at(ys, at(order, i)) === 1) positiveRankSum += midrank;
    }
    start = end + 1;
  }
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * No sklift function of its own: mean(y | t = 1) − mean(y | t = 0), the `total` row of
 * `sklift.metrics.uplift_by_percentile(total=True)`. y may be any numbers (e.g. spend).
 */
export function averageTreatmentEffect(y: ArrayLike<number>, treatment: ArrayLike<number>): number {
  checkSameLength({ y, treatment });
  const ys = toNumbers('y', y);
  const ts = toNumbers('treatment', treatment);
  let nT = 0;
  let sumT = 0;
  let nC = 0;
  let sumC = 0;
  for (let i = 0; i < ts.length; i++) {
    const t = at(ts, i);
    const v = at(ys, i);
    if (!Number.isFinite(v)) throw new Error(`y[${i}] is ${String(v)}: expected a finite number`);
    if (t === 1) {
      nT++;
      sumT += v;
    } else if (t === 0) {
      nC++;
      sumC += v;
    } else {
      throw new Error(`treatment[${i}] is ${String(t)}: expected only 0 and 1`);
    }
  }
  if (nT === 0 || nC === 0) {
    throw new Error(
      `average treatment effect needs both arms, got ${nT} treated and ${nC} control`,
    );
  }
  return sumT / nT - sumC / nC;
}
