import { fieldError, OfferwiseError } from '../util/errors.js';
import { CallerError } from '../util/store-tx.js';

/**
 * Frequency caps: the arithmetic of the decision state, apart from where it is kept
 * (`state-store.ts` runs it inside one transaction per reservation).
 *
 * Windows of a frequency cap, all evaluated at `now()` when a reservation runs:
 * - `session`: impressions of the current session. A session is shared by all tabs of the origin
 *   and ends after `sessionTimeoutMs` (default 30 min) without any `reserve`/`record`; its start
 *   and last activity are stored in the database and updated in the same transaction as the
 *   counters. Session counts are kept per session id, so they do not depend on the clock.
 * - `day`: impressions since local midnight of `new Date(now())` (the shopper's calendar day).
 * - `week`: impressions since local midnight six calendar days ago (the last 7 local calendar
 *   days including today).
 *
 * A limit of 0 forbids; an absent limit means no cap for that window. An impression is allowed
 * when every window of its offer, of the placement and of the overall counter has room left.
 *
 * Clock jumps: an impression time later than `now()` (the clock went back) still counts for every
 * window whose start it is after, so going back in time never re-opens a cap. Times more than
 * 8 days in the future are treated as `now()` so that one bad clock cannot block an offer for
 * years. A clock going back does not end the session; one jumping forward by more than the
 * timeout does. Nothing here throws because of a clock.
 *
 * Storage stays bounded: per key (`offer:<id>`, `placement:<name>`, `overall`) a list of at most
 * {@link MAX_IMPRESSIONS_PER_KEY} impression times, pruned to the last 8 days on every write;
 * once a day a reservation also deletes whole keys without an impression in 8 days (outside the
 * current session). Windows are exact as long as a limit is below that bound.
 */

/** A frequency-cap window; see the module documentation for their exact meaning. */
export type CapWindow = 'session' | 'day' | 'week';
export type CapLimits = Partial<Record<CapWindow, number>>;
/** Frequency caps: per offer, per placement, and overall (all placements). */
export interface CapRules {
  offer: CapLimits;
  placement: CapLimits;
  overall: CapLimits;
}

export const DEFAULT_CAPS: CapRules = Object.freeze({
  offer: Object.freeze({ session: 2, day: 3, week: 6 }),
  placement: Object.freeze({ session: 10 }),
  overall: Object.freeze({ day: 30 }),
});

export const DEFAULT_SESSION_TIMEOUT_MS = 30 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** Impression times older than this (or further in the future) are pruned (resp. clamped). */
export const IMPRESSION_HORIZON_MS = 8 * DAY_MS;
/** Newest impression times kept per key. */
export const MAX_IMPRESSIONS_PER_KEY = 200;
/** How often a reservation sweeps stale keys. */
export const SWEEP_EVERY_MS = DAY_MS;
const WINDOWS: readonly CapWindow[] = ['session', 'day', 'week'];
export const OVERALL_KEY = 'overall';
export const offerKey = (id: string): string => `offer:${id}`;
export const placementKey = (name: string): string => `placement:${name}`;

export interface SessionRecord {
  /** Increases by one with every new session. */
  id: number;
  start: number;
  /** Time of the last reserve/record. */
  last: number;
}

export interface CounterRecord {
  /** Impression times (ms since epoch, local clock), in recording order, newest last. */
  times: number[];
  /** Impressions in session `id`. */
  session?: { id: number; count: number };
}

/** Local midnight of today and of six calendar days ago (DST-safe: built from calendar fields). */
export function windowStarts(now: number): { day: number; week: number } {
  const d = new Date(now);
  const y = d.getFullYear();
  const m = d.getMonth();
  const date = d.getDate();
  return { day: new Date(y, m, date).getTime(), week: new Date(y, m, date - 6).getTime() };
}

/** The moment a reservation is computed at. */
export interface Frame {
  now: number;
  sessionId: number;
  day: number;
  week: number;
}

/** The record's times within the horizon, far-future times clamped to `now`, newest kept. */
function normalizedTimes(record: CounterRecord | undefined, now: number): number[] {
  const times = record && Array.isArray(record.times) ? record.times : [];
  const out: number[] = [];
  for (const t of times) {
    if (typeof t !== 'number' || !Number.isFinite(t)) continue;
    const at = t > now + IMPRESSION_HORIZON_MS ? now : t;
    if (at >= now - IMPRESSION_HORIZON_MS) out.push(at);
  }
  return out.length > MAX_IMPRESSIONS_PER_KEY ? out.slice(-MAX_IMPRESSIONS_PER_KEY) : out;
}

function sessionCount(record: CounterRecord | undefined, sessionId: number): number {
  const s = record?.session;
  return s && s.id === sessionId && typeof s.count === 'number' ? s.count : 0;
}

/** How many more impressions `limits` allow for this record (Infinity when uncapped). */
function roomLeft(record: CounterRecord | undefined, limits: CapLimits, frame: Frame): number {
  let room = Infinity;
  let times: number[] | undefined;
  for (const window of WINDOWS) {
    const limit = limits[window];
    if (limit === undefined) continue;
    let count: number;
    if (window === 'session') count = sessionCount(record, frame.sessionId);
    else {
      times ??= normalizedTimes(record, frame.now);
      const start = window === 'day' ? frame.day : frame.week;
      count = times.reduce((n, t) => (t >= start ? n + 1 : n), 0);
    }
    room = Math.min(room, limit - count);
  }
  return room;
}

/** The record after `n` more impressions at `frame.now`. */
export function bumped(record: CounterRecord | undefined, n: number, frame: Frame): CounterRecord {
  const times = normalizedTimes(record, frame.now);
  for (let i = 0; i < n; i++) times.push(frame.now);
  return {
    times: times.length > MAX_IMPRESSIONS_PER_KEY ? times.slice(-MAX_IMPRESSIONS_PER_KEY) : times,
    session: { id: frame.sessionId, count: sessionCount(record, frame.sessionId) + n },
  };
}

/** Continues the stored session, or starts the next one after `timeout` of inactivity. */
export function touchSession(
  previous: SessionRecord | undefined,
  now: number,
  timeout: number,
): SessionRecord {
  const valid =
    previous !== undefined &&
    Number.isFinite(previous.id) &&
    Number.isFinite(previous.last) &&
    Number.isFinite(previous.start);
  // A negative gap (the clock went back) continues the session: it can only make caps stricter.
  if (valid && now - previous.last < timeout) {
    return { id: previous.id, start: previous.start, last: now };
  }
  return { id: valid ? previous.id + 1 : 1, start: now, last: now };
}

/**
 * The daily sweep of every stored counter: keys without an impression within the horizon (and
 * none in the current session) go; the others lose their stale times. `kept` is what remains
 * stored afterwards; `changed` the records to write (`undefined`: delete the key).
 */
export function sweep(
  counters: [string, CounterRecord][],
  now: number,
  sessionId: number,
): { kept: Map<string, CounterRecord>; changed: [string, CounterRecord | undefined][] } {
  const kept = new Map<string, CounterRecord>();
  const changed: [string, CounterRecord | undefined][] = [];
  for (const [key, record] of counters) {
    const times = normalizedTimes(record, now);
    const old: unknown[] = Array.isArray(record?.times) ? record.times : [];
    if (times.length === 0 && record?.session?.id !== sessionId) changed.push([key, undefined]);
    else if (times.length !== old.length || times.some((t, i) => t !== old[i])) {
      const swept = { ...record, times };
      changed.push([key, swept]);
      kept.set(key, swept);
    } else kept.set(key, record);
  }
  return { kept, changed };
}

/**
 * Which of `ids` (distinct, in order) a reservation of `placement` may show under `rules`, and
 * how many offers the placement and overall caps still allow (`room`, Infinity when uncapped).
 */
export function allowance(
  counters: ReadonlyMap<string, CounterRecord>,
  placement: string,
  ids: readonly string[],
  rules: CapRules,
  frame: Frame,
): { allowed: string[]; room: number } {
  const room = Math.min(
    roomLeft(counters.get(placementKey(placement)), rules.placement, frame),
    roomLeft(counters.get(OVERALL_KEY), rules.overall, frame),
  );
  const allowed =
    room >= 1
      ? ids.filter((id) => roomLeft(counters.get(offerKey(id)), rules.offer, frame) >= 1)
      : [];
  return { allowed, room };
}

/**
 * The counter records after showing `shown` in `placement`: one impression per offer, and as
 * many for the placement and overall as offers shown.
 */
export function impressions(
  counters: ReadonlyMap<string, CounterRecord>,
  placement: string,
  shown: readonly string[],
  frame: Frame,
): [string, CounterRecord][] {
  const out: [string, CounterRecord][] = shown.map((id) => {
    const key = offerKey(id);
    return [key, bumped(counters.get(key), 1, frame)];
  });
  if (shown.length > 0) {
    for (const key of [placementKey(placement), OVERALL_KEY]) {
      out.push([key, bumped(counters.get(key), shown.length, frame)]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation of programmer input

export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw fieldError('invalid_input', field, value, 'a non-empty string');
  }
  return value;
}

export function checkRules(rules: unknown): CapRules {
  if (rules === null || typeof rules !== 'object') {
    throw fieldError('invalid_input', 'reserve().rules', rules, 'cap rules');
  }
  for (const scope of ['offer', 'placement', 'overall'] as const) {
    const limits = (rules as Record<string, unknown>)[scope];
    if (limits === null || typeof limits !== 'object') {
      throw fieldError('invalid_input', `reserve().rules.${scope}`, limits, 'an object of limits');
    }
    for (const window of WINDOWS) {
      const limit = (limits as Record<string, unknown>)[window];
      if (limit === undefined) continue;
      if (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0) {
        throw fieldError(
          'invalid_input',
          `reserve().rules.${scope}.${window}`,
          limit,
          'a number ≥ 0, or absent for no cap',
        );
      }
    }
  }
  return rules as CapRules;
}

/**
 * Validates the result of a reservation's `choose`: distinct ids, all from `allowed`. A broken
 * result is the caller's error, never a storage failure.
 */
export function checkShown(result: unknown, allowed: string[]): readonly string[] {
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as { then?: unknown }).then === 'function'
  ) {
    throw new CallerError(
      new OfferwiseError('invalid_input', 'reserve(): choose must be synchronous, got a promise'),
    );
  }
  const shown = (result as { shown?: unknown } | null | undefined)?.shown;
  if (!Array.isArray(shown)) {
    throw new CallerError(
      fieldError('invalid_input', 'reserve(): choose().shown', shown, 'an array of offer ids'),
    );
  }
  const ok = new Set(allowed);
  const seen = new Set<string>();
  for (const id of shown as unknown[]) {
    if (typeof id !== 'string' || !ok.has(id) || seen.has(id)) {
      throw new CallerError(
        fieldError(
          'invalid_input',
          'reserve(): choose().shown[]',
          id,
          seen.has(id as string)
            ? 'each offer at most once'
            : 'an id from the allowed list passed to choose',
        ),
      );
    }
    seen.add(id);
  }
  return shown as readonly string[];
}
