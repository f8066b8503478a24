import type { StaticServer } from '../test/support/server.mjs';

/**
 * Serves the demo shop (pages at /, dist/ under /offerwise/, /api/catalog, the feedback collector
 * /api/feedback with /api/feedback/received and the fault controls /api/faults); `port` 0 picks a
 * free one (default 8080).
 */
export function startDemoServer(options?: {
  port?: number;
  /** Where the feedback collector appends its JSONL (default demo/.data). */
  dataDir?: string;
}): Promise<StaticServer>;
