/**
 * The effect report's SQL, in two parts.
 *
 * **Loading** (DuckDB-specific, {@link loadingSql}): exposes the collector's JSONL (one wire-format
 * batch per line, as `demo/server.mjs` stores them; `.gz` too) or Parquet files with one event per
 * row as three relations with the wire format's columns:
 *
 *   feedback(id, type, "decisionId", "offerId", placement, propensity, "modelVersion", "at")
 *   dropped_counts(reason, n)          -- the batches' `dropped` counters
 *   orders("orderId", "decisionId", "offerId", value, "at")   -- "offerId": the coupon used, or null
 *
 * **Analysis** ({@link ANALYSIS}, {@link QUERIES}): standard SQL over those three relations only
 * (CREATE TABLE … AS SELECT, GROUP BY, CASE, LEFT JOIN, FLOOR, COALESCE; no DuckDB functions), so
 * the same text runs on a warehouse once the events are loaded there into a `feedback` table with
 * those columns. Identifiers in double quotes keep the wire format's camelCase.
 */

/** Feedback event types of the wire format. */
export const EVENT_TYPES = ['impression', 'click', 'claim', 'dismiss'] as const;

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const list = (files: readonly string[]) => `[${files.map(sqlString).join(', ')}]`;

const EVENT_STRUCT =
  'STRUCT(id VARCHAR, type VARCHAR, "decisionId" VARCHAR, "offerId" VARCHAR, placement VARCHAR, ' +
  'propensity DOUBLE, "modelVersion" VARCHAR, "at" BIGINT)';

/**
 * DuckDB statements that create the `feedback`, `dropped_counts`, `orders` and `load_stats`
 * relations as views over the files (nothing is copied: the analysis streams from them).
 * JSONL lines that do not parse, or do not fit the wire format's types, are skipped; lines without
 * `v` (every wire batch has `v: 1`) are counted in `load_stats.bad_lines`.
 */
export function loadingSql(input: {
  jsonl: readonly string[];
  parquet: readonly string[];
  orders?: string | undefined;
}): string[] {
  const out: string[] = [];
  const parts: string[] = [];
  if (input.jsonl.length > 0) {
    const source = (columns: string) => `read_json(${list(input.jsonl)},
  format = 'newline_delimited', ignore_errors = true, maximum_object_size = 67108864,
  columns = {${columns}})`;
    // The events are read once, by the analysis (a view); the batch envelopes (small: `v` and
    // `dropped` only) are kept in a table by a second, cheaper pass.
    parts.push(`SELECT e.id, e.type, e."decisionId", e."offerId", e.placement, e.propensity,
  e."modelVersion", e."at"
FROM (SELECT unnest(events) AS e FROM ${source(`events: '${EVENT_STRUCT}[]'`)}) AS u`);
    out.push(`CREATE TABLE batches AS
SELECT v, dropped FROM ${source(`v: 'BIGINT', dropped: 'MAP(VARCHAR, BIGINT)'`)}`);
    out.push(`CREATE VIEW dropped_counts AS
SELECT k AS reason, SUM(n) AS n
FROM (SELECT unnest(map_keys(dropped)) AS k, unnest(map_values(dropped)) AS n FROM batches) AS d
GROUP BY k`);
    out.push(`CREATE VIEW load_stats AS
SELECT COUNT(*) AS lines, SUM(CASE WHEN v IS NULL THEN 1 ELSE 0 END) AS bad_lines FROM batches`);
  } else {
    out.push(`CREATE TABLE dropped_counts (reason VARCHAR, n BIGINT)`);
    out.push(`CREATE TABLE load_stats AS SELECT 0 AS lines, 0 AS bad_lines`);
  }
  if (input.parquet.length > 0) {
    parts.push(`SELECT CAST(id AS VARCHAR) AS id, CAST(type AS VARCHAR) AS type,
  CAST("decisionId" AS VARCHAR) AS "decisionId", CAST("offerId" AS VARCHAR) AS "offerId",
  CAST(placement AS VARCHAR) AS placement, CAST(propensity AS DOUBLE) AS propensity,
  CAST("modelVersion" AS VARCHAR) AS "modelVersion", CAST("at" AS BIGINT) AS "at"
FROM read_parquet(${list(input.parquet)}, union_by_name = true)`);
  }
  out.push(`CREATE VIEW feedback AS\n${parts.join('\nUNION ALL\n')}`);
  if (input.orders !== undefined) {
    out.push(`CREATE VIEW orders AS
SELECT "orderId", "decisionId", "offerId", COALESCE(value, revenue) AS value, "at"
FROM read_json(${sqlString(input.orders)},
  format = 'newline_delimited', ignore_errors = true,
  columns = {"orderId": 'VARCHAR', "decisionId": 'VARCHAR', "offerId": 'VARCHAR', value: 'DOUBLE',
    revenue: 'DOUBLE', "at": 'BIGINT'})`);
  } else {
    out.push(
      `CREATE TABLE orders ("orderId" VARCHAR, "decisionId" VARCHAR, "offerId" VARCHAR, value DOUBLE, "at" BIGINT)`,
    );
  }
  return out;
}

const DAY_MS = 86_400_000;
const ARM = `CASE WHEN "modelVersion" = 'none' THEN 'holdout' ELSE 'personalized' END`;

/**
 * Tables built in this order (standard SQL). `events`: one row per event id (deduped: a retried
 * or re-beaconed event is stored again by a collector that lost its memory), `valid` = 0 when a
 * copy lacks a field or has an unknown type or a propensity outside (0, 1]. `pairs`:
 * one row per decision and offer (what the decision showed, as far as feedback tells), with a flag
 * per event type, the arm, and the day of its first event. `decisions`: one row per decision.
 * `order_lines`: orders deduped on `orderId`; `order_totals`: per decision (with the revenue of
 * orders that name no offer); `order_offers`: per decision and the offer whose coupon was used.
 */
export const ANALYSIS: readonly { name: string; sql: string }[] = [
  {
    name: 'events',
    sql: `CREATE TABLE events AS
SELECT id, MIN(type) AS type, MIN("decisionId") AS "decisionId", MIN("offerId") AS "offerId",
  MIN(placement) AS placement, MIN(propensity) AS propensity, MIN("modelVersion") AS "modelVersion",
  MIN("at") AS "at", COUNT(*) AS copies,
  MIN(CASE WHEN id IS NOT NULL AND type IN (${EVENT_TYPES.map(sqlString).join(', ')})
    AND "offerId" IS NOT NULL AND placement IS NOT NULL AND "modelVersion" IS NOT NULL
    AND "at" IS NOT NULL AND propensity > 0 AND propensity <= 1 THEN 1 ELSE 0 END) AS valid
FROM feedback
GROUP BY id`,
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
  {
    name: 'order_lines',
    sql: `CREATE TABLE order_lines AS
SELECT "orderId", MIN("decisionId") AS "decisionId", MIN("offerId") AS "offerId", MIN(value) AS value
FROM orders
WHERE "orderId" IS NOT NULL AND "decisionId" IS NOT NULL AND value IS NOT NULL
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
    name: 'decisions',
    sql: `CREATE TABLE decisions AS
SELECT p."decisionId", MIN(p.placement) AS placement, MIN(p.day) AS day, MIN(p.arm) AS arm,
  COUNT(*) AS offers, MAX(COALESCE(o.unassigned, 0)) AS unassigned, MAX(p.impressed) AS impressed, MAX(p.clicked) AS clicked,
  MAX(p.claimed) AS claimed, MAX(p.engaged) AS engaged,
  MAX(CASE WHEN o.orders > 0 THEN 1 ELSE 0 END) AS converted,
  MAX(COALESCE(o.revenue, 0)) AS revenue
FROM pairs AS p LEFT JOIN order_totals AS o ON o."decisionId" = p."decisionId"
GROUP BY p."decisionId"`,
  },
];

/** Read-only queries over the tables of {@link ANALYSIS}; each returns a small result. */
export const QUERIES = {
  /** Sizes, duplicates and rejects. */
  summary: `SELECT
  (SELECT COALESCE(SUM(copies), 0) FROM events) AS raw_events,
  (SELECT COUNT(*) FROM events WHERE valid = 1) AS events,
  (SELECT COALESCE(SUM(copies), 0) FROM events WHERE valid = 1) AS valid_copies,
  (SELECT COALESCE(SUM(copies), 0) FROM events WHERE valid = 0) AS invalid_copies,
  (SELECT COUNT(*) FROM events WHERE valid = 1 AND "decisionId" IS NULL) AS anonymous_events,
  (SELECT COUNT(*) FROM pairs) AS pairs,
  (SELECT COUNT(*) FROM decisions) AS decisions,
  (SELECT MIN("at") FROM events WHERE valid = 1) AS first_at,
  (SELECT MAX("at") FROM events WHERE valid = 1) AS last_at`,

  /** Orders: how many, how many attributed to a decision found in the feedback. */
  orders: `SELECT COALESCE(SUM(t.orders), 0) AS orders, COALESCE(SUM(t.revenue), 0) AS revenue,
  COALESCE(SUM(CASE WHEN d."decisionId" IS NOT NULL THEN t.orders ELSE 0 END), 0) AS matched_orders,
  COALESCE(SUM(CASE WHEN d."decisionId" IS NOT NULL THEN t.revenue ELSE 0 END), 0) AS matched_revenue,
  (SELECT COUNT(*) FROM orders) AS raw_orders
FROM order_totals AS t LEFT JOIN decisions AS d ON d."decisionId" = t."decisionId"`,

  /**
   * Per offer, placement and day (of the pair's first event). An order's revenue goes to the
   * offer whose coupon it used, else it is split evenly over the offers its decision showed.
   */
  offerDaily: `SELECT p."offerId", p.placement, p.day, COUNT(*) AS shown,
  SUM(p.impressed) AS impressions, SUM(p.clicked) AS clicks, SUM(p.claimed) AS claims,
  SUM(p.dismissed) AS dismissals, SUM(p.engaged) AS engaged, SUM(d.converted) AS converted,
  SUM(COALESCE(oo.revenue, 0) + d.unassigned / d.offers) AS revenue
FROM pairs AS p JOIN decisions AS d ON d."decisionId" = p."decisionId"
  LEFT JOIN order_offers AS oo ON oo."decisionId" = p."decisionId" AND oo."offerId" = p."offerId"
GROUP BY p."offerId", p.placement, p.day
ORDER BY p."offerId", p.placement, p.day`,

  /** Per offer, placement and arm over the whole period: the funnel. */
  offerFunnel: `SELECT p."offerId", p.placement, p.arm, COUNT(*) AS shown,
  SUM(p.impressed) AS impressions, SUM(p.clicked) AS clicks, SUM(p.claimed) AS claims,
  SUM(p.dismissed) AS dismissals, SUM(p.engaged) AS engaged, SUM(d.converted) AS converted,
  SUM(COALESCE(oo.revenue, 0) + d.unassigned / d.offers) AS revenue
FROM pairs AS p JOIN decisions AS d ON d."decisionId" = p."decisionId"
  LEFT JOIN order_offers AS oo ON oo."decisionId" = p."decisionId" AND oo."offerId" = p."offerId"
GROUP BY p."offerId", p.placement, p.arm
ORDER BY p."offerId", p.placement, p.arm`,

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
  anonymous: `SELECT "offerId", placement, CAST(FLOOR("at" / ${DAY_MS}.0) AS BIGINT) AS day,
  SUM(CASE WHEN type = 'impression' THEN 1 ELSE 0 END) AS impressions,
  SUM(CASE WHEN type = 'click' THEN 1 ELSE 0 END) AS clicks,
  SUM(CASE WHEN type = 'claim' THEN 1 ELSE 0 END) AS claims,
  SUM(CASE WHEN type = 'dismiss' THEN 1 ELSE 0 END) AS dismissals
FROM events
WHERE valid = 1 AND "decisionId" IS NULL
GROUP BY "offerId", placement, CAST(FLOOR("at" / ${DAY_MS}.0) AS BIGINT)
ORDER BY "offerId", placement, day`,

  /** The `dropped` counters of the batches, summed by reason. */
  dropped: `SELECT reason, SUM(n) AS n FROM dropped_counts GROUP BY reason ORDER BY reason`,

  loadStats: `SELECT lines, bad_lines FROM load_stats`,
} as const;

export type QueryName = keyof typeof QUERIES;
