import type { StaticServer } from '../test/support/server.mjs';

/** Serves dist/ under /offerwise/ and the demo page at /; `port` 0 picks a free one (default 8080). */
export function startDemoServer(options?: {
  port?: number;
  /** Where the feedback collector appends its JSONL (default demo/.data). */
  dataDir?: string;
}): Promise<StaticServer>;
