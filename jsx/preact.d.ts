// Typed `ow-` elements in Preact JSX: `import type {} from 'offerwise/jsx-preact';` once in the
// app. Preact, like React 19, sets properties the element has and listens for
// `onow-decision={…}` as `ow-decision`.
import type { JSX } from 'preact';
import type { OwElementClasses, OwElementProps } from '../dist/types/widgets/jsx.js';

type OwPreactElements = {
  [K in keyof OwElementProps]: Omit<
    JSX.HTMLAttributes<OwElementClasses[K]>,
    keyof OwElementProps[K]
  > &
    OwElementProps[K];
};

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements extends OwPreactElements {}
  }
}
