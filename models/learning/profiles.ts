/**
 * The profiles shopper groups are fitted on: those the browsing world's traffic produces (through
 * the SDK's profile code), and Hillstrom rows mapped as the offer model's training maps them
 * (`models/uplift/dataset.ts`).
 */
import { seededRandom } from '../../src/decide/random.js';
import type { VectorProfile } from '../../src/features/profile-vector.js';
import {
  browseWithoutOffers,
  newShopper,
  snapshotOf,
  type BrowsingWorld,
} from '../campaign/browsing.js';
import type { HillstromRow } from '../lib/hillstrom.js';
import { profileOf } from '../uplift/dataset.js';

const DAY_MS = 86_400_000;

/**
 * `count` shoppers of the world after `days` of traffic without offers ending at `end`, each
 * seen at its last visit (shoppers who did not visit are left out: the device only decides when
 * they come). Deterministic for a seed.
 */
export function browsingProfiles(
  world: BrowsingWorld,
  count: number,
  seed: number,
  end: number,
  days = 28,
): VectorProfile[] {
  const random = seededRandom(seed);
  const from = end - days * DAY_MS;
  const out: VectorProfile[] = [];
  for (let i = 0; i < count; i++) {
    const shopper = newShopper(world, i, from, random);
    const last = browseWithoutOffers(world, shopper, from, days, random);
    if (last > from) out.push(snapshotOf(shopper, last));
  }
  return out;
}

/**
 * A Hillstrom row as a profile: `profileOf` of the offer model's training, which knows the
 * purchases only, with no browsing, price or cart; the shopper is known since the first purchase.
 */
export function hillstromProfile(row: HillstromRow): VectorProfile {
  const p = profileOf(row);
  return {
    ...p,
    firstSeenAt: p.firstPurchaseAt,
    price: { average: null, min: null, max: null, band: null },
  };
}
