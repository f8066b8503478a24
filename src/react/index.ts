// The `offerwise/react` entry: a provider that owns the instance and hooks that read it. Safe to
// import and render on a server (nothing here touches the DOM or storage before an effect runs).
// The build adds the `'use client'` directive (rollup.config.mjs) for React Server Components.
export { OfferwiseProvider } from './provider.js';
export { useOfferwise, useDecision, useRecommendations } from './hooks.js';

export type { OfferwiseProviderProps } from './provider.js';
export type {
  UseDecisionOptions,
  UseDecisionResult,
  UseRecommendationsOptions,
  UseRecommendationsResult,
} from './hooks.js';
