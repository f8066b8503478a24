// Vitest global setup of every project: the run's temporary files (the tests' mkdtemp folders, the
// CLIs' and the demo server's data folders, Chromium's profiles) go under one folder of the run's
// own, removed when the run ends, instead of piling up in the system's temporary folder (about 50
// folders a unit run before). Set OFFERWISE_KEEP_TMP=1 to keep it for a look after a failure; its
// path is then printed.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const NAMES = ['TMPDIR', 'TMP', 'TEMP']; // os.tmpdir() reads TMPDIR on POSIX, TMP/TEMP on Windows

export default function setup() {
  const saved = NAMES.map((name) => [name, process.env[name]]);
  const root = mkdtempSync(path.join(os.tmpdir(), 'offerwise-test-'));
  // Set before the workers start, so they and every process they spawn inherit it.
  for (const name of NAMES) process.env[name] = root;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (process.env.OFFERWISE_KEEP_TMP) {
      process.stderr.write(`offerwise tests: temporary files kept in ${root}\n`);
      return;
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
}
