// The unit tests of the feedback outbox (src/feedback/*.test.ts): a collector that records every
// delivered id and answers as a test tells it, the feedback they report, and an outbox wired to
// both on fake timers.
import { afterEach, beforeEach, vi } from 'vitest';
import { Outbox, type FeedbackInput, type OutboxOptions } from '../../src/feedback/outbox.js';
import { freshIndexedDB } from './fake-idb.js';

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Real macrotasks (fake-indexeddb runs on setImmediate, which stays real). */
export const tick = () => new Promise<void>((r) => setImmediate(r));
export async function idle(n = 40): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

export interface Req {
  ids: string[];
  body: {
    v: number;
    sentAt: number;
    events: Record<string, unknown>[];
    dropped: Record<string, number>;
  };
  headers: Record<string, string>;
  /** The request's options (credentials, referrer policy, keepalive). */
  init: RequestInit;
  at: number;
}
export type Reply = {
  status: number;
  retryAfter?: string;
  /** The reply's `Date` header. */
  date?: string;
  lost?: boolean;
  record?: boolean;
};

/** A collector: records every delivered id; `decide` picks the reply. */
export class Server {
  requests: Req[] = [];
  delivered = new Map<string, number>();
  dropped: Record<string, number> = {};
  inflight = 0;
  maxInflight = 0;
  decide: (req: Req) => Reply = () => ({ status: 200 });
  fetch = (async (_url: string, init: RequestInit) => {
    this.inflight++;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    try {
      await tick();
      if (init.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      const body = JSON.parse(String(init.body)) as Req['body'];
      const req: Req = {
        ids: body.events.map((e) => String(e.id)),
        body,
        headers: init.headers as Record<string, string>,
        init,
        at: Date.now(),
      };
      this.requests.push(req);
      const reply = this.decide(req);
      if ((reply.status >= 200 && reply.status < 300) || reply.lost) {
        for (const id of req.ids) this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
        for (const [k, v] of Object.entries(body.dropped))
          this.dropped[k] = (this.dropped[k] ?? 0) + v;
      }
      if (reply.lost || reply.status === 0) throw new TypeError('Failed to fetch');
      const headers = new Headers();
      if (reply.retryAfter !== undefined) headers.set('Retry-After', reply.retryAfter);
      if (reply.date !== undefined) headers.set('Date', reply.date);
      return new Response(null, { status: reply.status, headers });
    } finally {
      this.inflight--;
    }
  }) as unknown as typeof fetch;
}

let seq = 0;
export const fb = (over: Partial<FeedbackInput> = {}): FeedbackInput => ({
  type: 'impression',
  decisionId: `d-${seq++}`,
  offerId: 'o1',
  placement: 'home',
  propensity: 0.5,
  modelVersion: 'm1',
  ...over,
});

export let server: Server;
export const make = (over: Partial<OutboxOptions> = {}) =>
  new Outbox({
    endpoint: '/api/feedback',
    fetch: server.fetch,
    monotonic: () => Date.now(),
    locks: null,
    random: () => 0.5,
    ...over,
  });

/**
 * Each test of the calling file starts with an empty IndexedDB, a fresh collector in `server`
 * and fake timers (`Date` included) at 2025-03-01 12:00 UTC.
 */
export function useOutboxHarness(): void {
  beforeEach(() => {
    freshIndexedDB();
    server = new Server();
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'Date'],
      now: Date.parse('2025-03-01T12:00:00Z'),
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
