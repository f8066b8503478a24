import { describe, expect, it } from 'vitest';
import { parseHillstrom } from '../lib/hillstrom.js';
import { seededRandom } from '../../src/decide/random.js';
import {
  bootstrapReplay,
  incremental,
  perThousand,
  replay,
  replayShares,
  resampleWithinFolds,
  spreadOf,
} from './replay.js';
import { stratifiedFolds } from './training.js';
import { quantile } from '../lib/stats.js';

/**
 * The women's e-mail lifts visits from 10% to 50% for women's buyers on the web and does nothing
 * for anyone else; the men's e-mail does nothing. 9,000 shoppers, e-mails assigned round-robin.
 * Exact incremental visits per 1,000 shoppers of the best policy: a quarter of shoppers respond,
 * +0.4 each → +100 when every one of them gets the women's e-mail.
 */
function synthetic(): string {
  const random = seededRandom(11);
  const lines = [
    'row_id,recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend',
  ];
  const arms = ['Mens E-Mail', 'Womens E-Mail', 'No E-Mail'];
  for (let i = 0; i < 9000; i++) {
    const womens = random() < 0.5 ? 1 : 0;
    const channel = random() < 0.5 ? 'Web' : 'Phone';
    const arm = arms[i % 3]!;
    const lifted = womens === 1 && channel === 'Web' && arm === 'Womens E-Mail';
    const visit = random() < (lifted ? 0.5 : 0.1) ? 1 : 0;
    lines.push(
      `${i},${1 + (i % 12)},"1) $0 - $100",${(50 + (i % 400)).toFixed(2)},${1 - womens},${womens},Urban,${i % 2},${channel},${arm},${visit},0,0`,
    );
  }
  return lines.join('\n');
}

describe('offline replay', () => {
  it('weighs each arm by its share of the file, and refuses a file without one', () => {
    const rows = parseHillstrom(synthetic()).slice(0, 4);
    // Round-robin arms: men's, women's, none, men's → shares 1/2, 1/4, 1/4.
    expect(rows.map((r) => r.arm)).toEqual(['mens', 'womens', 'none', 'mens']);
    const shares = replayShares(rows);
    expect(shares).toEqual({ mens: 0.5, womens: 0.25, none: 0.25 });
    const visited = (i: number) => ({ ...rows[i]!, visit: 1 as const });
    // A visit in the men's arm counts 1 / 0.5 = 2 for a policy that sends the men's e-mail, 0
    // for one that sends the women's; a visit in the no-e-mail arm counts −1 / 0.25 = −4 for
    // any policy that sends something, 0 for one that sends nothing.
    expect(incremental(visited(0), 'mens', 'visit', shares)).toBe(2);
    expect(incremental(visited(0), 'womens', 'visit', shares)).toBe(0);
    expect(incremental(visited(2), 'womens', 'visit', shares)).toBe(-4);
    expect(incremental(visited(2), undefined, 'visit', shares)).toBe(0);
    expect(() => replayShares(rows.filter((r) => r.arm !== 'none'))).toThrow(
      "replay: the file has no rows of the no-e-mail arm: each arm's outcomes are weighed by its share, so all three must be there",
    );
  });

  it('gives a value per 1,000 and its standard error from per-shopper terms', () => {
    // Terms 3, 0, −3, 0: mean 0; Σ(t − t̄)² = 18, / (n − 1) = 6, / n = 1.5, √1.5 = 1.2247…
    const spread = perThousand(Float64Array.from([3, 0, -3, 0]));
    expect(spread.mean).toBe(0);
    expect(spread.se).toBeCloseTo(1000 * Math.sqrt(1.5), 9);
    // Terms 3 each (every shopper visits, each got the e-mail): 3,000 per 1,000, no spread.
    expect(perThousand(Float64Array.from([3, 3, 3]))).toEqual({ mean: 3000, se: 0 });
    expect(perThousand(new Float64Array(0))).toEqual({ mean: 0, se: 0 });
  });

  it('ranks by uplift better than by likelihood to buy, discount order or chance', async () => {
    const result = await replay(parseHillstrom(synthetic()), {
      folds: 3,
      seed: 1,
      share: 0.25,
      family: 'two-head-mlp',
    });
    const by = Object.fromEntries(result.rows.map((r) => [r.policy, r]));
    // Targeting the quarter the model ranks first should capture most of the +100.
    expect(by.uplift!.targeted).toBeGreaterThan(70);
    expect(by.uplift!.targeted).toBeGreaterThan(by.random!.targeted + 30);
    expect(by.uplift!.targeted).toBeGreaterThan(by.biggest_discount!.targeted + 30);
    // "Always the men's e-mail" gains nothing in expectation.
    expect(Math.abs(by.biggest_discount!.everyone)).toBeLessThan(25);
    // The model's policy against each other one, shopper by shopper: the mean of the differences
    // is the difference of the means.
    expect(result.differences.map((d) => [d.policy, d.against])).toEqual([
      ['uplift', 'most_likely_to_buy'],
      ['uplift', 'biggest_discount'],
      ['uplift', 'random'],
    ]);
    for (const d of result.differences) {
      expect(d.everyone.difference).toBeCloseTo(by.uplift!.everyone - by[d.against]!.everyone, 9);
      expect(d.targeted.difference).toBeCloseTo(by.uplift!.targeted - by[d.against]!.targeted, 9);
      expect(d.targeted.se).toBeGreaterThan(0);
    }
    // 9,000 shoppers, a third of each arm: an IPW term is ±3·visit or 0, so the standard error
    // of a value per 1,000 is about 1000·√(Σ(t − t̄)²/(n − 1)/n), a few visits per 1,000.
    expect(by.uplift!.se.everyone).toBeGreaterThan(1);
    expect(by.uplift!.se.everyone).toBeLessThan(20);
  }, 60_000);

  it('resamples each fold from its own rows, as many as it has', () => {
    // Fold 0 holds rows 0 and 2, fold 1 rows 1, 3 and 4. Draws: ⌊0·2⌋ = 0 → row 0, ⌊0.99·2⌋ = 1 →
    // row 2; ⌊0.5·3⌋ = 1 → row 3, ⌊0.1·3⌋ = 0 → row 1, ⌊0.7·3⌋ = 2 → row 4.
    const draws = [0, 0.99, 0.5, 0.1, 0.7];
    const drawn = resampleWithinFolds([0, 1, 0, 1, 1], 2, () => draws.shift()!);
    expect(drawn).toEqual({ index: [0, 2, 3, 1, 4], fold: [0, 0, 1, 1, 1] });
    // Many draws: every drawn row keeps its fold, and each fold keeps its size.
    const fold = Array.from({ length: 300 }, (_, i) => (i * 7) % 3);
    const many = resampleWithinFolds(fold, 3, seededRandom(5));
    expect(many.index.every((i, j) => fold[i] === many.fold[j])).toBe(true);
    expect([0, 1, 2].map((k) => many.fold.filter((f) => f === k).length)).toEqual([100, 100, 100]);
    expect(new Set(many.index).size).toBeLessThan(300);
  });

  it('spreads: standard deviation and the middle 95% by interpolated quantiles', () => {
    // 1 … 5: the 2.5% quantile lies 0.1 of the way from the 1st to the 2nd value, the 97.5% 0.9
    // of the way from the 4th to the 5th.
    expect(quantile([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12);
    expect(quantile([1, 2, 3, 4, 5], 0.975)).toBeCloseTo(4.9, 12);
    expect(quantile([7], 0.5)).toBe(7);
    // 3, 1, 2: mean 2, Σ(x − 2)² = 2, / (3 − 1) = 1.
    const spread = spreadOf([3, 1, 2]);
    expect(spread.se).toBeCloseTo(1, 12);
    expect(spread.low).toBeCloseTo(1.05, 12);
    expect(spread.high).toBeCloseTo(2.95, 12);
  });

  it('takes the folds it is given, and refuses folds that do not fit the rows', async () => {
    const rows = parseHillstrom(synthetic());
    const options = { folds: 3, seed: 2, share: 0.25, family: 'uplift-tree' as const };
    const fold = stratifiedFolds(rows, 'visit', 3, 2);
    expect(await replay(rows, { ...options, fold })).toEqual(await replay(rows, options));
    await expect(replay(rows, { ...options, fold: fold.slice(1) })).rejects.toThrow(
      'replay: 8999 folds given for 9000 rows',
    );
  });

  it('bootstraps the whole replay: refits on resampled shoppers, seeded', async () => {
    const rows = parseHillstrom(synthetic());
    const options = { folds: 3, seed: 1, share: 0.25, family: 'two-head-mlp' as const, runs: 4 };
    const seen: number[] = [];
    const boot = await bootstrapReplay(rows, { ...options, progress: (run) => seen.push(run) });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(boot.runs).toBe(4);
    expect(boot.values.map((v) => v.policy)).toEqual([
      'uplift',
      'most_likely_to_buy',
      'biggest_discount',
      'random',
    ]);
    expect(boot.differences.map((d) => [d.policy, d.against])).toEqual([
      ['uplift', 'most_likely_to_buy'],
      ['uplift', 'biggest_discount'],
      ['uplift', 'random'],
    ]);
    for (const d of boot.differences) {
      expect(d.targeted.se).toBeGreaterThan(0);
      expect(d.targeted.low).toBeLessThanOrEqual(d.targeted.high);
    }
    // The model finds the quarter who respond on every resample: about +100 against chance's +25.
    const random = boot.differences.find((d) => d.against === 'random')!;
    expect(random.targeted.above).toBe(1);
    expect(random.targeted.low).toBeGreaterThan(30);
    // The same seed gives the same bootstrap.
    expect(await bootstrapReplay(rows, options)).toEqual(boot);
  }, 60_000);
});
