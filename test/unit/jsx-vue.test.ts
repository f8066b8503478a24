// offerwise/jsx-vue (jsx/vue.d.ts) compiled as a Vue app's TypeScript compiles it: Vue 3's own
// types, the entry imported by its package name, and the element types it imports, from the
// sources here rather than a build in dist/types (the unit tests run before the build).
//
// Templates themselves are checked by vue-tsc (Volar), which is not installed here: it types
// `<ow-offers :limit="2" @ow-decision="…">` as the props of the `GlobalComponents` entry, the
// `$props` of its instance, with `@ow-decision` as `onOwDecision`. This test checks those same
// props, and `h()` with the component type, in plain TypeScript; what vue-tsc adds (reading the
// template, its fallthrough attributes) is not covered.
import { describe, expect, it } from 'vitest';
import { compileApps } from '../support/compile-app.js';

/** The compiler's messages on each of `apps`, `line: message` (test/support/compile-app.ts). */
function compile(apps: Record<string, string>): Record<string, string[]> {
  return compileApps(apps);
}

/** What every app file starts with: the entry as an app imports it, and the props vue-tsc checks. */
const prelude = `import { h, type DefineComponent, type GlobalComponents } from 'vue';
import type {} from 'offerwise/jsx-vue';
type Props<K extends keyof GlobalComponents> = InstanceType<GlobalComponents[K]>['$props'];
`;

describe('offerwise/jsx-vue', () => {
  it("types the ow- elements as Vue 3's GlobalComponents (props, numeric values, onOw* listeners), and refuses a wrong value or event", () => {
    const app = `${prelude}
// <ow-offers placement="home" :limit="2" sign-in-url="/login" @ow-decision="…" @ow-claim="…">
export const offers: Props<'ow-offers'> = {
  placement: 'home',
  limit: 2,
  'sign-in-url': '/login',
  class: 'offers',
  onOwDecision: (event) => void event.detail.offerIds.join(),
  onOwClaim: (event) => void event.detail.code,
};
// limit="2" without the colon: the string a template passes as written.
export const written: Props<'ow-offers'> = { placement: 'home', limit: '2' };
export const recommendations: Props<'ow-recommendations'> = {
  placement: 'product',
  mode: 'discover',
  onOwItemClick: (event) => void event.detail.itemId,
};
export const member: Props<'ow-member-deal'> = { member: true, messages: { badge: 'Mitglieder' } };
export const sale: Props<'ow-flash-sale'> = { 'ending-soon-minutes': '5', serverOffset: -120 };
export const why: Props<'ow-why'> = { explanation: 'You like shoes', onOwInterestOff: (e) => void e.detail.category };
// Each entry is a component: a render function takes it, with the same props.
export const component: DefineComponent<any> = {} as GlobalComponents['ow-coupon'];
declare const elements: GlobalComponents;
export const vnode = h(elements['ow-offers'], { placement: 'home', limit: 1, onOwDecision: (e) => void e.detail.source });
// @ts-expect-error: "two" is not a numeric string
export const wordLimit: Props<'ow-offers'> = { limit: 'two' };
// @ts-expect-error: an ow-decision carries offerIds, not itemId
export const detail: Props<'ow-offers'> = { onOwDecision: (event) => event.detail.itemId };
// @ts-expect-error: member is a boolean
export const memberWord: Props<'ow-member-deal'> = { member: 'yes' };
// @ts-expect-error: <ow-recommendations> fires no ow-decision
export const recDecision: Props<'ow-recommendations'> = { onOwDecision: () => undefined };
// @ts-expect-error: h() checks the props against the same types
export const badVnode = h(elements['ow-offers'], { limit: 'two' });
`;
    // The same mistake unmarked: the check can fail, and says where and why.
    const mistake = `${prelude}export const offers: Props<'ow-offers'> = { limit: 'two' };\n`;
    const messages = compile({
      'test/unit/jsx-vue-app.ts': app,
      'test/unit/jsx-vue-mistake.ts': mistake,
    });
    // Every usage compiles, and every `@ts-expect-error` meets its error.
    expect(messages['test/unit/jsx-vue-app.ts']).toEqual([]);
    expect(messages['test/unit/jsx-vue-mistake.ts']).toEqual([
      expect.stringMatching(/^4: Type '"two"' is not assignable to type 'OwNumber \| undefined'/),
    ]);
  }, 60_000);
});
