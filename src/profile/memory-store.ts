import type { NormalizedEvent } from '../events/types.js';
import { applyEvent, emptyAggregates, type Aggregates } from './aggregates.js';
import { MAX_TRANSACTION_IDS, type ProfileOptions } from './options.js';
import type { ProfileStore, StoreContents, WriteOutcome } from './store.js';

/** The profile kept in this page's memory: under denied or pending consent, or when storage fails. */
export class MemoryStore implements ProfileStore {
  readonly kind = 'memory' as const;
  private aggregates: Aggregates;
  private events: NormalizedEvent[] = [];
  private transactions = new Map<string, number>();

  constructor(
    private readonly options: ProfileOptions,
    seed?: Aggregates,
  ) {
    this.aggregates = seed ? structuredClone(seed) : emptyAggregates();
  }

  async write(events: NormalizedEvent[]): Promise<WriteOutcome> {
    let duplicatePurchases = 0;
    for (const event of events) {
      const id = event.transactionId;
      const duplicate = id !== undefined && this.transactions.has(id);
      if (duplicate) duplicatePurchases++;
      else if (id !== undefined) {
        this.transactions.set(id, event.at);
        if (this.transactions.size > MAX_TRANSACTION_IDS) {
          this.transactions.delete(this.transactions.keys().next().value as string);
        }
      }
      applyEvent(this.aggregates, event, this.options, duplicate);
      this.events.push(event);
    }
    const overflow = this.events.length - this.options.maxEvents;
    if (overflow > 0) {
      this.events.splice(0, overflow);
      this.aggregates.compactedEvents += overflow;
    }
    this.aggregates.rawEvents = this.events.length;
    return { duplicatePurchases };
  }

  async adopt(contents: StoreContents): Promise<WriteOutcome> {
    if (this.aggregates.firstSeenAt !== null) return this.write(contents.events);
    this.aggregates = structuredClone(contents.aggregates);
    this.events = structuredClone(contents.events);
    this.transactions = new Map(contents.transactions.map((t) => [t.id, t.at]));
    return { duplicatePurchases: 0 };
  }

  async read(): Promise<Aggregates> {
    return structuredClone(this.aggregates);
  }

  async update(change: (aggregates: Aggregates) => void): Promise<void> {
    const next = structuredClone(this.aggregates);
    change(next);
    this.aggregates = next;
  }

  async prune(cutoff: number, txCutoff: number): Promise<number> {
    const before = this.events.length;
    this.events = this.events.filter((e) => e.at >= cutoff);
    const removed = before - this.events.length;
    this.aggregates.rawEvents = this.events.length;
    this.aggregates.expiredEvents += removed;
    for (const [id, at] of this.transactions) if (at < txCutoff) this.transactions.delete(id);
    return removed;
  }

  async contents(): Promise<StoreContents> {
    return {
      aggregates: structuredClone(this.aggregates),
      events: structuredClone(this.events),
      transactions: [...this.transactions].map(([id, at]) => ({ id, at })),
    };
  }

  async erase(): Promise<void> {
    this.aggregates = emptyAggregates();
    this.events = [];
    this.transactions.clear();
  }

  close(): void {}
}
