// @vitest-environment node
// The demo server's learning files (demo/learning.mjs): the catalog names the segments file by URL
// and the SHA-256 of the very bytes served; an effects file appears in the catalog once one is in
// the data directory (written by the QA button or by `npm run learn … --out`), and changes with
// it; POST /api/learn is a QA route. The learner run itself is driven by
// test/e2e/demo-learning.e2e.ts.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../demo/server.mjs';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const servers: DemoServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(segmentsFile?: string) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'offerwise-demo-learning-unit-'));
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
      error: 'no feedback logged yet: browse the shop with consent first',
    });
  });

  it('refuses to start without its segments file, naming it', async () => {
    await expect(start('/nonexistent/segments.json')).rejects.toThrow(
      'demo: the segments file /nonexistent/segments.json does not exist',
    );
  });
});
