/**
 * Logged samples for off-policy evaluation: the feedback batches (deduplicated on event id) and
 * orders joined into one sample per decision, either with the decisions side file of a simulation
 * (every candidate and the model's outputs) or from what the device reported alone (the catalog
 * policies' odds of the shown offer).
 */
import { existsSync, statSync } from 'node:fs';
import type { FullWireEvent } from '../../src/feedback/wire.js';
import type { DecisionRecord, RunLogs } from './logs.js';
import { parsePolicy, type PolicySpec } from './policy.js';
import type { Reward } from './truth.js';
import { isValidPropensity } from '../analytics/queries.js';
import { jsonFlag } from '../lib/args.js';

/** A wire event as read from a file: the SDK's fields, none of them trusted yet. */
type UntrustedWireEvent = { [K in keyof FullWireEvent]?: unknown };

/** Every event of wire-format batches (as the collector stores them), in order; not deduplicated. */
function* wireEvents(batches: readonly unknown[]): Generator<UntrustedWireEvent> {
  for (const batch of batches) {
    const list = (batch as { events?: unknown })?.events;
    if (Array.isArray(list)) yield* list as UntrustedWireEvent[];
  }
}

interface OrderIn {
  decisionId?: unknown;
  revenue?: unknown;
  discount?: unknown;
}

/** What the feedback and orders say about each decision, read once for either join. */
interface Outcomes {
  events: number;
  duplicates: number;
  /** Impressions per decision, in arrival order (first one first). */
  impressions: Map<string, { offerId: string; propensity: number; policies: unknown }[]>;
  /** `${type}\n${decisionId}\n${offerId}` of clicks and claims. */
  responses: Set<string>;
  orders: Map<string, { n: number; revenue: number; discount: number }>;
}

/** Reads wire-format batches (deduplicated on event id) and the orders attributed to decisions. */
function readOutcomes(
  batches: readonly unknown[],
  orders: readonly unknown[] | undefined,
  reward: Reward,
): Outcomes {
  if (reward !== 'click' && reward !== 'claim' && orders === undefined) {
    // The logs' reader looked for orders.jsonl beside the first feedback file (a collector writes
    // it at the first order): say so, and what else would do.
    throw new Error(
      `reward ${reward} needs the orders (--orders): no orders.jsonl beside the first --feedback file, where a collector writes it at the first order; pass --orders <file>, or --reward click or claim`,
    );
  }
  const seen = new Set<string>();
  const out: Outcomes = {
    events: 0,
    duplicates: 0,
    impressions: new Map(),
    responses: new Set(),
    orders: new Map(),
  };
  for (const raw of wireEvents(batches)) {
    if (typeof raw?.id !== 'string' || typeof raw.decisionId !== 'string') continue;
    if (seen.has(raw.id)) {
      out.duplicates++;
      continue;
    }
    seen.add(raw.id);
    out.events++;
    const offerId = String(raw.offerId);
    if (raw.type === 'impression' && typeof raw.propensity === 'number') {
      const list = out.impressions.get(raw.decisionId) ?? [];
      list.push({ offerId, propensity: raw.propensity, policies: raw.policies });
      out.impressions.set(raw.decisionId, list);
    } else if (raw.type === 'click' || raw.type === 'claim') {
      out.responses.add(`${raw.type}\n${raw.decisionId}\n${offerId}`);
    }
  }
  for (const raw of (orders ?? []) as OrderIn[]) {
    if (typeof raw?.decisionId !== 'string') continue;
    const o = out.orders.get(raw.decisionId) ?? { n: 0, revenue: 0, discount: 0 };
    o.n++;
    o.revenue += typeof raw.revenue === 'number' ? raw.revenue : 0;
    o.discount += typeof raw.discount === 'number' ? raw.discount : 0;
    out.orders.set(raw.decisionId, o);
  }
  return out;
}

/**
 * The reward of a decision: that of its first-slot offer, a click or claim event for it (0/1),
 * or the orders attributed to the decision (order: 0/1, revenue, discount, net = revenue −
 * discount).
 */
function rewardOf(outcomes: Outcomes, decisionId: string, offerId: string, reward: Reward): number {
  const o = outcomes.orders.get(decisionId);
  const key = (type: string) => `${type}\n${decisionId}\n${offerId}`;
  switch (reward) {
    case 'click':
    case 'claim':
      return outcomes.responses.has(key(reward)) ? 1 : 0;
    case 'order':
      return o && o.n > 0 ? 1 : 0;
    case 'revenue':
      return o?.revenue ?? 0;
    case 'discount':
      return o?.discount ?? 0;
    case 'net':
      return (o?.revenue ?? 0) - (o?.discount ?? 0);
  }
}

/** One logged decision usable for off-policy evaluation. */
export interface LoggedSample {
  decision: DecisionRecord;
  /** Index in `decision.candidates` of the offer shown (first slot). */
  shown: number;
  /** Its logged propensity (from the impression event). */
  propensity: number;
  reward: number;
}

export interface JoinResult {
  samples: LoggedSample[];
  /** Decisions left out, by reason. */
  excluded: Record<string, number>;
  events: number;
  duplicates: number;
}

/**
 * Joins wire-format batches (deduplicated on event id), the decisions side file and the orders
 * into one sample per personalized decision with an impression of its first-slot offer.
 */
export function joinLogs(
  batches: readonly unknown[],
  decisions: readonly DecisionRecord[],
  orders: readonly unknown[] | undefined,
  reward: Reward,
): JoinResult {
  const outcomes = readOutcomes(batches, orders, reward);
  const excluded: Record<string, number> = {
    not_personalized: 0,
    no_impression: 0,
    not_a_candidate: 0,
    candidates_truncated: 0,
  };
  const samples: LoggedSample[] = [];
  for (const decision of decisions) {
    if (!decision.personalized) {
      excluded.not_personalized!++;
      continue;
    }
    if ((decision.omitted ?? 0) > 0) {
      // Other policies could have chosen an offer that is not in the log.
      excluded.candidates_truncated!++;
      continue;
    }
    const first = decision.shown[0];
    const logged =
      first &&
      outcomes.impressions.get(decision.decisionId)?.find((e) => e.offerId === first.offerId);
    if (!first || !logged) {
      excluded.no_impression!++;
      continue;
    }
    const shown = decision.candidates.findIndex((c) => c.offerId === first.offerId && c.allowed);
    if (shown < 0) {
      excluded.not_a_candidate!++;
      continue;
    }
    samples.push({
      decision,
      shown,
      propensity: logged.propensity,
      reward: rewardOf(outcomes, decision.decisionId, first.offerId, reward),
    });
  }
  return { samples, excluded, events: outcomes.events, duplicates: outcomes.duplicates };
}

/** A decision as a collector's logs alone describe it: the device's report of the catalog policies. */
export interface PolicySample {
  decisionId: string;
  /** The offer shown in the first slot. */
  offerId: string;
  /** Its logged propensity. */
  propensity: number;
  /** Each catalog policy's probability of that offer, as the device reported it (rounded). */
  policies: Record<string, number>;
  reward: number;
}

export interface PolicyJoinResult {
  samples: PolicySample[];
  /** The candidate policies the logs carry, with the decisions that report each. */
  policyIds: Record<string, number>;
  /** Impressions left out, by reason. */
  excluded: Record<string, number>;
  events: number;
  duplicates: number;
}

/**
 * One sample per decision whose first impression carries the catalog policies' odds (a
 * personalized decision's first-slot offer, in the SDK). A malformed `policies` object, or a
 * propensity the wire cannot carry (under `MIN_PROPENSITY` or above 1), is left out and counted
 * (`malformed_policies`), never trusted.
 */
export function joinPolicyLogs(
  batches: readonly unknown[],
  orders: readonly unknown[] | undefined,
  reward: Reward,
): PolicyJoinResult {
  const outcomes = readOutcomes(batches, orders, reward);
  const excluded: Record<string, number> = { malformed_policies: 0 };
  const policyIds: Record<string, number> = {};
  const samples: PolicySample[] = [];
  for (const [decisionId, list] of outcomes.impressions) {
    const first = list.find((e) => e.policies !== undefined);
    if (!first) continue;
    const raw = first.policies;
    const entries =
      raw !== null && typeof raw === 'object' && !Array.isArray(raw)
        ? Object.entries(raw as Record<string, unknown>)
        : [];
    const valid =
      entries.length > 0 &&
      entries.every(([, p]) => typeof p === 'number' && p >= 0 && p <= 1) &&
      isValidPropensity(first.propensity);
    if (!valid) {
      excluded.malformed_policies!++;
      continue;
    }
    const policies = Object.fromEntries(entries) as Record<string, number>;
    for (const id of Object.keys(policies)) policyIds[id] = (policyIds[id] ?? 0) + 1;
    samples.push({
      decisionId,
      offerId: first.offerId,
      propensity: first.propensity,
      policies,
      reward: rewardOf(outcomes, decisionId, first.offerId, reward),
    });
  }
  return {
    samples,
    policyIds,
    excluded,
    events: outcomes.events,
    duplicates: outcomes.duplicates,
  };
}

/** What the logs offer to evaluate `--policy` with: a catalog policy's reports, or decisions. */
export function policySource(
  policy: string,
  logs: RunLogs,
  reward: Reward,
):
  | { kind: 'reported'; id: string; joined: PolicyJoinResult }
  | { kind: 'decisions'; spec: PolicySpec; joined: JoinResult } {
  if (existsSync(policy) && statSync(policy).isFile()) {
    if (!logs.decisions) {
      const reported = joinPolicyLogs(logs.batches, logs.orders, reward);
      const ids = Object.keys(reported.policyIds);
      throw new Error(
        `--policy ${policy}: a policy file needs the decisions side file (decisions.jsonl, which only a simulation writes: the SDK never sends model outputs). ${ids.length > 0 ? `These logs can evaluate the catalog's candidate policies: ${ids.join(', ')} (--policy <id>)` : 'These logs carry no candidate policies either: name up to 4 in the catalog ("policies") and the device reports their odds'}`,
      );
    }
    const spec = jsonFlag('policy', policy, parsePolicy);
    return {
      kind: 'decisions',
      spec,
      joined: joinLogs(logs.batches, logs.decisions, logs.orders, reward),
    };
  }
  const joined = joinPolicyLogs(logs.batches, logs.orders, reward);
  if (!(policy in joined.policyIds)) {
    const ids = Object.keys(joined.policyIds);
    throw new Error(
      `--policy ${JSON.stringify(policy)}: not a file, and no logged impression reports a catalog policy of that id (${ids.length > 0 ? `the logs have: ${ids.join(', ')}` : 'the logs carry no candidate policies: name up to 4 in the catalog ("policies")'})`,
    );
  }
  return { kind: 'reported', id: policy, joined };
}
