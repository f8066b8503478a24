// logCandidates: the first impression of a personalized decision's first offer carries the offers
// the policy chose from with the model's outputs (what `npm run ope` needs from a collector's
// logs); never without the option, never twice, never without consent.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshIndexedDB, view } from '../../test/unit/fake-idb.js';
import type { OfferwiseConfig } from '../config.js';
import { createOffers, type Offerwise } from '../offerwise.js';
import { MAX_LOGGED_CANDIDATES, toWireEvent } from './outbox.js';

const T0 = Date.UTC(2026, 10, 28, 12);
const open: Offerwise[] = [];
let posted: { events: Record<string, unknown>[] }[] = [];

function catalog(offers: number) {
  return {
    version: 1,
    server_time: new Date(T0).toISOString(),
    currency: 'EUR',
    placements: { home: { limit: 2 } },
    offers: Array.from({ length: offers }, (_, i) => ({
      id: `c${i}`,
      type: 'coupon',
      title: `Coupon ${i}`,
      category: ['shoes', 'bags', 'hats'][i % 3],
      discount: { percent: 5 + (i % 20) },
      code: `C${i}`,
      placements: ['home'],
    })),
  };
}

async function make(config: OfferwiseConfig = {}, offers = 4) {
  const ow = await createOffers({
    consent: 'granted',
    catalog: catalog(offers),
    endpoint: 'https://shop.example/api/feedback',
    now: () => T0,
    decisions: { holdoutShare: 0 } as OfferwiseConfig['decisions'],
    ...config,
  });
  open.push(ow);
  return ow;
}

beforeEach(() => {
  freshIndexedDB();
  posted = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      posted.push(JSON.parse(String(init.body)) as { events: Record<string, unknown>[] });
      return new Response(null, { status: 204 });
    }),
  );
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((ow) => ow.destroy()));
  vi.unstubAllGlobals();
});

const sent = () => posted.flatMap((b) => b.events);

describe('logCandidates', () => {
  it('the first impression of the first offer carries the allowed candidates and the model outputs, once', async () => {
    const ow = await make({ logCandidates: true });
    await ow.track(view('x', 'shoes'));
    const decision = await ow.decide({ placement: 'home' });
    expect(decision.offers).toHaveLength(2);
    const [first, second] = decision.offers.map((o) => o.offerId);
    const inspection = ow.inspect(decision.decisionId)!;
    await ow.report(decision.decisionId, second!, 'impression');
    await ow.report(decision.decisionId, first!, 'impression');
    await ow.report(decision.decisionId, first!, 'impression');
    await ow.report(decision.decisionId, first!, 'click');
    expect((await ow.flush()).reason).toBe('done');
    const events = sent();
    expect(events.map((e) => [e.type, e.offerId, 'candidates' in e])).toEqual([
      ['impression', second, false],
      ['impression', first, true],
      ['impression', first, false],
      ['click', first, false],
    ]);
    const logged = events[1]!.candidates as Record<string, number | string>[];
    // All four offers were allowed (no caps bind); the shown ones first, then by score.
    const shown = inspection.candidates.filter((c) => c.shown);
    const rest = inspection.candidates.filter((c) => !c.shown).sort((a, b) => b.score - a.score);
    const round6 = (x: number) => Number(x.toPrecision(6));
    const expected = [...shown.sort((a, b) => b.score - a.score), ...rest].map((c) => ({
      offerId: c.offerId,
      score: round6(c.score),
      pTreated: round6(c.pTreated!),
      pControl: round6(c.pControl!),
      uplift: round6(c.uplift!),
    }));
    expect(logged).toEqual(expected);
    expect(inspection.candidates.every((c) => c.allowed)).toBe(true);
    // Offer-level only: no profile field, no catalog text.
    expect(JSON.stringify(events[1])).not.toMatch(/shoes|Coupon|cart|profile/);
  });

  it('off by default; never under anonymous measurement; the first 50 with the shown ones kept', async () => {
    const plain = await make();
    const d1 = await plain.decide({ placement: 'home' });
    await plain.report(d1.decisionId, d1.offers[0]!.offerId, 'impression');
    await plain.flush();
    expect(sent().every((e) => !('candidates' in e))).toBe(true);

    posted = [];
    const anonymous = await make({
      logCandidates: true,
      consent: 'denied',
      measurement: 'anonymous',
      dbName: 'anon',
    });
    const d2 = await anonymous.decide({ placement: 'home' });
    await anonymous.report(d2.decisionId, d2.offers[0]!.offerId, 'impression');
    await anonymous.flush();
    // Without consent decisions are not personalized, and anonymous events carry no decision id.
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).not.toHaveProperty('candidates');
    expect(sent()[0]).not.toHaveProperty('decisionId');

    posted = [];
    const many = await make({ logCandidates: true, dbName: 'many' }, 60);
    const d3 = await many.decide({ placement: 'home' });
    await many.report(d3.decisionId, d3.offers[0]!.offerId, 'impression');
    await many.flush();
    const event = sent()[0]!;
    const ids = (event.candidates as { offerId: string }[]).map((c) => c.offerId);
    expect(ids).toHaveLength(MAX_LOGGED_CANDIDATES);
    expect(event.candidatesOmitted).toBe(10);
    for (const o of d3.offers) expect(ids).toContain(o.offerId);
  });

  it('the wire event refuses malformed candidates, naming the field', () => {
    const base = {
      type: 'impression',
      decisionId: 'd',
      offerId: 'o',
      placement: 'home',
      propensity: 0.5,
      modelVersion: 'm',
    };
    const good = { offerId: 'o', score: 0.1, pTreated: 0.2, pControl: 0.1, uplift: 0.1 };
    expect(toWireEvent({ ...base, candidates: [good] }, 'id', T0, 'full').candidates).toEqual([
      good,
    ]);
    expect(() => toWireEvent({ ...base, candidates: [] }, 'id', T0, 'full')).toThrow(
      /feedback\.candidates: got array\(0\), expected an array of 1 to 50 candidates/,
    );
    expect(() =>
      toWireEvent({ ...base, candidates: [{ ...good, uplift: Number.NaN }] }, 'id', T0, 'full'),
    ).toThrow(/feedback\.candidates\[0\]\.uplift: got NaN, expected a finite number/);
    expect(() =>
      toWireEvent({ ...base, type: 'click', candidates: [good] }, 'id', T0, 'full'),
    ).toThrow(/feedback\.candidates: got "click", expected only on an impression/);
    // Anonymous measurement strips them.
    expect(toWireEvent({ ...base, candidates: [good] }, 'id', T0, 'anonymous')).not.toHaveProperty(
      'candidates',
    );
  });

  it('the configuration refuses a non-boolean', async () => {
    await expect(createOffers({ logCandidates: 'yes' as unknown as boolean })).rejects.toThrow(
      /config\.logCandidates: got "yes", expected true or false/,
    );
  });
});
