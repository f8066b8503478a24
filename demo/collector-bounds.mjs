// The demo collector's bounded state: what it remembers per event id, per record read back and
// per client address, each with a cap, so that no client can grow the server's memory.

/**
 * Ids seen in the last `ttlMs`, at most `maxIds` of them. A Map keeps insertion order and
 * insertion times only grow, so what expires or overflows is always at the front: pruning costs
 * only what it removes.
 */
export class IdMemory {
  constructor({ ttlMs, maxIds, now }) {
    this.ttlMs = ttlMs;
    this.maxIds = maxIds;
    this.now = now;
    this.ids = new Map();
    /** Ids forgotten before their TTL because of the size cap (a retry of one could be stored twice). */
    this.evicted = 0;
  }

  has(id) {
    this.prune();
    return this.ids.has(id);
  }

  add(id) {
    this.ids.delete(id);
    this.ids.set(id, this.now());
    this.prune();
  }

  get size() {
    return this.ids.size;
  }

  prune() {
    const oldest = this.now() - this.ttlMs;
    for (const [id, at] of this.ids) {
      if (at > oldest && this.ids.size <= this.maxIds) break;
      if (at > oldest) this.evicted++;
      this.ids.delete(id);
    }
  }
}

/**
 * The last `max` records, each under a growing sequence number that serves as the paging cursor
 * (`?after=<cursor>`); older records fall off (the JSONL file has them all).
 */
export class RecentLog {
  constructor(max) {
    this.max = max;
    this.items = [];
    this.seq = 0;
  }

  push(record) {
    this.items.push({ seq: ++this.seq, record });
    // Trimmed in steps so that a push is O(1) on average.
    if (this.items.length >= 2 * this.max) this.items = this.items.slice(-this.max);
  }

  /** Records after `after`, at most `limit`: `{ items, next, more }`; `next` is the cursor to pass. */
  page(after, limit) {
    const kept = this.items.length > this.max ? this.items.slice(-this.max) : this.items;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid].seq <= after) lo = mid + 1;
      else hi = mid;
    }
    const slice = kept.slice(lo, lo + limit);
    return {
      items: slice.map((x) => x.record),
      next: String(slice.length > 0 ? slice[slice.length - 1].seq : Math.max(after, 0)),
      more: lo + slice.length < kept.length,
    };
  }
}

/** A token bucket per client address; a request may take the bucket into debt (see `spend`). */
export class RateLimiter {
  constructor({ capacity, perSecond, maxClients, now }) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.maxClients = maxClients;
    this.now = now;
    this.buckets = new Map();
  }

  bucket(client) {
    const now = this.now();
    let b = this.buckets.get(client);
    if (b) {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
      this.buckets.delete(client);
    } else b = { tokens: this.capacity, at: now };
    this.buckets.set(client, b);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value);
    return b;
  }

  /** Takes one token: 0 when allowed, else the seconds to wait (for `Retry-After`). */
  take(client) {
    const b = this.bucket(client);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  /**
   * Charges `n` more tokens once the body is read (a batch costs one per event): the bucket may go
   * below zero, and the client then waits that debt off before its next request.
   */
  spend(client, n) {
    if (n > 0) this.bucket(client).tokens -= n;
  }
}
