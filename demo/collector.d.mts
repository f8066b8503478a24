import type { IncomingMessage, ServerResponse } from 'node:http';

export type CollectorLimits = {
  readonly maxString: number;
  readonly maxPolicies: number;
  readonly maxDropReasons: number;
  readonly maxBatchEvents: number;
  readonly maxFeedbackBytes: number;
  readonly maxSmallBytes: number;
  readonly maxAgeMs: number;
  readonly maxAheadMs: number;
  readonly dedupeTtlMs: number;
  readonly dedupeMaxIds: number;
  readonly recentMax: number;
  readonly pageDefault: number;
  readonly pageMax: number;
  readonly rateCapacity: number;
  readonly ratePerSecond: number;
  readonly rateMaxClients: number;
  readonly maxRevenue: number;
};

export const DEFAULT_LIMITS: CollectorLimits;
export const BATCH_FIELDS: readonly string[];
export const EVENT_FIELDS: readonly string[];
export const ANONYMOUS_EVENT_FIELDS: readonly string[];
export const EVENT_TYPES: readonly string[];
export const ORDER_FIELDS: readonly string[];
export const POLICY_ID: RegExp;
/** The group report's fields and bounds (src/feedback/wire.ts pins the same). */
export const GROUP_FIELDS: readonly string[];
export const GROUP_BOUNDS: {
  readonly maxK: number;
  readonly maxEpsilon: number;
  readonly epsilonDecimals: number;
  readonly set: RegExp;
};
/** The precision stored: what the wire format carries (src/feedback/wire.ts). */
export const PRECISION: {
  readonly propensityDecimals: number;
  readonly policyDecimals: number;
  readonly fullTimeMs: number;
  readonly anonymousTimeMs: number;
};

/** A stored event: the wire fields only. */
export type StoredEvent = Record<string, unknown> & { id: string; type: string };

export function validateEvent(
  raw: unknown,
  field: string,
  now: number,
  limits?: CollectorLimits,
): { event: StoredEvent; error?: undefined } | { error: string; event?: undefined };

export function validateBatch(
  raw: unknown,
  now: number,
  limits?: CollectorLimits,
):
  | { status: 400 | 413; error: string }
  | {
      header: { v: 1; sentAt?: number; dropped: Record<string, number>; droppedId?: string };
      events: StoredEvent[];
      invalid: string[];
      error?: undefined;
    };

export function validateOrder(
  raw: unknown,
  limits?: CollectorLimits,
): { order: Record<string, unknown>; error?: undefined } | { error: string; order?: undefined };

export class IdMemory {
  constructor(options: { ttlMs: number; maxIds: number; now: () => number });
  readonly size: number;
  readonly evicted: number;
  has(id: string): boolean;
  add(id: string): void;
}

export class RecentLog<T = unknown> {
  constructor(max: number);
  push(record: T): void;
  page(after: number, limit: number): { items: T[]; next: string; more: boolean };
}

export class RateLimiter {
  constructor(options: {
    capacity: number;
    perSecond: number;
    maxClients: number;
    now: () => number;
  });
  take(client: string): number;
  spend(client: string, n: number): void;
}

export function makeQaToken(): string;

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export function createCollector(options: {
  dataDir: string;
  /** Origins allowed to write (the shop's own pages). */
  origins: string[];
  /** The QA routes' token. */
  qaToken: string;
  now?: () => number;
  limits?: Partial<CollectorLimits>;
}): { limits: CollectorLimits; routes: Record<string, Route> };
