import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/decide/random.js';
import { simulate } from './simulator.js';
import { HILLSTROM_RESPONSE } from './truth.js';
import { syntheticRows } from './world.js';
import {
  DEFAULT_BROWSING_WORLD,
  HILLSTROM_WORLD,
  readWorld,
  UNTUNED_BROWSING_WORLD,
  validateWorld,
} from './world-file.js';

const raw = () => JSON.parse(readFileSync(DEFAULT_BROWSING_WORLD, 'utf8'));

describe('world files', () => {
  it('hold today’s Hillstrom truth and the two browsing worlds', () => {
    const hillstrom = readWorld(HILLSTROM_WORLD);
    expect(hillstrom.kind).toBe('hillstrom');
    expect(hillstrom.kind === 'hillstrom' && hillstrom.response).toEqual(HILLSTROM_RESPONSE);
    for (const file of [DEFAULT_BROWSING_WORLD, UNTUNED_BROWSING_WORLD]) {
      const world = readWorld(file);
      expect(world.kind).toBe('browsing');
      if (world.kind === 'browsing') {
        expect(world.offers.length).toBe(12);
        expect(world.shoppers.archetypes.length).toBe(8);
      }
    }
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
    expect(() => readWorld('/nonexistent/world.json')).toThrow('--world /nonexistent/world.json');
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
