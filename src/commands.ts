/**
 * The command queue of the script-tag snippet: `offerwise.push(['track', event])`,
 * `['consent', 'granted']`, or a function that receives the instance, run in order. Queued
 * commands come from anywhere on the page, so none may break the others: an unknown one is
 * reported as `invalid_command`, one that throws as `command_failed`, and the rest still run.
 */
import type { ReportDiagnostic } from './util/diagnostic-codes.js';

/** The methods a command may name. */
const COMMANDS = new Set(['track', 'consent', 'forget', 'attachDataLayer']);

/** Runs `commands` against `target`; returns how many were given. Never throws. */
export function runCommands(target: object, commands: unknown[], report: ReportDiagnostic): number {
  for (const command of commands) {
    try {
      if (typeof command === 'function') {
        (command as (target: object) => unknown)(target);
      } else if (
        Array.isArray(command) &&
        typeof command[0] === 'string' &&
        COMMANDS.has(command[0])
      ) {
        const [method, ...args] = command as [string, ...unknown[]];
        const result = (target as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
        // Nobody awaits a queued command: its rejection must not surface as unhandled.
        if (result instanceof Promise) result.catch(() => undefined);
      } else {
        report(
          'invalid_command',
          `offerwise.push: got ${Array.isArray(command) ? `["${String(command[0])}", ...]` : typeof command}, expected ["track", event], ["consent", state] or a function`,
        );
      }
    } catch (error) {
      report('command_failed', `offerwise.push: ${String(error)}`);
    }
  }
  return commands.length;
}
