// The static server the browser tests, the benchmarks and the demo share (no browser needed).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StaticServer } from '../support/server.mjs';

/** A raw GET, so that the path reaches the server exactly as written (fetch normalises `..`). */
function rawGet(server: StaticServer, rawPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: rawPath }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static server', () => {
  let root: string;
  let server: StaticServer;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ow-server-'));
    const site = path.join(root, 'site');
    const lib = path.join(root, 'lib');
    mkdirSync(path.join(site, 'docs'), { recursive: true });
    mkdirSync(lib);
    writeFileSync(path.join(root, 'secret.txt'), 'outside the roots');
    writeFileSync(path.join(site, 'index.html'), '<p>home</p>');
    writeFileSync(path.join(site, 'app.js'), 'void 0;');
    writeFileSync(path.join(site, 'data.json'), '{"a":1}');
    writeFileSync(path.join(lib, 'mod.mjs'), 'export {};');
    writeFileSync(path.join(lib, 'mod.mjs.map'), '{}');
    writeFileSync(path.join(lib, 'm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    server = await startServer({ roots: [site, { prefix: '/lib', dir: lib }] });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 on an ephemeral port', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    expect(server.url('/x')).toBe(`${server.origin}/x`);
  });

  it('serves files with their MIME type', async () => {
    const cases: [string, string][] = [
      ['/', 'text/html; charset=utf-8'],
      ['/index.html', 'text/html; charset=utf-8'],
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/data.json', 'application/json; charset=utf-8'],
      ['/lib/mod.mjs', 'text/javascript; charset=utf-8'],
      ['/lib/mod.mjs.map', 'application/json; charset=utf-8'],
      ['/lib/m.wasm', 'application/wasm'],
    ];
    for (const [pathname, type] of cases) {
      const res = await fetch(server.url(pathname));
      expect([pathname, res.status, res.headers.get('content-type')]).toEqual([
        pathname,
        200,
        type,
      ]);
    }
    const wasm = new Uint8Array(await (await fetch(server.url('/lib/m.wasm'))).arrayBuffer());
    expect([...wasm.slice(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);
    expect(await (await fetch(server.url('/app.js?v=2'))).text()).toBe('void 0;');
  });

  it('answers 404, never an HTML page, for what it does not have', async () => {
    for (const pathname of ['/missing.wasm', '/docs/', '/lib/nope.mjs', '/lib/']) {
      const res = await fetch(server.url(pathname));
      expect([pathname, res.status]).toEqual([pathname, 404]);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
    expect(await rawGet(server, '/../secret.txt')).toBe(404);
    expect(await rawGet(server, '/lib/%2e%2e/secret.txt')).toBe(404);
    expect(await rawGet(server, '/lib/..%2f..%2fsecret.txt')).toBe(404);
  });

  it('lets a test add pages and routes that win over files', async () => {
    const url = server.page('/app.js', '<p>page</p>');
    expect(await (await fetch(url)).text()).toBe('<p>page</p>');
    server.route('/api/echo', (req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' }).end(req.method);
    });
    const posted = await fetch(server.url('/api/echo'), { method: 'POST' });
    expect([posted.status, await posted.text()]).toEqual([201, 'POST']);
    server.unroute('/app.js');
    expect(await (await fetch(server.url('/app.js'))).text()).toBe('void 0;');
    expect((await fetch(server.url('/app.js'), { method: 'POST' })).status).toBe(405);
  });
});
