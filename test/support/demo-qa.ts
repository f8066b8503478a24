// What the tests read from the demo collector's QA routes, with the token the server made.
import type { DemoServer } from '../../demo/server.mjs';

/** The header every QA route needs. */
export const qaHeaders = (server: DemoServer) => ({ 'x-qa-token': server.qaToken });

/** A QA GET, answered 200 (else throws with the status and the body). */
export async function qaGet<T>(server: DemoServer, pathname: string): Promise<T> {
  const response = await fetch(server.url(pathname), { headers: qaHeaders(server) });
  if (response.status !== 200)
    throw new Error(`GET ${pathname}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every record of a paged QA route (`events` or `orders`), page by page. */
async function all<T>(server: DemoServer, route: string, key: string): Promise<T[]> {
  const out: T[] = [];
  let after = '0';
  for (;;) {
    const page = await qaGet<Record<string, unknown> & { next: string; more: boolean }>(
      server,
      `${route}?after=${after}&limit=1000`,
    );
    out.push(...(page[key] as T[]));
    if (!page.more) return out;
    after = page.next;
  }
}

/** The events the collector stored (the last 10,000; the JSONL file has them all). */
export const receivedEvents = <T = Record<string, unknown>>(server: DemoServer) =>
  all<T>(server, '/api/feedback/received', 'events');

/** The orders the collector stored. */
export const receivedOrders = <T = Record<string, unknown>>(server: DemoServer) =>
  all<T>(server, '/api/orders', 'orders');

export interface CollectorState {
  errorRate: number;
  latencyMs: number;
  dropAfterCommit: boolean;
  offline: boolean;
  counts: Record<string, number> & { byType: Record<string, number> };
  dedupe: { ids: number; evicted: number };
}

/** The fault switches, the counters and the dedupe map's size (`GET /api/faults`). */
export const collectorState = (server: DemoServer) => qaGet<CollectorState>(server, '/api/faults');
