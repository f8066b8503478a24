import type { Browser, BrowserContext, BrowserServer, LaunchOptions } from 'playwright-core';

export interface ChromiumStatus {
  executablePath: string;
  available: boolean;
  /** What was found, or how to install Chromium when it is missing. */
  message: string;
}

export const CHROMIUM_ARGS: readonly string[];
export function chromiumPath(): string;
export function chromiumStatus(): ChromiumStatus;
/** True when Chromium is there; throws when it is missing under CI=true; else warns and returns false. */
export function requireChromium(): boolean;
export const SHARED_BROWSER_ENV: string;
/**
 * Headless Chromium with the project's flags; `args` are appended to them. Without options under
 * the e2e run: a connection to the run's shared Chromium.
 */
export function launchChromium(options?: Omit<LaunchOptions, 'executablePath'>): Promise<Browser>;
/** One persistent (on-disk) context in a temporary profile made and removed by playwright. */
export function launchChromiumOnDisk(
  options?: Omit<LaunchOptions, 'executablePath'>,
): Promise<BrowserContext>;
/** A Chromium server the e2e files connect to. */
export function launchSharedChromium(): Promise<BrowserServer>;
