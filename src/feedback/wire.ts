/**
 * The feedback wire: every field that leaves the device, per measurement mode, with its precision,
 * and the one validation that builds it. The outbox stores what {@link toWireEvent} builds and
 * sends what {@link toWireBatch} and {@link sendableEvent} make of it; nothing else reaches the
 * network. The README's privacy model lists the same fields ({@link WIRE_FIELDS}).
 *
 * Design rules, each a finding of the privacy audit (issue 15):
 * - no identifier that links visits or events: event ids, batch ids and drop-report ids are random
 *   UUIDv4 (no clock, no counter); the outbox's local sortable row key is never sent;
 * - no number finer than evaluation needs: propensities to 4 decimals, candidate-policy
 *   probabilities to 2, times to the second (full) or the hour (anonymous);
 * - nothing about the shopper but one group id under local differential privacy (k-ary
 *   randomized response, drawn once a day per group: src/learning/randomized-response.ts), with
 *   what the learner needs to de-bias it (k, ε, which segments file);
 * - only the listed input fields are accepted: anything else is a programmer error, refused.
 */
import { fieldError } from '../util/errors.js';
import { isPlainObject } from '../util/guards.js';
import type { FeedbackType } from './policy.js';

export const FEEDBACK_TYPES: readonly FeedbackType[] = ['impression', 'click', 'claim', 'dismiss'];

/**
 * What may be measured: `full` (consent granted) sends the fields of {@link FullWireEvent} and
 * persists them; `anonymous` (opted in by the shop, consent not granted) sends the offer-level
 * {@link AnonymousWireEvent} from memory only; `off` stores and sends nothing.
 */
export type Measurement = 'full' | 'anonymous' | 'off';

/** What the runtime hands the outbox for one event (no other field is accepted). */
export interface FeedbackInput {
  type: FeedbackType;
  decisionId: string;
  offerId: string;
  placement: string;
  /** Probability with which the offer was chosen, in (0, 1], at most 4 decimals. */
  propensity: number;
  modelVersion: string;
  /** Wall clock of the event (ms); default now. Sent floored to the second or the hour. */
  at?: number;
  /**
   * Impressions only (sent with full measurement): for each candidate policy the catalog names,
   * the probability that it would have chosen the shown offer; 1–4 entries, 2 decimals.
   */
  policies?: Readonly<Record<string, number>>;
  /**
   * First impression of a personalized decision, with segments and learning on (full measurement
   * only): the shopper's group after k-ary randomized response, 0…groupK − 1; all four or none.
   */
  group?: number;
  /** The number of groups, 2…16. */
  groupK?: number;
  /** The ε of the randomized response, in (0, 10], at most 2 decimals. */
  groupEpsilon?: number;
  /** The segments file the groups are of: the first 12 hex digits of its SHA-256. */
  groupSet?: string;
}

/** The group report of {@link FeedbackInput}, as the wire carries it. */
export type GroupReport = Required<
  Pick<FeedbackInput, 'group' | 'groupK' | 'groupEpsilon' | 'groupSet'>
>;

/** An event under full measurement (consent granted). */
export interface FullWireEvent {
  /** Random UUIDv4 made at acceptance; the same on every retry (the server dedupes on it). */
  id: string;
  type: FeedbackType;
  /** Random id of the decision (links the events of one decision, nothing more). */
  decisionId: string;
  offerId: string;
  placement: string;
  /** In (0, 1], at most 4 decimals. */
  propensity: number;
  modelVersion: string;
  /** ms since epoch, floored to the whole second. */
  at: number;
  /** Impressions only, when the catalog names candidate policies: values in [0, 1], 2 decimals. */
  policies?: Record<string, number>;
  /** First impression of a personalized decision only: the randomized group (see FeedbackInput). */
  group?: number;
  groupK?: number;
  groupEpsilon?: number;
  groupSet?: string;
}

/** An event under anonymous measurement: offer-level counts, no decision, whole hours. */
export interface AnonymousWireEvent {
  id: string;
  type: FeedbackType;
  offerId: string;
  placement: string;
  propensity: number;
  modelVersion: string;
  /** ms since epoch, floored to the whole hour. */
  at: number;
}

export type WireEvent = FullWireEvent | AnonymousWireEvent;

/** One POST (or page-leave request) body. */
export interface WireBatch {
  v: 1;
  /** ms since epoch, floored to the second (full) or the hour (anonymous). */
  sentAt: number;
  events: WireEvent[];
  /** Events given up, by reason (`rejected`, `too_large`, `expired`, `evicted`, `http_<status>`). */
  dropped: Record<string, number>;
  /** Random UUIDv4 of non-empty `dropped`, the same until a 2xx (the server counts it once). */
  droppedId?: string;
}

/** The keys of `T`, each listed once: a list that misses one does not compile. */
type AllKeys<T, L extends readonly (keyof T)[]> = [Exclude<keyof T, L[number]>] extends [never]
  ? L
  : never;
const keys =
  <T>() =>
  <const L extends readonly (keyof T)[]>(list: AllKeys<T, L>): L =>
    list;

/**
 * Every field that leaves the device, per mode (docs/privacy.md lists the same).
 * Headers: `X-Offerwise-Attempt` (1 for a first try; regular POSTs only) and `X-Offerwise-Batch`
 * (a random UUIDv4 per batch). Optional fields: `droppedId` (with non-empty `dropped`),
 * `policies` (full measurement, impressions, when the catalog names candidate policies) and the
 * four group fields (full measurement, the first impression of a personalized decision, when
 * the catalog has segments and learning is on).
 */
export const WIRE_FIELDS = Object.freeze({
  batch: keys<WireBatch>()(['v', 'sentAt', 'events', 'dropped', 'droppedId']),
  full: keys<FullWireEvent>()([
    'id',
    'type',
    'decisionId',
    'offerId',
    'placement',
    'propensity',
    'modelVersion',
    'at',
    'policies',
    'group',
    'groupK',
    'groupEpsilon',
    'groupSet',
  ]),
  anonymous: keys<AnonymousWireEvent>()([
    'id',
    'type',
    'offerId',
    'placement',
    'propensity',
    'modelVersion',
    'at',
  ]),
});

/** The input fields {@link toWireEvent} accepts; any other key is refused. */
export const INPUT_FIELDS = keys<FeedbackInput>()([
  'type',
  'decisionId',
  'offerId',
  'placement',
  'propensity',
  'modelVersion',
  'at',
  'policies',
  'group',
  'groupK',
  'groupEpsilon',
  'groupSet',
]);

/** Precision of `at` and `sentAt` per mode (ms). */
export const TIME_PRECISION_MS = Object.freeze({ full: 1000, anonymous: 3_600_000 });
export const PROPENSITY_DECIMALS = 4;
export const POLICY_DECIMALS = 2;
export const MAX_POLICIES = 4;
export const POLICY_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** Bounds of the group report: k up to the segments files' 16 groups, ε in (0, 10] to 2 decimals. */
export const MAX_GROUP_K = 16;
export const MAX_GROUP_EPSILON = 10;
export const GROUP_EPSILON_DECIMALS = 2;
export const GROUP_SET = /^[0-9a-f]{12}$/;
/** How far a number may be from its rounded value and still count as that value (float noise). */
const ROUNDING_TOLERANCE = 1e-9;

// ---------------------------------------------------------------------------------------------
// Ids

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  try {
    globalThis.crypto.getRandomValues(out);
  } catch {
    for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  }
  return out;
}

function formatUuid(b: Uint8Array): string {
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random UUIDv4: the id of anything sent (events, batches, drop reports). */
export function uuidv4(): string {
  const b = randomBytes(16);
  b[6] = 0x40 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  return formatUuid(b);
}

let lastMs = -1;
let seq = 0;
/**
 * The outbox's local row key (UUIDv7 layout: milliseconds, then a per-page counter): rows sort in
 * acceptance order for batching and eviction without reading the wall clock, which may jump.
 * NEVER SENT: the clock and the counter would link a page's events.
 */
export function localKey(now: number = Date.now()): string {
  let ms = Math.max(Math.floor(now), lastMs);
  if (ms === lastMs) {
    seq++;
    if (seq > 0xfff) {
      ms++;
      seq = 0;
    }
  } else seq = randomBytes(1)[0]! & 0x3f;
  lastMs = ms;
  const b = randomBytes(16);
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | ((seq >> 8) & 0x0f);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  return formatUuid(b);
}

// ---------------------------------------------------------------------------------------------
// Validation

const bad = (field: string, value: unknown, expected: string) =>
  fieldError('invalid_feedback', field, value, expected);

function checkString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 200) {
    throw bad(field, value, 'a non-empty string (at most 200 characters)');
  }
  return value;
}

/**
 * `value` as a number of at most `decimals` decimals: a value within float noise of one is
 * normalised to it, anything finer is refused (the caller rounds; the wire never rounds for it,
 * so that a precision slip in the caller is a loud error, not a silent leak).
 */
function quantized(field: string, value: unknown, decimals: number, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(field, value, expected);
  const scale = 10 ** decimals;
  const rounded = Math.round(value * scale) / scale;
  if (Math.abs(value - rounded) > ROUNDING_TOLERANCE) throw bad(field, value, expected);
  return rounded === 0 ? 0 : rounded; // no -0 on the wire
}

function checkPolicies(value: unknown, type: unknown): Record<string, number> {
  const field = 'feedback.policies';
  if (type !== 'impression') throw bad(field, type, 'policies only on an impression');
  const expected = `an object of 1 to ${MAX_POLICIES} candidate-policy probabilities`;
  if (!isPlainObject(value)) throw bad(field, value, expected);
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.length > MAX_POLICIES) throw bad(field, value, expected);
  const out: Record<string, number> = {};
  for (const [name, p] of entries) {
    if (!POLICY_NAME.test(name)) {
      throw bad(`${field}.${name.slice(0, 40)}`, name, `a policy name matching ${POLICY_NAME}`);
    }
    const q = quantized(
      `${field}.${name}`,
      p,
      POLICY_DECIMALS,
      'a number in [0, 1] with at most 2 decimals',
    );
    if (q < 0 || q > 1)
      throw bad(`${field}.${name}`, p, 'a number in [0, 1] with at most 2 decimals');
    out[name] = q;
  }
  return out;
}

const GROUP_FIELDS = ['group', 'groupK', 'groupEpsilon', 'groupSet'] as const;

/** The group report of `e`, all four fields or none; impressions only. */
function checkGroup(e: Record<string, unknown>, type: FeedbackType): GroupReport | undefined {
  const given = GROUP_FIELDS.filter((key) => e[key] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < GROUP_FIELDS.length) {
    const missing = GROUP_FIELDS.find((key) => e[key] === undefined)!;
    throw bad(
      `feedback.${missing}`,
      undefined,
      `present with ${given.join(', ')} (all four or none)`,
    );
  }
  if (type !== 'impression') throw bad('feedback.group', type, 'a group only on an impression');
  const groupK = e.groupK;
  if (
    typeof groupK !== 'number' ||
    !Number.isInteger(groupK) ||
    groupK < 2 ||
    groupK > MAX_GROUP_K
  ) {
    throw bad('feedback.groupK', groupK, `a whole number from 2 to ${MAX_GROUP_K}`);
  }
  const group = e.group;
  if (typeof group !== 'number' || !Number.isInteger(group) || group < 0 || group >= groupK) {
    throw bad('feedback.group', group, `a whole number from 0 to ${groupK - 1} (groupK − 1)`);
  }
  const expectedE = `a number in (0, ${MAX_GROUP_EPSILON}] with at most ${GROUP_EPSILON_DECIMALS} decimals`;
  const groupEpsilon = quantized(
    'feedback.groupEpsilon',
    e.groupEpsilon,
    GROUP_EPSILON_DECIMALS,
    expectedE,
  );
  if (!(groupEpsilon > 0 && groupEpsilon <= MAX_GROUP_EPSILON)) {
    throw bad('feedback.groupEpsilon', e.groupEpsilon, expectedE);
  }
  const groupSet = e.groupSet;
  if (typeof groupSet !== 'string' || !GROUP_SET.test(groupSet)) {
    throw bad('feedback.groupSet', groupSet, '12 lower-case hex digits (of the segments SHA-256)');
  }
  return { group, groupK, groupEpsilon, groupSet };
}

/** `ms` floored to a multiple of `step`. */
export const floorTo = (ms: number, step: number): number => Math.floor(ms / step) * step;

/**
 * Validates `input` and builds the wire event of `measurement` with the given id (throws
 * `invalid_feedback` naming the field). Fields the mode does not send (`decisionId`, `policies`
 * and the group report under anonymous measurement) are checked, then left out.
 */
export function toWireEvent(
  input: unknown,
  id: string,
  now: number,
  measurement: 'full' | 'anonymous',
): WireEvent {
  if (!isPlainObject(input)) throw bad('feedback', input, 'an object');
  for (const key of Object.keys(input)) {
    if (!(INPUT_FIELDS as readonly string[]).includes(key)) {
      throw bad(
        `feedback.${key.slice(0, 40)}`,
        input[key],
        `no such field (feedback carries ${INPUT_FIELDS.join(', ')})`,
      );
    }
  }
  const e = input as Record<string, unknown>;
  if (!FEEDBACK_TYPES.includes(e.type as FeedbackType)) {
    throw bad('feedback.type', e.type, FEEDBACK_TYPES.join(' | '));
  }
  const type = e.type as FeedbackType;
  const decisionId = checkString('feedback.decisionId', e.decisionId);
  const offerId = checkString('feedback.offerId', e.offerId);
  const placement = checkString('feedback.placement', e.placement);
  const expectedP = 'a number in (0, 1] with at most 4 decimals';
  const propensity = quantized('feedback.propensity', e.propensity, PROPENSITY_DECIMALS, expectedP);
  if (!(propensity > 0 && propensity <= 1))
    throw bad('feedback.propensity', e.propensity, expectedP);
  const modelVersion = checkString('feedback.modelVersion', e.modelVersion);
  const at = e.at === undefined ? now : e.at;
  if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
    throw bad('feedback.at', e.at, 'ms since epoch');
  }
  const policies = e.policies === undefined ? undefined : checkPolicies(e.policies, type);
  const group = checkGroup(e, type);
  if (measurement === 'anonymous') {
    const anonymous: AnonymousWireEvent = {
      id,
      type,
      offerId,
      placement,
      propensity,
      modelVersion,
      at: floorTo(at, TIME_PRECISION_MS.anonymous),
    };
    return anonymous;
  }
  const full: FullWireEvent = {
    id,
    type,
    decisionId,
    offerId,
    placement,
    propensity,
    modelVersion,
    at: floorTo(at, TIME_PRECISION_MS.full),
  };
  if (policies) full.policies = policies;
  if (group) Object.assign(full, group);
  return full;
}

/**
 * True when a stored event is tied to a decision: what forget() and a withdrawal delete. (Rows of
 * older versions with `candidates` always carry a `decisionId` too.)
 */
export function carriesDecision(event: unknown): boolean {
  const e = event as Record<string, unknown> | null | undefined;
  return e?.decisionId !== undefined || e?.policies !== undefined;
}

/**
 * The event as sent: only the fields of its mode, times at its precision. Rows are built by
 * {@link toWireEvent}, so this changes nothing for them; it keeps rows an older version stored
 * (with fields since removed, such as `candidates`) from sending more than the wire allows.
 */
export function sendableEvent(event: WireEvent): WireEvent {
  const stored = event as unknown as Record<string, unknown>;
  const full = typeof stored.decisionId === 'string';
  const fields: readonly string[] = full ? WIRE_FIELDS.full : WIRE_FIELDS.anonymous;
  const out: Record<string, unknown> = {};
  for (const key of fields) if (stored[key] !== undefined) out[key] = stored[key];
  if (typeof out.at === 'number') {
    out.at = floorTo(out.at, full ? TIME_PRECISION_MS.full : TIME_PRECISION_MS.anonymous);
  }
  if (out.policies !== undefined && !isPlainObject(out.policies)) delete out.policies;
  return out as unknown as WireEvent;
}

/** A batch body: `sentAt` at the mode's precision; `droppedId` only with non-empty counters. */
export function toWireBatch(
  measurement: 'full' | 'anonymous',
  now: number,
  events: WireEvent[],
  report?: { id: string; counts: Record<string, number> },
): WireBatch {
  const batch: WireBatch = {
    v: 1,
    sentAt: floorTo(now, TIME_PRECISION_MS[measurement]),
    events,
    dropped: report?.counts ?? {},
  };
  if (report && Object.keys(report.counts).length > 0) batch.droppedId = report.id;
  return batch;
}
