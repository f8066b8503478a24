/**
 * Tree learners of the offer model, beside the logistic and MLP families: one uplift tree, an
 * uplift random forest and a gradient-boosted T-learner. All three grow on the same histograms:
 * features are binned once on quantile thresholds that are real feature values, so a split
 * "bin ≤ b" is exactly "x ≤ threshold" on float32 input, which is what the ONNX export's
 * BRANCH_LEQ nodes test (models/uplift/tree-onnx.ts). Deterministic for a given seed.
 */
import { FEATURE_COUNT } from '../../src/features/spec.js';
import { seededRandom } from '../../src/decide/random.js';
import { fieldError } from '../../src/util/errors.js';
import { sigmoid, type Predictions } from './network.js';

/** Bins per feature at most (so a bin index fits a byte and histograms stay small). */
export const MAX_BINS = 32;

/**
 * One binary tree in flat arrays, node 0 the root, children numbered after their parent. A row
 * goes to `left` when `x[feature] <= threshold`, else (NaN included) to `right`.
 */
export interface Tree {
  /** Per node: the feature tested, or -1 at a leaf. */
  feature: Int32Array;
  /** Per node: the split value (a float32 feature value); 0 at a leaf. */
  threshold: Float32Array;
  /** Per node: the child for `x <= threshold`; 0 at a leaf. */
  left: Int32Array;
  /** Per node: the child for `x > threshold` or NaN; 0 at a leaf. */
  right: Int32Array;
  /** `[nodes × 2]`: what the node gives [treated, control] when it is the leaf reached. */
  value: Float64Array;
}

export type TreeFamily = 'uplift-tree' | 'uplift-forest' | 'boosted-t-learner';

/**
 * A fitted tree model. `mean`: [p_treated, p_control] is the mean over trees of the leaves'
 * values. `sigmoid-sum`: each is sigmoid(base + the sum of the leaves' values).
 */
export interface TreeModel {
  family: TreeFamily;
  featureCount: number;
  trees: Tree[];
  aggregate: 'mean' | 'sigmoid-sum';
  /** Logits the sum starts from, [treated, control]; [0, 0] for `mean`. */
  base: [number, number];
  /** The options it was fitted with, for the model's metadata. */
  options: UpliftTreeOptions | UpliftForestOptions | BoostedOptions;
}

export interface UpliftTreeOptions {
  maxDepth: number;
  /** Treated and control samples each child must hold at least. */
  minLeaf: number;
  /** Prior strength m: a node's rate is (y + m·parent's rate) / (n + m). */
  smoothing: number;
}

export interface UpliftForestOptions extends UpliftTreeOptions {
  trees: number;
  /** Share of the features drawn (without replacement) as candidates at each split. */
  featureFraction: number;
  /** Share of the samples each tree is grown on, drawn without replacement. */
  sampleFraction: number;
  seed: number;
}

export interface BoostedOptions {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  /** Samples each child must hold at least. */
  minLeaf: number;
  /** L2 penalty on leaf values (Newton step −G / (H + l2)). */
  l2: number;
  /** Share of an arm's samples each round is grown on, drawn without replacement. */
  sampleFraction: number;
  seed: number;
}

export const DEFAULT_UPLIFT_TREE: UpliftTreeOptions = { maxDepth: 3, minLeaf: 200, smoothing: 20 };

export const DEFAULT_UPLIFT_FOREST: UpliftForestOptions = {
  trees: 100,
  maxDepth: 4,
  minLeaf: 200,
  smoothing: 20,
  featureFraction: 0.5,
  sampleFraction: 0.5,
  seed: 1,
};

export const DEFAULT_BOOSTED: BoostedOptions = {
  rounds: 150,
  learningRate: 0.05,
  maxDepth: 2,
  minLeaf: 200,
  l2: 1,
  sampleFraction: 0.8,
  seed: 1,
};

// ---------------------------------------------------------------------------------------------
// Binning

/** Per-feature split values and every sample's bin. */
export interface Binned {
  featureCount: number;
  /**
   * Per feature, ascending float32 values present in the fitted samples. Bin b holds
   * `thresholds[b-1] < x <= thresholds[b]`; the last bin holds everything above (and NaN).
   */
  thresholds: Float32Array[];
  /** `[S, F]`: the bin of every sample of `x` (not only the fitted ones). */
  codes: Uint8Array;
}

/**
 * Thresholds at the `k/MAX_BINS` quantiles of the selected samples (every distinct value but the
 * largest when there are no more than `MAX_BINS` of them), then every sample's bin.
 */
export function binFeatures(
  x: Float32Array,
  indices: ArrayLike<number>,
  featureCount = FEATURE_COUNT,
): Binned {
  const f = featureCount;
  const maxBins = MAX_BINS;
  const count = x.length / f;
  const n = indices.length;
  const column = new Float32Array(n);
  const thresholds: Float32Array[] = [];
  for (let j = 0; j < f; j++) {
    for (let k = 0; k < n; k++) column[k] = x[indices[k]! * f + j]!;
    column.sort();
    let end = n;
    while (end > 0 && Number.isNaN(column[end - 1]!)) end--;
    const cuts: number[] = [];
    const push = (v: number) => {
      if (v < column[end - 1]! && (cuts.length === 0 || v > cuts[cuts.length - 1]!)) cuts.push(v);
    };
    let distinct = 0;
    for (let k = 0; k < end && distinct <= maxBins; k++) {
      if (k === 0 || column[k] !== column[k - 1]) distinct++;
    }
    if (distinct <= maxBins) {
      for (let k = 0; k < end; k++) push(column[k]!);
    } else {
      for (let b = 1; b < maxBins; b++) push(column[Math.ceil((b * end) / maxBins) - 1]!);
    }
    thresholds.push(Float32Array.from(cuts));
  }
  const codes = new Uint8Array(count * f);
  for (let s = 0; s < count; s++) {
    for (let j = 0; j < f; j++) codes[s * f + j] = binOf(thresholds[j]!, x[s * f + j]!);
  }
  return { featureCount: f, thresholds, codes };
}

/** The first b with `v <= t[b]`, or t.length (NaN included). */
function binOf(t: Float32Array, v: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= t[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Growing one tree on histograms

/**
 * What a family adds to the grower: how samples fill a histogram, the split gain and the leaf
 * values. A histogram is `[usable features × MAX_BINS × width]` sums of per-sample statistics.
 */
interface Criterion {
  width: number;
  /** Adds the samples `positions[start..end)` to `histogram` for every usable feature. */
  accumulate(
    histogram: Float64Array,
    positions: Uint32Array,
    start: number,
    end: number,
    binned: Binned,
    usable: Int32Array,
  ): void;
  /** Writes the statistics of `positions[start..end)` into `out`. */
  sum(positions: Uint32Array, start: number, end: number, out: Float64Array): void;
  /** Writes the node's [treated, control] value from its statistics and its parent's value. */
  leaf(total: Float64Array, parent: Float64Array | null, out: Float64Array): void;
  /** Whether both children are large enough. */
  admissible(left: Float64Array, right: Float64Array): boolean;
  /** Gain of splitting a node of statistics `total` into left and right. */
  gain(left: Float64Array, right: Float64Array, total: Float64Array): number;
}

interface GrowContext {
  binned: Binned;
  criterion: Criterion;
  maxDepth: number;
  /** Features with at least one threshold. */
  usable: Int32Array;
  /** Candidate features per split; all of `usable` when it is at least their number. */
  featuresPerSplit: number;
  random: () => number;
}

/** A grown tree plus the bin of each split, to route binned samples during boosting. */
interface Grown {
  tree: Tree;
  bin: Int32Array;
}

/** Below this a split is float noise, not signal. */
const MIN_GAIN = 1e-12;

/**
 * Grows a tree depth first on `positions` (sample ids, reordered in place so that each node's
 * samples are contiguous). Each split fills the histogram of its smaller child and takes the
 * larger one's as the parent's minus it, so a level costs at most half its samples.
 */
function grow(context: GrowContext, positions: Uint32Array): Grown {
  const { binned, criterion, usable } = context;
  const { codes, featureCount: f, thresholds } = binned;
  const w = criterion.width;
  const size = usable.length * MAX_BINS * w;
  const feature: number[] = [];
  const threshold: number[] = [];
  const bin: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const scratch = new Uint32Array(positions.length);
  const leftStats = new Float64Array(w);
  const rightStats = new Float64Array(w);
  const bestLeft = new Float64Array(w);

  const node = (
    start: number,
    end: number,
    depth: number,
    total: Float64Array,
    parent: Float64Array | null,
    histogram: Float64Array | null,
  ): number => {
    const id = feature.length;
    const own = new Float64Array(2);
    criterion.leaf(total, parent, own);
    feature.push(-1);
    threshold.push(0);
    bin.push(0);
    left.push(0);
    right.push(0);
    value.push(own[0]!, own[1]!);
    if (histogram === null) return id;

    let bestGain = MIN_GAIN;
    let bestFeature = -1;
    let bestBin = -1;
    for (const c of candidates(context)) {
      const splits = thresholds[usable[c]!]!.length;
      leftStats.fill(0);
      for (let b = 0; b < splits; b++) {
        const o = (c * MAX_BINS + b) * w;
        for (let k = 0; k < w; k++) {
          leftStats[k]! += histogram[o + k]!;
          rightStats[k] = total[k]! - leftStats[k]!;
        }
        if (!criterion.admissible(leftStats, rightStats)) continue;
        const gain = criterion.gain(leftStats, rightStats, total);
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = usable[c]!;
          bestBin = b;
          bestLeft.set(leftStats);
        }
      }
    }
    if (bestFeature < 0) return id;

    // Stable partition: the left samples first, in their order, then the right ones.
    let l = start;
    let r = 0;
    for (let p = start; p < end; p++) {
      const s = positions[p]!;
      if (codes[s * f + bestFeature]! <= bestBin) positions[l++] = s;
      else scratch[r++] = s;
    }
    positions.set(scratch.subarray(0, r), l);
    const leftTotal = Float64Array.from(bestLeft);
    const rightTotal = total.map((t, k) => t - leftTotal[k]!);
    feature[id] = bestFeature;
    threshold[id] = thresholds[bestFeature]![bestBin]!;
    bin[id] = bestBin;

    let leftHistogram: Float64Array | null = null;
    let rightHistogram: Float64Array | null = null;
    if (depth + 1 < context.maxDepth) {
      // The parent's histogram becomes the larger child's: it is not read again.
      const small = new Float64Array(size);
      const leftSmaller = l - start <= end - l;
      if (leftSmaller) criterion.accumulate(small, positions, start, l, binned, usable);
      else criterion.accumulate(small, positions, l, end, binned, usable);
      for (let i = 0; i < size; i++) histogram[i]! -= small[i]!;
      leftHistogram = leftSmaller ? small : histogram;
      rightHistogram = leftSmaller ? histogram : small;
    }
    left[id] = node(start, l, depth + 1, leftTotal, own, leftHistogram);
    right[id] = node(l, end, depth + 1, rightTotal, own, rightHistogram);
    return id;
  };

  const rootTotal = new Float64Array(w);
  criterion.sum(positions, 0, positions.length, rootTotal);
  let rootHistogram: Float64Array | null = null;
  if (context.maxDepth > 0 && usable.length > 0) {
    rootHistogram = new Float64Array(size);
    criterion.accumulate(rootHistogram, positions, 0, positions.length, binned, usable);
  }
  node(0, positions.length, 0, rootTotal, null, rootHistogram);
  return {
    tree: {
      feature: Int32Array.from(feature),
      threshold: Float32Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
    },
    bin: Int32Array.from(bin),
  };
}

/** Positions in `usable` of the split's candidates, ascending (ties go to the lowest feature). */
function candidates(context: GrowContext): ArrayLike<number> & Iterable<number> {
  const { usable, featuresPerSplit, random } = context;
  const all = Array.from({ length: usable.length }, (_, c) => c);
  if (featuresPerSplit >= usable.length) return all;
  for (let i = 0; i < featuresPerSplit; i++) {
    const j = i + Math.floor(random() * (all.length - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, featuresPerSplit).sort((a, b) => a - b);
}

function usableFeatures(thresholds: Float32Array[]): Int32Array {
  const out: number[] = [];
  thresholds.forEach((t, j) => t.length > 0 && out.push(j));
  return Int32Array.from(out);
}

/**
 * `count` of `indices` drawn without replacement, kept in their order (selection sampling: each
 * is taken with probability still needed / still left). All of them when count ≥ length.
 */
function subsample(indices: ArrayLike<number>, count: number, random: () => number): Uint32Array {
  const n = indices.length;
  const out = new Uint32Array(Math.min(count, n));
  if (count >= n) {
    for (let i = 0; i < n; i++) out[i] = indices[i]!;
    return out;
  }
  let taken = 0;
  for (let i = 0; i < n && taken < count; i++) {
    if (random() * (n - i) < count - taken) out[taken++] = indices[i]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Uplift trees (Rzepakowski & Jaroszewicz, Euclidean distance)

/**
 * Statistics [treated n, treated y, control n, control y]. The divergence of a node is the
 * squared Euclidean distance between its treated and control outcome distributions,
 * 2·(p_t − p_c)² for a binary outcome; a split's gain is the children's divergence weighted by
 * their share of the node's samples, minus the node's. In the gain the children's rates are
 * smoothed toward the node's raw rates with prior strength m, (y + m·node rate) / (n + m): small
 * children count for less, and children as alike as their parent gain exactly nothing (shrinking
 * toward the node's own smoothed value would reward splitting them). Leaf values are smoothed the
 * same way toward the parent's smoothed rates; the root's are (y + 1) / (n + 2).
 */
function upliftCriterion(
  treated: Uint8Array,
  y: Uint8Array,
  options: UpliftTreeOptions,
): Criterion {
  const m = options.smoothing;
  const rate = (yes: number, n: number, parent: number) => (yes + m * parent) / (n + m);
  const divergence = (t: number, c: number) => 2 * (t - c) * (t - c);
  return {
    width: 4,
    accumulate(histogram, positions, start, end, { codes, featureCount: f }, usable) {
      for (let p = start; p < end; p++) {
        const s = positions[p]!;
        const arm = treated[s] ? 0 : 2;
        const yes = y[s]!;
        const row = s * f;
        for (let c = 0; c < usable.length; c++) {
          const o = ((c * MAX_BINS + codes[row + usable[c]!]!) << 2) + arm;
          histogram[o]! += 1;
          histogram[o + 1]! += yes;
        }
      }
    },
    sum(positions, start, end, out) {
      out.fill(0);
      for (let p = start; p < end; p++) {
        const s = positions[p]!;
        const arm = treated[s] ? 0 : 2;
        out[arm]! += 1;
        out[arm + 1]! += y[s]!;
      }
    },
    leaf(total, parent, out) {
      if (parent === null) {
        out[0] = (total[1]! + 1) / (total[0]! + 2);
        out[1] = (total[3]! + 1) / (total[2]! + 2);
      } else {
        out[0] = rate(total[1]!, total[0]!, parent[0]!);
        out[1] = rate(total[3]!, total[2]!, parent[1]!);
      }
    },
    admissible(l, r) {
      const min = options.minLeaf;
      return l[0]! >= min && l[2]! >= min && r[0]! >= min && r[2]! >= min;
    },
    gain(l, r, total) {
      // admissible() has made sure both arms have samples.
      const t = total[1]! / total[0]!;
      const c = total[3]! / total[2]!;
      const nl = l[0]! + l[2]!;
      const nr = r[0]! + r[2]!;
      const dl = divergence(rate(l[1]!, l[0]!, t), rate(l[3]!, l[2]!, c));
      const dr = divergence(rate(r[1]!, r[0]!, t), rate(r[3]!, r[2]!, c));
      return (nl * dl + nr * dr) / (total[0]! + total[2]!) - divergence(t, c);
    },
  };
}

/** One uplift tree on all the selected samples and all features. */
export function fitUpliftTree(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
  options: UpliftTreeOptions = DEFAULT_UPLIFT_TREE,
): TreeModel {
  checkSamples(x, treated, y, indices);
  checkTreeOptions(options);
  const binned = binFeatures(x, indices);
  const usable = usableFeatures(binned.thresholds);
  const context: GrowContext = {
    binned,
    criterion: upliftCriterion(treated, y, options),
    maxDepth: options.maxDepth,
    usable,
    featuresPerSplit: usable.length,
    random: () => 0,
  };
  return {
    family: 'uplift-tree',
    featureCount: FEATURE_COUNT,
    trees: [grow(context, subsample(indices, indices.length, context.random)).tree],
    aggregate: 'mean',
    base: [0, 0],
    options: { ...options },
  };
}

/**
 * Uplift trees each grown on a subsample drawn without replacement (`sampleFraction`), drawing
 * `featureFraction` of the features as candidates at every split; predictions are the mean of
 * the trees' leaf rates.
 */
export function fitUpliftForest(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
  options: UpliftForestOptions = DEFAULT_UPLIFT_FOREST,
): TreeModel {
  checkSamples(x, treated, y, indices);
  checkTreeOptions(options);
  checkInteger('options.trees', options.trees, 1, 10_000);
  checkFraction('options.featureFraction', options.featureFraction);
  checkFraction('options.sampleFraction', options.sampleFraction);
  checkInteger('options.seed', options.seed, 0, 0xffffffff);
  const binned = binFeatures(x, indices);
  const usable = usableFeatures(binned.thresholds);
  const context: GrowContext = {
    binned,
    criterion: upliftCriterion(treated, y, options),
    maxDepth: options.maxDepth,
    usable,
    featuresPerSplit: Math.max(1, Math.round(options.featureFraction * usable.length)),
    random: seededRandom(options.seed),
  };
  const size = Math.max(1, Math.round(options.sampleFraction * indices.length));
  const trees: Tree[] = [];
  for (let t = 0; t < options.trees; t++) {
    trees.push(grow(context, subsample(indices, size, context.random)).tree);
  }
  return {
    family: 'uplift-forest',
    featureCount: FEATURE_COUNT,
    trees,
    aggregate: 'mean',
    base: [0, 0],
    options: { ...options },
  };
}

// ---------------------------------------------------------------------------------------------
// Gradient-boosted T-learner

/**
 * Statistics [gradient, hessian, count] of the log-loss at the current logits; Newton leaf
 * values −rate·G / (H + l2) on the target's side, 0 on the other.
 */
function boostingCriterion(
  gradient: Float64Array,
  hessian: Float64Array,
  options: BoostedOptions,
  target: 0 | 1,
): Criterion {
  const score = (g: number, h: number) => (g * g) / (h + options.l2);
  return {
    width: 3,
    accumulate(histogram, positions, start, end, { codes, featureCount: f }, usable) {
      for (let p = start; p < end; p++) {
        const s = positions[p]!;
        const g = gradient[s]!;
        const h = hessian[s]!;
        const row = s * f;
        for (let c = 0; c < usable.length; c++) {
          const o = (c * MAX_BINS + codes[row + usable[c]!]!) * 3;
          histogram[o]! += g;
          histogram[o + 1]! += h;
          histogram[o + 2]! += 1;
        }
      }
    },
    sum(positions, start, end, out) {
      out.fill(0);
      for (let p = start; p < end; p++) {
        const s = positions[p]!;
        out[0]! += gradient[s]!;
        out[1]! += hessian[s]!;
        out[2]! += 1;
      }
    },
    leaf(total, _parent, out) {
      out[target] = (-options.learningRate * total[0]!) / (total[1]! + options.l2);
      out[1 - target] = 0;
    },
    admissible(l, r) {
      return l[2]! >= options.minLeaf && r[2]! >= options.minLeaf;
    },
    gain(l, r, total) {
      return score(l[0]!, l[1]!) + score(r[0]!, r[1]!) - score(total[0]!, total[1]!);
    },
  };
}

/**
 * Two gradient-boosted logistic classifiers on shared bins, one on the treated samples and one
 * on the control samples: p = sigmoid(base + Σ leaves), base the logit of the arm's
 * (y + 0.5) / (n + 1). Each round grows on a subsample drawn without replacement.
 */
export function fitBoostedTLearner(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
  options: BoostedOptions = DEFAULT_BOOSTED,
): TreeModel {
  checkSamples(x, treated, y, indices);
  checkInteger('options.rounds', options.rounds, 1, 100_000);
  checkPositive('options.learningRate', options.learningRate);
  checkInteger('options.maxDepth', options.maxDepth, 1, 16);
  checkInteger('options.minLeaf', options.minLeaf, 1, Number.MAX_SAFE_INTEGER);
  checkPositive('options.l2', options.l2, true);
  checkFraction('options.sampleFraction', options.sampleFraction);
  checkInteger('options.seed', options.seed, 0, 0xffffffff);
  const random = seededRandom(options.seed);
  const binned = binFeatures(x, indices);
  const { codes, featureCount: f } = binned;
  const usable = usableFeatures(binned.thresholds);
  const gradient = new Float64Array(treated.length);
  const hessian = new Float64Array(treated.length);
  const arms: [number[], number[]] = [[], []];
  for (let k = 0; k < indices.length; k++) arms[treated[indices[k]!] ? 0 : 1].push(indices[k]!);

  const base: [number, number] = [0, 0];
  const armTrees: [Tree[], Tree[]] = [[], []];
  for (const target of [0, 1] as const) {
    const members = Uint32Array.from(arms[target]);
    let positives = 0;
    for (const s of members) positives += y[s]!;
    const rate = (positives + 0.5) / (members.length + 1);
    base[target] = Math.log(rate / (1 - rate));
    if (members.length === 0) continue;
    const logit = new Float64Array(members.length).fill(base[target]);
    const context: GrowContext = {
      binned,
      criterion: boostingCriterion(gradient, hessian, options, target),
      maxDepth: options.maxDepth,
      usable,
      featuresPerSplit: usable.length,
      random,
    };
    const size = Math.max(1, Math.round(options.sampleFraction * members.length));
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < members.length; k++) {
        const s = members[k]!;
        const p = sigmoid(logit[k]!);
        gradient[s] = p - y[s]!;
        hessian[s] = Math.max(p * (1 - p), 1e-12);
      }
      const { tree, bin } = grow(context, subsample(members, size, random));
      armTrees[target].push(tree);
      for (let k = 0; k < members.length; k++) {
        const row = members[k]! * f;
        let n = 0;
        while (tree.feature[n]! >= 0) {
          n = codes[row + tree.feature[n]!]! <= bin[n]! ? tree.left[n]! : tree.right[n]!;
        }
        logit[k]! += tree.value[n * 2 + target]!;
      }
    }
  }
  return {
    family: 'boosted-t-learner',
    featureCount: f,
    trees: [...armTrees[0], ...armTrees[1]],
    aggregate: 'sigmoid-sum',
    base,
    options: { ...options },
  };
}

// ---------------------------------------------------------------------------------------------
// Prediction

/** Scores raw feature rows `[N, featureCount]` in float64. */
export function predictTrees(model: TreeModel, x: Float32Array): Predictions {
  checkTreeModel(model);
  const f = model.featureCount;
  if (!(x instanceof Float32Array) || x.length % f !== 0) {
    throw fieldError('invalid_input', 'x', x, `a Float32Array of rows of ${f} features`);
  }
  const n = x.length / f;
  const pTreated = new Float64Array(n);
  const pControl = new Float64Array(n);
  const uplift = new Float64Array(n);
  const mean = model.aggregate === 'mean';
  for (let i = 0; i < n; i++) {
    let t = 0;
    let c = 0;
    for (const tree of model.trees) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        node =
          x[i * f + tree.feature[node]!]! <= tree.threshold[node]!
            ? tree.left[node]!
            : tree.right[node]!;
      }
      t += tree.value[node * 2]!;
      c += tree.value[node * 2 + 1]!;
    }
    pTreated[i] = mean ? t / model.trees.length : sigmoid(model.base[0] + t);
    pControl[i] = mean ? c / model.trees.length : sigmoid(model.base[1] + c);
    uplift[i] = pTreated[i]! - pControl[i]!;
  }
  return { pTreated, pControl, uplift };
}

// ---------------------------------------------------------------------------------------------
// Validation

const FAMILIES: readonly TreeFamily[] = ['uplift-tree', 'uplift-forest', 'boosted-t-learner'];

/**
 * Checks that the model is a well-formed forest: every child numbered after its parent and
 * reached from exactly one parent, features inside the row, finite thresholds and values.
 * Throws an `OfferwiseError` (`model_invalid`) naming the field.
 */
export function checkTreeModel(model: TreeModel): void {
  const bad = (field: string, value: unknown, expected: string) =>
    fieldError('model_invalid', field, value, expected);
  if (model === null || typeof model !== 'object') throw bad('model', model, 'a TreeModel');
  if (!FAMILIES.includes(model.family)) {
    throw bad('model.family', model.family, `one of ${FAMILIES.join(', ')}`);
  }
  const aggregate = model.family === 'boosted-t-learner' ? 'sigmoid-sum' : 'mean';
  if (model.aggregate !== aggregate) {
    throw bad('model.aggregate', model.aggregate, `'${aggregate}' for ${model.family}`);
  }
  const f = model.featureCount;
  if (!Number.isSafeInteger(f) || f <= 0) {
    throw bad('model.featureCount', f, 'a positive integer');
  }
  if (
    !Array.isArray(model.base) ||
    model.base.length !== 2 ||
    !model.base.every((b) => Number.isFinite(b))
  ) {
    throw bad('model.base', model.base, 'two finite logits [treated, control]');
  }
  if (!Array.isArray(model.trees) || model.trees.length === 0) {
    throw bad('model.trees', model.trees, 'at least one tree');
  }
  model.trees.forEach((tree, t) => {
    const at = `model.trees[${t}]`;
    if (tree === null || typeof tree !== 'object') throw bad(at, tree, 'a Tree');
    const n = tree.feature instanceof Int32Array ? tree.feature.length : 0;
    if (n === 0) throw bad(`${at}.feature`, tree.feature, 'a non-empty Int32Array');
    const arrays = [
      ['threshold', Float32Array, n],
      ['left', Int32Array, n],
      ['right', Int32Array, n],
      ['value', Float64Array, 2 * n],
    ] as const;
    for (const [name, type, length] of arrays) {
      const array: unknown = tree[name];
      if (!(array instanceof type) || array.length !== length) {
        throw bad(`${at}.${name}`, array, `a ${type.name} of ${length} (${n} nodes)`);
      }
    }
    const parents = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const j = tree.feature[i]!;
      if (j === -1) {
        if (!Number.isFinite(tree.value[2 * i]!) || !Number.isFinite(tree.value[2 * i + 1]!)) {
          throw bad(`${at}.value[${2 * i}]`, tree.value[2 * i], 'finite leaf values');
        }
        continue;
      }
      if (j < 0 || j >= f) {
        throw bad(`${at}.feature[${i}]`, j, `-1 (a leaf) or a feature index below ${f}`);
      }
      if (!Number.isFinite(tree.threshold[i]!)) {
        throw bad(`${at}.threshold[${i}]`, tree.threshold[i], 'a finite number');
      }
      for (const side of ['left', 'right'] as const) {
        const child = tree[side][i]!;
        if (child <= i || child >= n) {
          throw bad(`${at}.${side}[${i}]`, child, `a node index from ${i + 1} to ${n - 1}`);
        }
        if (parents[child]!++ > 0) {
          throw bad(`${at}.${side}[${i}]`, child, 'a node no other node points to');
        }
      }
    }
    for (let i = 1; i < n; i++) {
      if (parents[i] === 0) {
        throw bad(`${at}.left/right`, `no parent of node ${i}`, 'every node but the root a child');
      }
    }
  });
}

function checkSamples(
  x: Float32Array,
  treated: Uint8Array,
  y: Uint8Array,
  indices: ArrayLike<number>,
): void {
  const f = FEATURE_COUNT;
  if (!(x instanceof Float32Array) || x.length % f !== 0) {
    throw fieldError('invalid_input', 'x', x, `a Float32Array of rows of ${f} features`);
  }
  const count = x.length / f;
  if (!(treated instanceof Uint8Array) || treated.length !== count) {
    throw fieldError('invalid_input', 'treated', treated, `a Uint8Array of ${count} flags`);
  }
  if (!(y instanceof Uint8Array) || y.length !== count) {
    throw fieldError('invalid_input', 'y', y, `a Uint8Array of ${count} outcomes`);
  }
  if (indices.length === 0) throw fieldError('invalid_input', 'indices', indices, 'samples');
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isSafeInteger(i) || i < 0 || i >= count) {
      throw fieldError('invalid_input', `indices[${k}]`, i, `a sample index below ${count}`);
    }
  }
}

function checkTreeOptions(options: UpliftTreeOptions): void {
  checkInteger('options.maxDepth', options.maxDepth, 1, 16);
  checkInteger('options.minLeaf', options.minLeaf, 1, Number.MAX_SAFE_INTEGER);
  checkPositive('options.smoothing', options.smoothing, true);
}

function checkInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw fieldError('invalid_input', field, value, `an integer from ${min} to ${max}`);
  }
}

function checkPositive(field: string, value: number, zero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!zero && value === 0)) {
    throw fieldError('invalid_input', field, value, zero ? 'a number ≥ 0' : 'a number > 0');
  }
}

function checkFraction(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw fieldError('invalid_input', field, value, 'a number in (0, 1]');
  }
}
