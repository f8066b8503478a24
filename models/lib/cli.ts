/**
 * What every models/ CLI shares: whether its module is the script that was started, and one way
 * to run it. A CLI prints progress on stderr and its result as one JSON object on the last line
 * of stdout; an error is one line on stderr (`<name>: <message>`) and exit status 1.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorMessage } from './args.js';

/**
 * Whether `moduleUrl` is the script node (or tsx) was started with. Real paths are compared, so
 * a relative path or a symlink to the file matches, and a file whose name merely ends the same
 * way (`other-train.ts` for `train.ts`) does not.
 */
export function isMain(moduleUrl: string, script: string | undefined = process.argv[1]): boolean {
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    // A script path that does not exist (`node -e`, a REPL) is not this module.
    return false;
  }
}

export interface CliIo {
  /** `process.argv`: the runtime, the script, then the arguments. */
  argv: readonly string[];
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  exit: (code: number) => void;
}

const processIo = (): CliIo => ({
  argv: process.argv,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
  exit: (code) => process.exit(code),
});

/** Where a CLI's progress and warnings go: one line each, on stderr unless a test collects them. */
export type Log = (line: string) => void;

export const stderrLog: Log = (line) => console.error(line);

/**
 * Runs `main` with the arguments after the script when `moduleUrl` is the started script (and
 * does nothing when the module is imported, e.g. by a test). What `main` returns is printed as one
 * JSON line; what it throws becomes `<name>: <message>` on stderr and exit status 1.
 */
export async function runCli(
  name: string,
  moduleUrl: string,
  main: (argv: string[], log: Log) => unknown,
  io: CliIo = processIo(),
): Promise<void> {
  if (!isMain(moduleUrl, io.argv[1])) return;
  try {
    const result = await main(io.argv.slice(2), io.stderr);
    if (result !== undefined) io.stdout(JSON.stringify(result));
  } catch (error) {
    // One line, named once: a message that already starts with the name (thrown by code the
    // CLI shares with others) is not named twice.
    const message = errorMessage(error)
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    io.stderr(message.startsWith(`${name}: `) ? message : `${name}: ${message}`);
    io.exit(1);
  }
}
