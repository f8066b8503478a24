// @vitest-environment node
// The demo server's learning files (demo/learning.mjs): the catalog names the segments file by URL
// and the SHA-256 of the very bytes served; an effects file appears in the catalog once one is in
// the data directory (written by the QA button or by `npm run learn … --out`), and changes with
// it; POST /api/learn is a QA route. The learner run itself is driven by
// test/e2e/demo-learning.e2e.ts.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';
import { toWireBatch, toWireEvent } from '../../src/feedback/wire.js';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const servers: DemoServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(segmentsFile?: string, fresh = false) {
  // `fresh`: a data directory not made yet, as on a new checkout before anything was logged.
  const parent = mkdtempSync(path.join(tmpdir(), 'offerwise-demo-learning-unit-'));
  const dataDir = fresh ? path.join(parent, '.data') : parent;
  const server = await startDemoServer({
    port: 0,
    dataDir,
    ...(segmentsFile ? { segmentsFile } : {}),
  });
  servers.push(server);
  const get = (url: string) => fetch(server.url(url));
  const catalog = async () => (await (await get('/api/catalog')).json()) as Record<string, unknown>;
  return { server, dataDir, get, catalog };
}

describe('the demo server’s learning files', () => {
  it('names the segments file by the SHA-256 of the bytes it serves', async () => {
    const { get, catalog } = await start();
    const bytes = readFileSync(new URL('../../models/default-segments.json', import.meta.url));
    const served = Buffer.from(await (await get('/api/learning/segments.json')).arrayBuffer());
    expect(served.equals(bytes)).toBe(true);
    expect((await catalog()).segments).toEqual({
      url: '/api/learning/segments.json',
      sha256: sha256(bytes),
    });
    expect((await catalog()).effects).toBeUndefined();
    expect((await get('/api/learning/effects.json')).status).toBe(404);
  });

  it('names an effects file once one is in the data directory, and the new one after a rewrite', async () => {
    const { dataDir, get, catalog } = await start();
    const first = '{"format":"offerwise-effects","note":"first"}\n';
    writeFileSync(path.join(dataDir, 'effects.json'), first);
    expect((await catalog()).effects).toEqual({
      url: '/api/learning/effects.json',
      sha256: sha256(first),
    });
    expect(await (await get('/api/learning/effects.json')).text()).toBe(first);
    const second = '{"format":"offerwise-effects","note":"second, longer"}\n';
    writeFileSync(path.join(dataDir, 'effects.json'), second);
    expect((await catalog()).effects).toEqual({
      url: '/api/learning/effects.json',
      sha256: sha256(second),
    });
    expect(await (await get('/api/learning/effects.json')).text()).toBe(second);
  });

  it('learning is a QA route: token needed, POST only, and nothing to learn before any feedback', async () => {
    const { server } = await start();
    const learn = (init: RequestInit = {}) =>
      fetch(server.url('/api/learn'), { method: 'POST', ...init });
    expect((await learn()).status).toBe(401);
    expect((await learn({ headers: { 'x-qa-token': 'x'.repeat(43) } })).status).toBe(403);
    const headers = { 'x-qa-token': server.qaToken };
    expect((await learn({ method: 'GET', headers })).status).toBe(405);
    const none = await learn({ headers });
    expect(none.status).toBe(409);
    expect(await none.json()).toEqual({
      error: 'no feedback logged yet: browse the shop with consent first, or simulate shoppers',
    });
  });

  it('refuses to start without its segments file, naming it', async () => {
    await expect(start('/nonexistent/segments.json')).rejects.toThrow(
      'demo: the segments file /nonexistent/segments.json does not exist',
    );
  });

  it('says there is nothing to learn yet (409) when the feedback holds no personalized impression', async () => {
    const { server, dataDir } = await start();
    const now = Date.now();
    // A click without its impression: an event with a decision and an offer, nothing to learn from.
    const click = toWireEvent(
      {
        decisionId: 'd-1',
        offerId: 'c-shoes-10',
        placement: 'home',
        propensity: 0.5,
        modelVersion: 'm-1',
        type: 'click',
        at: now - 60_000,
      },
      'k-1',
      now,
      'full',
    );
    const batch = toWireBatch('full', now, [click] as Parameters<typeof toWireBatch>[2]);
    writeFileSync(path.join(dataDir, 'feedback.jsonl'), `${JSON.stringify(batch)}\n`);
    const learned = await fetch(server.url('/api/learn'), {
      method: 'POST',
      headers: { 'x-qa-token': server.qaToken },
    });
    expect(learned.status).toBe(409);
    expect(await learned.json()).toEqual({
      error:
        'nothing to learn yet: no personalized decision with an impression in the logs (1 event with a decision and an offer; 1 JSONL line, 0 of them not a wire-format batch (not JSON, cut short, or without `v: 1`); impressions left out: 0 for their propensity, 0 for their time); browse with consent granted until an offer has been on screen for a second, or simulate shoppers',
    });
  }, 60_000);

  it('learns the claims when the orders name no decision yet (bought before any offer was shown)', async () => {
    const { server, dataDir } = await start();
    const now = Date.now();
    const events = [0, 1, 2, 3].flatMap((d) => {
      const base = {
        decisionId: `d-${d}`,
        offerId: d < 2 ? 'c-shoes-10' : 'c-mens-15',
        placement: 'home',
        propensity: 0.5,
        modelVersion: 'm-1',
      };
      return [
        toWireEvent({ ...base, type: 'impression', at: now - 60_000 }, `i-${d}`, now, 'full'),
        ...(d === 0
          ? [toWireEvent({ ...base, type: 'claim', at: now - 30_000 }, `c-${d}`, now, 'full')]
          : []),
      ];
    });
    const batch = toWireBatch('full', now, events as Parameters<typeof toWireBatch>[2]);
    writeFileSync(path.join(dataDir, 'feedback.jsonl'), `${JSON.stringify(batch)}\n`);
    writeFileSync(
      path.join(dataDir, 'orders.jsonl'),
      `${JSON.stringify({ orderId: 'o-1', value: 80, at: now })}\n`,
    );
    const learned = await fetch(server.url('/api/learn'), {
      method: 'POST',
      headers: { 'x-qa-token': server.qaToken },
    });
    const result = (await learned.json()) as {
      reward: string;
      decisions: { personalized: number };
    };
    expect(learned.status).toBe(200);
    expect(result.reward).toBe('claim');
    expect(result.decisions.personalized).toBe(4);
  }, 60_000);

  it('simulates a week of shoppers with the demo coupons, groups and ε, and learns from them', async () => {
    const { server, dataDir, catalog } = await start(undefined, true);
    const post = (route: string, headers: Record<string, string> = {}) =>
      fetch(server.url(route), { method: 'POST', headers });
    expect((await post('/api/simulate')).status).toBe(401);
    const qa = { 'x-qa-token': server.qaToken };
    // First thing on a new checkout: the data directory is made for it.
    expect(existsSync(dataDir)).toBe(false);
    const simulated = await post('/api/simulate', qa);
    const coupons = ((await catalog()).offers as { id: string; type: string }[])
      .filter((o) => o.type === 'coupon')
      .map((o) => o.id);
    const body = (await simulated.json()) as { shoppers: number; decisions: number };
    expect(simulated.status).toBe(200);
    expect(body.shoppers).toBe(1000);
    // 1,000 shoppers visiting about 2.4 times a week: some 2,300 decisions.
    expect(body.decisions).toBeGreaterThan(1500);
    const lines = readFileSync(path.join(dataDir, 'simulated-feedback.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { events: Record<string, unknown>[] });
    const events = lines.flatMap((l) => l.events);
    // What a device sends, and nothing else: the demo's coupons, the demo's segments file and ε.
    const segmentsSha = sha256(
      readFileSync(new URL('../../models/default-segments.json', import.meta.url)),
    );
    expect(new Set(events.map((e) => e.offerId)).size).toBeGreaterThan(1);
    for (const e of events) expect(coupons).toContain(e.offerId);
    const reports = events.filter((e) => e.group !== undefined);
    expect(reports.length).toBeGreaterThan(100);
    for (const e of reports) {
      expect(e).toMatchObject({ groupK: 8, groupEpsilon: 2, groupSet: segmentsSha.slice(0, 12) });
    }
    // Dated within the week before now, so that what is learned from them is not stale.
    const at = events.map((e) => e.at as number);
    expect(Math.min(...at)).toBeGreaterThan(Date.now() - 8 * 86_400_000);
    expect(Math.max(...at)).toBeLessThanOrEqual(Date.now() + 60_000);
    // The learner reads them beside the (absent) real logs, orders included.
    const learned = await post('/api/learn', qa);
    const result = (await learned.json()) as {
      k: number;
      absentGroups: number[];
      reward: string;
      offers: Record<string, unknown>;
      profile: Record<string, number> | null;
      surrogate: { lambda: number } | null;
    };
    expect(learned.status).toBe(200);
    expect(result.reward).toBe('net');
    // No page asked for the catalog yet: the learner still knows the offers (the demo's catalog),
    // so it learns the profile terms through the claims, as the loop does.
    expect(Object.keys(result.profile ?? {})).toEqual(['interest', 'bought', 'recent']);
    expect(Number.isFinite(result.surrogate?.lambda)).toBe(true);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(result.k).toBe(8);
    expect(result.absentGroups.length).toBeLessThan(6);
    for (const id of Object.keys(result.offers)) expect(coupons).toContain(id);
    // A second simulation adds to the first (new ids), and the simulated files are the demo's own.
    await post('/api/simulate', qa);
    const again = readFileSync(path.join(dataDir, 'simulated-feedback.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(again.length).toBeGreaterThan(lines.length);
    const ids = again.flatMap((l) =>
      (JSON.parse(l) as { events: { id: string }[] }).events.map((e) => e.id),
    );
    expect(new Set(ids).size).toBe(ids.length);
  }, 180_000);
});
