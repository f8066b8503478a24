// The demo shop: `npm run demo` builds, then serves http://127.0.0.1:8080 (PORT overrides).
// The built SDK is served under /offerwise/, the demo page and its script at /. Uses the same
// static server as the browser tests (test/support/server.mjs).
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { demoCatalog } from './catalog.mjs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distDir, mimeType, startServer } from '../test/support/server.mjs';

const demoDir = path.dirname(fileURLToPath(import.meta.url));

/** The demo's own files, read on each request so edits show on reload. */
const PAGES = { '/': 'index.html', '/index.html': 'index.html', '/demo.js': 'demo.js' };

/**
 * Starts the demo server.
 * @param {{ port?: number, dataDir?: string }} [options] port 0 picks a free one; dataDir holds
 *   the collector's JSONL (default demo/.data)
 */
export async function startDemoServer(options = {}) {
  const server = await startServer({
    port: options.port ?? 8080,
    roots: [{ prefix: '/offerwise/', dir: distDir }],
  });
  // The campaign catalog, generated at each request so that its flash sales stay minutes away.
  server.route('/api/catalog', (req, res) => {
    const body = JSON.stringify(demoCatalog());
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const collector = feedbackCollector(options.dataDir ?? path.join(demoDir, '.data'));
  server.route('/api/feedback', collector.receive);
  server.route('/api/feedback/received', collector.received);
  for (const [route, file] of Object.entries(PAGES)) {
    server.route(route, async (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const body = await readFile(path.join(demoDir, file));
      res.writeHead(200, {
        'content-type': mimeType(file),
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }
  return server;
}

/**
 * The shop's feedback collector: takes wire-format batches (`{ v: 1, events: [{ id, … }] }`),
 * keeps each event id once (a retried batch is acknowledged again, not stored twice), appends
 * every batch to `<dataDir>/feedback.jsonl`, answers 204; a body that is not the wire format
 * gets a 400 with the reason.
 */
function feedbackCollector(dataDir) {
  const seen = new Map();
  const read = (req) =>
    new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on('data', (c) => {
        size += c.length;
        if (size > 1_000_000) req.destroy(new Error('body over 1 MB'));
        else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  return {
    async receive(req, res) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      let batch;
      try {
        batch = JSON.parse(await read(req));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('body: expected JSON');
        return;
      }
      if (batch?.v !== 1 || !Array.isArray(batch.events)) {
        res
          .writeHead(400, { 'content-type': 'text/plain' })
          .end('expected { v: 1, events: [...] }');
        return;
      }
      const fresh = batch.events.filter((e) => typeof e?.id === 'string' && !seen.has(e.id));
      for (const e of fresh) seen.set(e.id, e);
      if (fresh.length > 0) {
        await mkdir(dataDir, { recursive: true });
        await appendFile(
          path.join(dataDir, 'feedback.jsonl'),
          JSON.stringify({ receivedAt: new Date().toISOString(), ...batch, events: fresh }) + '\n',
        );
      }
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
    },
    received(req, res) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ events: [...seen.values()] }));
    },
  };
}

async function main() {
  const port = process.env.PORT === undefined ? 8080 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
    process.exit(1);
  }
  let server;
  try {
    server = await startDemoServer({ port });
  } catch (error) {
    console.error(
      error?.code === 'EADDRINUSE'
        ? `port ${port} is in use: set PORT to another one, e.g. PORT=8081 npm run demo`
        : error,
    );
    process.exit(1);
  }
  console.log(`offerwise demo: ${server.url('/')}  (Ctrl+C to stop)`);
  const stop = () => {
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
