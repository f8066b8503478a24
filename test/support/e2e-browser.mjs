// Vitest global setup of the e2e project: one Chromium for the whole run, which every test file's
// `launchChromium()` connects to (a context per test keeps them apart), instead of a browser
// started and stopped per file. Tests that need an on-disk profile (`launchChromiumOnDisk()`) or
// their own flags still start their own.
import { chromiumStatus, launchSharedChromium, SHARED_BROWSER_ENV } from './browser.mjs';

export default async function setup() {
  if (!chromiumStatus().available) return undefined; // requireChromium() says what to do
  const server = await launchSharedChromium();
  process.env[SHARED_BROWSER_ENV] = server.wsEndpoint();
  return async () => {
    delete process.env[SHARED_BROWSER_ENV];
    await server.close();
  };
}
