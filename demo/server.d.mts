import type { StaticServer } from '../test/support/server.mjs';
import type { CollectorLimits } from './collector.mjs';

export interface DemoServerOptions {
  /** 0 picks a free one (default 8080). */
  port?: number;
  /** Where the collector appends its JSONL and the served catalog (default demo/.data). */
  dataDir?: string;
  /** The collector's wall clock in ms (default `Date.now`): tests move it to expire ids. */
  now?: () => number;
  /** Overrides of the collector's bounds (tests make them small). */
  limits?: Partial<CollectorLimits>;
  /** The shopper groups the catalog names (default models/default-segments.json). */
  segmentsFile?: string;
}

export interface DemoServer extends StaticServer {
  /** The QA routes' token (`X-QA-Token`), made at start-up; `npm run demo` prints it. */
  readonly qaToken: string;
}

/**
 * Serves the demo shop (pages at /, dist/ under /offerwise/, /api/catalog, the collector's
 * /api/feedback and /api/orders, the learning files /api/learning/segments.json and
 * /api/learning/effects.json, and the QA routes /api/feedback/received, GET /api/orders,
 * /api/faults, POST /api/learn and POST /api/simulate, which need the `X-QA-Token` header).
 */
export function startDemoServer(options?: DemoServerOptions): Promise<DemoServer>;
