// A small static HTTP server for the browser tests, the benchmarks and the demo.
// Listens on 127.0.0.1 only. Unknown files get a plain 404, never an HTML fallback: a missing
// script or .wasm answered with a page fails in confusing ways ("expected magic word 00 61 73 6d").
// Types: server.d.mts beside this file.
import { createReadStream, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Where `npm run build` writes the bundles. */
export const distDir = path.join(repoRoot, 'dist');

/**
 * The files of dist/ a page may fetch, as paths relative to it (`offerwise.iife.js`,
 * `esm/offerwise.mjs`, …): every file but the type declarations and the source maps.
 */
export function servedDistFiles() {
  return readdirSync(distDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.map'))
    .map((e) => path.relative(distDir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((f) => !f.startsWith('types/'))
    .sort();
}

/** MIME types by extension; anything else is served as application/octet-stream. */
export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** @param {string} file */
export function mimeType(file) {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Normalises a mount prefix to start and end with '/'. */
function normalisePrefix(prefix = '/') {
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  if (!p.endsWith('/')) p += '/';
  return p;
}

function send(res, status, body, type = 'text/plain; charset=utf-8', headers = {}) {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'content-type': type,
    'content-length': buffer.length,
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : buffer);
}

/** Maps a URL path to a file inside `dir`, or undefined when it would escape it. */
function resolveInside(dir, relative) {
  const root = path.resolve(dir);
  const file = path.resolve(root, `.${path.posix.normalize(`/${relative}`)}`);
  return file === root || file.startsWith(root + path.sep) ? file : undefined;
}

async function fileFor(dir, relative) {
  const file = resolveInside(dir, relative);
  if (file === undefined) return undefined;
  try {
    const info = await stat(file);
    if (info.isFile()) return { file, size: info.size };
    if (info.isDirectory()) {
      // A real index.html in a directory is served; nothing else stands in for a missing file.
      const index = path.join(file, 'index.html');
      const indexInfo = await stat(index).catch(() => undefined);
      if (indexInfo?.isFile()) return { file: index, size: indexInfo.size };
    }
  } catch {
    // missing: fall through to the next root, then 404
  }
  return undefined;
}

/**
 * Starts a static server.
 * @param {import('./server.d.mts').ServerOptions} [options]
 * @returns {Promise<import('./server.d.mts').StaticServer>}
 */
export async function startServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const mounts = (options.roots ?? []).map((root) =>
    typeof root === 'string'
      ? { prefix: '/', dir: path.resolve(root) }
      : { prefix: normalisePrefix(root.prefix), dir: path.resolve(root.dir) },
  );
  /** @type {Map<string, import('./server.d.mts').RouteHandler>} */
  const routes = new Map();
  const log = options.log ?? (() => undefined);

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      log(`500 ${req.url}: ${String(error)}`);
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathname;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      send(res, 400, 'bad request');
      return;
    }
    const route = routes.get(pathname);
    if (route !== undefined) {
      if (typeof route === 'function') await route(req, res, url);
      else
        send(
          res,
          route.status ?? 200,
          route.body,
          route.type ?? mimeType(pathname),
          route.headers ?? {},
        );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'method not allowed', undefined, { allow: 'GET, HEAD' });
      return;
    }
    // Longest prefix first, so '/offerwise/' wins over '/'.
    const candidates = mounts
      .filter((m) => pathname.startsWith(m.prefix) || `${pathname}/` === m.prefix)
      .sort((a, b) => b.prefix.length - a.prefix.length);
    for (const mount of candidates) {
      const found = await fileFor(mount.dir, pathname.slice(mount.prefix.length));
      if (found === undefined) continue;
      res.writeHead(200, {
        'content-type': mimeType(found.file),
        'content-length': found.size,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await new Promise((resolve, reject) => {
        const stream = createReadStream(found.file);
        stream.on('error', reject);
        res.on('close', resolve);
        stream.pipe(res);
      });
      return;
    }
    log(`404 ${pathname}`);
    send(res, 404, `not found: ${pathname}`);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  const origin = `http://${host}:${address.port}`;

  return {
    origin,
    port: address.port,
    url: (pathname = '/') => new URL(pathname, origin).href,
    route(pathname, handler) {
      routes.set(pathname, handler);
    },
    page(pathname, html) {
      routes.set(pathname, { body: html, type: MIME_TYPES['.html'] });
      return new URL(pathname, origin).href;
    },
    unroute(pathname) {
      routes.delete(pathname);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
    },
  };
}
