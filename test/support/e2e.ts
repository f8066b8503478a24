// Shared set-up for the browser tests in test/e2e (vitest only; plain scripts use the .mjs
// modules directly): one Chromium and one static server per test file, a fresh browser context
// (fresh storage) per test, and pages that load the built script-tag bundle.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { EVENT_NAMES } from '../../src/events/types.js';
import type { Offerwise, createOffers } from '../../src/offerwise.js';
import type { OfferwiseError } from '../../src/util/errors.js';
import { launchChromium } from './browser.mjs';
import { distDir, startServer, type StaticServer } from './server.mjs';

export { requireChromium } from './browser.mjs';

/** Where pages load the bundle from. */
export const IIFE_URL = '/dist/offerwise.iife.js';

/** `window.Offerwise`, as the script tag defines it. */
export interface EmbedApi {
  createOffers: typeof createOffers;
  Offerwise: typeof Offerwise;
  OfferwiseError: typeof OfferwiseError;
  version: string;
  EVENT_NAMES: typeof EVENT_NAMES;
  /** Loads the script tag's second file (the decision half); resolves with this object then. */
  load(): Promise<EmbedApi & Record<string, unknown>>;
}

/** The globals a test page has; cast `window` to this inside `page.evaluate`. */
export interface PageWindow {
  Offerwise: EmbedApi;
  offerwise: Offerwise;
  dataLayer: unknown[];
  [key: string]: unknown;
}

export interface Harness {
  browser: Browser;
  server: StaticServer;
  /** A fresh context (its own storage); closed after the test. */
  newContext(): Promise<BrowserContext>;
}

/**
 * Registers the hooks that start Chromium and the server for this file, and returns the harness
 * (its fields are set once `beforeAll` has run).
 */
export function useHarness(): Harness {
  const contexts: BrowserContext[] = [];
  const harness = {
    async newContext() {
      const context = await harness.browser.newContext();
      contexts.push(context);
      return context;
    },
  } as Harness;
  beforeAll(async () => {
    const bundle = path.join(distDir, 'offerwise.iife.js');
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`npm run build\` first`);
    harness.server = await startServer({ roots: [{ prefix: '/dist/', dir: distDir }] });
    harness.browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await harness.browser?.close();
    await harness.server?.close();
  });
  return harness;
}

/** A page plus everything it reported: uncaught errors and console messages. */
export interface WatchedPage {
  page: Page;
  errors: Error[];
  console: ConsoleMessage[];
  /** Console messages of type 'warning' (console.warn), as text. */
  warnings(): string[];
}

export async function openPage(context: BrowserContext, url?: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: Error[] = [];
  const messages: ConsoleMessage[] = [];
  page.on('pageerror', (error) => errors.push(error));
  page.on('console', (message) => messages.push(message));
  if (url !== undefined) await page.goto(url);
  return {
    page,
    errors,
    console: messages,
    warnings: () => messages.filter((m) => m.type() === 'warning').map((m) => m.text()),
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * A page that loads the bundle with the given `data-*` attributes (keys without `data-`).
 * `before` and `after` are inline scripts run before and after the bundle.
 */
export function sdkPage(
  attributes: Record<string, string>,
  scripts: { before?: string; after?: string; extraTags?: string } = {},
): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` data-${key}="${escapeAttribute(value)}"`)
    .join('');
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>offerwise e2e</title>',
    // No favicon request: keeps the console free of unrelated 404s.
    '<link rel="icon" href="data:,">',
    scripts.before ? `<script>${scripts.before}</script>` : '',
    `<script src="${IIFE_URL}"${attrs}></script>`,
    scripts.extraTags ?? '',
    scripts.after ? `<script>${scripts.after}</script>` : '',
    '</head><body></body></html>',
  ].join('\n');
}

/** Names of the IndexedDB databases of the page's origin. */
export function databaseNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}
