// Chaos tests of the feedback outbox in real Chromium (reliability.md R1–R4), against the mock
// collector of test/support/collector.ts (POST /api/feedback): it parses the wire format, records
// every delivered event id (raw duplicates counted), tracks requests in flight, and injects faults
// from a seeded generator. R5–R16 are in outbox-chaos-more.e2e.ts.
// Every scenario prints one line
//   outbox-chaos <scenario> accepted=N delivered=N lost=N duplicates=N max_inflight=N seed=S
// The seed is printed at the start; `OUTBOX_CHAOS_SEED=<seed>` replays it (each scenario draws
// from its own generator derived from the seed, so one scenario replays on its own too).
// Needs `npm run build` first (the pages load dist/offerwise.iife.js).
import { describe, expect, it } from 'vitest';
import {
  chaosSetUp,
  createIn,
  faultSummary,
  fetchLogOf,
  flushUntilDelivered,
  flushUntilDeliveredOnClock,
  logFeedbackFetches,
  newCollector,
  pageProblems,
  printLine,
  reportIn,
  scenarioRandom,
  scenarioSeed,
  sleep,
  tally,
  type ChaosWindow,
  type Collector,
} from '../support/collector.js';
import { openPage, requireChromium, useHarness } from '../support/e2e.js';

const hasChromium = requireChromium();

// ---------------------------------------------------------------------------------------------

describe.skipIf(!hasChromium)('outbox chaos in Chromium', () => {
  const h = useHarness();

  const setUp = (c: Collector) => chaosSetUp(h, c);

  it('R1: healthy server, 2,000+ events: none lost, none duplicated', async () => {
    const c = newCollector();
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    await createIn(tab.page);
    const accepted: string[] = [];
    const started = Date.now();
    // 2,000 events, then more while it stays fast (at most 4,000 or ~4 s of reporting).
    while (accepted.length < 2000 || (accepted.length < 4000 && Date.now() - started < 4000)) {
      accepted.push(...(await reportIn(tab.page, 500, 25)));
    }
    const last = await flushUntilDelivered(tab.page, c, accepted, 20_000);
    const t = tally(c, accepted);
    printLine('R1', t, c);
    console.log(`outbox-chaos R1 detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(c.malformed).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(c.maxInflight).toBeLessThanOrEqual(1);
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  });

  it('R2: 30% 5xx, 5% 429 (Retry-After: 1), 5% network errors: none lost or duplicated, Retry-After honoured', async () => {
    const c = newCollector();
    const random = scenarioRandom(2);
    // Seeded faults; the 2nd request is always a 429 and the 4th a network error, so that every
    // fault kind occurs in every run however few batches there are.
    c.fault = () => {
      const r = random();
      if (c.requests.length === 2) return '429';
      if (c.requests.length === 4) return 'network';
      return r < 0.3 ? '5xx' : r < 0.35 ? '429' : r < 0.4 ? 'network' : 'ok';
    };
    const { context, url } = await setUp(c);
    await context.addInitScript(logFeedbackFetches);
    // The backoff (full jitter, 1 s to 5 min) runs on Playwright's fake clock: a seeded run of
    // back-to-back failures may back off for minutes, which pass in milliseconds here. The jitter
    // is seeded by the query's seed, so a run replays with OUTBOX_CHAOS_SEED.
    await context.clock.install();
    const tab = await openPage(context, `${url}?seed=${scenarioSeed(2)}`);
    await createIn(tab.page);
    const accepted = await reportIn(tab.page, 800, 20);
    // A little ahead: the page's clock keeps running until the pause lands.
    await tab.page.clock.pauseAt((await tab.page.evaluate(() => Date.now())) + 2000);
    const last = await flushUntilDeliveredOnClock(tab.page, c, accepted, 400);
    await tab.page.clock.resume();
    const t = tally(c, accepted);
    const log = await fetchLogOf(tab.page);
    printLine('R2', t, c);
    console.log(`outbox-chaos R2 detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`);
    // No POST may leave within a second of a 429 reaching the page (Retry-After: 1), measured on
    // the page's own clock: exact, as the fake clock only moves when the test runs it.
    const early: string[] = [];
    log.forEach((f, i) => {
      const next = log[i + 1];
      if (f.status === 429 && next && next.at < f.repliedAt + 1000) {
        early.push(`+${Math.round(next.at - f.repliedAt)} ms after a 429`);
      }
    });
    console.log(
      `outbox-chaos R2 retry-after: ${log.filter((f) => f.status === 429).length} 429s seen by the page, early=${JSON.stringify(early)}`,
    );
    // The page saw every 429 the collector sent (the 2nd request is always one).
    expect(log.filter((f) => f.status === 429).length).toBe(
      c.requests.filter((r) => r.fault === '429').length,
    );
    expect(log.filter((f) => f.status === 429).length).toBeGreaterThan(0);
    expect(c.malformed).toEqual([]);
    expect(early).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    expect(t.duplicates).toBe(0);
    expect(c.maxInflight).toBeLessThanOrEqual(1);
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  }, 120_000);

  it('R3: 10% of batches stored but the reply lost: none lost; duplicates only from those batches', async () => {
    const c = newCollector();
    const random = scenarioRandom(3);
    c.fault = () => (random() < 0.1 ? 'reply_lost' : 'ok');
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    await createIn(tab.page);
    const accepted = await reportIn(tab.page, 1000, 25);
    const last = await flushUntilDelivered(tab.page, c, accepted, 25_000);
    const t = tally(c, accepted);
    printLine('R3', t, c);
    console.log(`outbox-chaos R3 detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`);
    expect(c.malformed).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    const stray = t.duplicateIds.filter((id) => !c.replyLostIds.has(id));
    expect(stray.slice(0, 5)).toEqual([]);
    // Each id is stored at most once per reply-lost batch it was in, plus its final delivery.
    for (const id of t.duplicateIds) {
      const lostIn = c.requests.filter((r) => r.fault === 'reply_lost' && r.ids.includes(id));
      expect(c.counts.get(id)).toBeLessThanOrEqual(lostIn.length + 1);
    }
    expect(c.maxInflight).toBeLessThanOrEqual(1);
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  });

  it('R4: reloads at random points while reporting, 20% 5xx: none lost after a healthy page flushes', async () => {
    const RELOADS = 8;
    const BATCH = 50;
    const c = newCollector();
    const random = scenarioRandom(4);
    // Faults on the regular POSTs only. The reply to a page-leave request is not read once its
    // page is gone and its rows stay leased for 60 s, so a faulted one would only be resent after
    // the lease; the final page below runs with its wall clock 61 s ahead, which covers that case.
    c.fault = () => (random() < 0.2 ? '5xx' : 'ok');
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    const accepted: string[] = [];
    for (let i = 0; i < RELOADS; i++) {
      await createIn(tab.page);
      // Report continuously, a few at a time, recording every accepted id in the page.
      await tab.page.evaluate(() => {
        const w = window as unknown as ChaosWindow;
        w.acc = [];
        w.stop = false;
        const d = w.decision;
        void (async () => {
          for (let k = 0; !w.stop; k += 5) {
            const batch = [];
            for (let j = k; j < k + 5; j++) {
              const offer = d.offers[j % d.offers.length]!;
              batch.push(
                w.ow.report(d.decisionId, offer.offerId, j % 5 === 4 ? 'click' : 'impression'),
              );
            }
            for (const r of await Promise.allSettled(batch)) {
              if (r.status === 'fulfilled' && r.value.id) w.acc.push(r.value.id);
            }
            // About 500 events/s: a busy page, without filling the 5,000-row cap.
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        })();
      });
      await sleep(150 + Math.floor(random() * 1200));
      accepted.push(
        ...(await tab.page.evaluate(() => (window as unknown as ChaosWindow).acc.splice(0))),
      );
      expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
      await tab.page.reload();
    }
    // The final page: a healthy server, and a wall clock 61 s ahead so that leases taken by the
    // reloaded pages (in-flight batches, beacons) have expired, as on a later visit.
    c.fault = () => 'ok';
    await createIn(tab.page, 61_000);
    const last = await flushUntilDelivered(tab.page, c, accepted, 20_000);
    const t = tally(c, accepted);
    printLine('R4', t, c);
    console.log(
      `outbox-chaos R4 detail reloads=${RELOADS} ${faultSummary(c)} last_flush=${JSON.stringify(last)}`,
    );
    expect(c.malformed).toEqual([]);
    expect(t.lostIds.slice(0, 5)).toEqual([]);
    // A page-leave request is not confirmed once its page is gone, so its events are sent again
    // once their lease expires (see the next test): those duplicates are counted apart here.
    const beaconed = new Set(
      c.requests.filter((r) => r.beacon && r.fault === 'ok').flatMap((r) => r.ids),
    );
    const fromBeacons = [...c.counts]
      .filter(([id]) => beaconed.has(id))
      .reduce((sum, [, n]) => sum + n - 1, 0);
    console.log(
      `outbox-chaos R4 duplicates: ${fromBeacons} of ${t.duplicates} are events of a delivered beacon (${beaconed.size} beaconed events); bound ${RELOADS * BATCH}`,
    );
    expect(t.duplicates - fromBeacons).toBeLessThanOrEqual(RELOADS * BATCH);
    expect(last?.reason).toBe('done');
    expect(await pageProblems(tab.page, tab.errors)).toEqual([]);
  });

  // A page-leave request is not confirmed once its page is gone, so what it carries is sent
  // again after its lease; it carries at most one batch, which bounds those duplicates at batch
  // size per page leave.
  // Deterministic: the first POST gets a 503 with a Retry-After of 10 s, 200 events are reported
  // during that wait, the page reloads (the page-leave request is stored), and a later page (wall
  // clock 61 s ahead) sends the rest. (With a backoff of 1–2 s instead, a busy machine could
  // report the 200 after the retry, and a reload racing that retry's ack adds its 50 duplicates.)
  it('R4 bound: one reload during a backoff causes at most batch-size (50) duplicates', async () => {
    const c = newCollector();
    c.retryAfterDateMs = 10_000;
    c.fault = (beacon) => (!beacon && c.requests.length === 1 ? '503-date' : 'ok');
    const { context, url } = await setUp(c);
    const tab = await openPage(context, url);
    await createIn(tab.page);
    const accepted = await reportIn(tab.page, 50, 50); // a full batch: sent at once, gets the 503
    for (let i = 0; i < 50 && c.requests.length === 0; i++) await sleep(20);
    accepted.push(...(await reportIn(tab.page, 200, 10))); // during the backoff
    expect(c.requests.filter((r) => !r.beacon).map((r) => r.fault)).toEqual(['503-date']);
    await tab.page.reload();
    c.fault = () => 'ok';
    await createIn(tab.page, 61_000);
    const last = await flushUntilDelivered(tab.page, c, accepted, 10_000);
    const t = tally(c, accepted);
    printLine('R4-beacon', t, c);
    console.log(
      `outbox-chaos R4-beacon detail ${faultSummary(c)} last_flush=${JSON.stringify(last)}`,
    );
    expect(t.lost).toBe(0);
    expect(t.duplicates).toBeLessThanOrEqual(50);
  });
});
