import type { StoreNames } from 'idb';
import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { describeError, fieldError } from '../util/errors.js';
import { FallbackBackend } from '../util/fallback-backend.js';
import { deleteDatabase, OPEN_TIMEOUT_MS } from '../util/idb.js';
import { CallerError, type MemorySnapshot, type ReadTx, type WriteTx } from '../util/store-tx.js';
import {
  allowance,
  checkName,
  checkRules,
  checkShown,
  DEFAULT_SESSION_TIMEOUT_MS,
  impressions,
  offerKey,
  sweep,
  SWEEP_EVERY_MS,
  touchSession,
  windowStarts,
  bumped,
  type CapRules,
  type CounterRecord,
  type Frame,
  type SessionRecord,
} from './caps.js';
import {
  DEFAULT_STATE_DB_NAME,
  META_KEY,
  STATE_SCHEMA_VERSION,
  TABLES,
  upgradeStateSchema,
  type MetaRecord,
  type StateDB,
} from './state-schema.js';
import type { Decision } from './types.js';
import { dailyReport, type GroupReportMemo } from '../learning/randomized-response.js';
import { secureRandom } from './random.js';

export {
  DEFAULT_CAPS,
  DEFAULT_SESSION_TIMEOUT_MS,
  IMPRESSION_HORIZON_MS,
  MAX_IMPRESSIONS_PER_KEY,
  windowStarts,
  type CapLimits,
  type CapRules,
  type CapWindow,
} from './caps.js';
export {
  DEFAULT_STATE_DB_NAME,
  STATE_SCHEMA_VERSION,
  upgradeStateSchema,
  type StateDB,
} from './state-schema.js';

/**
 * The decision state of one shopper (frequency-cap counters, claims, last decision per placement,
 * the shopper's seed) in its own IndexedDB database, shared by every tab of the origin. What the
 * cap windows mean, and how clocks and bounds are handled, is `caps.ts`'s; this module keeps the
 * state and runs each reservation in one transaction.
 *
 * Degrade, never throw: if IndexedDB cannot be opened (throws, or takes more than
 * {@link STATE_OPEN_TIMEOUT_MS}) or a transaction fails (after one reopen on a lost connection),
 * the store continues in memory for the rest of the page with the same semantics (exact within
 * this tab, not across tabs), starting from a copy of the database when it can still be read, and
 * reports the diagnostic `state_fallback`. Only programmer errors are thrown: invalid arguments,
 * use after `close()`, and whatever `choose` throws.
 */

export interface StateStoreOptions {
  /** IndexedDB database name; default {@link DEFAULT_STATE_DB_NAME}. */
  dbName?: string;
  /** Wall clock, ms since epoch; default `Date.now`. */
  now?: () => number;
  /** Inactivity after which the session ends, ms; default 30 minutes. */
  sessionTimeoutMs?: number;
  /** Non-fatal problems (`state_fallback`, `state_blocked`, …); never thrown. */
  onDiagnostic?: ReportDiagnostic;
  /** Keep everything in memory for this page, nothing on disk (consent not granted). */
  memoryOnly?: boolean;
}

/** How long `indexedDB.open` may take before the state falls back to memory. */
export const STATE_OPEN_TIMEOUT_MS = OPEN_TIMEOUT_MS;

/** Everything stored, as returned by {@link StateStore.contents}; JSON-serialisable. */
export interface StateContents {
  storage: 'indexeddb' | 'memory';
  session: SessionRecord | null;
  seed: number | null;
  counters: Record<string, CounterRecord>;
  claims: Record<string, number>;
  decisions: Record<string, Decision>;
  /** Today's group-report draws, if any were made (see {@link StateStore.groupReport}). */
  groupReport: GroupReportMemo | null;
}

/** What {@link StateStore.groupReport} needs to draw: see `dailyReport`. */
export interface GroupReportRequest {
  /** The shopper's true group, 0…k−1. */
  group: number;
  /** The shopper's calendar day (days since epoch, local clock). */
  day: number;
  /** The segments file and ε the draws are for (a change starts over). */
  key: string;
  k: number;
  epsilon: number;
}

type Snapshot = Required<MemorySnapshot<StateDB>>;

/** What is stored while `meta.rev` is `rev`: the meta record and every counter. */
interface StateCopy {
  rev: string;
  meta: MetaRecord;
  counters: ReadonlyMap<string, CounterRecord>;
}

/** Thrown inside a reservation's transaction when the copy it chose from was stale. */
const STALE = Symbol('stale copy');

async function readAll(tx: ReadTx<StateDB>): Promise<Snapshot> {
  const [counters, meta, claims, decisions] = await Promise.all([
    tx.entries('counters'),
    tx.entries('meta'),
    tx.entries('claims'),
    tx.entries('decisions'),
  ]);
  return { counters, meta, claims, decisions };
}

/** Whether a transaction at `now` that found `meta` stored sweeps the counters (daily). */
function sweepDue(meta: MetaRecord, now: number): boolean {
  const swept = meta.sweptAt;
  return (
    typeof swept !== 'number' || !Number.isFinite(swept) || Math.abs(now - swept) >= SWEEP_EVERY_MS
  );
}

/** A token unique enough to tell two writes of the counters apart (96 random bits). */
function newRev(): string {
  try {
    return Array.from(globalThis.crypto.getRandomValues(new Uint32Array(3)), (n) =>
      n.toString(36),
    ).join('.');
  } catch {
    return `${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}`;
  }
}

function randomUint32(): number {
  try {
    return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
  } catch {
    return Math.floor(Math.random() * 4294967296);
  }
}

/** A memo as `dailyReport` wrote it; anything else (another version's, damaged) as none. */
function memoOf(value: unknown): GroupReportMemo | undefined {
  const memo = value as GroupReportMemo | undefined;
  return memo &&
    typeof memo === 'object' &&
    Number.isInteger(memo.day) &&
    typeof memo.key === 'string' &&
    Array.isArray(memo.draws) &&
    memo.draws.every((d) => Number.isInteger(d?.group) && Number.isInteger(d?.reported)) &&
    (memo.spent === undefined || Number.isInteger(memo.spent))
    ? memo
    : undefined;
}

function isSeed(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 4294967296;
}

/** The decision state of one shopper; see the module documentation for windows and fallbacks. */
export class StateStore {
  private readonly name: string;
  private readonly clock: () => number;
  private readonly sessionTimeoutMs: number;
  private readonly onDiagnostic: ReportDiagnostic | undefined;
  private readonly db: FallbackBackend<StateDB>;
  private seed: number | undefined;
  /**
   * The meta record and every counter as this tab last wrote or read them, when `meta.rev` was
   * `rev`. Every transaction that writes `meta` or `counters` writes a new `rev` (schema v2), so
   * while the stored `meta.rev` is `rev`, this is exactly what is stored, in this tab or any
   * other: `reserve` then needs neither the counters nor the meta record before it chooses (see
   * {@link reserve}). Set once the transaction that wrote it has asked to commit; a commit that
   * fails leaves the old `rev` stored, which no longer matches.
   */
  private copy: StateCopy | undefined;

  constructor(options: StateStoreOptions = {}) {
    this.name =
      options.dbName === undefined
        ? DEFAULT_STATE_DB_NAME
        : checkName('StateStoreOptions.dbName', options.dbName);
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw fieldError('invalid_input', 'StateStoreOptions.now', options.now, 'a function');
    }
    this.clock = options.now ?? Date.now;
    const timeout = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !(timeout > 0)) {
      throw fieldError(
        'invalid_input',
        'StateStoreOptions.sessionTimeoutMs',
        timeout,
        'a positive number of milliseconds',
      );
    }
    this.sessionTimeoutMs = timeout;
    this.onDiagnostic = options.onDiagnostic;
    this.db = new FallbackBackend<StateDB>({
      name: this.name,
      version: STATE_SCHEMA_VERSION,
      upgrade: upgradeStateSchema,
      prefix: 'state',
      label: 'decision-state database',
      report: this.report,
      layout: { counters: {}, meta: {}, claims: {}, decisions: {} },
      memoryOnly: options.memoryOnly,
      what: 'the decision state store',
      fallbackCode: 'state_fallback',
      fallbackMessage: (reason, opening) =>
        opening
          ? `IndexedDB could not be opened (${reason}); decision state is kept in memory for this page`
          : `a decision-state transaction failed (${reason}); continuing in memory for this page`,
      carry: async (read) => {
        // What the database still holds, and the seed this page already handed out.
        let snapshot: MemorySnapshot<StateDB> = {};
        try {
          snapshot = await read(TABLES, readAll);
        } catch {
          // Unreadable too: start empty.
        }
        const seed = this.seed;
        const meta = snapshot.meta?.find(([key]) => key === META_KEY)?.[1] ?? {};
        if (seed !== undefined && !isSeed(meta.seed)) {
          const others = (snapshot.meta ?? []).filter(([key]) => key !== META_KEY);
          snapshot.meta = [...others, [META_KEY, { ...meta, seed, rev: newRev() }]];
        }
        // Memory starts from what could be read, not from what this tab last wrote.
        this.copy = undefined;
        return snapshot;
      },
    });
  }

  private readonly report: ReportDiagnostic = (code, message) => {
    try {
      this.onDiagnostic?.(code, message);
    } catch {
      // A listener must not be able to break the store.
    }
  };

  /**
   * A reservation's commit failed after its decision was returned (quota, I/O, the browser
   * closing the database): its impressions are not counted. Reported; the copy of the counters
   * is dropped; the next transaction meets the failure and falls back if it persists.
   */
  private readonly lateCommitFailure = (error: unknown): void => {
    this.copy = undefined;
    this.report(
      'state_commit_failed',
      `a reservation did not commit (${describeError(error)}); its impressions are not counted`,
    );
  };

  private time(): number {
    let t: unknown;
    try {
      t = this.clock();
    } catch {
      t = undefined;
    }
    return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
  }

  /**
   * The meta record a transaction that found `meta` stored writes (the session continued or
   * begun, a new `rev`), the frame it computes in, and whether the daily sweep is due.
   */
  private advance(meta: MetaRecord): { frame: Frame; next: MetaRecord; sweepDue: boolean } {
    const now = this.time();
    const session = touchSession(meta.session, now, this.sessionTimeoutMs);
    return {
      frame: { now, sessionId: session.id, ...windowStarts(now) },
      next: { ...meta, session, rev: newRev() },
      sweepDue: sweepDue(meta, now),
    };
  }

  /**
   * Reads the session and sweeps stale keys when due; returns the frame of this transaction, the
   * meta record to write, and the counters as stored when this tab's copy is current (or swept).
   */
  private async begin(
    tx: WriteTx<StateDB>,
  ): Promise<{ frame: Frame; meta: MetaRecord; cached: Map<string, CounterRecord> | undefined }> {
    const meta = (await tx.get('meta', META_KEY)) ?? {};
    const { frame, next, sweepDue } = this.advance(meta);
    const known = this.copy;
    let cached =
      known !== undefined && typeof meta.rev === 'string' && known.rev === meta.rev
        ? new Map(known.counters)
        : undefined;
    if (sweepDue) {
      // What the sweep leaves is what is stored: it serves as this transaction's copy.
      const { kept, changed } = sweep(await tx.entries('counters'), frame.now, frame.sessionId);
      for (const [key, record] of changed) {
        if (record) tx.put('counters', record, key);
        else tx.delete('counters', key);
      }
      cached = kept;
      next.sweptAt = frame.now;
    }
    return { frame, meta: next, cached };
  }

  /**
   * After a transaction that read `read` (the stored meta record) wrote `written` and left the
   * counters alone: this tab's copy carries over to the new `rev` when it was current.
   */
  private carryCopy(read: MetaRecord | undefined, written: MetaRecord): void {
    const known = this.copy;
    if (known !== undefined && read?.rev === known.rev && typeof written.rev === 'string') {
      this.copy = { rev: written.rev, meta: written, counters: known.counters };
    }
  }

  /**
   * One transaction on `stores` that leaves the counters alone: reads the meta record, lets
   * `update` make its other writes and say how the record changes (no `patch`: it does not),
   * writes it with a new `rev` (the promise of schema v2) and carries this tab's copy over.
   */
  private async updateMeta<R>(
    stores: StoreNames<StateDB>[],
    update: (
      meta: MetaRecord | undefined,
      tx: WriteTx<StateDB>,
    ) => { value: R; patch?: Partial<MetaRecord> },
  ): Promise<R> {
    const [value, read, written] = await this.db.write(stores, async (tx) => {
      const meta = await tx.get('meta', META_KEY);
      const { value, patch } = update(meta, tx);
      if (patch === undefined) return [value] as const;
      const next: MetaRecord = { ...meta, ...patch, rev: newRev() };
      tx.put('meta', next, META_KEY);
      return [value, meta, next] as const;
    });
    if (written) this.carryCopy(read, written);
    return value;
  }

  /**
   * Exact across tabs: in ONE readwrite transaction, reads the counters of `placement`, of every
   * candidate offer and the overall counter, computes which candidates are still allowed under
   * `rules`, calls `choose(allowed, room)` synchronously, then records one impression for each
   * offer id in the returned `shown` (and for the placement and overall, once per shown offer),
   * and commits. Two tabs calling at once cannot both show an offer past its cap. A `decision` of
   * this placement carried by the result is saved as the last decision in the same transaction.
   *
   * - `allowed` keeps the candidates' order (duplicates removed); it is empty when the placement
   *   or overall caps have no room left.
   * - `room` is how many offers the placement and overall caps still allow in this reservation
   *   (Infinity when uncapped). Showing more than `room` is recorded anyway (the counters then go
   *   past their limit) and reported as the diagnostic `state_room_exceeded`: cap the number of
   *   offers with it to keep placement and overall caps exact.
   * - `choose` must be synchronous and must not await. If it throws, nothing is recorded and the
   *   error is rethrown. A result whose `shown` is not an array of distinct ids from `allowed`
   *   (or a promise) is a programmer error: nothing is recorded and an `invalid_input` error is
   *   thrown.
   * - If the database fails after `choose` ran, the reservation is run again (on a reopened
   *   connection or on the memory fallback) and `choose` is called again; only the last call's
   *   result is recorded and returned.
   * - With a copy of the state from this tab's last transaction, `choose` is called with what
   *   the copy allows, before the transaction has read anything, and the writes are asked for at
   *   once; the transaction then reads `meta` (asked for first, so before those writes) and keeps
   *   them only if its `rev` is the copy's: then the copy is what is stored, and the choice is
   *   the one a read of the store would have given. Otherwise the transaction aborts (nothing
   *   written, no diagnostic) and the reservation runs again from what is stored, calling
   *   `choose` a second time. Either way the check and the writes are one transaction.
   * - Every reservation counts as session activity, even one that shows nothing.
   */
  async reserve<T extends { shown: readonly string[] }>(
    placement: string,
    candidates: readonly string[],
    rules: CapRules,
    choose: (allowed: string[], room: number) => T,
  ): Promise<T> {
    checkName('reserve().placement', placement);
    if (!Array.isArray(candidates)) {
      throw fieldError(
        'invalid_input',
        'reserve().candidates',
        candidates,
        'an array of offer ids',
      );
    }
    const ids = [...new Set(candidates)];
    // The field's name is built only for a bad id (this runs for every candidate of a decision).
    ids.forEach((id, i) => {
      if (typeof id !== 'string' || id === '') checkName(`reserve().candidates[${i}]`, id);
    });
    checkRules(rules);
    if (typeof choose !== 'function') {
      throw fieldError('invalid_input', 'reserve().choose', choose, 'a function');
    }
    /** Records `shown` and the decision; the copy this leaves once it commits. */
    const recordShown = (
      tx: WriteTx<StateDB>,
      counters: Map<string, CounterRecord>,
      frame: Frame,
      meta: MetaRecord,
      result: T,
      shown: readonly string[],
    ): StateCopy => {
      for (const [key, record] of impressions(counters, placement, shown, frame)) {
        tx.put('counters', record, key);
        counters.set(key, record);
      }
      tx.put('meta', meta, META_KEY);
      // A decision returned with the choice is kept as the placement's last one, in the same commit.
      const decision = (result as { decision?: Decision }).decision;
      if (decision !== undefined && decision !== null && decision.placement === placement) {
        tx.put('decisions', decision, placement);
      }
      return { rev: meta.rev!, meta, counters };
    };
    const run = (counters: Map<string, CounterRecord>, frame: Frame) => {
      const { allowed, room } = allowance(counters, placement, ids, rules, frame);
      let result: T;
      try {
        result = choose(allowed.slice(), Math.max(0, room));
      } catch (error) {
        throw new CallerError(error);
      }
      return { result, shown: checkShown(result, allowed), room };
    };
    const roomExceeded = (shown: number, room: number) => {
      if (shown > room) {
        this.report(
          'state_room_exceeded',
          `placement "${placement}" showed ${shown} offers with room for ${Math.max(0, room)}; placement/overall caps are exceeded`,
        );
      }
    };
    let written: StateCopy | undefined;

    // Optimistic: with a copy, choose from it and write at once, while the meta record is read;
    // keep the writes only if the record read is the copy's (its `rev`), else abort them all.
    // The check and the writes are one readwrite transaction, which no other transaction on
    // these stores interleaves with: a `rev` other than the copy's (another tab, or this one,
    // wrote since) is seen here, and the reservation is made again from what is stored.
    const known = this.copy;
    if (known !== undefined && !sweepDue(known.meta, this.time())) {
      try {
        const result = await this.db.write(
          ['counters', 'meta', 'decisions'],
          async (tx) => {
            written = undefined;
            const { frame, next, sweepDue } = this.advance(known.meta);
            // The day turned since the check above: the sweep reads every counter.
            if (sweepDue) throw new CallerError(STALE);
            // Asked before any write of this transaction, so it reads what was there before.
            const stored = tx.get('meta', META_KEY);
            // Should choose throw before it is awaited, the aborted read must not go unhandled.
            stored.catch(() => undefined);
            const counters = new Map(known.counters);
            const chosen = run(counters, frame);
            const copy = recordShown(tx, counters, frame, next, chosen.result, chosen.shown);
            if ((await stored)?.rev !== known.rev) throw new CallerError(STALE);
            roomExceeded(chosen.shown.length, chosen.room);
            written = copy;
            return chosen.result;
          },
          this.lateCommitFailure,
        );
        this.copy = written;
        return result;
      } catch (error) {
        if (error !== STALE) throw error;
        // Nothing of it was written: choose again from what is stored.
      }
    }

    const result = await this.db.write(
      ['counters', 'meta', 'decisions'],
      async (tx) => {
        written = undefined;
        const { frame, meta, cached } = await this.begin(tx);
        // One read of every counter (the store is small: keys untouched for 8 days are pruned)
        // costs far less than one request per candidate.
        const counters = cached ?? new Map(await tx.entries('counters'));
        const chosen = run(counters, frame);
        roomExceeded(chosen.shown.length, chosen.room);
        written = recordShown(tx, counters, frame, meta, chosen.result, chosen.shown);
        return chosen.result;
      },
      this.lateCommitFailure,
    );
    // Queued ahead of any later transaction: what is stored is `written` once it commits.
    // Keeping the copy now is safe even if the commit fails: the database then still holds the
    // old `meta.rev`, which no longer matches the copy's, so the next reserve reads the counters.
    this.copy = written;
    return result;
  }

  /**
   * Records an extra count against an offer's caps (a dismissal counts as an impression): one
   * more impression of `offerId` in every window, at `now()`. The placement and overall counters
   * are not changed (the impression was counted there when it was reserved); `placement` is
   * validated only. Counts as session activity.
   */
  async record(offerId: string, placement: string): Promise<void> {
    checkName('record().offerId', offerId);
    checkName('record().placement', placement);
    const copy = await this.db.write(['counters', 'meta'], async (tx) => {
      const { frame, meta, cached } = await this.begin(tx);
      const key = offerKey(offerId);
      const next = bumped(cached ? cached.get(key) : await tx.get('counters', key), 1, frame);
      tx.put('counters', next, key);
      tx.put('meta', meta, META_KEY);
      cached?.set(key, next);
      return cached && { rev: meta.rev!, meta, counters: cached };
    });
    // With every counter known (the copy was current, or swept), the copy follows the write.
    if (copy) this.copy = copy;
  }

  /** Claims of an offer so far (for `max_claims`). */
  async claims(offerId: string): Promise<number> {
    checkName('claims().offerId', offerId);
    return this.db.read(['claims'], async (tx) => {
      const n = await tx.get('claims', offerId);
      return typeof n === 'number' && Number.isFinite(n) ? n : 0;
    });
  }

  /** Claims of every offer that has any, in one read. */
  async allClaims(): Promise<Record<string, number>> {
    return this.db.read(['claims'], async (tx) => {
      const out: Record<string, number> = {};
      for (const [id, n] of await tx.entries('claims')) {
        if (typeof n === 'number' && Number.isFinite(n)) out[String(id)] = n;
      }
      return out;
    });
  }

  /** Adds one claim of an offer, atomically across tabs; returns the new count. */
  async addClaim(offerId: string): Promise<number> {
    checkName('addClaim().offerId', offerId);
    return this.db.write(['claims'], async (tx) => {
      const n = await tx.get('claims', offerId);
      const next = (typeof n === 'number' && Number.isFinite(n) ? n : 0) + 1;
      tx.put('claims', next, offerId);
      return next;
    });
  }

  /** Keeps `decision` as the last one of its placement (for the next page's first paint). */
  async saveDecision(decision: Decision): Promise<void> {
    if (decision === null || typeof decision !== 'object') {
      throw fieldError('invalid_input', 'saveDecision().decision', decision, 'a decision');
    }
    const placement = checkName('saveDecision().decision.placement', decision.placement);
    const now = this.clock();
    await this.updateMeta(['decisions', 'meta'], (meta, tx) => {
      tx.put('decisions', decision, placement);
      // Saving a decision is session activity, like showing one.
      return {
        value: undefined,
        patch: { session: touchSession(meta?.session, now, this.sessionTimeoutMs) },
      };
    });
  }

  /**
   * The last decision saved for `placement` (a copy), if it was made in the session that is still
   * going on: a cached decision never outlives its session, so nothing it carries can link two
   * visits.
   */
  async lastDecision(placement: string): Promise<Decision | undefined> {
    checkName('lastDecision().placement', placement);
    const now = this.clock();
    return this.db.read(['decisions', 'meta'], async (tx) => {
      const [decision, meta] = await Promise.all([
        tx.get('decisions', placement),
        tx.get('meta', META_KEY),
      ]);
      const session = meta?.session;
      if (!decision || !session) return undefined;
      const live = now - session.last < this.sessionTimeoutMs && decision.at >= session.start;
      return live ? decision : undefined;
    });
  }

  /**
   * A random 32-bit unsigned integer drawn once per shopper and kept in the database (holdout
   * assignment, seeds). Stable across tabs and page loads while the database lives; on the memory
   * fallback it is stable for this page only. Once read it is cached for the life of this object.
   */
  async shopperSeed(): Promise<number> {
    if (this.seed !== undefined) return this.seed;
    const seed = await this.updateMeta(['meta'], (meta) => {
      if (isSeed(meta?.seed)) return { value: meta.seed };
      const drawn = randomUint32();
      return { value: drawn, patch: { seed: drawn } };
    });
    this.seed = seed;
    return seed;
  }

  /**
   * The group to report today for `request.group` under k-ary randomized response (see
   * `dailyReport`): the day's earlier draw for that group, or a new one, kept in the same
   * transaction so that two tabs cannot draw twice; undefined past the day's cap. Also undefined
   * when the state lives in memory (consent not granted, or IndexedDB failed): a memo that does not
   * outlive the page would let every page draw again, past the daily budget.
   */
  async groupReport(
    request: GroupReportRequest,
    random: () => number = secureRandom,
  ): Promise<number | undefined> {
    const { group, day, key, k, epsilon } = request;
    if (!Number.isInteger(k) || k < 2 || !Number.isInteger(group) || group < 0 || group >= k) {
      throw fieldError('invalid_input', 'groupReport().group', group, `a group from 0 to ${k - 1}`);
    }
    if (!(epsilon > 0)) {
      throw fieldError('invalid_input', 'groupReport().epsilon', epsilon, 'a positive number');
    }
    if ((await this.db.kind()) !== 'indexeddb') return undefined;
    const reported = await this.updateMeta(['meta'], (meta) => {
      const next = dailyReport(memoOf(meta?.groupReport), group, day, key, k, epsilon, random);
      return { value: next.reported, patch: { groupReport: next.memo } };
    });
    return this.db.storage === 'indexeddb' ? reported : undefined;
  }

  /** Everything stored, JSON-serialisable (for `exportData`). */
  async contents(): Promise<StateContents> {
    const snapshot = await this.db.read(TABLES, readAll);
    const meta = snapshot.meta.find(([key]) => key === META_KEY)?.[1] ?? {};
    return {
      storage: this.db.storage,
      session: meta.session ?? null,
      seed: isSeed(meta.seed) ? meta.seed : null,
      counters: Object.fromEntries(snapshot.counters),
      claims: Object.fromEntries(snapshot.claims),
      decisions: Object.fromEntries(snapshot.decisions),
      groupReport: memoOf(meta.groupReport) ?? null,
    };
  }

  /**
   * Deletes the database (and empties the memory fallback). Other tabs close their connection
   * when asked; one running old code that ignores it delays the deletion until it closes, reported
   * as `state_forget_pending` without keeping the caller waiting more than 3 s. A later call
   * starts from an empty state (and a new seed).
   */
  async forget(): Promise<void> {
    await this.db.kind();
    this.seed = undefined;
    this.copy = undefined;
    this.db.reset();
    await deleteDatabase(this.name, 'state_forget_pending', 'decision-state database', this.report);
  }

  /** Closes the connection; later calls reject with `destroyed` (`forget()` still works). */
  close(): void {
    this.db.close();
  }
}
