// The demo's learning loop (issue 17): the campaign catalog names the shopper groups
// (models/default-segments.json) and, once learned, the effects file, each by URL and SHA-256; the
// QA panel's "Learn from the logs" (POST /api/learn, QA token) runs the offline learner
// (`npx tsx models/cli/learn.ts`) on the collector's files in the data directory and publishes what
// it wrote, so that the next decisions of every shopper use it. "Simulate shoppers" (POST
// /api/simulate, QA token) adds a week of simulated shoppers ending now, decided by the SDK's own
// code with the demo's coupons, groups and ε (`npm run loop -- --weeks 1`, the browsing world's
// shoppers), kept apart in simulated-feedback.jsonl and simulated-orders.jsonl: the learner reads
// them beside the real logs, so that QA sees group effects without dozens of visits.
import { spawn } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoCatalog } from './catalog.mjs';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SEGMENTS_FILE = path.join(repoDir, 'models', 'default-segments.json');
export const SEGMENTS_URL = '/api/learning/segments.json';
export const EFFECTS_URL = '/api/learning/effects.json';
/** A run of the learner (every log so far) or of a simulated week (seconds each): two minutes at most. */
const RUN_TIMEOUT_MS = 120_000;
/** Shoppers one "Simulate shoppers" adds: a week of them is about 2,300 decisions. */
export const SIMULATED_SHOPPERS = 1000;
/** The ε the demo's devices report their group at (the SDK's default `learning.epsilon`). */
const DEMO_EPSILON = 2;
const DAY_MS = 86_400_000;
/** The collector's logs and the simulated shoppers' (kept apart), in the data directory. */
const LOGS = { feedback: 'feedback.jsonl', orders: 'orders.jsonl' };
const SIMULATED = { feedback: 'simulated-feedback.jsonl', orders: 'simulated-orders.jsonl' };
/** The browsing world whose shoppers the simulation draws (docs/learning.md, World files). */
const BROWSING_WORLD = path.join(repoDir, 'models', 'campaign', 'worlds', 'browsing.json');
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

/**
 * The learner's argv: every feedback file there is (the collector's, the simulated shoppers'),
 * the orders (`orders`: one file; null before any order) and the catalog the offers came from.
 */
function learnArgs({ dataDir, segmentsFile, out, files, orders, catalog }) {
  const feedback = [LOGS.feedback, SIMULATED.feedback].filter((f) => files.has(f));
  const args = ['--feedback', ...feedback.map((f) => path.join(dataDir, f)), '--out', out];
  args.push('--segments', segmentsFile);
  // The net value of a decision needs the orders attributed to it; before any order, claims.
  if (orders) args.push('--orders', orders);
  else args.push('--reward', 'claim');
  // The offers' categories and terms: the model's predictions at the groups and the profile terms.
  args.push('--catalog', catalog);
  return args;
}

/**
 * The simulated week's world: the browsing world's shoppers and responses, the demo's coupons as
 * its offers (the demo's five categories are the world's).
 */
async function demoWorld() {
  const world = JSON.parse(await readFile(BROWSING_WORLD, 'utf8'));
  const coupons = demoCatalog(Date.now()).offers.filter(
    (o) => o.type === 'coupon' && typeof o.discount?.percent === 'number',
  );
  return {
    ...world,
    name: 'the demo shop: browsing shoppers, the demo coupons',
    offers: coupons.map((o) => ({ id: o.id, category: o.category, percent: o.discount.percent })),
  };
}

/** Runs `tsx <script> …`; resolves with its last stdout line parsed, or rejects. */
function runCli(script, args) {
  const name = path.basename(script, '.ts');
  const tsx = createRequire(import.meta.url).resolve('tsx/cli');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, script, ...args], {
      cwd: repoDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-STDERR_KEPT)));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why = signal ? `killed (${signal}) after ${RUN_TIMEOUT_MS / 1000} s` : `exit ${code}`;
        reject(new Error(`${name} failed (${why}): ${stderr.trim() || 'no message'}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
      } catch {
        reject(new Error(`${name} printed no JSON result: ${stdout.slice(-200)}`));
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

  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  /** One run at a time (learning or simulating): each reads or appends the files the other uses. */
  let busy;
  const admitRun = (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return false;
    }
    if (!admitQa(req, res)) return false;
    req.resume(); // no body is read: the request says "run now", nothing more
    if (busy) {
      send(res, 409, { error: `${busy} already runs: wait for it to finish` });
      return false;
    }
    return true;
  };

  async function learn(req, res) {
    if (!admitRun(req, res)) return;
    const files = new Set();
    // Which files there are (a stat each: the logs are not read here).
    for (const name of [...Object.values(LOGS), ...Object.values(SIMULATED), 'catalog.json']) {
      if ((await stampOf(path.join(dataDir, name))) !== '') files.add(name);
    }
    if (!files.has(LOGS.feedback) && !files.has(SIMULATED.feedback)) {
      send(res, 409, {
        error: 'no feedback logged yet: browse the shop with consent first, or simulate shoppers',
      });
      return;
    }
    busy = 'learning';
    const n = ++runs;
    // Written beside, then renamed: the file served is always a whole one.
    const out = path.join(dataDir, `.effects-${process.pid}-${n}.json`);
    // The learner takes one orders file: the real and the simulated orders, one after the other.
    const orderFiles = [LOGS.orders, SIMULATED.orders].filter((f) => files.has(f));
    const merged =
      orderFiles.length === 2 ? path.join(dataDir, `.orders-${process.pid}-${n}.jsonl`) : null;
    // The offers as served (catalog.json, written when a page asks for the catalog); before any
    // page did (simulated shoppers only), the demo's catalog now, whose coupons they were shown.
    const made = files.has('catalog.json')
      ? null
      : path.join(dataDir, `.catalog-${process.pid}-learn-${n}.json`);
    const catalog = made ?? path.join(dataDir, 'catalog.json');
    // Answered once the run is over and cleaned up, so that the next request finds it done.
    let reply;
    try {
      if (merged) {
        const texts = await Promise.all(
          orderFiles.map((f) => readFile(path.join(dataDir, f), 'utf8')),
        );
        await writeFile(merged, texts.map((t) => (t.endsWith('\n') ? t : `${t}\n`)).join(''));
      }
      if (made) await writeFile(made, JSON.stringify(demoCatalog(Date.now())));
      const orders = merged ?? (orderFiles.length === 1 ? path.join(dataDir, orderFiles[0]) : null);
      const args = { dataDir, segmentsFile, out, files, orders, catalog };
      // Orders that name no decision yet (bought before any offer was shown) teach the net
      // value nothing: the learner refuses them, and the claims are learned instead.
      const result = await runCli('models/cli/learn.ts', learnArgs(args)).catch((error) => {
        if (!orders || !String(error?.message).includes('--orders: no order in')) throw error;
        return runCli('models/cli/learn.ts', learnArgs({ ...args, orders: null }));
      });
      await rename(out, effectsFile);
      effects = await fileOf(effectsFile);
      effectsStamp = await stampOf(effectsFile);
      reply = [200, { ...result, out: 'effects.json', sha256: effects.sha256, url: EFFECTS_URL }];
    } catch (error) {
      await rm(out, { force: true });
      const message = error instanceof Error ? error.message : String(error);
      // Feedback, but no offer shown to a personalized decision yet: the tester's next step, not
      // a server fault (the learner's counts say what the logs hold).
      const nothing = /no personalized decision with an impression in the logs[^\n]*/.exec(message);
      reply = nothing
        ? [
            409,
            {
              error: `nothing to learn yet: ${nothing[0]}; browse with consent granted until an offer has been on screen for a second, or simulate shoppers`,
            },
          ]
        : [500, { error: message }];
    } finally {
      if (merged) await rm(merged, { force: true });
      if (made) await rm(made, { force: true });
      busy = undefined;
    }
    send(res, ...reply);
  }

  /**
   * Adds a week of simulated shoppers ending now (`SIMULATED_SHOPPERS`, a new seed each time, so
   * their events' ids never repeat): decided by the SDK's code with the shipped model, placed in
   * the demo's groups and reported at the demo's ε, responding as the browsing world's truth says.
   */
  async function simulate(req, res) {
    if (!admitRun(req, res)) return;
    busy = 'a simulation';
    const n = ++runs;
    const worldFile = path.join(dataDir, `.world-${process.pid}-${n}.json`);
    const out = path.join(dataDir, `.simulated-${process.pid}-${n}`);
    let reply;
    try {
      // On a fresh checkout nothing has been logged yet: the data directory may not exist.
      await mkdir(dataDir, { recursive: true });
      await writeFile(worldFile, JSON.stringify(await demoWorld()));
      const seed = 1 + Math.floor(Math.random() * 2_000_000_000);
      const result = await runCli('models/cli/loop.ts', [
        '--world',
        worldFile,
        '--segments',
        segmentsFile,
        '--weeks',
        '1',
        '--shoppers',
        String(SIMULATED_SHOPPERS),
        '--seed',
        String(seed),
        '--epsilon',
        String(DEMO_EPSILON),
        '--no-noise',
        'no',
        '--start',
        new Date(Date.now() - 7 * DAY_MS).toISOString(),
        '--out',
        out,
      ]);
      const week = path.join(out, 'week-1');
      for (const [from, to] of [
        ['feedback.jsonl', SIMULATED.feedback],
        ['orders.jsonl', SIMULATED.orders],
      ]) {
        await appendFile(path.join(dataDir, to), await readFile(path.join(week, from)));
      }
      reply = [
        200,
        {
          shoppers: SIMULATED_SHOPPERS,
          decisions: result.weeks[0].decisions,
          seed,
          files: Object.values(SIMULATED),
        },
      ];
    } catch (error) {
      reply = [500, { error: error instanceof Error ? error.message : String(error) }];
    } finally {
      await rm(worldFile, { force: true });
      await rm(out, { recursive: true, force: true });
      busy = undefined;
    }
    send(res, ...reply);
  }

  return {
    routes: {
      [SEGMENTS_URL]: serve(() => segments),
      [EFFECTS_URL]: serve(() => effects),
      '/api/learn': learn,
      '/api/simulate': simulate,
    },
    /** What the campaign catalog says about the learning files now. */
    async catalogEntries() {
      const stamp = await stampOf(effectsFile);
      if (stamp !== effectsStamp && busy !== 'learning') {
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
