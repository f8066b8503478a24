// The learning loop end to end in the demo shop (issue 17): the catalog names the shopper groups
// (models/default-segments.json, by URL and SHA-256); shoppers browse with consent and the first
// impression of each personalized decision reaches the collector with its group after randomized
// response (k, ε, the segments file's id) and nothing else about the shopper; the QA panel's
// "Learn from the logs" runs the offline learner on the collector's files and publishes the
// effects file; the catalog then names it, and the next page's decisions place the shopper, score
// with the learned effects (inspect() and the QA panel show the group and the effect used per
// candidate) and still log exact propensities. Nothing waits for a fixed time: every check polls.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { validateEffects } from '../../src/learning/effects.js';
import { launchChromium } from '../support/browser.mjs';
import { receivedEvents } from '../support/demo-qa.js';
import { openPage, requireChromium, type PageWindow } from '../support/e2e.js';

const hasChromium = requireChromium();
const POLL = { timeout: 30_000, interval: 250 };
const SEGMENTS_FILE = fileURLToPath(new URL('../../models/default-segments.json', import.meta.url));
/** The shipped file's number of groups (8: k ≤ e^ε + 1 at the default ε = 2). */
const K = (JSON.parse(readFileSync(SEGMENTS_FILE, 'utf8')) as { centroids: unknown[] }).centroids
  .length;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Received {
  type: string;
  offerId: string;
  decisionId?: string;
  propensity: number;
  group?: number;
  groupK?: number;
  groupEpsilon?: number;
  groupSet?: string;
}

interface Inspected {
  personalized: boolean;
  holdout?: boolean;
  group?: { id: number; label: string; weights: number[]; segments?: string };
  effects?: { sha256?: string; byGroup: boolean; temperature: number };
  candidates: {
    offerId: string;
    shown: boolean;
    score: number;
    propensity?: number;
    modelScore?: number;
    effect?: { effect: number; source: string; model?: number; profile?: number };
  }[];
}

/** The decision ids of the offers the page's `<ow-offers>` elements rendered. */
const shownDecisions = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('ow-offers')].flatMap((host) =>
      [...(host.shadowRoot?.querySelectorAll('[part~="offer"]') ?? [])].map(
        (card) => (card as unknown as { decisionId: string }).decisionId,
      ),
    ),
  );

describe.skipIf(!hasChromium)('demo: the learning loop', () => {
  let server: DemoServer;
  let browser: Browser;
  let dataDir: string;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'offerwise-demo-learning-'));
    server = await startDemoServer({ port: 0, dataDir });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await server?.close();
  });

  async function newTab(url: string) {
    const context = await browser.newContext();
    contexts.push(context);
    const tab = await openPage(context, server.url(url));
    await tab.page.waitForFunction(() => {
      const w = (window as unknown as { offerwise?: unknown }).offerwise;
      return w !== undefined && !Array.isArray(w);
    });
    return tab;
  }

  /** Waits for offers on screen, sends the outbox; the decision ids shown. */
  async function browse(page: Page): Promise<string[]> {
    await expect.poll(async () => (await shownDecisions(page)).length, POLL).toBeGreaterThan(0);
    await expect
      .poll(
        () =>
          page.evaluate(
            async () => (await (window as unknown as PageWindow).offerwise.flush()).remaining,
          ),
        POLL,
      )
      .toBe(0);
    return shownDecisions(page);
  }

  /** Presses the open QA panel's "Learn from the logs" and waits for its result; its element. */
  async function learnInPanel(page: Page) {
    const panel = page.getByRole('complementary', { name: 'QA panel' });
    await panel.getByRole('button', { name: 'Learn from the logs' }).click();
    const result = panel.locator('#qa-learn-result');
    await expect
      .poll(
        async () =>
          (await result.getAttribute('data-sha256')) ??
          (await page.locator('#qa-status').textContent()),
        { timeout: 150_000, interval: 500 },
      )
      .toMatch(/^[0-9a-f]{64}$|Learning failed/);
    return result;
  }

  const inspect = (page: Page, id: string) =>
    page.evaluate(
      (decisionId) =>
        (window as unknown as { offerwise: { inspect(id: string): unknown } }).offerwise.inspect(
          decisionId,
        ) as Inspected | undefined,
      id,
    );

  it('browse → learn from the logs → the next decisions use the effects; the panel shows it', async () => {
    const segmentsSha = sha256(readFileSync(SEGMENTS_FILE));
    const catalogNow = async () =>
      (await (await fetch(server.url('/api/catalog'))).json()) as Record<string, unknown>;
    expect((await catalogNow()).segments).toEqual({
      url: '/api/learning/segments.json',
      sha256: segmentsSha,
    });
    expect((await catalogNow()).effects).toBeUndefined();
    expect((await fetch(server.url('/api/learning/effects.json'))).status).toBe(404);
    // Learning needs the QA token.
    expect((await fetch(server.url('/api/learn'), { method: 'POST' })).status).toBe(401);

    // Shoppers browse with consent (the demo's pages grant it), each in a browser of their own.
    // The women's shopper claims her coupon: the learner has a reward to count.
    // Forty home visits, two at a time. The learner keeps a group only when its de-biased weight
    // over every decision is at least 2 standard deviations of its k-RR noise (`presentGroups`):
    // at ε = 2 with 8 groups, about six reports of the same group among a dozen. The home page's
    // new shoppers all fall in one group, and about three visits in four report one (a decision's
    // first impression, outside the holdout). With fourteen visits (12 reports in a run) no group
    // was present in about a third of draws (simulated k-RR); forty give about 40 reports, and
    // the simulated miss rate is under 0.2% from 28 on. Each home visit's browser is closed once the collector has its impressions.
    for (const url of ['/category.html?c=womens', '/category.html?c=shoes']) {
      const { page, errors } = await newTab(url);
      if (url.endsWith('womens')) {
        const claim = page
          .locator('ow-offers')
          .getByRole('button', { name: /^Claim/ })
          .first();
        await claim.waitFor({ timeout: 30_000 });
        await claim.click();
      }
      await browse(page);
      expect(errors).toEqual([]);
    }
    const visitHome = async () => {
      const { page, errors } = await newTab('/');
      const shown = await browse(page);
      // Closed only once the collector has an impression of what it showed (the decision's first,
      // which carries the group report; it is queued when a card is seen, which can follow the
      // first flush).
      await expect
        .poll(async () => {
          await page.evaluate(() => (window as unknown as PageWindow).offerwise.flush());
          const received = await receivedEvents<Received>(server);
          return received.some((e) => e.type === 'impression' && shown.includes(e.decisionId!));
        }, POLL)
        .toBe(true);
      expect(errors).toEqual([]);
      await page.context().close();
      contexts.splice(contexts.indexOf(page.context()), 1);
    };
    for (let i = 0; i < 40; i += 2) await Promise.all([visitHome(), visitHome()]);
    expect((await receivedEvents<Received>(server)).filter((e) => e.type === 'claim')).toHaveLength(
      1,
    );
    const events = await receivedEvents<Received>(server);
    const withGroup = events.filter((e) => e.group !== undefined);
    expect(withGroup.length).toBeGreaterThan(0);
    for (const e of withGroup) {
      expect(e.type).toBe('impression');
      expect(e).toMatchObject({ groupK: K, groupEpsilon: 2, groupSet: segmentsSha.slice(0, 12) });
      expect(e.group).toBeGreaterThanOrEqual(0);
      expect(e.group).toBeLessThan(K);
    }
    // One group report per decision at most.
    const reportsPerDecision = new Map<string, number>();
    for (const e of withGroup)
      reportsPerDecision.set(e.decisionId!, (reportsPerDecision.get(e.decisionId!) ?? 0) + 1);
    expect(Math.max(...reportsPerDecision.values())).toBe(1);

    // QA: "Learn from the logs" runs the learner on the collector's files and publishes.
    const { page, errors } = await newTab(`/#qa=${server.qaToken}`);
    await browse(page);
    await page.getByRole('button', { name: 'QA panel' }).click();
    const result = await learnInPanel(page);
    expect(await result.getAttribute('data-sha256')).toMatch(/^[0-9a-f]{64}$/);
    const effectsSha = (await result.getAttribute('data-sha256'))!;
    // No order was placed: the learner values decisions by their claims.
    expect(await result.textContent()).toMatch(
      new RegExp(
        `^Published effects [0-9a-f]{12} \\(claim, ${K} groups \\([1-${K}] seen in the logs\\)`,
      ),
    );
    const bytes = readFileSync(path.join(dataDir, 'effects.json'));
    expect(sha256(bytes)).toBe(effectsSha);
    const effects = validateEffects(JSON.parse(bytes.toString('utf8')));
    expect(effects).toMatchObject({ k: K, epsilon: 2, segments_sha256: segmentsSha });
    // Per-group values where the reports allow them (the learner leaves them out of an offer
    // whose group cells are all empty); the home page's offers had most of the traffic.
    const byGroup = Object.keys(effects.offers).filter((id) => effects.offers[id]!.groups);
    expect(byGroup.length).toBeGreaterThan(0);
    expect((await catalogNow()).effects).toEqual({
      url: '/api/learning/effects.json',
      sha256: effectsSha,
    });

    // The next shopper's page: its catalog names the effects; decisions score with them. A
    // shopper drawn into the sticky 5% holdout gets none: the next one (a new browser) is taken.
    let next: Awaited<ReturnType<typeof newTab>>;
    let ids: string[];
    let inspected: Inspected;
    for (let attempt = 1; ; attempt++) {
      next = await newTab(`/#qa=${server.qaToken}`);
      ids = await browse(next.page);
      inspected = (await inspect(next.page, ids.at(-1)!))!;
      if (inspected.holdout !== true || attempt === 5) break;
      expect(next.errors).toEqual([]);
    }
    expect(inspected.personalized).toBe(true);
    expect(inspected.holdout).not.toBe(true);
    expect(inspected.group!.segments).toBe(segmentsSha);
    expect(inspected.group!.weights).toHaveLength(K);
    expect(inspected.group!.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(inspected.effects).toMatchObject({ sha256: effectsSha, byGroup: true });
    expect(inspected.effects!.temperature).toBe(effects.temperature);
    // Each candidate is scored from the file: by group where it has group values, else its
    // pooled value, or (never logged: the flash sales, the members' deals) its groups' levels
    // for any offer; plus the model's part and the profile's (the file's slopes × the shopper's
    // own terms less the group's, or, never logged, its own terms).
    expect(effects.group_levels).toHaveLength(K);
    const blend = (values: number[]) =>
      values.reduce((sum, v, j) => sum + inspected.group!.weights[j]! * v, 0);
    for (const c of inspected.candidates) {
      const entry = effects.offers[c.offerId];
      const source = entry === undefined ? 'new' : entry.groups ? 'group' : 'offer';
      expect(c.effect!.source, c.offerId).toBe(source);
      if (source === 'offer') expect(c.effect!.effect).toBe(entry!.mean);
      if (source === 'new') expect(c.effect!.effect).toBeCloseTo(blend(effects.group_levels!), 12);
      if (source === 'group') {
        const blended = entry!.groups!.reduce(
          (sum, g, j) => sum + inspected.group!.weights[j]! * g.mean,
          0,
        );
        expect(c.effect!.effect).toBeCloseTo(blended, 12);
      }
      const { model = 0, profile = 0 } = c.effect!;
      expect(c.score).toBeCloseTo(c.effect!.effect + model + profile, 12);
    }
    expect(inspected.candidates.some((c) => c.effect!.source === 'group')).toBe(true);

    // The QA panel shows the group and the effect used per candidate.
    await next.page.getByRole('button', { name: 'QA panel' }).click();
    const nextPanel = next.page.getByRole('complementary', { name: 'QA panel' });
    const block = nextPanel.locator(`[data-decision-id="${ids.at(-1)}"]`);
    await block.waitFor(POLL);
    const learned = (await block.locator('.qa-learned').textContent())!;
    expect(learned).toContain(`group ${inspected.group!.id} “${inspected.group!.label}”`);
    expect(learned).toContain(`effects ${effectsSha.slice(0, 12)} (claim, per group`);
    const effectCells = await block.locator('td.qa-effect').allTextContents();
    expect(effectCells).toHaveLength(inspected.candidates.length);
    expect(effectCells.some((t) => /\(group/.test(t))).toBe(true);
    await expect
      .poll(() => nextPanel.locator('#qa-profile').textContent(), POLL)
      .toContain(`Shopper group${inspected.group!.id}: ${inspected.group!.label}`);
    expect(errors).toEqual([]);
    expect(next.errors).toEqual([]);
  }, 300_000);

  it('QA: "Simulate 1,000 shoppers" adds a simulated week; learning from it sees more groups', async () => {
    const { page, errors } = await newTab(`/#qa=${server.qaToken}`);
    await browse(page);
    await page.getByRole('button', { name: 'QA panel' }).click();
    const panel = page.getByRole('complementary', { name: 'QA panel' });
    const result = panel.locator('#qa-learn-result');
    await panel.getByRole('button', { name: 'Simulate 1,000 shoppers' }).click();
    await expect
      .poll(() => result.textContent(), { timeout: 120_000, interval: 500 })
      .toMatch(/^Added a simulated week|failed/);
    expect(await result.textContent()).toMatch(
      /^Added a simulated week: 1000 shoppers, \d+ decisions \(simulated-feedback\.jsonl\)/,
    );
    // Kept apart from the collector's file, and of the demo's coupons, groups and ε.
    const simulated = readFileSync(path.join(dataDir, 'simulated-feedback.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .flatMap((line) => (JSON.parse(line) as { events: Received[] }).events);
    const reports = simulated.filter((e) => e.group !== undefined);
    expect(reports.length).toBeGreaterThan(100);
    for (const e of reports) {
      expect(e).toMatchObject({
        groupK: K,
        groupEpsilon: 2,
        groupSet: sha256(readFileSync(SEGMENTS_FILE)).slice(0, 12),
      });
    }
    // Learning now reads the real and the simulated logs; the simulated orders make it net.
    await learnInPanel(page);
    const learnedText = (await result.textContent())!;
    expect(learnedText).toMatch(
      new RegExp(
        `^Published effects [0-9a-f]{12} \\(net, ${K} groups \\([3-${K}] seen in the logs\\)`,
      ),
    );
    expect(errors).toEqual([]);
  }, 300_000);
});
