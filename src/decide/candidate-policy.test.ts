import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshIndexedDB } from '../../test/support/fake-idb.js';
import { FEATURE_COUNT } from '../features/spec.js';
import { emptyAggregates } from '../profile/aggregates.js';
import { DEFAULT_PROFILE_OPTIONS } from '../profile/options.js';
import { toSnapshot } from '../profile/snapshot.js';
import {
  MAX_POLICIES,
  POLICY_DECIMALS,
  POLICY_NAME,
  PROPENSITY_DECIMALS,
} from '../feedback/wire.js';
import {
  firstSlotProbabilities,
  MAX_CANDIDATE_POLICIES,
  POLICY_ID,
  REPORTED_POLICY_GRID,
  parseCatalogPolicies,
  parsePolicySpec,
  reportedPolicies,
  type WeighedCandidate,
} from './candidate-policy.js';
import { validateCatalog } from '../catalog/validate.js';
import { Decider, DEFAULT_DECISION_OPTIONS } from './decider.js';
import { MAX_PROPENSITY_GRID } from './policy.js';
import { seededRandom } from './random.js';
import { StateStore } from './state-store.js';
import type { Offer } from './types.js';

const NOW = Date.UTC(2026, 10, 28, 12);

function coupon(id: string, category: string, discount: Offer['discount']): Offer {
  return {
    id,
    type: 'coupon',
    title: id,
    category,
    discount,
    code: id,
    member_only: false,
    placements: [],
  };
}

const weighed: WeighedCandidate[] = [
  {
    offer: coupon('A', 'womens', { percent: 10 }),
    prediction: { pTreated: 0.14, pControl: 0.1, uplift: 0.04 },
  },
  {
    offer: coupon('B', 'mens', { percent: 25 }),
    prediction: { pTreated: 0.12, pControl: 0.1, uplift: 0.02 },
  },
  {
    offer: coupon('C', 'any', { amount: 5 }),
    prediction: { pTreated: 0.11, pControl: 0.1, uplift: 0.01 },
  },
];
const emptyCart = { cart: { lines: [], itemCount: 0, value: 0, currency: null } };

describe('firstSlotProbabilities', () => {
  it('is the SDK policy with the candidate settings, on its grid', () => {
    // Uplift 0.04, 0.02, 0.01 at temperature 0.01, no exploration: softmax of 0, −2, −3 =
    // 0.8438, 0.1142, 0.0420 → whole points 84, 11, 4 and the one left to B (remainder 0.42).
    const greedy = parsePolicySpec({ decisions: { exploration: 0 } });
    expect(firstSlotProbabilities(greedy, weighed, emptyCart)).toEqual([0.84, 0.12, 0.04]);
    // The same gaps in p_treated: the same odds.
    const conversion = parsePolicySpec({ decisions: { objective: 'conversion', exploration: 0 } });
    expect(firstSlotProbabilities(conversion, weighed, emptyCart)).toEqual([0.84, 0.12, 0.04]);
    // Revenue (value 20, basket 50): A 0.8 − 0.5 = 0.3, B 0.4 − 1.25, C 0.2 − 0.5; A takes all
    // but the 10% floor (3.33 points each, rounded up to 4): 93 → 92, 4, 4.
    const revenue = parsePolicySpec({ decisions: { objective: 'revenue', exploration: 0.1 } });
    expect(firstSlotProbabilities(revenue, weighed, emptyCart)).toEqual([0.92, 0.04, 0.04]);
  });

  it('follows the rule, the removed offers and the offers the caps left', () => {
    const rule = parsePolicySpec({ rule: 'biggest_discount' });
    expect(firstSlotProbabilities(rule, weighed, emptyCart)).toEqual([0, 1, 0]);
    // Without A: softmax of 0, −1 → 0.7311, 0.2689 → 73, 27.
    const withoutA = parsePolicySpec({ decisions: { exploration: 0 }, remove: ['A'] });
    expect(firstSlotProbabilities(withoutA, weighed, emptyCart)).toEqual([0, 0.73, 0.27]);
    // The caps left A and C: softmax of 0, −3 → 0.9526, 0.0474 → 95, 5.
    const greedy = parsePolicySpec({ decisions: { exploration: 0 } });
    expect(firstSlotProbabilities(greedy, weighed, emptyCart, [true, false, true])).toEqual([
      0.95, 0, 0.05,
    ]);
    expect(firstSlotProbabilities(greedy, weighed, emptyCart, [false, false, false])).toEqual([
      0, 0, 0,
    ]);
  });
});

describe('parsePolicySpec', () => {
  it('takes the SDK settings that move the first slot, and names anything else', () => {
    expect(parsePolicySpec({ id: 'x', decisions: { temperature: 0.05 } })).toMatchObject({
      kind: 'sdk',
      options: {
        value: { objective: 'uplift', outcomeValue: 20, averageOrderValue: 50 },
        policy: { temperature: 0.05, exploration: 0.1 },
      },
      remove: [],
    });
    expect(() => parsePolicySpec({ decisions: { caps: {} } })).toThrow(
      'decisions.caps: got object, expected one of objective, outcomeValue, averageOrderValue, exploration, temperature',
    );
    expect(() => parsePolicySpec({ decisions: { exploration: 2 } })).toThrow(
      'decisions.exploration: got 2, expected a number from 0 to 1',
    );
    expect(() => parsePolicySpec({ rule: 'cheapest' })).toThrow(
      'rule: got "cheapest", expected "biggest_discount"',
    );
    expect(() => parsePolicySpec({ decison: {} })).toThrow(/decison: got object, expected one of/);
    expect(() => parsePolicySpec({ remove: 'A' })).toThrow(
      'remove: got "A", expected an array of offer ids',
    );
  });
});

describe('catalog policies', () => {
  const envelope = {
    version: 1,
    server_time: new Date(NOW).toISOString(),
    currency: 'EUR',
    offers: [],
  };

  it('keeps up to four valid policies and skips each bad one alone, naming it', () => {
    const { catalog, problems } = validateCatalog(
      {
        ...envelope,
        policies: [
          { id: 'greedy', decisions: { exploration: 0 } },
          { id: 'Big', rule: 'biggest_discount' },
          { id: 'greedy', decisions: {} },
          { id: 'warm', decisions: { temperature: -1 } },
          { id: 'big-discount', rule: 'biggest_discount' },
          { id: 'five', decisions: {} },
          { id: 'six', decisions: {} },
          { id: 'seven', decisions: {} },
        ],
      },
      NOW,
    );
    expect(catalog.policies?.map((p) => p.id)).toEqual(['greedy', 'big-discount', 'five', 'six']);
    expect(problems.map((p) => p.message)).toEqual([
      'policies[1].id: got "Big", expected a policy id of 1 to 32 of a-z, 0-9, _ and - (starting a-z or 0-9)',
      'policies[2].id: got "greedy", expected an id no other policy has',
      'policies[3].decisions.temperature: got -1, expected a number from 0.000001 to 1000000',
      'policies[7]: got object, expected at most 4 policies (the first valid ones are kept)',
    ]);
    expect(validateCatalog(envelope, NOW).catalog).not.toHaveProperty('policies');
    expect(validateCatalog({ ...envelope, policies: 'greedy' }, NOW).problems[0]!.message).toBe(
      'policies: got "greedy", expected an array of at most 4 candidate policies',
    );
  });

  it('parses the same way for the offline tools', () => {
    const skipped: string[] = [];
    const out = parseCatalogPolicies([{ id: 'a', remove: ['x'] }], (f) => skipped.push(f));
    expect(out[0]).toMatchObject({ id: 'a', spec: { kind: 'sdk', remove: ['x'] } });
    expect(skipped).toEqual([]);
  });
});

describe('the wire agrees', () => {
  it('on the policy ids, how many, and the precision of what is reported', () => {
    expect(POLICY_ID.source).toBe(POLICY_NAME.source);
    expect(MAX_CANDIDATE_POLICIES).toBe(MAX_POLICIES);
    expect(REPORTED_POLICY_GRID).toBe(10 ** POLICY_DECIMALS);
    // The finest propensity grid fits the wire's decimals.
    expect(MAX_PROPENSITY_GRID).toBe(10 ** PROPENSITY_DECIMALS);
  });
});

describe('reportedPolicies', () => {
  it('keeps values on the grid and rounds the rest at random without bias', () => {
    const random = seededRandom(7);
    expect(reportedPolicies({ a: 0.84, b: 0, c: 1 }, random)).toEqual({ a: 0.84, b: 0, c: 1 });
    const n = 100_000;
    let sum = 0;
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const v = reportedPolicies({ x: 0.123 }, random).x!;
      seen.add(v);
      sum += v;
    }
    expect([...seen].sort()).toEqual([0.12, 0.13]);
    // Up with probability 0.3: mean 0.123 (standard error 1.4e-5).
    expect(Math.abs(sum / n - 0.123)).toBeLessThan(1e-4);
  });
});

describe('the decider evaluates the catalog policies', () => {
  let store: StateStore;
  beforeEach(() => {
    freshIndexedDB();
    store = new StateStore({ now: () => NOW });
  });
  afterEach(() => store.close());

  it('gives each policy the exact probability of the first shown offer', async () => {
    const offers = [
      coupon('w10', 'womens', { percent: 10 }),
      coupon('w20', 'womens', { percent: 20 }),
      coupon('m5', 'mens', { amount: 5 }),
    ];
    const { catalog } = validateCatalog(
      {
        version: 1,
        server_time: new Date(NOW).toISOString(),
        currency: 'EUR',
        placements: { home: { limit: 2 } },
        offers: offers.map((o) => ({ ...o, member_only: undefined, placements: undefined })),
        policies: [
          { id: 'greedy', decisions: { exploration: 0 } },
          { id: 'big', rule: 'biggest_discount' },
          { id: 'no-w20', decisions: { temperature: 0.05 }, remove: ['w20'] },
        ],
      },
      NOW,
    );
    const uplift = [0.05, 0.04, 0.03];
    const decider = new Decider(
      {
        catalog: async () => catalog,
        profile: async () =>
          toSnapshot(emptyAggregates(), NOW, DEFAULT_PROFILE_OPTIONS, 'indexeddb', 'granted'),
        consent: () => 'granted',
        score: async (rows) => {
          const n = rows.length / FEATURE_COUNT;
          const u = Float32Array.from({ length: n }, (_, i) => uplift[i]!);
          return {
            pTreated: u.map((x) => 0.1 + x),
            pControl: new Float32Array(n).fill(0.1),
            uplift: u,
            source: 'model',
            modelVersion: 'm1',
          };
        },
        state: {
          reserve: (p, c, r, f) => store.reserve(p, c, r, f),
          allClaims: () => store.allClaims(),
          lastDecision: (p) => store.lastDecision(p),
          shopperSeed: async () => 0xffffffff,
        },
        now: () => NOW,
        newId: () => 'decision-1',
      },
      { ...DEFAULT_DECISION_OPTIONS },
    );
    const decision = await decider.decide({ placement: 'home' });
    expect(decision.offers[0]!.offerId).toBe('w10');
    // greedy: softmax of 0, −1, −2 = 0.6652, 0.2447, 0.0900 → 66, 24, 9 + 1 to w10 → 0.67.
    // big: w20 has the biggest percent → 0 for w10.
    // no-w20 at temperature 0.05: w10 vs m5, softmax of 0, −0.4 = 0.5987, 0.4013, with the 10%
    // floor 0.5888, 0.4112 → 58, 41 + 1 to w10 → 0.59.
    expect(decider.inspect('decision-1')!.policies).toEqual({
      greedy: 0.67,
      big: 0,
      'no-w20': 0.59,
    });
    decider.forgetInspections();
    expect(decider.inspect('decision-1')).toBeUndefined();
  });
});
