// The unit tests of the decision state (src/decide/state-store.test.ts, caps.test.ts): stores on
// a clock the test sets, the diagnostics they reported, and reservations made to probe the caps.
import { afterEach, beforeEach, vi } from 'vitest';
import {
  DEFAULT_SESSION_TIMEOUT_MS,
  StateStore,
  type CapRules,
  type CapWindow,
  type StateStoreOptions,
} from '../../src/decide/state-store.js';
import { freshIndexedDB } from './fake-idb.js';

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
export const TIMEOUT = DEFAULT_SESSION_TIMEOUT_MS;
/** Where each test's clock starts: Wednesday 25 March 2026, 12:00 local time. */
export const START = new Date(2026, 2, 25, 12, 0).getTime();
export const NO_CAPS: CapRules = { offer: {}, placement: {}, overall: {} };

/** What the stores made by {@link makeStore} reported, in order (emptied before each test). */
export const diagnostics: { code: string; message: string }[] = [];
const stores: StateStore[] = [];

/** A store on the wall clock `now`, reporting into {@link diagnostics}; closed after the test. */
export function makeStore(now: () => number, options: StateStoreOptions = {}): StateStore {
  const store = new StateStore({
    now,
    onDiagnostic: (code, message) => diagnostics.push({ code, message }),
    ...options,
  });
  stores.push(store);
  return store;
}

export const codes = () => diagnostics.map((d) => d.code);
export const showAll = (allowed: string[]) => ({ shown: allowed });

/** The ids `choose` would be offered, without recording anything (it is session activity). */
export async function allowedOf(
  store: StateStore,
  placement: string,
  candidates: string[],
  rules: CapRules,
): Promise<string[]> {
  let seen: string[] = [];
  await store.reserve(placement, candidates, rules, (allowed) => {
    seen = allowed;
    return { shown: [] };
  });
  return seen;
}

export async function show(store: StateStore, placement: string, offer: string, rules: CapRules) {
  return (await store.reserve(placement, [offer], rules, showAll)).shown;
}

export function rulesWith(scope: keyof CapRules, window: CapWindow, limit: number): CapRules {
  return { ...NO_CAPS, [scope]: { [window]: limit } };
}

/** Each test starts with an empty IndexedDB and no diagnostics; its stores are closed after it. */
export function useStateStoreHarness(): void {
  beforeEach(() => {
    freshIndexedDB();
    diagnostics.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    for (const store of stores.splice(0)) store.close();
  });
}
