// What <OfferwiseProvider> hands to the hooks below it. Only the SDK's public entry is imported
// (rollup.config.mjs turns it into the bare `offerwise`), so the app keeps one copy of the SDK.
import { createContext } from 'react';
import { OfferwiseError, type Offerwise } from '../index.js';

export interface OfferwiseContextValue {
  /** The instance, once created on the client; undefined on the server and until it is ready. */
  instance: Offerwise | undefined;
  /** Why the instance could not be created (a bad `config`), if it could not. */
  error: Error | undefined;
}

export const NOT_READY: OfferwiseContextValue = { instance: undefined, error: undefined };

/** Undefined outside a provider, which the hooks tell apart from "not ready yet". */
export const OfferwiseContext = createContext<OfferwiseContextValue | undefined>(undefined);

/** A rejection as an Error: the SDK rejects with `OfferwiseError`, anything else is wrapped. */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** The error a hook gives outside any provider: a component placed where it cannot work. */
export function noProvider(hook: string): OfferwiseError {
  return new OfferwiseError(
    'invalid_config',
    `${hook}: got no <OfferwiseProvider> above this component, expected the component inside <OfferwiseProvider config={…}>`,
    { field: hook, value: undefined, expected: 'a component inside <OfferwiseProvider>' },
  );
}
