/**
 * The effect report's SQL, in two parts.
 *
 * **Loading** (DuckDB-specific, {@link loadingSql}): exposes the collector's JSONL (one wire-format
 * batch per line, as `demo/server.mjs` stores them; `.gz` too) or Parquet files with one event per
 * row as three relations, `feedback` with the wire format's columns ({@link FEEDBACK_COLUMNS},
 * made from `WIRE_FIELDS` of `src/feedback/wire.ts`):
 *
 *   feedback(id, type, "decisionId", "offerId", placement, propensity, "modelVersion", "at")
 *   dropped_counts(reason, n)          -- the batches' `dropped` counters
 *   orders("orderId", "decisionId", "offerId", value, discount, "at")   -- "offerId": the coupon used, or null
 *
 * **Analysis** ({@link ANALYSIS}, {@link QUERIES}): standard SQL over those three relations only
 * (CREATE TABLE … AS SELECT, GROUP BY, CASE, LEFT JOIN, FLOOR, COALESCE; no DuckDB functions), so
 * the same text runs on a warehouse once the events are loaded there into a `feedback` table with
 * those columns. Identifiers in double quotes keep the wire format's camelCase.
 */
import {
  FEEDBACK_TYPES,
  WIRE_FIELDS,
  type FullWireEvent,
  type WireBatch,
} from '../../src/feedback/wire.js';
import { MAX_AT } from '../lib/time.js';

/**
 * The smallest propensity the wire carries (it keeps 4 decimals, `src/feedback/wire.ts`): an event
 * below it was not written by the SDK, and one such row at 1e-12 would weigh 10¹² in every
 * inverse-propensity sum. The report counts it as invalid and the learner leaves it out.
 */
export const MIN_PROPENSITY = 0.0001;

/** A propensity the wire can carry, as SQL over a `propensity` column (the report, the learner). */
export const VALID_PROPENSITY = `propensity >= ${MIN_PROPENSITY} AND propensity <= 1`;

/** The same test for one logged propensity read in TypeScript (`npm run ope`). */
export const isValidPropensity = (p: number) => p >= MIN_PROPENSITY && p <= 1;

/** An event time the report and the learner use (`MAX_AT`), as SQL over an `"at"` column. */
export const VALID_AT = `"at" >= 0 AND "at" <= ${MAX_AT}`;

/** Why an impression with another time is left out, in the learner's warning. */
export const INVALID_AT_REASON = `time (\`at\`) not in [0, ${MAX_AT}] ms since the epoch`;

/** The largest order value the report and the learner take (an order above it is not one). */
export const MAX_ORDER_VALUE = 1e9;

/**
 * An order line the report and the learner use: a value in [0, `MAX_ORDER_VALUE`] and a discount
 * (when given) in [0, value]. One negative or absurd line would otherwise move an offer's learned
 * value by millions (a −10⁹ order did in a test) or overflow the sums of squares.
 */
export const VALID_ORDER = `value >= 0 AND value <= ${MAX_ORDER_VALUE}
  AND COALESCE(discount, 0) >= 0 AND COALESCE(discount, 0) <= value`;

/** How many lines of `orders` fail {@link VALID_ORDER} (a value that is not a number reads as null). */
export const INVALID_ORDER_LINES = `(SELECT COUNT(*) FROM orders WHERE NOT COALESCE(${VALID_ORDER}, FALSE))`;

/** Why such a line is left out, in the report's and the learner's warnings. */
export const INVALID_ORDER_REASON = `value not a number in [0, ${MAX_ORDER_VALUE}] or discount not in [0, value]`;

/**
 * The SQL type of each field of a wire event (`src/feedback/wire.ts`), or null for a field the
 * report does not load. Keyed by the wire type itself: a field added to the wire does not compile
 * here until it gets a column or is left out on purpose.
 */
const EVENT_COLUMN_TYPES: { readonly [K in keyof FullWireEvent]-?: string | null } = {
  id: 'VARCHAR',
  type: 'VARCHAR',
  decisionId: 'VARCHAR',
  offerId: 'VARCHAR',
  placement: 'VARCHAR',
  propensity: 'DOUBLE',
  modelVersion: 'VARCHAR',
  at: 'BIGINT',
  // The candidate policies' odds are what `npm run ope` weighs; the report has no use for them.
  policies: null,
  // The k-RR group report of a personalized decision's first impression (`npm run learn`).
  group: 'BIGINT',
  groupK: 'BIGINT',
  groupEpsilon: 'DOUBLE',
  groupSet: 'VARCHAR',
};

/** The columns of the `feedback` relation: the wire's event fields, in the wire's order. */
export const FEEDBACK_COLUMNS: readonly { name: string; type: string }[] = WIRE_FIELDS.full.flatMap(
  (name) => {
    const type = EVENT_COLUMN_TYPES[name];
    return type === null ? [] : [{ name, type }];
  },
);

// Every column is quoted: the wire's names are camelCase, and `at` is a keyword.
const ident = (name: string) => `"${name}"`;
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const list = (files: readonly string[]) => `[${files.map(sqlString).join(', ')}]`;

const EVENT_STRUCT = `STRUCT(${FEEDBACK_COLUMNS.map((c) => `${ident(c.name)} ${c.type}`).join(', ')})`;

/** The same for a batch's fields (`sentAt`, when the device sent it, is not an outcome). */
const BATCH_COLUMN_TYPES: { readonly [K in keyof WireBatch]-?: string | null } = {
  v: 'BIGINT',
  sentAt: null,
  events: `${EVENT_STRUCT}[]`,
  dropped: 'MAP(VARCHAR, BIGINT)',
  droppedId: 'VARCHAR',
};

/** The batch fields read from the JSONL, in the wire's order. */
export const BATCH_COLUMNS: readonly { name: string; type: string }[] = WIRE_FIELDS.batch.flatMap(
  (name) => {
    const type = BATCH_COLUMN_TYPES[name];
    return type === null ? [] : [{ name, type }];
  },
);

/**
 * DuckDB statements that create the `feedback` and `orders` views and the `dropped_counts` and
 * `load_stats` tables. The JSONL files are parsed once, into a `batches` table that the runner
 * drops as soon as `events` is built ({@link LOAD_CLEANUP}).
 * JSONL lines that do not parse, or do not fit the wire format's types, are skipped; lines without
 * `v: 1` (every wire batch has it) are counted in `load_stats.bad_lines` and left out.
 */
export function loadingSql(input: {
  jsonl: readonly string[];
  parquet: readonly string[];
  orders?: string | undefined;
}): string[] {
  const out: string[] = [];
  const parts: string[] = [];
  if (input.jsonl.length > 0) {
    // One pass over the files: the batches are parsed once into a table (the runner drops it
    // once `events` is built); the events are unnested from it, counters and line counts too.
    out.push(`CREATE TABLE batches AS
SELECT ${BATCH_COLUMNS.map((c) => ident(c.name)).join(', ')} FROM read_json(${list(input.jsonl)},
  format = 'newline_delimited', ignore_errors = true, maximum_object_size = 67108864,
  columns = {${BATCH_COLUMNS.map((c) => `${ident(c.name)}: '${c.type}'`).join(', ')}})`);
    // A line counted as not a batch is left out of everything else.
    out.push(`CREATE TABLE load_stats AS
SELECT COUNT(*) AS lines, SUM(CASE WHEN v = 1 THEN 0 ELSE 1 END) AS bad_lines FROM batches`);
    out.push(`DELETE FROM batches WHERE v IS NULL OR v <> 1`);
    parts.push(`SELECT ${FEEDBACK_COLUMNS.map((c) => `e.${ident(c.name)}`).join(', ')}
FROM (SELECT unnest(events) AS e FROM batches) AS u`);
    // Counters under one `droppedId` are the same counters sent again (a reply was lost): once.
    out.push(`CREATE TABLE dropped_counts AS
SELECT k AS reason, SUM(n) AS n
FROM (SELECT unnest(map_keys(dropped)) AS k, unnest(map_values(dropped)) AS n
  FROM (SELECT dropped FROM batches WHERE "droppedId" IS NULL
    UNION ALL SELECT any_value(dropped) FROM batches WHERE "droppedId" IS NOT NULL
    GROUP BY "droppedId") AS once) AS d
GROUP BY k`);
  } else {
    out.push(`CREATE TABLE dropped_counts (reason VARCHAR, n BIGINT)`);
    out.push(`CREATE TABLE load_stats AS SELECT 0 AS lines, 0 AS bad_lines`);
  }
  if (input.parquet.length > 0) {
    const casts = FEEDBACK_COLUMNS.map(
      (c) => `CAST(${ident(c.name)} AS ${c.type}) AS ${ident(c.name)}`,
    );
    // Files written before a column existed (the group report) lack it: the empty typed row set
    // joined by name gives every column, NULL where a file has none.
    const typed = FEEDBACK_COLUMNS.map((c) => `CAST(NULL AS ${c.type}) AS ${ident(c.name)}`);
    parts.push(`SELECT ${casts.join(', ')}
FROM (SELECT * FROM read_parquet(${list(input.parquet)}, union_by_name = true)
  UNION ALL BY NAME SELECT ${typed.join(', ')} WHERE 1 = 0) AS p`);
  }
  out.push(`CREATE VIEW feedback AS\n${parts.join('\nUNION ALL\n')}`);
  if (input.orders !== undefined) {
    out.push(`CREATE VIEW orders AS
SELECT "orderId", "decisionId", "offerId", COALESCE(value, revenue) AS value, discount, "at"
FROM read_json(${sqlString(input.orders)},
  format = 'newline_delimited', ignore_errors = true,
  columns = {"orderId": 'VARCHAR', "decisionId": 'VARCHAR', "offerId": 'VARCHAR', value: 'DOUBLE',
    revenue: 'DOUBLE', discount: 'DOUBLE', "at": 'BIGINT'})`);
  } else {
    out.push(
      `CREATE TABLE orders ("orderId" VARCHAR, "decisionId" VARCHAR, "offerId" VARCHAR, value DOUBLE, discount DOUBLE, "at" BIGINT)`,
    );
  }
  return out;
}

/** DuckDB-specific: frees the parsed batches once `events` holds the deduped events. */
export const LOAD_CLEANUP = 'DROP TABLE IF EXISTS batches';

/** What a feedback line counted in `load_stats.bad_lines` is not (the report and learn say it). */
export const NOT_A_BATCH = 'not a wire-format batch (not JSON, cut short, or without `v: 1`)';

const DAY_MS = 86_400_000;
const ARM = `CASE WHEN "modelVersion" = 'none' THEN 'holdout' ELSE 'personalized' END`;

/**
 * Tables built in this order (standard SQL). `events`: one row per event id (deduped: a retried
 * or re-beaconed event is stored again by a collector that lost its memory), `valid` = 0 when a
 * copy lacks a field or has an unknown type or a propensity outside [`MIN_PROPENSITY`, 1]; its counts go to
 * `event_stats` and `anonymous_counts` (events without a decision id) before it is dropped. `pairs`:
 * one row per decision and offer (what the decision showed, as far as feedback tells), with a flag
 * per event type, the arm, and the day of its first event. `decisions`: one row per decision.
 * `order_lines`: orders deduped on `orderId`; `order_totals`: per decision (with the revenue of
 * orders that name no offer); `order_offers`: per decision and the offer whose coupon was used;
 * `decision_orders`: order totals of the decisions found in the feedback, with their offer count.
 */
export const ANALYSIS: readonly { name: string; sql: string }[] = [
  {
    name: 'events',
    sql: `CREATE TABLE events AS
SELECT id, MIN(type) AS type, MIN("decisionId") AS "decisionId", MIN("offerId") AS "offerId",
  MIN(placement) AS placement, MIN(propensity) AS propensity, MIN("modelVersion") AS "modelVersion",
  MIN("at") AS "at", COUNT(*) AS copies,
  MIN(CASE WHEN id IS NOT NULL AND type IN (${FEEDBACK_TYPES.map(sqlString).join(', ')})
    AND "offerId" IS NOT NULL AND placement IS NOT NULL AND "modelVersion" IS NOT NULL
    AND ${VALID_AT} AND ${VALID_PROPENSITY} THEN 1 ELSE 0 END) AS valid
FROM feedback
GROUP BY id`,
  },
  {
    name: 'event_stats',
    sql: `CREATE TABLE event_stats AS
SELECT SUM(copies) AS raw_events,
  SUM(CASE WHEN valid = 1 THEN 1 ELSE 0 END) AS events,
  SUM(CASE WHEN valid = 1 THEN copies ELSE 0 END) AS valid_copies,
  SUM(CASE WHEN valid = 0 THEN copies ELSE 0 END) AS invalid_copies,
  SUM(CASE WHEN valid = 1 AND "decisionId" IS NULL THEN 1 ELSE 0 END) AS anonymous_events,
  MIN(CASE WHEN valid = 1 THEN "at" END) AS first_at,
  MAX(CASE WHEN valid = 1 THEN "at" END) AS last_at
FROM events`,
  },
  {
    name: 'anonymous_counts',
    sql: `CREATE TABLE anonymous_counts AS
SELECT "offerId", placement, CAST(FLOOR("at" / ${DAY_MS}.0) AS BIGINT) AS day,
  SUM(CASE WHEN type = 'impression' THEN 1 ELSE 0 END) AS impressions,
  SUM(CASE WHEN type = 'click' THEN 1 ELSE 0 END) AS clicks,
  SUM(CASE WHEN type = 'claim' THEN 1 ELSE 0 END) AS claims,
  SUM(CASE WHEN type = 'dismiss' THEN 1 ELSE 0 END) AS dismissals
FROM events
WHERE valid = 1 AND "decisionId" IS NULL
GROUP BY "offerId", placement, CAST(FLOOR("at" / ${DAY_MS}.0) AS BIGINT)`,
  },
  {
    name: 'pairs',
    sql: `CREATE TABLE pairs AS
SELECT "decisionId", "offerId", placement,
  CAST(FLOOR(MIN("at") / ${DAY_MS}.0) AS BIGINT) AS day,
  MIN(${ARM}) AS arm, MAX(propensity) AS propensity,
  MAX(CASE WHEN type = 'impression' THEN 1 ELSE 0 END) AS impressed,
  MAX(CASE WHEN type = 'click' THEN 1 ELSE 0 END) AS clicked,
  MAX(CASE WHEN type = 'claim' THEN 1 ELSE 0 END) AS claimed,
  MAX(CASE WHEN type = 'dismiss' THEN 1 ELSE 0 END) AS dismissed,
  MAX(CASE WHEN type IN ('click', 'claim') THEN 1 ELSE 0 END) AS engaged
FROM events
WHERE valid = 1 AND "decisionId" IS NOT NULL
GROUP BY "decisionId", "offerId", placement`,
  },
  { name: 'drop_events', sql: 'DROP TABLE events' },
  {
    name: 'order_lines',
    sql: `CREATE TABLE order_lines AS
SELECT "orderId", MIN("decisionId") AS "decisionId", MIN("offerId") AS "offerId", MIN(value) AS value
FROM orders
WHERE "orderId" IS NOT NULL AND "decisionId" IS NOT NULL AND ${VALID_ORDER}
GROUP BY "orderId"`,
  },
  {
    name: 'order_totals',
    sql: `CREATE TABLE order_totals AS
SELECT "decisionId", COUNT(*) AS orders, SUM(value) AS revenue,
  SUM(CASE WHEN "offerId" IS NULL THEN value ELSE 0 END) AS unassigned
FROM order_lines
GROUP BY "decisionId"`,
  },
  {
    name: 'order_offers',
    sql: `CREATE TABLE order_offers AS
SELECT "decisionId", "offerId", SUM(value) AS revenue
FROM order_lines
WHERE "offerId" IS NOT NULL
GROUP BY "decisionId", "offerId"`,
  },
  {
    name: 'decision_orders',
    sql: `CREATE TABLE decision_orders AS
SELECT t."decisionId", t.orders, t.revenue, t.unassigned, c.offers
FROM order_totals AS t
JOIN (SELECT "decisionId", COUNT(*) AS offers FROM pairs
      WHERE "decisionId" IN (SELECT "decisionId" FROM order_totals)
      GROUP BY "decisionId") AS c ON c."decisionId" = t."decisionId"`,
  },
  {
    name: 'decisions',
    sql: `CREATE TABLE decisions AS
SELECT d."decisionId", d.placement, d.day, d.arm, d.offers, d.impressed, d.clicked, d.claimed,
  d.engaged, CASE WHEN o.orders > 0 THEN 1 ELSE 0 END AS converted,
  COALESCE(o.revenue, 0) AS revenue
FROM (SELECT "decisionId", MIN(placement) AS placement, MIN(day) AS day, MIN(arm) AS arm,
        COUNT(*) AS offers, MAX(impressed) AS impressed, MAX(clicked) AS clicked,
        MAX(claimed) AS claimed, MAX(engaged) AS engaged
      FROM pairs GROUP BY "decisionId") AS d
LEFT JOIN decision_orders AS o ON o."decisionId" = d."decisionId"`,
  },
];

/** Read-only queries over the tables of {@link ANALYSIS}; each returns a small result. */
/**
 * Decision-offer pairs' outcomes per offer, placement and `by` (a column of `pairs`). An order's
 * revenue goes to the offer whose coupon it used, else it is split evenly over the offers its
 * decision showed.
 */
const pairOutcomesBy = (
  by: 'day' | 'arm',
) => `SELECT p."offerId", p.placement, p.${by}, COUNT(*) AS shown,
  SUM(p.impressed) AS impressions, SUM(p.clicked) AS clicks, SUM(p.claimed) AS claims,
  SUM(p.dismissed) AS dismissals, SUM(p.engaged) AS engaged,
  SUM(CASE WHEN o.orders > 0 THEN 1 ELSE 0 END) AS converted,
  SUM(COALESCE(oo.revenue, 0) + COALESCE(o.unassigned / o.offers, 0)) AS revenue
FROM pairs AS p
  LEFT JOIN decision_orders AS o ON o."decisionId" = p."decisionId"
  LEFT JOIN order_offers AS oo ON oo."decisionId" = p."decisionId" AND oo."offerId" = p."offerId"
GROUP BY p."offerId", p.placement, p.${by}
ORDER BY p."offerId", p.placement, p.${by}`;

export const QUERIES = {
  /** Sizes, duplicates and rejects. */
  summary: `SELECT
  s.raw_events, s.events, s.valid_copies, s.invalid_copies, s.anonymous_events, s.first_at,
  s.last_at, (SELECT COUNT(*) FROM pairs) AS pairs, (SELECT COUNT(*) FROM decisions) AS decisions
FROM event_stats AS s`,

  /** Orders: how many, how many attributed to a decision found in the feedback. */
  orders: `SELECT COALESCE(SUM(orders), 0) AS orders, COALESCE(SUM(revenue), 0) AS revenue,
  (SELECT COALESCE(SUM(orders), 0) FROM decision_orders) AS matched_orders,
  (SELECT COALESCE(SUM(revenue), 0) FROM decision_orders) AS matched_revenue,
  (SELECT COUNT(*) FROM orders) AS raw_orders,
  ${INVALID_ORDER_LINES} AS invalid_orders
FROM order_totals`,

  /** Per offer, placement and day (of the pair's first event). */
  offerDaily: pairOutcomesBy('day'),

  /** Per offer, placement and arm over the whole period: the funnel. */
  offerFunnel: pairOutcomesBy('arm'),

  /** Per day and arm: offer-level rates (per impression) and decision-level outcomes. */
  daily: `SELECT x.day, x.arm, x.impressions, x.clicks, x.claims,
  COALESCE(y.decisions, 0) AS decisions, COALESCE(y.engaged, 0) AS engaged,
  COALESCE(y.converted, 0) AS converted
FROM (SELECT day, arm, SUM(impressed) AS impressions, SUM(clicked) AS clicks,
        SUM(claimed) AS claims FROM pairs GROUP BY day, arm) AS x
LEFT JOIN (SELECT day, arm, COUNT(*) AS decisions, SUM(engaged) AS engaged,
             SUM(converted) AS converted FROM decisions GROUP BY day, arm) AS y
  ON y.day = x.day AND y.arm = x.arm
ORDER BY x.day, x.arm`,

  /** Per placement and arm, one row per decision: the holdout comparison's counts. */
  arms: `SELECT placement, arm, COUNT(*) AS decisions, SUM(impressed) AS impressed,
  SUM(engaged) AS engaged, SUM(clicked) AS clicked, SUM(claimed) AS claimed,
  SUM(converted) AS converted, SUM(revenue) AS revenue, SUM(revenue * revenue) AS revenue_sq
FROM decisions
GROUP BY placement, arm
ORDER BY placement, arm`,

  /**
   * Personalized pairs with an impression, by propensity in steps of 0.01 (bucket b holds
   * propensities in [b/100, (b+1)/100)), with how many responded (clicked or claimed).
   */
  propensityBuckets: `SELECT CAST(FLOOR(propensity * 100 + 0.000001) AS BIGINT) AS bucket,
  COUNT(*) AS n, SUM(engaged) AS responded
FROM pairs
WHERE arm = 'personalized' AND impressed = 1
GROUP BY CAST(FLOOR(propensity * 100 + 0.000001) AS BIGINT)
ORDER BY bucket`,

  /** Events without a decision id (`anonymous` measurement): counts only. */
  anonymous: `SELECT "offerId", placement, day, impressions, clicks, claims, dismissals
FROM anonymous_counts ORDER BY "offerId", placement, day`,

  /** The `dropped` counters of the batches, summed by reason. */
  dropped: `SELECT reason, SUM(n) AS n FROM dropped_counts GROUP BY reason ORDER BY reason`,

  loadStats: `SELECT lines, bad_lines FROM load_stats`,
} as const;

export type QueryName = keyof typeof QUERIES;
