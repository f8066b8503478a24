/**
 * Per-file progress of `npm run data`: a bar redrawn in place on a terminal, plain lines (one per
 * tenth of the file, then one at the end) when stderr is a pipe or a log file.
 */
import type { Log } from '../lib/cli.js';

export interface ProgressTask {
  /** `bytes` more have arrived. */
  advance(bytes: number): void;
  /** The transfer is complete (or abandoned: `ok` false). */
  done(ok?: boolean): void;
}

export interface Progress {
  /** `total` is undefined when the size is not known in advance (no Content-Length). */
  task(label: string, total: number | undefined): ProgressTask;
}

export interface ProgressOptions {
  /** Draw a bar with carriage returns (stderr is a terminal). */
  tty: boolean;
  /** Raw output for the bar (no line break added). */
  write: (text: string) => void;
  /** One line each, for the plain form. */
  log: Log;
  /** Bar redraws are at least this far apart (ms); the last one always shows. */
  redrawMs?: number;
  now?: () => number;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

const BAR_WIDTH = 30;
/** Without a known size, the plain form reports every this many bytes. */
const PLAIN_STEP_BYTES = 16 << 20;

export function createProgress(options: ProgressOptions): Progress {
  const redrawMs = options.redrawMs ?? 100;
  const now = options.now ?? Date.now;
  return {
    task(label, total) {
      let got = 0;
      let lastDraw = -Infinity;
      let lastStep = 0;
      const known = total !== undefined && total > 0;
      const draw = () => {
        const size = known ? ` / ${formatBytes(total)}` : '';
        if (!known) {
          options.write(`\r${label} ${formatBytes(got)}\x1b[K`);
          return;
        }
        const share = Math.min(1, got / total);
        const filled = Math.round(share * BAR_WIDTH);
        const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
        const percent = `${Math.floor(share * 100)}%`.padStart(4);
        options.write(`\r${label} [${bar}] ${percent} ${formatBytes(got)}${size}\x1b[K`);
      };
      return {
        advance(bytes) {
          got += bytes;
          if (options.tty) {
            const t = now();
            if (t - lastDraw >= redrawMs) {
              lastDraw = t;
              draw();
            }
            return;
          }
          // One line per tenth passed (the last tenth is the end line).
          const step = known ? Math.floor((got / total) * 10) : Math.floor(got / PLAIN_STEP_BYTES);
          if (step > lastStep && (!known || step < 10)) {
            lastStep = step;
            const of = known ? ` (${step * 10}% of ${formatBytes(total)})` : '';
            options.log(`${label}: ${formatBytes(got)}${of}`);
          }
        },
        done(ok = true) {
          if (options.tty) {
            draw();
            options.write(ok ? '\n' : ' (failed)\n');
          } else if (ok) options.log(`${label}: ${formatBytes(got)}, done`);
        },
      };
    },
  };
}
