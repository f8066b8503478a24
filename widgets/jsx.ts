// What each `ow-` element takes in markup, for JSX and templates: its public properties, its
// attributes (spelled as in HTML) and an `on<event>` handler per event that reaches it (its own,
// and those bubbling out of the elements it renders). Framework-neutral: the bindings for React
// 19, Preact, Solid and Vue (jsx/*.d.ts, `offerwise/jsx-react`, …) map these into each
// framework's own element types.
//
// The per-element types are generated from custom-elements.json (widgets/jsx.generated.ts, by
// `node widgets/build/jsx-types.mjs`), so they list what the manifest lists: internal state
// (`@state`, private members) is not there. This file only maps them into handlers.
//
// React 19 and Preact set a property when the element has one (`limit={2}` → `el.limit = 2`) and
// an attribute otherwise (`sign-in-url`), and add a listener for `on` + the rest of the name
// (`onow-decision` → `ow-decision`): hence both spellings, and the `onow-*` handlers.
import type { OwElementAttributes, OwElementEventTypes } from './jsx.generated.js';
import type { OwEventMap } from './shared/events.js';

export type * from './jsx.generated.js';
export type { OwEventMap };

/** `onow-decision`-style handlers (React 19, Preact, Solid) for the events `E`. */
export type OwEventHandlers<E extends keyof OwEventMap> = {
  [K in E as `on${K}`]?: (event: OwEventMap[K]) => void;
};

/** The names of the events that reach each element (bubbling and composed, so an outer element hears its inner ones'). */
export type OwElementEvents = {
  [K in keyof OwElementEventTypes]: Extract<keyof OwElementEventTypes[K], string>;
};

/** `onow-decision`-style handlers for an element's events `M` (name → event). */
type Handlers<M> = {
  [E in Extract<keyof M, string> as `on${E}`]?: (event: M[E]) => void;
};

/** Each element's props in JSX (React 19, Preact, Solid): properties, attributes, `onow-*` handlers. */
export type OwElementProps = {
  [K in keyof OwElementAttributes]: OwElementAttributes[K] & Handlers<OwElementEventTypes[K]>;
};

/** `ow-decision` → `OwDecision`: how Vue names an `@ow-decision` listener (`onOwDecision`). */
type Pascal<S extends string> = S extends `${infer H}-${infer T}`
  ? `${Capitalize<H>}${Pascal<T>}`
  : Capitalize<S>;

/** Each element's props in a Vue template: the attributes, and `onOwDecision`-style listeners. */
export type OwVueProps = {
  [K in keyof OwElementAttributes]: OwElementAttributes[K] & {
    [E in OwElementEvents[K] as `on${Pascal<E>}`]?: (event: OwElementEventTypes[K][E]) => void;
  };
};
