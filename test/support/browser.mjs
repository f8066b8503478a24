// Launches Debian's Chromium through playwright-core for the browser tests, the benchmarks and
// anything else that needs a real browser. Never downloads a browser: set CHROME_PATH to use
// another binary. Playwright makes a fresh, throw-away profile itself (it refuses --user-data-dir).
// Types: browser.d.mts beside this file.
import { accessSync, constants } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** The Chromium binary: `$CHROME_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath() {
  return process.env.CHROME_PATH ?? '/usr/bin/chromium';
}

/** Whether the binary is there and executable, and what to do when it is not. */
export function chromiumStatus() {
  const executablePath = chromiumPath();
  try {
    accessSync(executablePath, constants.X_OK);
    return { executablePath, available: true, message: `using Chromium at ${executablePath}` };
  } catch {
    return {
      executablePath,
      available: false,
      message:
        `Chromium not found at ${executablePath}. Install it with \`apt-get install chromium\` ` +
        `(Debian), or set CHROME_PATH to a Chromium or Chrome binary.`,
    };
  }
}

/**
 * For test files: true when Chromium is there. When it is missing, throws under CI=true (the
 * browser suite must not pass by skipping there); elsewhere prints how to install it and returns
 * false so the caller can skip (`describe.skipIf(!hasChromium)`).
 */
export function requireChromium() {
  const status = chromiumStatus();
  if (status.available) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${status.message} CI=true: browser tests cannot be skipped on CI.`);
  }
  console.warn(`[e2e] skipping browser tests: ${status.message}`);
  return false;
}

function launchOptions(options) {
  const status = chromiumStatus();
  if (!status.available) throw new Error(status.message);
  const { args = [], ...rest } = options;
  return {
    executablePath: status.executablePath,
    headless: true,
    ...rest,
    args: [...CHROMIUM_ARGS, ...args],
  };
}

/**
 * Where the browser tests' shared Chromium listens (test/support/e2e-browser.mjs starts it once
 * for the e2e run and sets this); unset elsewhere.
 */
export const SHARED_BROWSER_ENV = 'OFFERWISE_CHROMIUM_WS';

/**
 * Headless Chromium with the project's flags; extra options are merged in. Contexts made with
 * `browser.newContext()` are off the record: their IndexedDB lives in memory. Under the e2e run,
 * a call without options connects to the run's one shared Chromium instead of starting another
 * (about 1.2 s and 2.5 core-seconds each on a 2-core machine); `close()` then closes this
 * connection's contexts and disconnects. Falls back to a browser of its own if the shared one
 * does not answer.
 */
export async function launchChromium(options = {}) {
  const shared = process.env[SHARED_BROWSER_ENV];
  if (shared && Object.keys(options).length === 0) {
    try {
      return await chromium.connect(shared, { timeout: 10_000 });
    } catch {
      // Its own browser: a test must not fail because another file's browser went away.
    }
  }
  return chromium.launch(launchOptions(options));
}

/** Starts a Chromium that test files connect to (`launchChromium()`); for the e2e global setup. */
export async function launchSharedChromium() {
  return chromium.launchServer({ ...launchOptions({}), host: '127.0.0.1' });
}

/**
 * One on-disk browser context in a fresh temporary profile that playwright creates and deletes
 * itself (the empty userDataDir). For measurements where IndexedDB must really hit the disk.
 * Closing the context closes the browser.
 */
export async function launchChromiumOnDisk(options = {}) {
  return chromium.launchPersistentContext('', launchOptions(options));
}
