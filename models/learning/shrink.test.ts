import { describe, expect, it } from 'vitest';
import { shrink, type Cell } from './shrink.js';

const table = (values: (number | undefined)[][], pred: number[][] = []): Cell[] =>
  values.flatMap((row, offer) =>
    row.map((y, group) => ({
      offer,
      group,
      ...(y !== undefined ? { y, v: 1 } : {}),
      pred: pred[offer]?.[group] ?? 0,
    })),
  );

describe('empirical-Bayes shrinkage', () => {
  it('shrinks a 2 × 2 table toward offer + group levels, worked by hand', () => {
    // y: offer 0 = [0, 4], offer 1 = [2, 2], v = 1. Fixed-effect fit: offer levels 2 and 2, group
    // levels −1 and +1, residuals ±1. Q = 2 per offer; 4 cells − 3 parameters leave 1 degree of
    // freedom, ½ per offer; Σw − Σw²/Σw = 1, so τ² = 2 − ½ = 1.5. B = 1 / 2.5 = 0.4.
    const s = shrink(
      table([
        [0, 4],
        [2, 2],
      ]),
      2,
      2,
      { useModel: false },
    );
    expect(s.tau2[0]).toBeCloseTo(1.5, 9);
    expect(s.tau2[1]).toBeCloseTo(1.5, 9);
    expect(s.posteriors.map((p) => p.prior)).toEqual([1, 3, 1, 3].map((x) => expect.closeTo(x, 9)));
    // Posterior means m + 0.6 (y − m).
    expect(s.posteriors.map((p) => p.mean)).toEqual(
      [0.4, 3.6, 1.6, 2.4].map((x) => expect.closeTo(x, 9)),
    );
    // Var(m) = 1/Σw(offer) + 1/Σw(group) = 1/0.8 + 1/0.8; var = 0.6 · 1 + 0.16 · 2.5 = 1.
    for (const p of s.posteriors) expect(p.sd).toBeCloseTo(1, 9);
  });

  it('lets a thin cell fall back to its prior', () => {
    // Offer 0 unobserved in group 1: its prior is offer 0's level + group 1's level.
    const s = shrink(
      table([
        [1, undefined],
        [1, 3],
      ]),
      2,
      2,
      { useModel: false },
    );
    // Levels: offer 0 = 1 (its only cell, group 0), offer 1 = 2; groups centred: ∓1… solved by
    // the fit: a0 + c0 = 1, a1 + c0 = 1, a1 + c1 = 3 → c1 − c0 = 2, prior(0, 1) = 3.
    expect(s.posteriors[1]!.mean).toBeCloseTo(3, 9);
    expect(s.posteriors[1]!.prior).toBeCloseTo(3, 9);
    expect(s.posteriors[1]!.sd).toBeGreaterThan(0);
  });

  it('finds the model’s slope when the model explains the differences', () => {
    // y = 1 + 2 · pred with pred = [[0, 1], [0, 0]], v = 10⁻¹²: b = 2, nothing left to shrink.
    const s = shrink(
      table(
        [
          [1, 3],
          [1, 1],
        ],
        [
          [0, 1],
          [0, 0],
        ],
      ).map((cell) => ({ ...cell, v: 1e-12 })),
      2,
      2,
    );
    expect(s.beta).toBeCloseTo(2, 9);
    for (const t of s.tau2) expect(t).toBeCloseTo(0, 12);
    expect(s.posteriors.map((p) => p.mean)).toEqual([1, 3, 1, 1].map((x) => expect.closeTo(x, 9)));
    // A model that points the wrong way gets slope 0 (the prior never follows it backwards).
    const backwards = shrink(
      table(
        [
          [1, 3],
          [1, 1],
        ],
        [
          [0, -1],
          [0, 0],
        ],
      ),
      2,
      2,
    );
    expect(backwards.beta).toBe(0);
  });

  it('shrinks the model’s slope by its standard error', () => {
    // The same cells with v = 0.5 each: the two-way residuals are ±0.5 for y and ±0.25 for pred.
    // Fixed effect (w = 2): b = Σ w·rx·ry / Σ w·rx² = 1 / 0.5 = 2 with se² = 1 / 0.5 = 2, shrunk
    // to 2 · (1 − 2/4) = 1; its residuals ±0.25 give per offer Q = 2 · 2 · 0.0625 = 0.25 on no
    // degree of freedom left (4 cells, 4 parameters): τ² = 0.25 / (4 − 8/4) = 0.125. Random
    // effects (w = 1 / 0.625 = 1.6): b = 2 again, se² = 1 / (4 · 1.6 · 0.0625) = 2.5, shrunk to
    // 2 · (1 − 2.5/4) = 0.75.
    const noisy = (v: number) =>
      table(
        [
          [1, 3],
          [1, 1],
        ],
        [
          [0, 1],
          [0, 0],
        ],
      ).map((cell) => ({ ...cell, v }));
    expect(shrink(noisy(0.5), 2, 2).beta).toBeCloseTo(0.75, 9);
    // v = 1: se² = 4 = b² already in the fixed-effect fit, then τ² = 0.5 and se² = 6 > b²: 0.
    expect(shrink(noisy(1), 2, 2).beta).toBe(0);
    // Without shrinkage (as for the claims' fit) the slope stays 2 (and τ² = 0).
    expect(shrink(noisy(0.5), 2, 2, { shrinkSlopes: false }).beta).toBeCloseTo(2, 9);
  });

  it('finds the profile slopes between groups, of either sign', () => {
    // 3 offers × 3 groups, y = a_o + c_g + 2·interest − 1·bought exactly (interest and bought are
    // the group's terms for the offer's category; offer 2 is an `any` offer: terms 0), v = 10⁻¹⁰. Levels
    // a = [1, 0, 0.5], c = [0, 0.3, −0.3]: the fit recovers γ = (2, −1), every residual 0.
    const a = [1, 0, 0.5];
    const c = [0, 0.3, -0.3];
    const x = [
      [
        [0.6, 1],
        [0.1, 0],
        [0.3, 0.5],
      ],
      [
        [0.2, 0],
        [0.7, 1],
        [0.4, 0.2],
      ],
      [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
    ];
    const cells: Cell[] = x.flatMap((row, offer) =>
      row.map((terms, group) => ({
        offer,
        group,
        y: a[offer]! + c[group]! + 2 * terms[0]! - terms[1]!,
        v: 1e-10,
        pred: 0,
        x: terms,
      })),
    );
    const s = shrink(cells, 3, 3, { useModel: false, covariates: 2 });
    expect(s.gamma[0]).toBeCloseTo(2, 6);
    expect(s.gamma[1]).toBeCloseTo(-1, 6);
    for (const t of s.tau2) expect(t).toBeCloseTo(0, 9);
    s.posteriors.forEach((p, i) => expect(p.mean).toBeCloseTo(cells[i]!.y!, 6));
    // Without the terms the same table leaves spread for τ² (the slopes are not there to fit it).
    expect(Math.max(...shrink(cells, 3, 3, { useModel: false }).tau2)).toBeGreaterThan(0);
    // Each slope is shrunk by its standard error: with v = 1 the same cells bear the slopes out
    // far less (|γ| drops toward 0, never past it), and a term that barely varies gets none.
    const noisy = cells.map((cell, i) => ({
      ...cell,
      v: 1,
      x: [...cell.x!, 1e-3 * ((i * 5) % 3)],
      y: cell.y! + 1e-3 * ((i * 5) % 3) * 50,
    }));
    const s2 = shrink(noisy, 3, 3, { useModel: false, covariates: 3 });
    expect(s2.gamma[0]).toBeGreaterThanOrEqual(0);
    expect(s2.gamma[0]).toBeLessThan(2);
    expect(s2.gamma[1]).toBeLessThanOrEqual(0);
    expect(s2.gamma[2]).toBe(0);
  });

  it('shrinks noisy cells of a homogeneous offer all the way', () => {
    // Offer 0 has the same value in 6 groups, estimated with noise far below the standard errors:
    // no spread left for τ², every cell gets the pooled value.
    const s = shrink(table([[1.1, 0.9, 1.05, 0.95, 1, 1]]), 1, 6, { useModel: false });
    expect(s.tau2[0]).toBe(0);
    for (const p of s.posteriors) expect(p.mean).toBeCloseTo(p.prior, 12);
  });
});
