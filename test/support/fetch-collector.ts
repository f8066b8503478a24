import { vi } from 'vitest';

/** One batch as the outbox posts it. */
export interface PostedBatch {
  events: Record<string, unknown>[];
}

/** What {@link stubCollector} hands back. */
export interface StubCollector {
  /** Every event posted so far, in order. */
  sent(): Record<string, unknown>[];
  /** Forgets what was posted so far. */
  clear(): void;
}

/**
 * Stands in for the shop's collector in unit tests: the global `fetch` answers every request
 * with 204 and keeps each posted batch. Undone by `vi.unstubAllGlobals()`.
 */
export function stubCollector(): StubCollector {
  const batches: PostedBatch[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      batches.push(JSON.parse(String(init.body)) as PostedBatch);
      return new Response(null, { status: 204 });
    }),
  );
  return {
    sent: () => batches.flatMap((b) => b.events),
    clear: () => void batches.splice(0),
  };
}
