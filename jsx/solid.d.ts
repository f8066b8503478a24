// Typed `ow-` elements in Solid JSX: `import type {} from 'offerwise/jsx-solid';` once in the app.
// Solid sets properties on custom elements (`limit={2}`) and takes `onow-decision={…}` or
// `on:ow-decision={…}` for the element's events.
import type { JSX } from 'solid-js';
import type {
  OwElementClasses,
  OwElementEventTypes,
  OwElementProps,
} from '../dist/types/widgets/jsx.js';

type OwSolidElements = {
  [K in keyof OwElementProps]: Omit<
    JSX.HTMLAttributes<OwElementClasses[K]>,
    keyof OwElementProps[K]
  > &
    OwElementProps[K] & {
      [E in Extract<keyof OwElementEventTypes[K], string> as `on:${E}`]?: (
        event: OwElementEventTypes[K][E],
      ) => void;
    };
};

declare module 'solid-js' {
  namespace JSX {
    interface IntrinsicElements extends OwSolidElements {}
  }
}
