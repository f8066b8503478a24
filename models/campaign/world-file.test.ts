import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { simulate } from './simulator.js';
import { HILLSTROM_RESPONSE } from './truth.js';
import { syntheticRows } from './world.js';
import {
  DEFAULT_BROWSING_WORLD,
  HILLSTROM_WORLD,
  LAUNCH_BROWSING_WORLD,
  readWorld,
  UNTUNED_BROWSING_WORLD,
  validateWorld,
} from './world-file.js';

const raw = () => JSON.parse(readFileSync(DEFAULT_BROWSING_WORLD, 'utf8'));

describe('world files', () => {
  it('hold today’s Hillstrom truth and the three browsing worlds', () => {
    const hillstrom = readWorld(HILLSTROM_WORLD);
    expect(hillstrom.kind).toBe('hillstrom');
    expect(hillstrom.kind === 'hillstrom' && hillstrom.response).toEqual(HILLSTROM_RESPONSE);
    for (const file of [DEFAULT_BROWSING_WORLD, UNTUNED_BROWSING_WORLD, LAUNCH_BROWSING_WORLD]) {
      const world = readWorld(file);
      expect(world.kind).toBe('browsing');
      if (world.kind === 'browsing') {
        expect(world.offers.length).toBe(12);
        expect(world.shoppers.archetypes.length).toBe(8);
      }
    }
    // The launch world is the default one but for three coupons' launch week.
    const launch = readWorld(LAUNCH_BROWSING_WORLD);
    const base = readWorld(DEFAULT_BROWSING_WORLD);
    if (launch.kind !== 'browsing' || base.kind !== 'browsing') throw new Error('not browsing');
    expect(launch.offers.filter((o) => o.launchWeek === 3).map((o) => o.id)).toEqual([
      'c-womens-25',
      'c-shoes-10',
      'c-any-15',
    ]);
    expect({
      ...launch,
      name: '',
      offers: launch.offers.map(({ launchWeek: _, ...o }) => o),
    }).toEqual({ ...base, name: '' });
  });

  it('refuse a misspelt or missing coefficient, naming it', () => {
    const typo = raw();
    typo.response.click.intrest = 0.5;
    expect(() => validateWorld(typo)).toThrow('world.response.click.intrest');
    const missing = raw();
    delete missing.response.order.focus;
    expect(() => validateWorld(missing)).toThrow('world.response.order.focus');
    const offer = raw();
    offer.offers[0].category = 'kids';
    expect(() => validateWorld(offer)).toThrow('world.offers[0].category');
    expect(() => readWorld('/nonexistent/world.json')).toThrow(
      '--world: got "/nonexistent/world.json", expected a file that exists',
    );
  });

  it('refuse an unknown key at every level, naming it, its path and the allowed keys', () => {
    const refused = (change: (world: ReturnType<typeof raw>) => void) => {
      const world = raw();
      change(world);
      return () => validateWorld(world);
    };
    expect(refused((w) => (w.notes = 'x'))).toThrow(
      'world.notes: got "x", expected no such field (one of format, version, kind, name, categories, offers, shoppers, response)',
    );
    expect(refused((w) => (w.shoppers.visits = 2))).toThrow(
      'world.shoppers.visits: got 2, expected no such field (one of visitsPerWeek, visitSpread, viewsPerVisit, prices, pastMonths, pastCoupon, archetypes)',
    );
    expect(refused((w) => (w.shoppers.prices.cheap = [1, 2]))).toThrow(
      'world.shoppers.prices.cheap: got array(2), expected no such field (one of sensitive, other)',
    );
    expect(refused((w) => (w.shoppers.archetypes[1].shares = 0.2))).toThrow(
      'world.shoppers.archetypes[1].shares: got 0.2, expected no such field (one of name, share, interest, concentration, buyer, sensitive, history)',
    );
    expect(refused((w) => (w.offers[2].perc = 10))).toThrow(
      'world.offers[2].perc: got 10, expected no such field (one of id, category, percent, launch_week)',
    );
    const hillstrom = JSON.parse(readFileSync(HILLSTROM_WORLD, 'utf8'));
    hillstrom.categories = ['womens', 'mens'];
    expect(() => validateWorld(hillstrom)).toThrow(
      'world.categories: got array(2), expected no such field (one of format, version, kind, name, offers, response)',
    );
  });

  it('take an offer launched in a later week (launch_week), and refuse a week that is not one', () => {
    const world = raw();
    world.offers[3].launch_week = 3;
    world.offers[4].launch_week = 1;
    const read = validateWorld(world);
    if (read.kind !== 'browsing') throw new Error('not a browsing world');
    expect(read.offers[3]).toEqual({ ...read.offers[3], launchWeek: 3 });
    // Week 1 is the default: not written.
    expect(read.offers[4]).not.toHaveProperty('launchWeek');
    for (const bad of [0, 2.5, 53, '3']) {
      world.offers[3].launch_week = bad;
      expect(() => validateWorld(world)).toThrow(
        `world.offers[3].launch_week: got ${JSON.stringify(bad)}, expected a whole number of weeks from 1 to 52 (absent: 1)`,
      );
    }
  });

  it('refuse basket and recency coefficients that would make a negative order, saying why', () => {
    const refused = (change: (world: ReturnType<typeof raw>) => void) => {
      const world = raw();
      change(world);
      return () => validateWorld(world);
    };
    expect(refused((w) => (w.response.basket.spread = 5))).toThrow(
      'world.response.basket.spread: got 5, expected a number from 0 to 1 (a basket is its mean × U[1 − spread, 1 + spread]; above 1 it can be negative)',
    );
    expect(refused((w) => (w.response.basket.base = -1e6))).toThrow(
      'world.response.basket.base: got -1000000, expected a number from 0 to 1000000 (the mean basket of a shopper who spent nothing; below 0 orders are negative)',
    );
    expect(refused((w) => (w.response.basket.history = -0.1))).toThrow(
      'world.response.basket.history: got -0.1, expected a number from 0 to 1 (the mean basket added per 1 of the year’s spend; below 0 big spenders’ orders are negative)',
    );
    expect(refused((w) => (w.response.click.recentDays = -30))).toThrow(
      'world.response.click.recentDays: got -30, expected a number from 0 to 3650 (the days within which a purchase of the category is recent)',
    );
    expect(refused((w) => delete w.response.basket.spread)).toThrow(
      'world.response.basket.spread: got undefined, expected a number from 0 to 1',
    );
    // The edges are allowed: a basket from 0 to twice its mean, recency on the day only.
    const edges = raw();
    Object.assign(edges.response.basket, { base: 0, history: 1, spread: 1 });
    edges.response.click.recentDays = 0;
    const world = validateWorld(edges);
    expect(world.kind === 'browsing' && world.response.basket).toEqual({
      base: 0,
      history: 1,
      spread: 1,
    });
    const hillstrom = JSON.parse(readFileSync(HILLSTROM_WORLD, 'utf8'));
    hillstrom.response.basket.base = -5;
    expect(() => validateWorld(hillstrom)).toThrow(
      'world.response.basket.base: got -5, expected a number from 0 to 1000000',
    );
  });

  it('drive the simulator’s truth: a world where nobody clicks gives no claims', async () => {
    const rows = syntheticRows(200, seededRandom(3));
    const base = { rows, shoppers: 60, days: 2, seed: 2, features: false };
    const today = await simulate(base);
    const response = structuredClone(HILLSTROM_RESPONSE);
    response.click.intercept = -40;
    const silent = await simulate({ ...base, response });
    expect(today.truth.policies.uniform!.value.claim).toBeGreaterThan(0.01);
    expect(silent.truth.policies.uniform!.value.claim).toBeLessThan(1e-12);
    expect(silent.batches.flatMap((b) => b.events).some((e) => e.type === 'claim')).toBe(false);
  });
});
