/**
 * The learner's counting, in standard SQL over the relations the effect report loads
 * (`models/analytics/queries.ts`: `feedback` with the wire's columns, `orders`), so a shop that
 * outgrows one machine runs the same statements on its warehouse. It builds one row per decision
 * (`learn_samples`: the offer of its first impression, the propensity, the arm, the group report
 * and the reward) and sums them per cell (offer, arm, reported group, ε) into the few numbers
 * the estimator needs (`models/learning/estimate.ts`); nothing per decision goes to TypeScript.
 */
import type { EffectReward } from '../../src/learning/types.js';
import {
  INVALID_ORDER_LINES,
  VALID_AT,
  VALID_ORDER,
  VALID_PROPENSITY,
} from '../analytics/queries.js';

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * The largest ε a report is used with. The SDK's wire stops at 10 (`MAX_GROUP_EPSILON`); the
 * loop's no-noise run writes its exact reports as 100, whose k-RR weights equal exact ones to
 * double precision. Above 100 a report is not used (its decision still counts, without a group).
 */
export const MAX_REPORT_EPSILON = 100;

/**
 * What the learner left out (run after `learn_events`): impressions for their propensity, and
 * the others for their time (`VALID_AT`), order lines for their value or discount (`VALID_ORDER`;
 * a value that is not a number reads as null), and feedback lines that are not wire-format batches
 * (`load_stats`, as the report counts them).
 */
export const LEFT_OUT_SQL = `SELECT
  (SELECT COUNT(*) FROM learn_events
    WHERE type = 'impression' AND NOT COALESCE(${VALID_PROPENSITY}, FALSE)) AS impressions,
  (SELECT COUNT(*) FROM learn_events
    WHERE type = 'impression' AND COALESCE(${VALID_PROPENSITY}, FALSE)
      AND NOT COALESCE(${VALID_AT}, FALSE)) AS times,
  ${INVALID_ORDER_LINES} AS orders,
  (SELECT bad_lines FROM load_stats) AS lines`;

/**
 * How the orders meet the feedback (run after `learn_decisions`): order lines read, those an
 * order reward can use (an order id, a decision id and a valid value), and those of them that
 * name a decision of the feedback. An order reward with none of the last has nothing to learn.
 */
export const ORDER_MATCH_SQL = `SELECT
  (SELECT COUNT(*) FROM orders) AS lines,
  (SELECT COUNT(*) FROM orders
    WHERE "orderId" IS NOT NULL AND "decisionId" IS NOT NULL AND ${VALID_ORDER}) AS usable,
  (SELECT COUNT(*) FROM orders
    WHERE "orderId" IS NOT NULL AND "decisionId" IS NOT NULL AND ${VALID_ORDER}
      AND "decisionId" IN (SELECT "decisionId" FROM learn_decisions)) AS matched`;

/** What was read: events with a decision and an offer, and JSONL lines (for a refusal). */
export const READ_COUNTS_SQL = `SELECT
  (SELECT COUNT(*) FROM learn_events) AS events,
  (SELECT lines FROM load_stats) AS lines`;

/** Decisions of each arm with a usable first impression (run after `learn_decisions`). */
export const ARMS_SQL = `SELECT
  (SELECT COUNT(*) FROM learn_decisions WHERE arm = 'personalized') AS personalized,
  (SELECT COUNT(*) FROM learn_decisions WHERE arm = 'holdout') AS holdout`;

/** What makes a group report usable: the segments file the learner was given, its k. */
export interface ReportFilter {
  /** The first 12 hex digits of the segments file's SHA-256 (the wire's `groupSet`). */
  groupSet: string;
  k: number;
}

/** The reward of a decision, from its first-slot offer's events and the decision's orders. */
const REWARD_SQL: Record<EffectReward, string> = {
  click: 'COALESCE(r.clicked, 0)',
  claim: 'COALESCE(r.claimed, 0)',
  order: 'CASE WHEN o.orders > 0 THEN 1 ELSE 0 END',
  revenue: 'COALESCE(o.revenue, 0)',
  discount: 'COALESCE(o.discount, 0)',
  net: 'COALESCE(o.revenue, 0) - COALESCE(o.discount, 0)',
};

/**
 * Statements that build `learn_samples` from `feedback` and `orders`:
 * - `learn_events`: events deduplicated on their id (collectors store retries and page-leave
 *   copies again), those with a decision;
 * - `learn_decisions`: per decision, its first impression — the one with the group report (the
 *   SDK puts it on the first impression of a personalized decision), else the earliest — with the
 *   arm (`holdout` when `modelVersion` is 'none', as the report counts it) and the group, kept
 *   only when the report is well formed and of the given segments file;
 * - `learn_samples`: with the reward (click or claim of that offer; orders attributed to the
 *   decision, deduplicated on their id, for order, revenue, discount and net), and whether the
 *   offer was claimed (the surrogate of a noisy order reward).
 */
export function sampleSql(reward: EffectReward, filter: ReportFilter | undefined): string[] {
  // A report is used only when it is of the given segments file, names a group of it and has a
  // usable ε (`MAX_REPORT_EPSILON`).
  const usable = filter
    ? `"groupSet" = ${sqlString(filter.groupSet)} AND "groupK" = ${filter.k}
      AND "group" >= 0 AND "group" < "groupK"
      AND "groupEpsilon" > 0 AND "groupEpsilon" <= ${MAX_REPORT_EPSILON}`
    : undefined;
  const group = usable ? `CASE WHEN ${usable} THEN "group" END` : 'CAST(NULL AS BIGINT)';
  const epsilon = usable ? `CASE WHEN ${usable} THEN "groupEpsilon" END` : 'CAST(NULL AS DOUBLE)';
  return [
    `CREATE TABLE learn_events AS
SELECT id, MIN(type) AS type, MIN("decisionId") AS "decisionId", MIN("offerId") AS "offerId",
  MIN(propensity) AS propensity, MIN("modelVersion") AS "modelVersion", MIN("at") AS "at",
  MIN("group") AS "group", MIN("groupK") AS "groupK", MIN("groupEpsilon") AS "groupEpsilon",
  MIN("groupSet") AS "groupSet"
FROM feedback
WHERE id IS NOT NULL AND "decisionId" IS NOT NULL AND "offerId" IS NOT NULL
  AND type IN ('impression', 'click', 'claim')
GROUP BY id`,
    `CREATE TABLE learn_decisions AS
SELECT "decisionId", "offerId", propensity, arm, "at", "group", epsilon
FROM (SELECT "decisionId", "offerId", propensity, "at",
        CASE WHEN "modelVersion" = 'none' THEN 'holdout' ELSE 'personalized' END AS arm,
        ${group} AS "group",
        ${epsilon} AS epsilon,
        ROW_NUMBER() OVER (PARTITION BY "decisionId"
          ORDER BY CASE WHEN "group" IS NULL THEN 1 ELSE 0 END, "at", "offerId") AS position
      FROM learn_events
      WHERE type = 'impression' AND ${VALID_PROPENSITY}
        AND "modelVersion" IS NOT NULL AND ${VALID_AT}) AS ranked
WHERE position = 1`,
    `CREATE TABLE learn_samples AS
SELECT d."decisionId", d."offerId", d.propensity, d.arm, d."at", d."group", d.epsilon,
  ${REWARD_SQL[reward]} AS reward, ${REWARD_SQL.claim} AS claimed
FROM learn_decisions AS d
LEFT JOIN (SELECT "decisionId", "offerId",
             MAX(CASE WHEN type = 'click' THEN 1 ELSE 0 END) AS clicked,
             MAX(CASE WHEN type = 'claim' THEN 1 ELSE 0 END) AS claimed
           FROM learn_events WHERE type IN ('click', 'claim')
           GROUP BY "decisionId", "offerId") AS r
  ON r."decisionId" = d."decisionId" AND r."offerId" = d."offerId"
LEFT JOIN (SELECT "decisionId", COUNT(*) AS orders, SUM(value) AS revenue,
             SUM(discount) AS discount
           FROM (SELECT "orderId", MIN("decisionId") AS "decisionId", MIN(value) AS value,
                   MIN(COALESCE(discount, 0)) AS discount
                 FROM orders
                 WHERE "orderId" IS NOT NULL AND "decisionId" IS NOT NULL AND ${VALID_ORDER}
                 GROUP BY "orderId") AS lines
           GROUP BY "decisionId") AS o
  ON o."decisionId" = d."decisionId"`,
  ];
}

/**
 * The per-cell sums of `learn_samples` (one row per offer, arm, reported group and ε): what
 * SNIPS and its variance need (`estimate.ts`: S0 = Σ 1/π … T2 = Σ y²/π²), and the window; of the
 * reward, of the claims (the surrogate the learner reads the profile slopes from), or of the
 * reward on claimed decisions only (`reward * claimed`: the value of a claim, `claimValue`).
 */
export function cellsSql(column: 'reward' | 'claimed' | 'reward * claimed' = 'reward'): string {
  return `SELECT "offerId", arm, "group", epsilon, COUNT(*) AS n,
  SUM(1.0 / propensity) AS s0, SUM(${column} / propensity) AS s1,
  SUM(${column} * ${column} / propensity) AS s2,
  SUM(1.0 / (propensity * propensity)) AS t0, SUM(${column} / (propensity * propensity)) AS t1,
  SUM(${column} * ${column} / (propensity * propensity)) AS t2,
  MIN("at") AS first_at, MAX("at") AS last_at
FROM learn_samples
GROUP BY "offerId", arm, "group", epsilon
ORDER BY "offerId", arm, "group", epsilon`;
}
export const CELLS_SQL = cellsSql();
