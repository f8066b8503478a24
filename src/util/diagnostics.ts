import type { DiagnosticCode, ReportDiagnostic } from './diagnostic-codes.js';

/** A non-fatal problem that offerwise worked around; surfaced to the integrator, never thrown. */
export interface Diagnostic {
  /** Stable code, one of docs/diagnostics.md (e.g. `invalid_event`, `storage_fallback`). */
  code: DiagnosticCode;
  /** Human-readable explanation with what to fix. */
  message: string;
  /** Wall-clock time (ms since epoch) at which it was reported. */
  at: number;
}

export type DiagnosticListener = (diagnostic: Diagnostic) => void;

/**
 * The instance's method through which the `ow-` elements report (`widgets/shared/support.ts`).
 * A registered symbol: the elements may come from another bundle than the instance (the script
 * tag's second file, `offerwise/widgets`), and it stays out of the instance's public API.
 */
export const REPORT_DIAGNOSTIC: unique symbol = Symbol.for('offerwise.diagnose');

const KEEP = 50;

/** Keeps the most recent diagnostics and fans them out to listeners that can never break us. */
export class Diagnostics {
  private readonly recent: Diagnostic[] = [];
  private readonly listeners = new Set<DiagnosticListener>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records a diagnostic and hands it to every listener. Bound, so that the parts of offerwise
   * can be handed `hub.report` itself as their callback.
   */
  readonly report: ReportDiagnostic = (code, message) => {
    const diagnostic: Diagnostic = { code, message, at: this.now() };
    this.recent.push(diagnostic);
    if (this.recent.length > KEEP) this.recent.shift();
    for (const listener of this.listeners) {
      try {
        listener(diagnostic);
      } catch {
        // An integrator's listener must not be able to break the SDK.
      }
    }
  };

  /** Adds a listener; returns the function that removes it. */
  listen(listener: DiagnosticListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Diagnostic[] {
    return this.recent.slice();
  }

  clearListeners(): void {
    this.listeners.clear();
  }
}
