import { describe, expect, it } from 'vitest';
import { parseHillstrom } from '../lib/hillstrom.js';
import { seededRandom } from '../../src/decide/random.js';
import { replay } from './replay.js';

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
  it('ranks by uplift better than by likelihood to buy, discount order or chance', async () => {
    const result = await replay(parseHillstrom(synthetic()), {
      folds: 3,
      seed: 1,
      share: 0.25,
      family: 'two-head-mlp',
    });
    const by = Object.fromEntries(result.map((r) => [r.policy, r]));
    // Targeting the quarter the model ranks first should capture most of the +100.
    expect(by.uplift!.targeted).toBeGreaterThan(70);
    expect(by.uplift!.targeted).toBeGreaterThan(by.random!.targeted + 30);
    expect(by.uplift!.targeted).toBeGreaterThan(by.biggest_discount!.targeted + 30);
    // "Always the men's e-mail" gains nothing in expectation.
    expect(Math.abs(by.biggest_discount!.everyone)).toBeLessThan(25);
  }, 60_000);
});
