/**
 * The files of a campaign run, as the shop's collector and the simulator write them: feedback
 * batches (the SDK's wire format), orders attributed to decisions, and — from the simulator only
 * — the decisions side file (`decisions.jsonl`, what each decision weighed), with the catalog.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Offer } from '../../src/decide/types.js';
import type { FullWireEvent, WireBatch } from '../../src/feedback/wire.js';
import { NOT_A_BATCH } from '../analytics/queries.js';
import { fileFlag, jsonFlag } from '../lib/args.js';
import { readJsonl } from '../lib/jsonl.js';
import type { TrueOutcome } from './truth.js';
import { loadCatalog } from './world.js';

/** A simulated event: the SDK's wire event under full measurement. */
export type WireEvent = FullWireEvent;
/** A simulated batch, as the SDK sends it. */
export type FeedbackBatch = WireBatch & { events: FullWireEvent[] };

/** One line of `orders.jsonl`: an order attributed to the decision of the visit. */
export interface OrderRecord {
  orderId: string;
  decisionId: string;
  /** The offer whose coupon was used, or null. */
  offerId: string | null;
  at: number;
  revenue: number;
  discount: number;
  currency: string;
}

// ---------------------------------------------------------------------------------------------
// decisions.jsonl

/** One candidate a decision weighed (from `Decider.inspect`), plus what the caps allowed. */
export interface CandidateRecord {
  offerId: string;
  category: string;
  /** The logging policy's score (expected incremental value by its objective). */
  score: number;
  pTreated: number;
  pControl: number;
  uplift: number;
  /** Whether the frequency caps left it to the policy (the set the policy chose from). */
  allowed: boolean;
  /** The 34 model inputs (`buildFeatures`), so a different model can rescore it (`--model`). */
  features?: number[];
}

/** One line of `decisions.jsonl`. */
export interface DecisionRecord {
  decisionId: string;
  placement: string;
  at: number;
  shopper: number;
  /** False for the holdout (catalog order, propensity 1): off-policy evaluation skips those. */
  personalized: boolean;
  holdout: boolean;
  modelVersion: string;
  source: string;
  /** The cart's value when deciding (prices a percent discount for the `revenue` objective). */
  cartValue: number;
  candidates: CandidateRecord[];
  shown: { offerId: string; propensity: number }[];
  /** Allowed candidates the log left out (an SDK impression carries at most 50); > 0: unusable. */
  omitted?: number;
}

// ---------------------------------------------------------------------------------------------
// Reading a run

/** What {@link readLogs} found. */
export interface RunLogs {
  /** Feedback batches as stored (not validated: the joins check each field). */
  batches: unknown[];
  /** The decisions side file, when the run has one (only a simulation writes it). */
  decisions: DecisionRecord[] | undefined;
  orders: unknown[] | undefined;
  offers: Map<string, Offer>;
  /** Decisions left out because they weighed an offer the catalog does not have. */
  offerNotInCatalog: number;
  /** What the caller should tell the user (a CLI prints them on stderr). */
  warnings: string[];
}

/**
 * Reads the logs of a run: feedback batches, orders (optional), and — when the run has them —
 * the decisions side file (a simulation's `decisions.jsonl`) with the catalog they were decided
 * with. A collector's logs have no decisions file: `decisions` is then undefined and the catalog
 * optional (the device already evaluated the catalog's policies).
 */
export function readLogs(args: {
  feedback: readonly string[];
  decisions?: string | undefined;
  orders?: string | undefined;
  catalog?: string | undefined;
}): RunLogs {
  const files = args.feedback;
  if (files.length === 0) throw new Error('--feedback: expected one or more files');
  for (const f of files) fileFlag('feedback', f);
  // The decisions, orders and catalog default to the files beside the first feedback file; a
  // flag that names one names a file that must exist.
  const dir = dirname(files[0]!);
  const decisionsPath = args.decisions ?? join(dir, 'decisions.jsonl');
  if (args.decisions !== undefined) fileFlag('decisions', decisionsPath);
  const ordersPath = args.orders ?? join(dir, 'orders.jsonl');
  if (args.orders !== undefined) fileFlag('orders', ordersPath);
  const catalogPath = args.catalog ?? join(dir, 'catalog.json');
  const hasDecisions = existsSync(decisionsPath);
  if (hasDecisions || args.catalog !== undefined) {
    fileFlag('catalog', catalogPath, 'the campaign catalog the decisions were made with');
  }
  const offers = existsSync(catalogPath)
    ? new Map(jsonFlag('catalog', catalogPath, loadCatalog).offers.map((o) => [o.id, o]))
    : new Map<string, Offer>();
  // The collector's logs are append-only: a line cut short by a crash (or otherwise not JSON) is
  // left out and counted, as `npm run report` and `learn` do, and the rest is read.
  const warnings: string[] = [];
  let badLines = 0;
  const batches = files.flatMap((f) => readJsonl(f, { skipBad: () => badLines++ }));
  if (badLines > 0) {
    warnings.push(`${badLines} line(s) of the feedback files left out: ${NOT_A_BATCH}`);
  }
  let badOrders = 0;
  const orders = existsSync(ordersPath)
    ? readJsonl(ordersPath, { skipBad: () => badOrders++ })
    : undefined;
  if (badOrders > 0) {
    warnings.push(`${badOrders} line(s) of ${ordersPath} left out: not JSON (cut short?)`);
  }
  if (!hasDecisions)
    return { batches, decisions: undefined, orders, offers, offerNotInCatalog: 0, warnings };
  // The decisions side file is the simulator's own output, read strictly.
  const decisions = readJsonl<DecisionRecord>(decisionsPath);
  // A decision that weighed an offer the catalog does not have cannot be re-decided by another
  // policy (its discount and margin are unknown): left out, counted, named in a warning.
  const known = decisions.filter((d) => d.candidates.every((c) => offers.has(c.offerId)));
  const unknown = decisions.length - known.length;
  if (unknown > 0) {
    const missing = new Set(
      decisions.flatMap((d) => d.candidates.map((c) => c.offerId)).filter((id) => !offers.has(id)),
    );
    warnings.push(
      `${unknown} decision(s) left out: offers not in ${catalogPath}: ${[...missing].slice(0, 5).join(', ')}${missing.size > 5 ? ', …' : ''} (pass the catalog they were decided with, --catalog)`,
    );
  }
  return { batches, decisions: known, orders, offers, offerNotInCatalog: unknown, warnings };
}

/** The true expected outcomes per decision and candidate of a simulation's `truth.json`. */
export function readTruth(path: string): Record<string, Record<string, TrueOutcome>> {
  return jsonFlag('truth', path, (json) => {
    const perDecision = (json as { perDecision?: unknown } | null)?.perDecision;
    if (!perDecision || typeof perDecision !== 'object')
      throw new Error('expected the truth.json of npm run simulate (perDecision)');
    return perDecision as Record<string, Record<string, TrueOutcome>>;
  });
}
