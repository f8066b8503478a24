// One Hillstrom row for unit tests: a buyer of men's merchandise, sent `arm`, with `visit`;
// `over` changes any other field.
import type { HillstromRow } from '../../models/lib/hillstrom.js';

export const hillstromRow = (
  arm: HillstromRow['arm'],
  visit: 0 | 1,
  rowId: number,
  over: Partial<HillstromRow> = {},
): HillstromRow => ({
  rowId,
  recency: 3,
  history: 120,
  mens: true,
  womens: false,
  newbie: false,
  zip: 'urban',
  channel: 'web',
  arm,
  visit,
  conversion: 0,
  spend: 0,
  ...over,
});
