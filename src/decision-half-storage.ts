/**
 * What the decision half keeps on the device, deleted by name. `forget()` and a withdrawal must
 * leave nothing of it behind even on a page where that half could not be loaded (the script tag's
 * second file missing or blocked), so the profile half can do this without it.
 */
import { purgeDecisions } from './feedback/purge.js';
import type { ReportDiagnostic } from './util/diagnostic-codes.js';
import { deleteDatabase } from './util/idb.js';

/**
 * Deletes `<dbName>-<suffix>` for each of `suffixes` (another tab holding one open delays it:
 * `forget_pending`), and the stored feedback rows tied to a decision: row by row, since other
 * tabs may hold the outbox open and its drop counters say nothing about the shopper.
 */
export async function deleteDecisionStorage(
  dbName: string,
  suffixes: readonly ('decisions' | 'catalog')[],
  report: ReportDiagnostic,
): Promise<void> {
  await Promise.all([
    ...suffixes.map((suffix) =>
      deleteDatabase(`${dbName}-${suffix}`, 'forget_pending', `${suffix} database`, report),
    ),
    purgeDecisions(dbName, report),
  ]);
}
