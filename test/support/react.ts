// Rendering for the tests of offerwise/react (src/react/*.test.ts, under happy-dom): a React root
// driven through `act`, and a stand-in instance whose answers the test releases one by one, so a
// test chooses the order in which decisions arrive instead of racing them.
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type {
  DecideRequest,
  Decision,
  Offerwise,
  Recommendation,
  RecommendRequest,
} from '../../src/index.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
// The provider loads the elements (Lit) in some tests: Lit's once-per-page "dev mode" notice is
// marked as issued, as test/support/widgets.ts does, so that tests do not log.
const lit = globalThis as { litIssuedWarnings?: Set<string> };
(lit.litIssuedWarnings ??= new Set()).add('dev-mode');

/** Lets every pending microtask (promise callbacks, the hooks' deferred calls) run. */
export function drain(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface Rendered {
  container: HTMLElement;
  /** Renders `ui` again into the same root (new props), then drains. */
  rerender(ui: ReactNode): Promise<void>;
  unmount(): Promise<void>;
}

/** Mounts `ui` and lets its effects and their microtasks run. */
export async function render(ui: ReactNode): Promise<Rendered> {
  const container = document.createElement('div');
  document.body.append(container);
  let root: Root | undefined;
  await act(async () => {
    root = createRoot(container);
    root.render(ui);
    await drain();
  });
  return {
    container,
    rerender: (next) =>
      act(async () => {
        root!.render(next);
        await drain();
      }),
    unmount: () =>
      act(async () => {
        root!.unmount();
        container.remove();
        await drain();
      }),
  };
}

/** Runs `step` (a release of an answer) inside `act` and lets the renders it causes happen. */
export function settle(step: () => unknown = () => undefined): Promise<void> {
  return act(async () => {
    await step();
    await drain();
  });
}

interface Pending<Req, Res> {
  request: Req;
  resolve(value: Res): void;
  reject(reason: unknown): void;
}

/** An instance whose `decide()`/`recommend()` answer only when the test says so. */
export class HeldOfferwise {
  readonly decides: Pending<DecideRequest, Decision>[] = [];
  readonly recommends: Pending<RecommendRequest, Recommendation>[] = [];
  destroyed = 0;

  decide(request: DecideRequest): Promise<Decision> {
    return new Promise((resolve, reject) => this.decides.push({ request, resolve, reject }));
  }

  recommend(request: RecommendRequest): Promise<Recommendation> {
    return new Promise((resolve, reject) => this.recommends.push({ request, resolve, reject }));
  }

  async destroy(): Promise<void> {
    this.destroyed++;
  }

  /** As the hooks see it. */
  asOfferwise(): Offerwise {
    return this as unknown as Offerwise;
  }
}

/** A decision as `decide()` gives it, for `placement`, showing `offerIds`. */
export function decisionFor(
  placement: string,
  offerIds: string[],
  id = `d-${placement}`,
): Decision {
  return {
    decisionId: id,
    placement,
    offers: offerIds.map((offerId) => ({
      offerId,
      score: 0.5,
      propensity: 1,
      explanation: 'Picked for you',
    })),
    modelVersion: 'test',
    source: 'model',
    at: 0,
  };
}
