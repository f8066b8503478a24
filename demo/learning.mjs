// The demo's learning loop (issue 17): the campaign catalog names the shopper groups
// (models/default-segments.json) and, once learned, the effects file, each by URL and SHA-256; the
// QA panel's "Learn from the logs" (POST /api/learn, QA token) runs the offline learner
// (`npx tsx models/cli/learn.ts`) on the collector's files in the data directory and publishes what
// it wrote, so that the next decisions of every shopper use it.
import { spawn } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SEGMENTS_FILE = path.join(repoDir, 'models', 'default-segments.json');
export const SEGMENTS_URL = '/api/learning/segments.json';
export const EFFECTS_URL = '/api/learning/effects.json';
/** The learner reads every log so far and scores with ONNX Runtime: a minute is plenty. */
const LEARN_TIMEOUT_MS = 120_000;
/** What of the learner's stderr a failed run shows (its message is the last line). */
const STDERR_KEPT = 2_000;

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A public file held in memory with its SHA-256, served as the catalog names it. */
async function fileOf(file) {
  try {
    const bytes = await readFile(file);
    return { bytes, sha256: sha256(bytes) };
  } catch (error) {
    if (error?.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** When and how big a file was last written ('' when there is none): reread when it changes. */
async function stampOf(file) {
  try {
    const { mtimeMs, size } = await stat(file);
    return `${mtimeMs}/${size}`;
  } catch {
    return '';
  }
}

/** The learner's argv: every collector file there is, the catalog the logged offers came from. */
function learnArgs({ dataDir, segmentsFile, out, files }) {
  const args = ['--feedback', path.join(dataDir, 'feedback.jsonl'), '--out', out];
  args.push('--segments', segmentsFile);
  // The net value of a decision needs the orders attributed to it; before any order, claims.
  if (files.has('orders.jsonl')) args.push('--orders', path.join(dataDir, 'orders.jsonl'));
  else args.push('--reward', 'claim');
  if (files.has('catalog.json')) args.push('--catalog', path.join(dataDir, 'catalog.json'));
  return args;
}

/** Runs `tsx models/cli/learn.ts …`; resolves with its last stdout line parsed, or rejects. */
function runLearner(args) {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, 'models/cli/learn.ts', ...args], {
      cwd: repoDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-STDERR_KEPT)));
    const timer = setTimeout(() => child.kill('SIGKILL'), LEARN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why = signal
          ? `killed (${signal}) after ${LEARN_TIMEOUT_MS / 1000} s`
          : `exit ${code}`;
        reject(new Error(`learn failed (${why}): ${stderr.trim() || 'no message'}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
      } catch {
        reject(new Error(`learn printed no JSON result: ${stdout.slice(-200)}`));
      }
    });
  });
}

/** The QA token check of the collector's QA routes: 401 without the header, 403 when wrong. */
function admitter(qaToken) {
  return (req, res) => {
    const given = Buffer.from(String(req.headers['x-qa-token'] ?? ''));
    const expected = Buffer.from(qaToken);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
    res.writeHead(given.length === 0 ? 401 : 403, { 'content-type': 'text/plain' });
    res.end('X-QA-Token: missing or wrong; the token is in the QA link `npm run demo` prints');
    return false;
  };
}

/**
 * The learning loop's routes and catalog entries.
 * @param {{ dataDir: string, qaToken: string, segmentsFile?: string }} options
 */
export async function createLearning({ dataDir, qaToken, segmentsFile = DEFAULT_SEGMENTS_FILE }) {
  const admitQa = admitter(qaToken);
  const segments = await fileOf(segmentsFile);
  if (!segments) throw new Error(`demo: the segments file ${segmentsFile} does not exist`);
  const effectsFile = path.join(dataDir, 'effects.json');
  // An effects file learned before a restart still applies (the catalog names it again), and so
  // does one `npm run learn -- … --out <dataDir>/effects.json` writes while the server runs.
  let effects = await fileOf(effectsFile);
  let effectsStamp = await stampOf(effectsFile);
  let running;
  let runs = 0;

  const serve = (getFile) => (req, res) => {
    const file = getFile();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not learned yet');
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': file.bytes.length,
      // Named by SHA-256 in the catalog: a stale copy would be refused anyway.
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : file.bytes);
  };

  async function learn(req, res) {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (!admitQa(req, res)) return;
    req.resume(); // no body is read: the request says "learn now", nothing more
    if (running) {
      send(409, { error: 'learning already runs: wait for it to finish' });
      return;
    }
    const files = new Set();
    for (const name of ['feedback.jsonl', 'orders.jsonl', 'catalog.json']) {
      if (await fileOf(path.join(dataDir, name))) files.add(name);
    }
    if (!files.has('feedback.jsonl')) {
      send(409, { error: 'no feedback logged yet: browse the shop with consent first' });
      return;
    }
    // Written beside, then renamed: the file served is always a whole one.
    const out = path.join(dataDir, `.effects-${process.pid}-${++runs}.json`);
    running = runLearner(learnArgs({ dataDir, segmentsFile, out, files }));
    try {
      const result = await running;
      await rename(out, effectsFile);
      effects = await fileOf(effectsFile);
      effectsStamp = await stampOf(effectsFile);
      send(200, { ...result, out: 'effects.json', sha256: effects.sha256, url: EFFECTS_URL });
    } catch (error) {
      await rm(out, { force: true });
      send(500, { error: error instanceof Error ? error.message : String(error) });
    } finally {
      running = undefined;
    }
  }

  return {
    routes: {
      [SEGMENTS_URL]: serve(() => segments),
      [EFFECTS_URL]: serve(() => effects),
      '/api/learn': learn,
    },
    /** What the campaign catalog says about the learning files now. */
    async catalogEntries() {
      const stamp = await stampOf(effectsFile);
      if (stamp !== effectsStamp && !running) {
        effects = await fileOf(effectsFile);
        effectsStamp = stamp;
      }
      return {
        segments: { url: SEGMENTS_URL, sha256: segments.sha256 },
        ...(effects ? { effects: { url: EFFECTS_URL, sha256: effects.sha256 } } : {}),
      };
    },
  };
}
