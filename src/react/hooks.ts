import { useContext, useEffect, useState } from 'react';
import {
  OfferwiseError,
  type Decision,
  type DecideRequest,
  type Offerwise,
  type RecommendedItem,
  type RecommendRequest,
} from '../index.js';
import { asError, noProvider, OfferwiseContext } from './context.js';

/** `decide()`'s request without the placement. */
export type UseDecisionOptions = Omit<DecideRequest, 'placement'>;
/** `recommend()`'s request without the placement. */
export type UseRecommendationsOptions = Omit<RecommendRequest, 'placement'>;

export interface UseDecisionResult {
  /** The decision for the current placement and options; undefined while loading or after an error. */
  decision: Decision | undefined;
  /** True until the decision of the current placement and options arrives (always on the server). */
  loading: boolean;
  /** An `OfferwiseError`: a malformed request (`invalid_input`), a bad provider `config`, or no provider. */
  error: Error | undefined;
}

export interface UseRecommendationsResult {
  /** The ranked items; empty while loading, after an error, or without a placement. */
  items: readonly RecommendedItem[];
  loading: boolean;
  error: Error | undefined;
}

/** The provider's instance, or undefined on the server, until it is ready, or outside a provider. */
export function useOfferwise(): Offerwise | undefined {
  return useContext(OfferwiseContext)?.instance;
}

/**
 * Decides which offers `placement` shows: one `decide()` call per placement and options (compared
 * by value, so an inline `{ limit: 2 }` is fine), none on the server. A result that arrives
 * after the placement or options changed, or after unmount, is dropped. Never throws.
 */
export function useDecision(
  placement: string | undefined,
  options?: UseDecisionOptions,
): UseDecisionResult {
  const { value, loading, error } = useAnswer('useDecision()', placement, options, (ow) =>
    ow.decide({ ...options, placement: placement! }),
  );
  return { decision: value, loading, error };
}

/**
 * Ranks items for `placement` on the device with `recommend()`, under the same rules as
 * {@link useDecision}. Without a placement it asks nothing (not loading), so a component can
 * wait for what it needs (the product on the page) without breaking the rules of hooks.
 */
export function useRecommendations(
  placement?: string,
  options?: UseRecommendationsOptions,
): UseRecommendationsResult {
  const { value, loading, error } = useAnswer('useRecommendations()', placement, options, (ow) =>
    ow.recommend({ ...options, placement: placement! }),
  );
  return { items: value?.items ?? NO_ITEMS, loading, error };
}

const NO_ITEMS: readonly RecommendedItem[] = Object.freeze([]);

interface Answer<T> {
  instance: Offerwise;
  key: string;
  value: T | undefined;
  error: Error | undefined;
}

/** What one call of `ask` on the provider's instance gave for the current request. */
function useAnswer<T>(
  hook: string,
  placement: string | undefined,
  options: object | undefined,
  ask: (ow: Offerwise) => Promise<T>,
): { value: T | undefined; loading: boolean; error: Error | undefined } {
  const context = useContext(OfferwiseContext);
  const instance = context?.instance;
  const request = requestKey(hook, placement, options);
  const key = typeof request === 'string' ? request : undefined;
  const [answer, setAnswer] = useState<Answer<T> | undefined>(undefined);

  useEffect(() => {
    if (!instance || key === undefined) return;
    let live = true;
    // Deferred by a microtask, as the provider's instance is: StrictMode's second mount in
    // development would otherwise spend the placement's caps twice on one screen.
    queueMicrotask(() => {
      if (!live) return;
      let asked: Promise<T>;
      try {
        asked = Promise.resolve(ask(instance));
      } catch (reason) {
        asked = Promise.reject(reason);
      }
      asked.then(
        (value) => {
          if (live) setAnswer({ instance, key, value, error: undefined });
        },
        (reason: unknown) => {
          if (live) setAnswer({ instance, key, value: undefined, error: asError(reason) });
        },
      );
    });
    return () => {
      live = false;
    };
    // Not `ask`: it is a new function every render, and the one of the render that changed `key`
    // reads exactly the placement and options that `key` spells.
  }, [instance, key]);

  if (context === undefined) return { value: undefined, loading: false, error: noProvider(hook) };
  if (context.error) return { value: undefined, loading: false, error: context.error };
  if (request instanceof OfferwiseError)
    return { value: undefined, loading: false, error: request };
  if (key === undefined) return { value: undefined, loading: false, error: undefined };
  // Derived rather than reset in the effect: the render that changes the placement already
  // shows loading, never the previous placement's result.
  if (instance && answer?.instance === instance && answer.key === key) {
    return { value: answer.value, loading: false, error: answer.error };
  }
  return { value: undefined, loading: true, error: undefined };
}

/**
 * The request's identity: its placement and options by value. Undefined without a placement;
 * an `OfferwiseError` for options that are not plain data.
 */
function requestKey(
  hook: string,
  placement: string | undefined,
  options: object | undefined,
): string | undefined | OfferwiseError {
  if (placement === undefined) return undefined;
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    return optionsError(hook, options, 'an object like { limit: 2 }');
  }
  try {
    return JSON.stringify([placement, options ?? {}]);
  } catch {
    return optionsError(hook, options, 'plain data (no cycles or BigInt)');
  }
}

function optionsError(hook: string, value: unknown, expected: string): OfferwiseError {
  const shown =
    typeof value === 'string'
      ? JSON.stringify(value)
      : typeof value === 'object' || typeof value === 'function'
        ? value === null
          ? 'null'
          : typeof value
        : String(value);
  return new OfferwiseError(
    'invalid_input',
    `${hook} options: got ${shown}, expected ${expected}`,
    {
      field: `${hook} options`,
      value,
      expected,
    },
  );
}
