/** A non-fatal problem that offerwise worked around; surfaced to the integrator, never thrown. */
export interface Diagnostic {
  /** Stable code, e.g. `invalid_event`, `storage_fallback`, `gpc_denied`. */
  code: string;
  /** Human-readable explanation with what to fix. */
  message: string;
  /** Wall-clock time (ms since epoch) at which it was reported. */
  at: number;
}

export type DiagnosticListener = (diagnostic: Diagnostic) => void;

const KEEP = 50;

/** Keeps the most recent diagnostics and fans them out to listeners that can never break us. */
export class Diagnostics {
  private readonly recent: Diagnostic[] = [];
  private readonly listeners = new Set<DiagnosticListener>();

  constructor(private readonly now: () => number = Date.now) {}

  report(code: string, message: string): void {
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
  }

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
