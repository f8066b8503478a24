// The demo shop: `npm run demo` builds, then serves http://127.0.0.1:8080 (PORT overrides).
// The built SDK is served under /offerwise/, the demo page and its script at /. Uses the same
// static server as the browser tests (test/support/server.mjs).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distDir, mimeType, startServer } from '../test/support/server.mjs';

const demoDir = path.dirname(fileURLToPath(import.meta.url));

/** The demo's own files, read on each request so edits show on reload. */
const PAGES = { '/': 'index.html', '/index.html': 'index.html', '/demo.js': 'demo.js' };

/**
 * Starts the demo server.
 * @param {{ port?: number }} [options] port 0 picks a free one
 */
export async function startDemoServer(options = {}) {
  const server = await startServer({
    port: options.port ?? 8080,
    roots: [{ prefix: '/offerwise/', dir: distDir }],
  });
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
