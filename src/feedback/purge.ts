/**
 * Deleting what ties stored feedback to decisions, for `forget()` and a withdrawal of consent:
 * every row of `<name>-outbox` whose event carries a `decisionId` (or `policies`), in one
 * read-write transaction (other tabs may hold the database open: a deleteDatabase would wait for
 * them, and would also lose the drop counters, which say nothing about the shopper). Small and
 * dependency-free on purpose: the script tag's first file needs it when its second file, with
 * the outbox, could not be loaded.
 */
import type { ReportDiagnostic } from '../util/diagnostic-codes.js';
import { describeError } from '../util/errors.js';
import { IdbConnection } from '../util/idb.js';
import type { OutboxDB, Totals } from './outbox-schema.js';
import { carriesDecision } from './wire.js';

/** The channel the outboxes of an origin share (wake-ups, purges). */
export const OUTBOX_CHANNEL = 'offerwise-outbox';

export const outboxDatabaseName = (name: string): string => `${name}-outbox`;

/**
 * Deletes the rows of `<name>-outbox` that carry a decision, and keeps the outbox's running
 * totals in step, in one transaction. Never creates the database, never rejects: a failure is
 * reported as `outbox_forget_failed`. Resolves with the number of rows deleted.
 */
export async function deleteDecisionRows(name: string, report: ReportDiagnostic): Promise<number> {
  if (typeof indexedDB === 'undefined') return 0;
  let opened = false;
  const link = new IdbConnection<OutboxDB>({
    name: outboxDatabaseName(name),
    // Only a database that does not exist yet is upgraded here: abort, so that it is not made.
    upgrade: (_db, _oldVersion, tx) => {
      tx.done.catch(() => undefined); // the abort is the point, not an error to surface
      tx.abort();
    },
    prefix: 'outbox',
    label: 'outbox database',
    report,
  });
  try {
    return await link.transaction(['events', 'meta'], 'readwrite', async (tx) => {
      opened = true;
      let count = 0;
      let bytes = 0;
      for await (const cursor of tx.objectStore('events')) {
        if (!carriesDecision(cursor.value.event)) continue;
        void cursor.delete();
        count++;
        bytes += cursor.value.bytes ?? 0;
      }
      const meta = tx.objectStore('meta');
      const totals = (await meta.get('totals')) as Totals | undefined;
      if (count > 0 && totals) {
        void meta.put(
          { rows: Math.max(0, totals.rows - count), bytes: Math.max(0, totals.bytes - bytes) },
          'totals',
        );
      }
      return count;
    });
  } catch (error) {
    // The database did not exist: nothing to delete.
    if ((error as { name?: unknown } | null)?.name === 'AbortError' && !opened) return 0;
    report(
      'outbox_forget_failed',
      `stored feedback not deleted (${describeError(error)}); retried on the next forget()`,
    );
    return 0;
  } finally {
    link.close();
  }
}

/**
 * Tells the outboxes of `<name>-outbox` in this origin (other tabs, other instances) to drop the
 * rows tied to a decision that they hold in memory or in flight.
 */
export function announcePurge(name: string): void {
  if (typeof BroadcastChannel === 'undefined') return;
  try {
    const channel = new BroadcastChannel(OUTBOX_CHANNEL);
    channel.postMessage({ t: 'purge', name });
    channel.close();
  } catch {
    // No channel: other tabs' rows on disk are deleted all the same.
  }
}

/**
 * Both, for a page without an outbox of its own: deletes the stored rows, then (once the deletion
 * committed, so that a tab leasing later finds nothing) tells the outboxes of other tabs.
 */
export async function purgeDecisions(name: string, report: ReportDiagnostic): Promise<number> {
  const count = await deleteDecisionRows(name, report);
  announcePurge(name);
  return count;
}
