/**
 * The decision tunables and their defaults, apart from the decider so that configuration can be
 * validated without it (the script tag validates its configuration before loading the decider).
 */
import type { EligibilityOptions } from './eligibility.js';
import { DEFAULT_ELIGIBILITY } from './eligibility.js';
import type { ExplanationMessages } from './explain.js';
import { DEFAULT_POLICY, type PolicyOptions } from './policy.js';
import { DEFAULT_CAPS, type CapRules } from './state-store.js';
import { DEFAULT_VALUE, type ValueOptions } from './value.js';

export interface DecisionOptions {
  value: ValueOptions;
  policy: PolicyOptions;
  eligibility: EligibilityOptions;
  caps: CapRules;
  /** Share of shoppers (sticky) who see no personalized offer; default 0.05. */
  holdoutShare: number;
  /** How long a decision may wait for the model before the fallback decides, ms; default 50. */
  budgetMs: number;
  messages?: Partial<ExplanationMessages>;
  locale?: string;
}

export const DEFAULT_DECISION_OPTIONS: DecisionOptions = {
  value: DEFAULT_VALUE,
  policy: DEFAULT_POLICY,
  eligibility: DEFAULT_ELIGIBILITY,
  caps: DEFAULT_CAPS,
  holdoutShare: 0.05,
  budgetMs: 50,
};
