// What the benchmarks share: rounding of results and the in-page percentiles helper.

export const round = (n, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
export const roundAll = (obj, digits) =>
  Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, round(v, digits)]));

/** For a bench page's inline script: `window.percentiles(samples)`, nearest rank. */
export const PAGE_PERCENTILES = `window.percentiles = (samples) => {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] };
};`;
