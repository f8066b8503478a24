// Typed `ow-` elements in Vue templates (vue-tsc, Volar): `import type {} from 'offerwise/jsx-vue';`
// once in the app. Tell Vue's compiler they are custom elements too
// (`compilerOptions.isCustomElement: (tag) => tag.startsWith('ow-')`). `@ow-decision="…"` is typed
// through the `onOwDecision` prop Vue checks it against. The props are those generated from
// custom-elements.json (widgets/jsx.generated.ts), as for the JSX entries.
import type { DefineComponent } from 'vue';
import type { OwVueProps } from '../dist/types/widgets/jsx.js';

type OwVueComponents = {
  [K in keyof OwVueProps]: DefineComponent<OwVueProps[K]>;
};

declare module 'vue' {
  interface GlobalComponents extends OwVueComponents {}
}
