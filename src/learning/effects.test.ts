import { describe, expect, it } from 'vitest';
import {
  effectScores,
  learnedGroups,
  learnedPlacement,
  learnedWeights,
  MAX_VALID_DAYS,
  validateEffects,
} from './effects.js';

const SHA = 'a'.repeat(64);

function file(over: Record<string, unknown> = {}) {
  return {
    format: 'offerwise-effects',
    version: 1,
    reward: 'net',
    generated_at: '2026-12-01T00:00:00Z',
    valid_until: '2026-12-15T00:00:00Z',
    window: { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
    epsilon: 2,
    segments_sha256: SHA,
    k: 2,
    temperature: 0.5,
    model: { beta: 2 },
    offers: {
      a: {
        mean: 3,
        se: 0.2,
        n: 900,
        groups: [
          { mean: 4, sd: 0.3, n: 500, pred: 0.05 },
          { mean: 1, sd: 0.4, n: 400, pred: 0.01 },
        ],
      },
      b: { mean: 2, se: 0.3, n: 400 },
    },
    ...over,
  };
}

describe('effects', () => {
  it('validates a file and scores offers for a shopper, worked by hand', () => {
    const effects = validateEffects(file());
    expect(effects.valid_until).toBe(Date.UTC(2026, 11, 15));
    // Shopper 75% in group 0, 25% in group 1; the model says 0.07 for a and 0.02 for b.
    const { scores, used } = effectScores(
      ['a', 'b', 'new'],
      [0.07, 0.02, 0],
      effects,
      [0.75, 0.25],
    );
    // a: groups 0.75·4 + 0.25·1 = 3.25; prediction 0.75·0.05 + 0.25·0.01 = 0.04; the model's part
    //    2 · (0.07 − 0.04) = 0.06 → 3.31.
    // b: no group effects: its pooled 2. new: not in the file → the mean of the known, 2.5.
    expect(scores[0]).toBeCloseTo(3.31, 12);
    expect(scores[1]).toBe(2);
    expect(scores[2]).toBe(2.5);
    expect(used.map((u) => u.source)).toEqual(['group', 'offer', 'none']);
    expect(used[0]!.model).toBeCloseTo(0.06, 12);
    // Without groups (the device has no segments, or another file's): pooled values.
    expect(effectScores(['a', 'b'], [0, 0], effects, undefined).scores).toEqual([3, 2]);
  });

  it('weighs a shopper over the groups the file learned, worked by hand', () => {
    // k = 3; group 2 has no count in any offer (the logs did not show it: only the prior's level,
    // 2.5); group 1 has none in a but some in b, so it was learned.
    const effects = validateEffects(
      file({
        k: 3,
        model: null,
        offers: {
          a: {
            mean: 3,
            se: 0.2,
            n: 900,
            groups: [
              { mean: 4, sd: 0.3, n: 900 },
              { mean: 3, sd: 0.4, n: 0 },
              { mean: 2.5, sd: 1, n: 0 },
            ],
          },
          b: {
            mean: 2,
            se: 0.3,
            n: 400,
            groups: [
              { mean: 1, sd: 0.3, n: 300 },
              { mean: 3, sd: 0.4, n: -2.5 },
              { mean: 2, sd: 1, n: 0 },
            ],
          },
        },
      }),
    );
    expect(learnedGroups(effects)).toEqual([true, true, false]);
    // Shopper 50% / 20% / 30%: group 2's 30% goes to groups 0 and 1 in proportion, 5/7 and 2/7.
    const weights = learnedWeights([0.5, 0.2, 0.3], effects);
    expect(weights[0]).toBeCloseTo(5 / 7, 12);
    expect(weights[1]).toBeCloseTo(2 / 7, 12);
    expect(weights[2]).toBe(0);
    // a: 5/7 · 4 + 2/7 · 3 = 26/7 (blending group 2 in would give 0.5·4 + 0.2·3 + 0.3·2.5 = 3.35);
    // b: 5/7 · 1 + 2/7 · 3 = 11/7.
    const { scores } = effectScores(['a', 'b'], [0, 0], effects, weights);
    expect(scores[0]).toBeCloseTo(26 / 7, 12);
    expect(scores[1]).toBeCloseTo(11 / 7, 12);
    // Every group learned: the weights as placed; all of them on unlearned groups: as placed too.
    expect(learnedWeights([0.75, 0.25], validateEffects(file()))).toEqual([0.75, 0.25]);
    expect(learnedWeights([0, 0, 1], effects)).toEqual([0, 0, 1]);
  });

  it('with placement "nearest", puts all the weight on the nearest learned group', () => {
    const offers = (counts: number[]) => ({
      a: {
        mean: 3,
        se: 0.2,
        n: 900,
        groups: counts.map((n, g) => ({ mean: 4 - g, sd: 0.3, n })),
      },
    });
    const nearest = validateEffects(
      file({ k: 3, model: null, placement: 'nearest', offers: offers([500, 0, 400]) }),
    );
    expect(nearest.placement).toBe('nearest');
    // Placed nearest group 1 (d² 0.5), which the file did not learn: group 2 (d² 0.8) is the
    // nearest it did, though group 0 has the larger soft weight; the placement's other fields stay.
    const placed = {
      group: 1,
      label: 'middle',
      weights: [0.5, 0.3, 0.2],
      distances: [0.9, 0.5, 0.8],
      vector: new Float64Array(2),
    };
    const scored = learnedPlacement(placed, nearest);
    expect(scored).toEqual({ ...placed, weights: [0, 0, 1] });
    expect(effectScores(['a'], [0], nearest, scored.weights).scores).toEqual([2]);
    // Group 1 learned: its own values, the group the shopper reports.
    const learnedAll = validateEffects(
      file({ k: 3, model: null, placement: 'nearest', offers: offers([500, 10, 400]) }),
    );
    expect(learnedPlacement(placed, learnedAll).weights).toEqual([0, 1, 0]);
    // "blend" (or no placement): the soft weights over the learned groups, as before.
    const blend = validateEffects(file({ k: 3, model: null, offers: offers([500, 10, 400]) }));
    expect(blend.placement).toBeUndefined();
    expect(learnedPlacement(placed, blend)).toBe(placed);
    expect(validateEffects(file({ placement: 'blend' })).placement).toBe('blend');
    // Refused: another word, and a placement without groups.
    expect(() => validateEffects(file({ placement: 'hard' }))).toThrow(
      'effects.placement: got "hard", expected blend | nearest, or absent (blend)',
    );
    expect(() =>
      validateEffects(
        file({
          placement: 'nearest',
          k: null,
          segments_sha256: null,
          offers: { b: { mean: 1, se: 0, n: 1 } },
        }),
      ),
    ).toThrow('effects.placement: got "nearest", expected absent (no groups)');
  });

  it("adds the profile slopes × the shopper's deviation from the groups, worked by hand", () => {
    const effects = validateEffects(
      file({
        profile: { interest: 2, bought: -0.5, depthPrice: -1, anyDiffuse: 4, recent: -0.4 },
      }),
    );
    expect(effects.profile).toEqual({
      interest: 2,
      bought: -0.5,
      depthPrice: -1,
      anyDiffuse: 4,
      recent: -0.4,
    });
    // a: 3.31 as above; the shopper browses a's category 0.3 more than the groups, bought it
    // within a year where 40% of the groups did (1 − 0.4 = 0.6), within the last 30 days where
    // 10% of the groups did (1 − 0.1 = 0.9), and looks at prices whose depth × log is 0.1 above
    // the groups': 2·0.3 − 0.5·0.6 − 1·0.1 − 0.4·0.9 = 0.6 − 0.3 − 0.1 − 0.36 = −0.16 → 3.15
    // (depthCoupon has no slope, anyDiffuse's term is 0). b has no group values and `new` is
    // unknown: no profile part.
    const { scores, used } = effectScores(
      ['a', 'b', 'new'],
      [0.07, 0.02, 0],
      effects,
      [0.75, 0.25],
      [
        [0.3, 0.6, 0.1, 7, 0, 0.9],
        [1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1],
      ],
    );
    expect(scores[0]).toBeCloseTo(3.15, 12);
    expect(used[0]!.profile).toBeCloseTo(-0.16, 12);
    expect(scores.slice(1)).toEqual([2, 2.5]);
    expect(used[1]!.profile).toBeUndefined();
    // No deviation given: no profile part; a file without slopes ignores deviations.
    const noTerm = effectScores(['a'], [0.07], effects, [0.75, 0.25], [undefined]);
    expect(noTerm.scores[0]).toBeCloseTo(3.31, 12);
    expect(noTerm.used[0]!.profile).toBeUndefined();
    const plain = validateEffects(file());
    expect(plain.profile).toBeUndefined();
    expect(
      effectScores(['a'], [0.07], plain, [0.75, 0.25], [[0.3, 0.6, 0, 0, 0, 0.9]]).scores[0],
    ).toBeCloseTo(3.31, 12);
  });

  it('scores an offer the file does not know as the average known offer of the groups, worked by hand', () => {
    // group_levels: what any offer is worth per group before the model's and the profile's parts.
    const effects = validateEffects(
      file({ group_levels: [3.5, 0.8], profile: { interest: 2, recent: -0.4 } }),
    );
    expect(effects.group_levels).toEqual([3.5, 0.8]);
    // Shopper 75% in group 0, 25% in group 1; the model says 0.07 for "new"; the shopper's own
    // terms for it: interest 0.3, recent 0.9.
    const own = [0.3, 0, 0, 0, 0, 0.9];
    const { scores, used } = effectScores(
      ['new', 'b'],
      [0.07, 0.02],
      effects,
      [0.75, 0.25],
      undefined,
      [own, undefined],
    );
    // level 0.75·3.5 + 0.25·0.8 = 2.825; model 2 · 0.07 = 0.14; profile 2·0.3 − 0.4·0.9 = 0.24.
    expect(scores[0]).toBeCloseTo(2.825 + 0.14 + 0.24, 12);
    expect(used[0]).toMatchObject({ source: 'new' });
    expect(used[0]!.effect).toBeCloseTo(2.825, 12);
    expect(used[0]!.model).toBeCloseTo(0.14, 12);
    expect(used[0]!.profile).toBeCloseTo(0.24, 12);
    // b is known (pooled only): unchanged.
    expect([scores[1], used[1]!.source]).toEqual([2, 'offer']);
    // A known offer whose group values are the levels plus their model and profile parts scores
    // the same as an unknown one: a's groups rebuilt that way (its terms 0 in both groups).
    const a = effects.offers.a!;
    const groups = a.groups!.map((g, j) => ({ ...g, mean: [3.5, 0.8][j]! + 2 * g.pred! }));
    const same = { ...effects, offers: { a: { ...a, groups } } };
    const known = effectScores(['a'], [0.07], same, [0.75, 0.25], [own]).scores[0]!;
    const unknown = effectScores(['x'], [0.07], same, [0.75, 0.25], undefined, [own]).scores[0]!;
    expect(known).toBeCloseTo(unknown, 12);
    // Without the shopper's groups the levels do not apply: the known candidates' mean (b's 2).
    const pooled = effectScores(['new', 'b'], [0.07, 0.02], effects, undefined);
    expect([pooled.scores[0], pooled.used[0]!.source]).toEqual([2, 'none']);
  });

  it('refuses a broken file, naming the field', () => {
    expect(() => validateEffects(file({ reward: 'visits' }))).toThrow(
      'effects.reward: got "visits", expected click | claim | order | revenue | discount | net',
    );
    expect(() => validateEffects(file({ temperature: 0 }))).toThrow(/effects\.temperature: got 0/);
    expect(() => validateEffects(file({ k: 3 }))).toThrow(
      'effects.offers["a"].groups: got array(2), expected 3 group effects',
    );
    expect(() => validateEffects(file({ k: null }))).toThrow(
      'effects.k: got null, expected null exactly when segments_sha256 is null',
    );
    expect(() =>
      validateEffects(file({ offers: { a: { mean: Number.NaN, se: 0, n: 1 } } })),
    ).toThrow(
      'effects.offers["a"].mean: got NaN, expected a number from -1000000000 to 1000000000',
    );
    expect(() => validateEffects(file({ profile: { interest: 1, bought: 'x' } }))).toThrow(
      'effects.profile.bought: got "x", expected a number from -1000000 to 1000000',
    );
    expect(() => validateEffects(file({ profile: { age: 1 } }))).toThrow(
      'effects.profile.age: got 1, expected one of the profile terms interest, bought, depthPrice, depthCoupon, anyDiffuse, recent',
    );
    // A file without groups: no per-group field may be there.
    const pooledWith = (over: Record<string, unknown>) => () =>
      validateEffects(
        file({
          k: null,
          segments_sha256: null,
          offers: { b: { mean: 2, se: 0.3, n: 400 } },
          ...over,
        }),
      );
    expect(pooledWith({ profile: { interest: 1, bought: 0 } })).toThrow(
      'effects.profile: got object, expected absent (no groups)',
    );
    expect(() => validateEffects(file({ group_levels: [1] }))).toThrow(
      'effects.group_levels: got array(1), expected an array of 2 numbers',
    );
    expect(() => validateEffects(file({ group_levels: [1, '2'] }))).toThrow(
      'effects.group_levels[1]: got "2", expected a number from -1000000000 to 1000000000',
    );
    expect(pooledWith({ group_levels: [1, 2] })).toThrow(
      'effects.group_levels: got array(2), expected absent (no groups)',
    );
    expect(() => validateEffects(file({ valid_until: 'soon' }))).toThrow(
      'effects.valid_until: got "soon", expected an ISO date-time with a zone',
    );
  });

  it('refuses times out of order, a file valid for over MAX_VALID_DAYS, and an empty offer id', () => {
    const window = (from: string, to: string) => file({ window: { from, to } });
    expect(() => validateEffects(window('2026-12-01T00:00:00Z', '2026-11-01T00:00:00Z'))).toThrow(
      'effects.window.to: got "2026-11-01T00:00:00Z", expected a date-time not before window.from (2026-12-01T00:00:00Z)',
    );
    // One decision learned from: the window is a single instant.
    expect(validateEffects(window('2026-11-30T00:00:00Z', '2026-11-30T00:00:00Z')).window).toEqual({
      from: Date.UTC(2026, 10, 30),
      to: Date.UTC(2026, 10, 30),
    });
    for (const valid_until of ['2026-11-30T00:00:00Z', '2026-12-01T00:00:00Z']) {
      expect(() => validateEffects(file({ valid_until }))).toThrow(
        `effects.valid_until: got "${valid_until}", expected a date-time after generated_at (2026-12-01T00:00:00Z)`,
      );
    }
    // generated_at 2026-12-01 + 365 days (no February 29 between) = 2027-12-01: the last instant
    // allowed; a millisecond more, or a file that never goes stale, is refused.
    expect(MAX_VALID_DAYS).toBe(365);
    expect(validateEffects(file({ valid_until: '2027-12-01T00:00:00Z' })).valid_until).toBe(
      Date.UTC(2027, 11, 1),
    );
    for (const valid_until of ['2027-12-01T00:00:00.001Z', '9999-12-31T00:00:00Z']) {
      expect(() => validateEffects(file({ valid_until }))).toThrow(
        `effects.valid_until: got "${valid_until}", expected at most 365 days after generated_at (2026-12-01T00:00:00Z), the learner's --valid-days limit`,
      );
    }
    expect(() => validateEffects(file({ offers: { '': { mean: 1, se: 0, n: 1 } } }))).toThrow(
      'effects.offers[""]: got "", expected a non-empty offer id',
    );
  });

  it('refuses a field one edit from a known one (misspelt), and ignores other unknown fields', () => {
    const top =
      'format, version, reward, generated_at, valid_until, window, epsilon, segments_sha256, k, temperature, model, profile, group_levels, placement, offers, sha256';
    const misspelt = (known: string) =>
      `(a field one edit from a known one is refused as misspelt; known here: ${known})`;
    expect(() => validateEffects(file({ group_level: [1, 2] }))).toThrow(
      `effects.group_level: got array(2), expected group_levels ${misspelt(top)}`,
    );
    // Beside the real field, which alone would pass.
    expect(() => validateEffects(file({ model: { beta: 2 }, modle: { beta: 1 } }))).toThrow(
      `effects.modle: got object, expected model ${misspelt(top)}`,
    );
    // Case and underscores aside: camelCase, and a key that is no identifier.
    expect(() => validateEffects(file({ groupLevels: [1, 2] }))).toThrow(
      `effects.groupLevels: got array(2), expected group_levels ${misspelt(top)}`,
    );
    expect(() => validateEffects(file({ 'group-levels': [1, 2] }))).toThrow(
      `effects["group-levels"]: got array(2), expected group_levels ${misspelt(top)}`,
    );
    expect(() => validateEffects(file({ model: { beta: 2, betta: 1 } }))).toThrow(
      `effects.model.betta: got 1, expected beta ${misspelt('beta')}`,
    );
    expect(() =>
      validateEffects(
        file({ window: { form: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' } }),
      ),
    ).toThrow(
      `effects.window.form: got "2026-11-01T00:00:00Z", expected from ${misspelt('from, to')}`,
    );
    const a = file().offers.a;
    expect(() =>
      validateEffects(file({ offers: { a: { mean: 3, se: 0.2, n: 900, gruops: a.groups } } })),
    ).toThrow(
      `effects.offers["a"].gruops: got array(2), expected groups ${misspelt('mean, se, n, groups')}`,
    );
    expect(() =>
      validateEffects(
        file({
          offers: { a: { ...a, groups: [a.groups[0], { mean: 1, sd: 0.4, n: 400, perd: 0.01 }] } },
        }),
      ),
    ).toThrow(
      `effects.offers["a"].groups[1].perd: got 0.01, expected pred ${misspelt('mean, sd, n, pred')}`,
    );
    // Anything else is left for newer SDKs (as the catalog does): the same file as without it.
    const extra = file({
      note: 'learned on the November logs',
      sha256: 'b'.repeat(64),
      window: { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', tz: 'UTC' },
      model: { beta: 2, source: 'default.onnx' },
      offers: {
        a: { ...a, comment: 'x', groups: [{ ...a.groups[0], ci: [3, 5] }, a.groups[1]] },
        b: { mean: 2, se: 0.3, n: 400, tau2: 0.1 },
      },
    });
    expect(validateEffects(extra)).toEqual(validateEffects(file()));
  });
});
