// The demo collector's schema: the wire format's fields and precision (src/feedback/wire.ts pins
// the same on the SDK's side; test/unit/collector-wire.test.ts checks they agree), the bounds, and
// the validation of feedback batches and orders. Anything not listed is dropped; messages name
// the field, the value and what was expected.

const DAY_MS = 24 * 60 * 60 * 1000;

/** The wire format's fields (src/feedback/wire.ts pins the same lists on the SDK's side). */
export const BATCH_FIELDS = Object.freeze(['v', 'sentAt', 'events', 'dropped', 'droppedId']);
export const EVENT_FIELDS = Object.freeze([
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
]);
/** The group report: the shopper's group after k-ary randomized response, and how to de-bias it. */
export const GROUP_FIELDS = Object.freeze(['group', 'groupK', 'groupEpsilon', 'groupSet']);
/**
 * An anonymous-measurement event: no decision id, hence nothing a policy could be joined on, and
 * nothing about the shopper (no group).
 */
export const ANONYMOUS_EVENT_FIELDS = Object.freeze(
  EVENT_FIELDS.filter((f) => f !== 'decisionId' && f !== 'policies' && !GROUP_FIELDS.includes(f)),
);
export const EVENT_TYPES = Object.freeze(['impression', 'click', 'claim', 'dismiss']);
export const ORDER_FIELDS = Object.freeze([
  'orderId',
  'decisionId',
  'revenue',
  'discount',
  'offerId',
]);

export const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** The group report's bounds (src/feedback/wire.ts pins the same). */
export const GROUP_BOUNDS = Object.freeze({
  maxK: 16,
  maxEpsilon: 10,
  epsilonDecimals: 2,
  set: /^[0-9a-f]{12}$/,
});
/**
 * The precision the wire carries. What is stored is cut to it, so a client that sends finer
 * numbers (an older SDK sent 6-digit propensities and millisecond times) leaves nothing finer on
 * the shop's disk than the privacy model (docs/privacy.md) says.
 */
export const PRECISION = Object.freeze({
  propensityDecimals: 4,
  policyDecimals: 2,
  /** `at` and `sentAt`, ms: a full event's to the second, an anonymous one's to the hour. */
  fullTimeMs: 1_000,
  anonymousTimeMs: 3_600_000,
});
const roundTo = (x, decimals) => Math.round(x * 10 ** decimals) / 10 ** decimals;
export const floorTo = (ms, step) => Math.floor(ms / step) * step;
const DROP_REASON = /^[a-z][a-z0-9_]{0,31}$/;

/** Defaults of every bound; `createCollector({ limits })` overrides any of them (tests do). */
export const DEFAULT_LIMITS = Object.freeze({
  /** Longest string field. */
  maxString: 200,
  /** Entries of an event's `policies`. */
  maxPolicies: 4,
  /** Entries of a batch's `dropped`. */
  maxDropReasons: 16,
  /** Events per batch: the SDK sends at most 50; more is answered 413, which makes it split. */
  maxBatchEvents: 100,
  /** Body of `POST /api/feedback`: the SDK's batches are ≤ 32 KiB, its page-leave request ≤ 60 KiB. */
  maxFeedbackBytes: 64 * 1024,
  /** Body of the other POSTs. */
  maxSmallBytes: 4 * 1024,
  /** `at` and `sentAt` no older than this: the SDK's 7-day retention plus a day of clock skew. */
  maxAgeMs: 8 * DAY_MS,
  /** `at` and `sentAt` no further ahead than this (a client clock a day fast). */
  maxAheadMs: DAY_MS,
  /**
   * How long an event id is remembered. Equal to `maxAgeMs`, so an event whose id was forgotten
   * can no longer pass the `at` check: a late retry is refused, never stored twice.
   */
  dedupeTtlMs: 8 * DAY_MS,
  /** Ids remembered at most (then the oldest go first, counted as `dedupe.evicted`). */
  dedupeMaxIds: 200_000,
  /** Events and orders the QA reads keep in memory (the JSONL files keep everything). */
  recentMax: 10_000,
  /** `?limit=` of the paged GETs: default and maximum. */
  pageDefault: 100,
  pageMax: 1_000,
  /** Token bucket per remote address, in events (a request costs at least 1). */
  rateCapacity: 600,
  ratePerSecond: 60,
  /** Addresses whose bucket is remembered (least recently seen first out). */
  rateMaxClients: 10_000,
  /** Largest accepted order. */
  maxRevenue: 100_000,
});

// ---------------------------------------------------------------- validation

const show = (value) => {
  let text;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};
/** A message that names the field, the value and what was expected (as the SDK's errors do). */
export const problem = (field, value, expected) =>
  `${field}: got ${show(value)}, expected ${expected}`;
export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o, key) => Object.prototype.hasOwnProperty.call(o, key);

function checkString(field, value, limits) {
  if (typeof value === 'string' && value.length > 0 && value.length <= limits.maxString) return;
  return problem(field, value, `a non-empty string of at most ${limits.maxString} characters`);
}

function checkTime(field, value, now, limits) {
  if (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= now - limits.maxAgeMs &&
    value <= now + limits.maxAheadMs
  )
    return;
  return problem(
    field,
    value,
    `a time in ms since 1970 from ${now - limits.maxAgeMs} to ${now + limits.maxAheadMs} (the last ${limits.maxAgeMs / DAY_MS} days, or ${limits.maxAheadMs / DAY_MS} ahead)`,
  );
}

/** `{ value }` with only the known entries, or `{ error }`. */
function checkPolicies(field, value, limits) {
  if (!isObject(value))
    return { error: problem(field, value, 'an object of policy → probability') };
  const entries = Object.entries(value);
  if (entries.length > limits.maxPolicies)
    return { error: problem(field, value, `at most ${limits.maxPolicies} policies`) };
  const out = {};
  for (const [key, p] of entries) {
    if (!POLICY_ID.test(key))
      return { error: problem(`${field} key`, key, `a policy id matching ${POLICY_ID}`) };
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1)
      return { error: problem(`${field}.${key}`, p, 'a probability from 0 to 1') };
    out[key] = roundTo(p, PRECISION.policyDecimals);
  }
  return { value: out };
}

/** `{ value }`: the four group fields (or none), or `{ error }`. */
function checkGroup(field, raw) {
  const given = GROUP_FIELDS.filter((key) => raw[key] !== undefined);
  if (given.length === 0) return { value: undefined };
  if (given.length < GROUP_FIELDS.length) {
    const missing = GROUP_FIELDS.find((key) => raw[key] === undefined);
    return { error: problem(`${field}.${missing}`, undefined, 'all four group fields or none') };
  }
  if (raw.type !== 'impression')
    return { error: problem(`${field}.group`, raw.type, 'a group only on an impression') };
  const { group, groupK, groupEpsilon, groupSet } = raw;
  if (!Number.isInteger(groupK) || groupK < 2 || groupK > GROUP_BOUNDS.maxK)
    return {
      error: problem(`${field}.groupK`, groupK, `a whole number from 2 to ${GROUP_BOUNDS.maxK}`),
    };
  if (!Number.isInteger(group) || group < 0 || group >= groupK)
    return { error: problem(`${field}.group`, group, `a whole number from 0 to ${groupK - 1}`) };
  if (
    typeof groupEpsilon !== 'number' ||
    !Number.isFinite(groupEpsilon) ||
    !(roundTo(groupEpsilon, GROUP_BOUNDS.epsilonDecimals) > 0) ||
    groupEpsilon > GROUP_BOUNDS.maxEpsilon
  )
    return {
      error: problem(
        `${field}.groupEpsilon`,
        groupEpsilon,
        `a number in (0, ${GROUP_BOUNDS.maxEpsilon}]`,
      ),
    };
  if (typeof groupSet !== 'string' || !GROUP_BOUNDS.set.test(groupSet))
    return { error: problem(`${field}.groupSet`, groupSet, '12 lower-case hex digits') };
  return {
    value: {
      group,
      groupK,
      groupEpsilon: roundTo(groupEpsilon, GROUP_BOUNDS.epsilonDecimals),
      groupSet,
    },
  };
}

/**
 * One event of a batch: `{ event }` holding the wire fields only (a full event when it has a
 * `decisionId`, else an anonymous one, which keeps no `policies` and no group), or `{ error }`.
 */
export function validateEvent(raw, field, now, limits = DEFAULT_LIMITS) {
  if (!isObject(raw)) return { error: problem(field, raw, 'an event object') };
  const full = raw.decisionId !== undefined;
  const event = {};
  for (const key of ['id', ...(full ? ['decisionId'] : []), 'offerId', 'placement']) {
    const error = checkString(`${field}.${key}`, raw[key], limits);
    if (error) return { error };
    event[key] = raw[key];
  }
  if (!EVENT_TYPES.includes(raw.type))
    return { error: problem(`${field}.type`, raw.type, EVENT_TYPES.join(', ')) };
  event.type = raw.type;
  const p = raw.propensity;
  const propensity = typeof p === 'number' ? roundTo(p, PRECISION.propensityDecimals) : NaN;
  if (!(Number.isFinite(p) && propensity > 0 && p <= 1))
    return { error: problem(`${field}.propensity`, p, 'a probability in (0, 1], at least 0.0001') };
  event.propensity = propensity;
  const modelError = checkString(`${field}.modelVersion`, raw.modelVersion, limits);
  if (modelError) return { error: modelError };
  event.modelVersion = raw.modelVersion;
  const atError = checkTime(`${field}.at`, raw.at, now, limits);
  if (atError) return { error: atError };
  event.at = floorTo(raw.at, full ? PRECISION.fullTimeMs : PRECISION.anonymousTimeMs);
  if (full && raw.policies !== undefined) {
    const policies = checkPolicies(`${field}.policies`, raw.policies, limits);
    if (policies.error) return { error: policies.error };
    event.policies = policies.value;
  }
  if (full) {
    const group = checkGroup(field, raw);
    if (group.error) return { error: group.error };
    if (group.value) Object.assign(event, group.value);
  }
  // Wire order, whatever order the client used.
  const ordered = {};
  for (const key of EVENT_FIELDS) if (own(event, key)) ordered[key] = event[key];
  return { event: ordered };
}

/**
 * A `POST /api/feedback` body. A body that is not a batch gets `{ status: 400 | 413, error }`.
 * Otherwise `{ header, events, invalid }`: the header's valid fields (`dropped` always, `{}` when
 * absent or invalid), the valid events (wire fields only), and what was dropped and why.
 */
export function validateBatch(raw, now, limits = DEFAULT_LIMITS) {
  if (!isObject(raw) || raw.v !== 1 || !Array.isArray(raw.events)) {
    return {
      status: 400,
      error: problem('body', raw, 'a batch { "v": 1, "sentAt": …, "events": […], "dropped": {} }'),
    };
  }
  if (raw.events.length > limits.maxBatchEvents) {
    return {
      status: 413,
      error: problem('events.length', raw.events.length, `at most ${limits.maxBatchEvents}`),
    };
  }
  const invalid = [];
  const header = { v: 1 };
  if (raw.sentAt !== undefined) {
    const error = checkTime('sentAt', raw.sentAt, now, limits);
    if (error) invalid.push(error);
    else header.sentAt = raw.sentAt;
  }
  header.dropped = {};
  if (raw.dropped !== undefined) {
    const error = dropCountsProblem(raw.dropped, limits);
    if (error) invalid.push(error);
    else header.dropped = { ...raw.dropped };
  }
  if (raw.droppedId !== undefined) {
    const error = checkString('droppedId', raw.droppedId, limits);
    if (error) invalid.push(error);
    else header.droppedId = raw.droppedId;
  }
  const events = [];
  raw.events.forEach((e, i) => {
    const checked = validateEvent(e, `events[${i}]`, now, limits);
    if (checked.error) invalid.push(checked.error);
    else events.push(checked.event);
  });
  // The batch's time no finer than its events': an anonymous batch's to the hour.
  if (header.sentAt !== undefined) {
    const anonymous = !events.some((e) => e.decisionId !== undefined);
    header.sentAt = floorTo(
      header.sentAt,
      anonymous ? PRECISION.anonymousTimeMs : PRECISION.fullTimeMs,
    );
  }
  return { header, events, invalid };
}

function dropCountsProblem(value, limits) {
  if (!isObject(value)) return problem('dropped', value, 'an object of reason → count');
  const entries = Object.entries(value);
  if (entries.length > limits.maxDropReasons)
    return problem('dropped', value, `at most ${limits.maxDropReasons} reasons`);
  for (const [reason, n] of entries) {
    if (!DROP_REASON.test(reason))
      return problem('dropped key', reason, `a reason matching ${DROP_REASON}`);
    if (!Number.isSafeInteger(n) || n < 0)
      return problem(`dropped.${reason}`, n, 'a whole number ≥ 0');
  }
  return undefined;
}

/** A `POST /api/orders` body: `{ order }` with the known fields only, or `{ error }`. */
export function validateOrder(raw, limits = DEFAULT_LIMITS) {
  if (!isObject(raw))
    return {
      error: problem('body', raw, 'an order { "orderId", "decisionId", "revenue", "discount" }'),
    };
  const order = {};
  for (const key of ['orderId', 'decisionId']) {
    const error = checkString(key, raw[key], limits);
    if (error) return { error };
    order[key] = raw[key];
  }
  const { revenue, discount = 0 } = raw;
  if (
    typeof revenue !== 'number' ||
    !Number.isFinite(revenue) ||
    revenue < 0 ||
    revenue > limits.maxRevenue
  )
    return { error: problem('revenue', revenue, `a number from 0 to ${limits.maxRevenue}`) };
  order.revenue = revenue;
  if (
    typeof discount !== 'number' ||
    !Number.isFinite(discount) ||
    discount < 0 ||
    discount > revenue
  )
    return { error: problem('discount', discount, `a number from 0 to the revenue (${revenue})`) };
  order.discount = discount;
  if (raw.offerId !== undefined) {
    const error = checkString('offerId', raw.offerId, limits);
    if (error) return { error };
    order.offerId = raw.offerId;
  }
  return { order };
}
