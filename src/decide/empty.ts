import type { Decision } from './types.js';

/** A random id for a decision (UUID v4 where the browser has `crypto.randomUUID`). */
export function newDecisionId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What `decide()` gives when it cannot decide: no offers, from the fallback. */
export function emptyDecision(request: unknown, at: number): Decision {
  return {
    decisionId: newDecisionId(),
    placement: String((request as { placement?: unknown } | undefined)?.placement ?? ''),
    offers: [],
    modelVersion: 'none',
    source: 'fallback',
    at,
  };
}
