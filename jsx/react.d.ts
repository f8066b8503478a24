// Typed `ow-` elements in React 19 JSX: `import type {} from 'offerwise/jsx-react';` once in the
// app (or list "offerwise/jsx-react" in tsconfig's "types"). A separate entry because augmenting
// 'react' is an error where React's types are not installed.
//
// React 19 sets a property when the element has one (`limit={2}`), an attribute otherwise
// (`sign-in-url="/login"`), and listens for `on` + the event's name: `onow-decision={…}`.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { OwElementClasses, OwElementProps } from '../dist/types/widgets/jsx.js';

type OwReactElements = {
  [K in keyof OwElementProps]: Omit<
    DetailedHTMLProps<HTMLAttributes<OwElementClasses[K]>, OwElementClasses[K]>,
    keyof OwElementProps[K]
  > &
    OwElementProps[K];
};

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements extends OwReactElements {}
  }
}
