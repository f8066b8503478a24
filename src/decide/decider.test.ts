import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { databaseNames, freshIndexedDB, view } from '../../test/support/fake-idb.js';
import { FEATURE_COUNT } from '../features/spec.js';
import { createOffers, type Offerwise } from '../offerwise.js';
import { emptyAggregates } from '../profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../profile/options.js';
import { toSnapshot } from '../profile/snapshot.js';
import type { ScoreResult } from '../predictor/predictor.js';
import { OfferwiseError } from '../util/errors.js';
import { validateEffects } from '../learning/effects.js';
import { validateSegments } from '../learning/segments.js';
import { DEFAULT_INLINE } from '../predictor/default-fallback.js';
import { Decider, DEFAULT_DECISION_OPTIONS, inHoldout } from './decider.js';
import { StateStore } from './state-store.js';
import type { Catalog, Offer } from './types.js';

const NOW = Date.UTC(2026, 10, 28, 12);
const HOUR = 3_600_000;

const offers: Offer[] = [
  {
    id: 'w10',
    type: 'coupon',
    title: '10% off womens',
    category: 'womens',
    discount: { percent: 10 },
    code: 'W',
    member_only: false,
    placements: [],
  },
  {
    id: 'w20',
    type: 'coupon',
    title: '20% off womens',
    category: 'womens',
    discount: { percent: 20 },
    code: 'W2',
    member_only: false,
    placements: [],
  },
  {
    id: 'm5',
    type: 'coupon',
    title: '<img src=x onerror=alert(1)>',
    category: 'mens',
    discount: { amount: 5 },
    code: 'M',
    member_only: false,
    placements: [],
  },
  {
    id: 'old',
    type: 'coupon',
    title: 'expired',
    category: 'kids',
    discount: { percent: 5 },
    code: 'K',
    member_only: false,
    placements: [],
    valid_to: NOW - HOUR,
  },
];
const catalog: Catalog = {
  version: 1,
  server_time: NOW,
  received_at: NOW,
  currency: 'EUR',
  placements: { home: { limit: 2 } },
  offers,
  items: {},
};

/** Uplift by offer id, in catalog order of the rows the decider builds. */
function scorer(uplift: Record<string, number>, eligible: string[]) {
  return async (rows: Float32Array): Promise<ScoreResult> => {
    const n = rows.length / FEATURE_COUNT;
    const u = Float32Array.from({ length: n }, (_, i) => uplift[eligible[i]!]!);
    return {
      pTreated: u.map((x) => 0.1 + x),
      pControl: new Float32Array(n).fill(0.1),
      uplift: u,
      source: 'model',
      modelVersion: 'm1',
    };
  };
}

let store: StateStore;
let seed = 0xffffffff; // far from the holdout
function decider(
  overrides: Partial<typeof DEFAULT_DECISION_OPTIONS> = {},
  consent: 'granted' | 'denied' = 'granted',
) {
  let id = 0;
  return new Decider(
    {
      catalog: async () => catalog,
      profile: async () =>
        toSnapshot(emptyAggregates(), NOW, DEFAULT_PROFILE_OPTIONS, 'indexeddb', consent),
      consent: () => consent,
      score: scorer({ w10: 0.05, w20: 0.04, m5: 0.03, member: 0.1 }, [
        'w10',
        'w20',
        'm5',
        'member',
      ]),
      state: {
        reserve: (p, c, r, f) => store.reserve(p, c, r, f),
        allClaims: () => store.allClaims(),
        lastDecision: (p) => store.lastDecision(p),
        shopperSeed: async () => seed,
      },
      now: () => NOW,
      newId: () => `decision-${++id}`,
    },
    { ...DEFAULT_DECISION_OPTIONS, ...overrides },
  );
}

beforeEach(() => {
  freshIndexedDB();
  store = new StateStore({ now: () => NOW });
  seed = 0xffffffff;
});
afterEach(() => store.close());

describe('Decider', () => {
  it('ranks by expected incremental value, one offer per category, with propensities and explanations', async () => {
    const decision = await decider().decide({ placement: 'home' });
    expect(decision).toMatchObject({
      decisionId: 'decision-1',
      placement: 'home',
      modelVersion: 'm1',
      source: 'model',
      at: NOW,
    });
    expect(decision.offers.map((o) => o.offerId)).toEqual(['w10', 'm5']); // w20 shares w10's category
    // Slot 1: softmax over [0.05, 0.04, 0.03] / 0.01 mixed with a 10% floor: 0.6321, 0.2536,
    // 0.1144; on whole points (floor 3.33 → at least 4) 63, 25, 11 and the point left to the
    // largest remainder (0.44): 63, 25, 12.
    expect(decision.offers[0]!.propensity).toBe(0.63);
    // Slot 2: only m5 is left once womens is taken.
    expect(decision.offers[1]!.propensity).toBe(1);
    expect(decision.offers[0]!.score).toBeCloseTo(0.05, 6);
    expect(decision.offers[1]!.explanation).toBe('An offer available to you now');
    expect(decision.holdout).toBeUndefined();
    expect(await store.lastDecision('home')).toEqual(decision);
  });

  it('keeps what each decision weighed for inspection: every candidate, its scores, shown ones with propensity', async () => {
    const d = decider();
    const decision = await d.decide({ placement: 'home' });
    const inspection = d.inspect(decision.decisionId)!;
    expect(inspection).toMatchObject({
      decisionId: 'decision-1',
      placement: 'home',
      source: 'model',
      modelVersion: 'm1',
      personalized: true,
      holdout: false,
    });
    // The expired offer is not a candidate; w20 lost to w10 (same category).
    expect(inspection.candidates.map((c) => [c.offerId, c.shown])).toEqual([
      ['w10', true],
      ['w20', false],
      ['m5', true],
    ]);
    const w20 = inspection.candidates[1]!;
    expect(w20.uplift).toBeCloseTo(0.04, 6);
    expect(w20.pTreated).toBeCloseTo(0.14, 6);
    expect(w20.pControl).toBeCloseTo(0.1, 6);
    expect(w20.score).toBeCloseTo(0.04, 6);
    expect(w20.propensity).toBeUndefined();
    expect(inspection.candidates[0]!.propensity).toBe(decision.offers[0]!.propensity);
    expect(inspection.candidates[0]!.explanation).toBe(decision.offers[0]!.explanation);
    // A copy: changing it changes nothing kept.
    inspection.candidates.length = 0;
    expect(d.inspect(decision.decisionId)!.candidates).toHaveLength(3);
    expect(d.inspect('unknown')).toBeUndefined();
    // Without consent: the catalog order, no model outputs.
    const plain = decider({}, 'denied');
    const generic = await plain.decide({ placement: 'home' });
    expect(plain.inspect(generic.decisionId)).toMatchObject({
      personalized: false,
      candidates: [
        { offerId: 'w10', score: 0, shown: true, propensity: 1 },
        { offerId: 'w20', score: 0, shown: false },
        { offerId: 'm5', score: 0, shown: true, propensity: 1 },
      ],
    });
  });

  it('replays the same choice for the same decision id', async () => {
    const a = await decider().decide({ placement: 'home' });
    freshIndexedDB();
    store = new StateStore({ now: () => NOW });
    const b = await decider().decide({ placement: 'home' });
    expect(b.offers).toEqual(a.offers);
  });

  it('stops showing an offer at its cap, across decisions', async () => {
    const capped = decider({ caps: { offer: { session: 1 }, placement: {}, overall: {} } });
    const first = await capped.decide({ placement: 'home', limit: 1 });
    const second = await capped.decide({ placement: 'home', limit: 1 });
    expect(second.offers.map((o) => o.offerId)).not.toContain(first.offers[0]!.offerId);
  });

  it('without consent, shows the catalog order to everyone, with propensity 1 and nothing personal', async () => {
    const decision = await decider({}, 'denied').decide({ placement: 'home' });
    expect(decision.offers.map((o) => [o.offerId, o.propensity, o.explanation])).toEqual([
      ['w10', 1, 'An offer available to you now'],
      ['m5', 1, 'An offer available to you now'],
    ]);
    expect(decision.holdout).toBe(false);
    expect(decision.modelVersion).toBe('none');
  });

  it('puts a sticky share of shoppers in the holdout', async () => {
    expect(inHoldout(0, 0.05)).toBe(true);
    expect(inHoldout(Math.ceil(0.05 * 4294967296), 0.05)).toBe(false);
    seed = 1000;
    const decision = await decider().decide({ placement: 'home' });
    expect(decision.holdout).toBe(true);
    expect(decision.offers.every((o) => o.propensity === 1)).toBe(true);
  });

  it('reuses the last decision for a first paint while its offers stay eligible', async () => {
    const d = decider();
    const decision = await d.decide({ placement: 'home' });
    // Shown again under a fresh id: the stored one named a decision of an earlier page.
    expect(await d.cached('home')).toEqual({
      ...decision,
      decisionId: 'decision-2',
      source: 'cache',
    });
    expect((await d.cached('home'))?.decisionId).toBe('decision-3');
    expect(await d.cached('product')).toBeUndefined();
  });

  it('reads the claims for a cached decision alongside the last decision, not after it', async () => {
    const d = decider();
    const decision = await d.decide({ placement: 'home' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const real = store.lastDecision.bind(store);
    const last = vi.spyOn(store, 'lastDecision').mockImplementation(async (p) => {
      await held;
      return real(p);
    });
    const claims = vi.spyOn(store, 'allClaims');
    const cached = d.cached('home');
    // Both reads are under way before either has answered: a first paint waits for one read.
    expect(last).toHaveBeenCalledTimes(1);
    expect(claims).toHaveBeenCalledTimes(1);
    release();
    expect((await cached)?.offers).toEqual(decision.offers);
  });

  it('checks cached member deals against the context they were decided for', async () => {
    const deal: Offer = {
      id: 'member',
      type: 'member_deal',
      title: 'Members',
      category: 'any',
      discount: { amount: 5 },
      member_only: true,
      placements: [],
    };
    catalog.offers.push(deal);
    try {
      const d = decider({
        caps: { offer: {}, placement: {}, overall: {} },
        policy: { ...DEFAULT_DECISION_OPTIONS.policy, exploration: 0 },
      });
      const decision = await d.decide({ placement: 'home', limit: 2, context: { member: true } });
      expect(decision.offers.map((o) => o.offerId)).toContain('member');
      expect(await d.cached('home')).toBeUndefined(); // not a member now
      expect((await d.cached('home', { member: true }))?.source).toBe('cache');
    } finally {
      catalog.offers.pop();
    }
  });

  it('reads claims while the model scores, and drops the offers claimed out before choosing', async () => {
    const limited: Catalog = {
      ...catalog,
      offers: offers.map((o) => (o.id === 'w10' || o.id === 'm5' ? { ...o, max_claims: 1 } : o)),
    };
    await store.addClaim('w10');
    const events: string[] = [];
    let release!: () => void;
    const scored = new Promise<void>((resolve) => (release = resolve));
    let rows = 0;
    const score = scorer({ w10: 0.05, w20: 0.04, m5: 0.03 }, ['w10', 'w20', 'm5']);
    const deps: ConstructorParameters<typeof Decider>[0] = {
      catalog: async () => limited,
      profile: async () =>
        toSnapshot(emptyAggregates(), NOW, DEFAULT_PROFILE_OPTIONS, 'indexeddb', 'granted'),
      consent: () => 'granted',
      score: async (r) => {
        events.push('score asked');
        rows = r.length / FEATURE_COUNT;
        await scored;
        events.push('scored');
        return score(r);
      },
      state: {
        reserve: (p, c, r, f) => store.reserve(p, c, r, f),
        allClaims: async () => {
          events.push('claims asked');
          const claims = await store.allClaims();
          events.push('claims read');
          release(); // the scores arrive only after the claims: both were under way at once
          return claims;
        },
        lastDecision: (p) => store.lastDecision(p),
        shopperSeed: async () => seed,
      },
      now: () => NOW,
      newId: () => 'decision-claims',
    };
    const d = new Decider(deps);
    const decision = await d.decide({ placement: 'home' });
    expect(events).toEqual(['claims asked', 'score asked', 'claims read', 'scored']);
    // Scored: every offer the other rules allow (w10, w20, m5); chosen from those not claimed
    // out: w10 has its one claim, so w20 and m5 remain, and m5 is alone in its slot.
    expect(rows).toBe(3);
    expect(decision.offers.map((o) => o.offerId).sort()).toEqual(['m5', 'w20']);
    // Slot 1: softmax over [0.04, 0.03] / 0.01 = 0.7311, 0.2689, mixed with the 10% floor
    // (0.9 p + 0.05): 0.708, 0.292, on whole points 71 and 29; slot 2 has one candidate left.
    const first = decision.offers[0]!;
    expect(first.propensity).toBe(first.offerId === 'w20' ? 0.71 : 0.29);
    expect(decision.offers[1]!.propensity).toBe(1);
    const inspection = d.inspect(decision.decisionId)!;
    expect(inspection.candidates.map((c) => [c.offerId, c.shown])).toEqual([
      ['w20', true],
      ['m5', true],
    ]);
    expect(inspection.candidates[0]!.uplift).toBeCloseTo(0.04, 6);
    expect(inspection.candidates[1]!.uplift).toBeCloseTo(0.03, 6);
    // A failed claims read fails the decision (decide() turns that into an empty one), and the
    // scoring under way meanwhile rejects nothing unhandled.
    const failing = new Decider({
      ...deps,
      state: {
        reserve: (p, c, r, f) => store.reserve(p, c, r, f),
        allClaims: async () => {
          throw new Error('claims unreadable');
        },
        lastDecision: (p) => store.lastDecision(p),
        shopperSeed: async () => seed,
      },
    });
    await expect(failing.decide({ placement: 'home' })).rejects.toThrow('claims unreadable');
  });

  it('names a malformed request', async () => {
    await expect(decider().decide(undefined as never)).rejects.toThrow(
      'decide(): got undefined, expected an object like { placement: "home" }',
    );
    await expect(decider().decide({ placement: '' })).rejects.toThrow(
      'decide().placement: got "", expected a placement name',
    );
    await expect(decider().decide({ placement: 'home', limit: 0 })).rejects.toBeInstanceOf(
      OfferwiseError,
    );
  });
});

describe('ow.decide()', () => {
  let ow: Offerwise | undefined;
  afterEach(async () => {
    await ow?.destroy();
    ow = undefined;
  });

  it('decides from a catalog object with the main-thread copy of the model when no worker can run (happy-dom)', async () => {
    const raw = {
      version: 1,
      server_time: new Date(NOW).toISOString(),
      currency: 'EUR',
      placements: { home: { limit: 2 } },
      offers: [
        {
          id: 'w10',
          type: 'coupon',
          title: '10% off',
          category: 'womens',
          discount: { percent: 10 },
          code: 'W',
        },
        {
          id: 'm5',
          type: 'coupon',
          title: '5 off',
          category: 'mens',
          discount: { amount: 5 },
          code: 'M',
        },
      ],
    };
    ow = await createOffers({
      consent: 'granted',
      catalog: raw,
      now: () => NOW,
      decisions: { holdoutShare: 0 },
    });
    await ow.track(view('a', 'womens'));
    const decision = await ow.decide({ placement: 'home' });
    expect(decision.source).toBe('model');
    expect(decision.modelVersion).toBe(DEFAULT_INLINE.version);
    expect(decision.offers).toHaveLength(2);
    expect(decision.offers.every((o) => o.propensity > 0 && o.propensity <= 1)).toBe(true);
    expect(ow.diagnostics().map((d) => d.code)).toContain('worker_unavailable');
    expect((await ow.cachedDecision('home'))?.source).toBe('cache');
    const exported = await ow.exportData();
    expect(JSON.stringify(exported.decisions)).toContain(decision.decisionId);
    await ow.forget();
    expect(await databaseNames()).toEqual([]);
  });

  it('answers an empty decision when there is no catalog', async () => {
    ow = await createOffers({ consent: 'granted' });
    const decision = await ow.decide({ placement: 'home' });
    expect(decision.offers).toEqual([]);
  });
});

describe('Decider with shopper groups and learned effects', () => {
  const SEGMENTS_SHA = 'a'.repeat(64);
  // Categories womens and mens: 9 + 3·2 = 15 dimensions, standardization the identity. A shopper
  // with no history has the vector [13, 0, …, 0] (recency capped at 13 months, nothing else): at
  // distance 0 from group 0, and 1 from group 1, which differs only in the womens interest share.
  const d = 15;
  const zero = Array<number>(d).fill(0);
  const segments = {
    ...validateSegments({
      format: 'offerwise-segments',
      version: 1,
      vector: { version: 2, categories: ['womens', 'mens'] },
      standardization: { mean: zero, scale: Array<number>(d).fill(1) },
      centroids: [
        [13, ...zero.slice(1)],
        [13, 0, 0, 0, 0, 1, ...zero.slice(6)],
      ],
      spread: [0.5, 0.5],
      labels: ['browsers, no purchase yet', "women's browsers"],
    }),
    sha256: SEGMENTS_SHA,
  };
  const effectsFile = (over: Record<string, unknown> = {}) => ({
    ...validateEffects({
      format: 'offerwise-effects',
      version: 1,
      reward: 'net',
      generated_at: '2026-11-27T00:00:00Z',
      valid_until: '2026-12-04T00:00:00Z',
      window: { from: '2026-11-20T00:00:00Z', to: '2026-11-27T00:00:00Z' },
      epsilon: 2,
      segments_sha256: SEGMENTS_SHA,
      k: 2,
      temperature: 0.5,
      model: null,
      offers: {
        w10: {
          mean: 1.5,
          se: 0.2,
          n: 400,
          groups: [
            { mean: 1, sd: 0.3, n: 300 },
            { mean: 3, sd: 0.5, n: 100 },
          ],
        },
        w20: { mean: 2, se: 0.3, n: 200 },
      },
      ...over,
    }),
    sha256: 'e'.repeat(64),
  });

  const reported: { code: string; message: string }[] = [];
  function learningDecider(learning: Pick<Catalog, 'segments' | 'effects'>, consent = 'granted') {
    let id = 0;
    const withFiles: Catalog = { ...catalog, ...learning };
    const memory = new StateStore({ now: () => NOW, memoryOnly: true });
    return new Decider(
      {
        catalog: async () => withFiles,
        profile: async () =>
          toSnapshot(emptyAggregates(), NOW, DEFAULT_PROFILE_OPTIONS, 'indexeddb', 'granted'),
        consent: () => consent as 'granted',
        score: scorer({ w10: 0.05, w20: 0.04, m5: 0.03 }, ['w10', 'w20', 'm5']),
        state: {
          reserve: (p, c, r, f) => memory.reserve(p, c, r, f),
          allClaims: () => memory.allClaims(),
          lastDecision: (p) => memory.lastDecision(p),
          shopperSeed: async () => seed,
        },
        now: () => NOW,
        newId: () => `decision-${++id}`,
        report: (code, message) => reported.push({ code, message }),
      },
      { ...DEFAULT_DECISION_OPTIONS, caps: { offer: {}, placement: {}, overall: {} } },
    );
  }
  beforeEach(() => {
    reported.length = 0;
  });

  // Soft weights: exponents 0 and 1/(2·0.5) = 1, so 1/(1 + e^−1) = 0.731059 and 0.268941.
  const w0 = 1 / (1 + Math.exp(-1));

  it('scores with the effects blended over the shopper’s groups, at the file’s temperature', async () => {
    const d = learningDecider({ segments, effects: effectsFile() });
    const decision = await d.decide({ placement: 'home', limit: 1 });
    const inspection = d.inspect(decision.decisionId)!;
    expect(inspection.group).toEqual({
      id: 0,
      label: 'browsers, no purchase yet',
      weights: [w0, 1 - w0],
      segments: SEGMENTS_SHA,
    });
    expect(inspection.effects).toEqual({
      sha256: 'e'.repeat(64),
      reward: 'net',
      generated_at: Date.UTC(2026, 10, 27),
      valid_until: Date.UTC(2026, 11, 4),
      temperature: 0.5,
      byGroup: true,
      placement: 'blend',
    });
    // w10: 0.731059 · 1 + 0.268941 · 3 = 1.537883; w20: no group values, its pooled 2; m5: not in
    // the file, the mean of the known pooled values (1.5 + 2) / 2 = 1.75.
    const [w10, w20, m5] = inspection.candidates;
    expect(w10!.score).toBeCloseTo(1.537883, 6);
    expect(w10!.effect).toEqual({ effect: w10!.score, source: 'group' });
    expect(w10!.modelScore).toBeCloseTo(0.05, 6);
    expect([w20!.score, w20!.effect?.source]).toEqual([2, 'offer']);
    expect([m5!.score, m5!.effect?.source]).toEqual([1.75, 'none']);
    // Softmax of the scores / 0.5 (e^0, e^−0.5, e^−0.924234 for w20, m5, w10) with the 10% floor:
    // 48.26, 30.58, 21.16 points; on whole points 48, 30, 21 and the point left to m5 (.58).
    const expected: Record<string, number> = { w20: 0.48, m5: 0.31, w10: 0.21 };
    const shown = decision.offers[0]!;
    expect(shown.propensity).toBe(expected[shown.offerId]);
    expect(reported).toEqual([]);
  });

  it('with placement "nearest", scores wholly with the nearest learned group', async () => {
    // The shopper is nearest group 0 (d² 0 against 1): w10 scores group 0's 1, not the blend
    // 1.537883; m5, unknown, group 0's level 0.5. inspect() keeps the placed weights.
    const d = learningDecider({
      segments,
      effects: effectsFile({ placement: 'nearest', group_levels: [0.5, 4] }),
    });
    const decision = await d.decide({ placement: 'home', limit: 1 });
    const inspection = d.inspect(decision.decisionId)!;
    expect(inspection.group?.weights).toEqual([w0, 1 - w0]);
    expect(inspection.effects?.placement).toBe('nearest');
    const [w10, w20, m5] = inspection.candidates;
    expect([w10!.score, w10!.effect?.source]).toEqual([1, 'group']);
    expect([w20!.score, w20!.effect?.source]).toEqual([2, 'offer']);
    expect([m5!.score, m5!.effect?.source]).toEqual([0.5, 'new']);
    // Group 0 unlearned (a count of 0 in every offer): the nearest learned group, 1, instead.
    const file = effectsFile({ placement: 'nearest' });
    const known = file.offers.w10!;
    const unlearned = {
      ...file,
      offers: {
        ...file.offers,
        w10: { ...known, groups: known.groups!.map((g, i) => (i === 0 ? { ...g, n: 0 } : g)) },
      },
    };
    const other = learningDecider({ segments, effects: unlearned });
    const next = await other.decide({ placement: 'home', limit: 1 });
    expect(other.inspect(next.decisionId)!.candidates[0]!.score).toBe(3);
    expect(reported).toEqual([]);
  });

  it("scores an offer the file does not know at its groups' levels when the file has them", async () => {
    // m5 is not in the file; group_levels (0.5, 4): 0.731059 · 0.5 + 0.268941 · 4 = 1.441295
    // (no model part: model null; no profile part: no slopes). The known offers are unchanged.
    const d = learningDecider({ segments, effects: effectsFile({ group_levels: [0.5, 4] }) });
    const decision = await d.decide({ placement: 'home', limit: 1 });
    const [w10, w20, m5] = d.inspect(decision.decisionId)!.candidates;
    expect(m5!.offerId).toBe('m5');
    expect(m5!.score).toBeCloseTo(w0 * 0.5 + (1 - w0) * 4, 12);
    expect(m5!.score).toBeCloseTo(1.441295, 6);
    expect(m5!.effect).toEqual({ effect: m5!.score, source: 'new' });
    expect(w10!.score).toBeCloseTo(1.537883, 6);
    expect([w20!.score, w20!.effect?.source]).toEqual([2, 'offer']);
    expect(reported).toEqual([]);
  });

  it('gives a group the logs did not show no weight: its share goes to the learned groups', async () => {
    // Group 1 has no count (the learner left it out, at the prior's level 3): the shopper's
    // 0.268941 on it goes to group 0, so w10 scores group 0's 1, not 0.731059 · 1 + 0.268941 · 3.
    const file = effectsFile();
    const [g0, g1] = file.offers.w10!.groups!;
    const w10 = { ...file.offers.w10!, groups: [g0!, { ...g1!, n: 0 }] };
    const effects = { ...file, offers: { ...file.offers, w10 } };
    const d = learningDecider({ segments, effects });
    const decision = await d.decide({ placement: 'home', limit: 1 });
    const inspection = d.inspect(decision.decisionId)!;
    // Where the shopper is stays as placed; only the blend of the effects changes.
    expect(inspection.group?.weights).toEqual([w0, 1 - w0]);
    expect(inspection.candidates[0]).toMatchObject({
      offerId: 'w10',
      score: 1,
      effect: { effect: 1, source: 'group' },
    });
  });

  it('keeps exact propensities with effects on: frequencies over 4,000 decisions match the logged ones', async () => {
    const d = learningDecider({ segments, effects: effectsFile() });
    const counts: Record<string, number> = { w20: 0, m5: 0, w10: 0 };
    const logged: Record<string, Set<number>> = { w20: new Set(), m5: new Set(), w10: new Set() };
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const {
        offers: [first],
      } = await d.decide({ placement: 'home', limit: 1 });
      counts[first!.offerId]!++;
      logged[first!.offerId]!.add(first!.propensity);
    }
    // Every decision logs the probability it drew with; each offer's share of the 4,000 is that
    // probability within 4 standard errors (at most 0.0079 here), seeded by the decision ids.
    for (const [id, p] of Object.entries({ w20: 0.48, m5: 0.31, w10: 0.21 })) {
      expect([...logged[id]!]).toEqual([p]);
      expect(Math.abs(counts[id]! / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('uses the offers’ pooled values with effects of other segments, and the model alone once stale', async () => {
    const other = learningDecider({
      segments: { ...segments, sha256: 'b'.repeat(64) },
      effects: effectsFile(),
    });
    const pooled = await other.decide({ placement: 'home', limit: 1 });
    const weighed = other.inspect(pooled.decisionId)!;
    expect(weighed.effects?.byGroup).toBe(false);
    expect(weighed.candidates.map((c) => [c.offerId, c.score, c.effect?.source])).toEqual([
      ['w10', 1.5, 'offer'],
      ['w20', 2, 'offer'],
      ['m5', 1.75, 'none'],
    ]);
    await other.decide({ placement: 'home', limit: 1 });
    expect(reported.map((r) => r.code)).toEqual(['effects_mismatch']); // once per file
    expect(reported[0]!.message).toBe(
      `effects eeeeeeeeeeee (generated 2026-11-27T00:00:00.000Z) was learned on segments aaaaaaaaaaaa…, the catalog names bbbbbbbbbbbb: its pooled values are used`,
    );

    reported.length = 0;
    const stale = learningDecider({
      segments,
      effects: effectsFile({ valid_until: '2026-11-28T11:59:59Z' }), // NOW is 12:00
    });
    const plain = await stale.decide({ placement: 'home' });
    const inspection = stale.inspect(plain.decisionId)!;
    expect(inspection.effects).toBeUndefined();
    expect(inspection.group?.id).toBe(0); // still placed (and shown), not scored with
    expect(inspection.candidates.map((c) => [c.offerId, c.effect, c.modelScore])).toEqual([
      ['w10', undefined, undefined],
      ['w20', undefined, undefined],
      ['m5', undefined, undefined],
    ]);
    // Today's behaviour: the first slot as in the first test of this file (temperature 0.01).
    expect(plain.offers[0]!.propensity).toBe(0.63);
    expect(reported.map((r) => r.code)).toEqual(['effects_stale']);
  });

  it('without segments, effects apply pooled; without consent or in the holdout, nothing is placed', async () => {
    const pooledOnly = learningDecider({ effects: effectsFile() });
    const decision = await pooledOnly.decide({ placement: 'home', limit: 1 });
    const inspection = pooledOnly.inspect(decision.decisionId)!;
    expect(inspection.group).toBeUndefined();
    expect(inspection.effects?.byGroup).toBe(false);
    expect(reported).toEqual([]); // no segments: nothing to mismatch

    const denied = learningDecider({ segments, effects: effectsFile() }, 'denied');
    const generic = await denied.decide({ placement: 'home' });
    expect(denied.inspect(generic.decisionId)).toMatchObject({ personalized: false });
    expect(denied.inspect(generic.decisionId)!.group).toBeUndefined();
    seed = 1000; // in the 5% holdout
    const held = learningDecider({ segments, effects: effectsFile() });
    const out = await held.decide({ placement: 'home' });
    expect(held.inspect(out.decisionId)!.holdout).toBe(true);
    expect(held.inspect(out.decisionId)!.group).toBeUndefined();
  });
});
