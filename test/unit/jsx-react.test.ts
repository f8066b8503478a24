// offerwise/jsx-react (jsx/react.d.ts) compiled as an app compiles it: React 19's own JSX types,
// the entry, and the element types it imports, from the sources here rather than a build in
// dist/types (the unit tests run before the build). What compiles here compiles in a React app.
import { describe, expect, it } from 'vitest';
import { compileApps } from '../support/compile-app.js';

/** The compiler's messages on each of `apps`, `line: message` (test/support/compile-app.ts). */
function compile(apps: Record<string, string>): Record<string, string[]> {
  return compileApps(apps, { jsx: true, roots: ['jsx/react.d.ts'] });
}

describe('offerwise/jsx-react', () => {
  it('types <ow-*> elements in React 19 JSX, and refuses a wrong attribute or event', () => {
    const app = `import type { ReactElement } from 'react';
export const page: ReactElement = (
  <>
    <ow-offers
      placement="home"
      limit="2"
      sign-in-url="/login"
      className="offers"
      onow-decision={(event) => void event.detail.offerIds.join()}
      onow-claim={(event) => void event.detail.code}
    />
    <ow-recommendations
      placement="product"
      mode="discover"
      limit={4}
      onow-item-click={(event) => void event.detail.itemId}
    />
    <ow-member-deal member sign-in-url="/login" messages={{ badge: 'Mitglieder' }} />
    <ow-flash-sale ending-soon-minutes="5" messages={{ ended: 'Fini' }} />
    <ow-my-data messages={{ heading: 'Vos données' }} />
    <ow-why explanation="You like shoes" category="shoes" open />
    <ow-coupon decision-id="d1" currency="EUR" />
  </>
);
// @ts-expect-error: "two" is not a numeric string
export const wordLimit = <ow-offers placement="home" limit="two" />;
// @ts-expect-error: an ow-decision carries offerIds, not itemId
export const detail = <ow-offers onow-decision={(event) => event.detail.itemId} />;
// @ts-expect-error: member is a boolean
export const member = <ow-member-deal member="yes" />;
// @ts-expect-error: the element sets empty
export const empty = <ow-offers empty />;
// @ts-expect-error: recommendations take no types
export const types = <ow-recommendations types="coupon" />;
`;
    // The same mistake unmarked: the check can fail, and says where and why.
    const mistake = `export const page = <ow-offers placement="home" limit="two" />;\n`;
    const messages = compile({
      'test/unit/jsx-react-app.tsx': app,
      'test/unit/jsx-react-mistake.tsx': mistake,
    });
    // Every usage compiles, and every `@ts-expect-error` meets its error.
    expect(messages['test/unit/jsx-react-app.tsx']).toEqual([]);
    expect(messages['test/unit/jsx-react-mistake.tsx']).toEqual([
      expect.stringMatching(/^1: Type '"two"' is not assignable to type 'OwNumber \| undefined'/),
    ]);
  }, 60_000);
});
