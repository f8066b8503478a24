/** The shapes of the effect report: its options, `report.json`, and what the HTML renders. */
import type { DEFINITIONS } from './definitions.js';
import type { Classification, Difference, Rate } from './stats.js';

export interface ReportOptions {
  feedback: readonly string[];
  orders?: string | undefined;
  out: string;
  /** Propensity threshold for "predicted to respond", a multiple of 0.01; default 0.5. */
  threshold?: number;
  /** An optimiser's `trace.json` (`npm run optimize -- --out`): its convergence is charted. */
  trace?: string | undefined;
}
/** The optimiser's convergence, as `npm run optimize` wrote it. */
export interface OptimiserTrace {
  file: string;
  method: string | null;
  /** `best` after each distinct evaluation (at most 2,000 points, evenly thinned). */
  points: { evaluation: number; value: number; best: number }[];
}
export interface OfferRow {
  offerId: string;
  placement: string;
  day?: string;
  arm?: string;
  shown: number;
  impressions: number;
  clicks: number;
  claims: number;
  dismissals: number;
  engaged: number;
  converted: number | null;
  revenue: number | null;
  viewableRate: number | null;
  clickThrough: number | null;
  claimRate: number | null;
  dismissRate: number | null;
  participation: number | null;
  conversion: number | null;
}

export interface DailyRow {
  day: string;
  arm: string;
  impressions: number;
  decisions: number;
  clickThrough: Rate | null;
  claimRate: Rate | null;
  engagement: Rate | null;
  conversion: Rate | null;
}

export interface ArmCounts {
  decisions: number;
  engaged: number;
  claimed: number;
  converted: number;
  revenue: number;
  revenueSq: number;
}

export interface HoldoutComparison {
  placement: string;
  personalized: ArmCounts;
  holdout: ArmCounts;
  engaged: Comparison | null;
  claimed: Comparison | null;
  converted: Comparison | null;
  revenuePerDecision: (Difference & { mean1: number; mean2: number }) | null;
}

export interface Comparison extends Difference {
  personalized: Rate;
  holdout: Rate;
}

export interface EffectReport {
  version: 1;
  inputs: { feedback: string[]; orders: string | null };
  definitions: typeof DEFINITIONS;
  summary: {
    lines: number;
    badLines: number;
    rawEvents: number;
    events: number;
    duplicates: number;
    invalidEvents: number;
    anonymousEvents: number;
    decisions: number;
    pairs: number;
    firstDay: string | null;
    lastDay: string | null;
    dropped: Record<string, number>;
    orders: {
      /** Lines of the orders file read. */
      lines: number;
      /** Lines left out: value not a number in [0, 10⁹] or discount not in [0, value]. */
      invalid: number;
      /** Orders after dedupe on orderId (with a decision id and a valid value). */
      orders: number;
      revenue: number;
      /** Of those, orders whose decision is in the feedback. */
      matchedOrders: number;
      matchedRevenue: number;
    } | null;
  };
  offers: OfferRow[];
  funnel: OfferRow[];
  daily: DailyRow[];
  holdout: { overall: HoldoutComparison; byPlacement: HoldoutComparison[] };
  targeting: {
    predictor: 'propensity';
    population: number;
    responded: number;
    threshold: Classification;
    best: Classification | null;
    sweep: Classification[];
  };
  anonymous: {
    offerId: string;
    placement: string;
    day: string;
    impressions: number;
    clicks: number;
    claims: number;
    dismissals: number;
  }[];
  warnings: string[];
  timings: Record<string, number>;
  /** With `--trace`: the optimiser's convergence. */
  optimiser?: OptimiserTrace;
}
