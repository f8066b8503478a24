// The effect report on 10 million simulated feedback events (`npm run report`):
//   node test/bench/report.mjs [--events 10000000] [--keep]
// Streams synthetic wire-format batches (about 50 events each, as the outbox sends them, 1% of
// them stored twice as a collector that lost its memory would) and attributed orders to a temp
// directory, runs the report CLI through tsx in a child process, and prints one JSON line: wall
// time of the report, peak RSS of the child (GNU time if present, else the child's own
// resourceUsage), and the machine's load.
import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const TOTAL = Number(flag('events', '10000000'));
const keep = argv.includes('--keep');

// A small, fast, seeded generator (mulberry32).
let state = 0x9e3779b9;
const rand = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const hex = (n, width) => n.toString(16).padStart(width, '0');
let idSeq = 0;
/** UUIDv7-shaped ids (36 characters), unique. */
const uuid = (ms) => {
  const h =
    hex(ms, 12) +
    '7' +
    hex(idSeq & 0xfff, 3) +
    '8' +
    hex((rand() * 2 ** 32) >>> 0, 8) +
    hex(idSeq, 7);
  idSeq++;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

const OFFERS = Array.from({ length: 24 }, (_, i) => `offer-${i}`);
const PLACEMENTS = ['home', 'product', 'cart', 'checkout'];
const START = Date.UTC(2026, 0, 1);
const DAYS = 30;

async function generate(dir) {
  const feedback = createWriteStream(path.join(dir, 'feedback.jsonl'));
  const orders = createWriteStream(path.join(dir, 'orders.jsonl'));
  const write = (stream, text) =>
    stream.write(text) ? undefined : new Promise((r) => stream.once('drain', r));
  let events = 0;
  let pending = [];
  let orderSeq = 0;
  let orderBuf = '';
  let lines = '';
  const flushBatch = async (at) => {
    const line = JSON.stringify({
      receivedAt: new Date(at).toISOString(),
      v: 1,
      sentAt: at,
      events: pending,
      dropped: rand() < 0.01 ? { evicted: 1 } : {},
    });
    lines += line + '\n';
    if (rand() < 0.01) lines += line + '\n'; // stored twice
    pending = [];
    if (lines.length > 1 << 20) {
      const out = lines;
      lines = '';
      await write(feedback, out);
    }
  };
  while (events < TOTAL) {
    const at = START + Math.floor(rand() * DAYS * 86_400_000);
    const decisionId = uuid(at);
    const holdout = rand() < 0.05;
    const placement = PLACEMENTS[Math.floor(rand() * PLACEMENTS.length)];
    const shown = 1 + Math.floor(rand() * 3);
    let engagedAny = false;
    for (let k = 0; k < shown && events < TOTAL; k++) {
      const offerId = OFFERS[Math.floor(rand() * OFFERS.length)];
      const propensity = holdout
        ? 1
        : k === 0 && rand() < 0.9
          ? 0.9 + rand() * 0.09
          : 0.02 + rand() * 0.1;
      const base = {
        decisionId,
        offerId,
        placement,
        propensity: Math.round(propensity * 1e4) / 1e4,
        modelVersion: holdout ? 'none' : 'd98eb637c883',
      };
      const push = (type, dt) => {
        pending.push({ id: uuid(at + dt), type, ...base, at: at + dt });
        events++;
      };
      if (rand() < 0.85) push('impression', 1000);
      const pClick = (holdout ? 0.05 : 0.07) * (propensity > 0.5 ? 1.3 : 0.8);
      if (rand() < pClick) {
        push('click', 5000);
        engagedAny = true;
        if (rand() < 0.4) push('claim', 9000);
      } else if (rand() < 0.04) push('dismiss', 7000);
      if (pending.length >= 50) await flushBatch(at);
    }
    if (rand() < (engagedAny ? 0.2 : 0.01)) {
      orderBuf += `${JSON.stringify({ orderId: `o${orderSeq++}`, decisionId, value: Math.round(2000 + rand() * 10000) / 100, at: at + 600_000 })}\n`;
      if (orderBuf.length > 1 << 20) {
        const out = orderBuf;
        orderBuf = '';
        await write(orders, out);
      }
    }
  }
  if (pending.length > 0) await flushBatch(START);
  await write(feedback, lines);
  await write(orders, orderBuf);
  await Promise.all([new Promise((r) => feedback.end(r)), new Promise((r) => orders.end(r))]);
  return { events, orders: orderSeq };
}

const dir = mkdtempSync(path.join(tmpdir(), 'offerwise-report-bench-'));
try {
  const g0 = performance.now();
  const generated = await generate(dir);
  const generateMs = performance.now() - g0;
  const feedbackFile = path.join(dir, 'feedback.jsonl');
  const out = path.join(dir, 'out');
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  const args = [
    path.join(root, 'models/cli/report.ts'),
    '--feedback',
    feedbackFile,
    '--orders',
    path.join(dir, 'orders.jsonl'),
    '--out',
    out,
  ];
  const gnuTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const child = gnuTime
    ? spawnSync('/usr/bin/time', ['-v', tsx, ...args], { encoding: 'utf8', cwd: root })
    : spawnSync(tsx, args, {
        encoding: 'utf8',
        cwd: root,
        env: { ...process.env, OFFERWISE_REPORT_RUSAGE: '1' },
      });
  const wallMs = performance.now() - t0;
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    throw new Error(`report exited with ${child.status}`);
  }
  let peakRssMb;
  if (gnuTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
    peakRssMb = m ? Math.round(Number(m[1]) / 1024) : undefined;
  } else {
    const m = /"maxRSS":(\d+)/.exec(child.stderr);
    peakRssMb = m ? Math.round(Number(m[1]) / 1024) : undefined;
  }
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
  console.log(
    JSON.stringify({
      bench: 'report',
      events: generated.events,
      feedbackBytes: statSync(feedbackFile).size,
      orders: generated.orders,
      dedupedEvents: report.summary.events,
      duplicates: report.summary.duplicates,
      generateMs: Math.round(generateMs),
      reportWallMs: Math.round(wallMs),
      reportTimings: report.timings,
      peakRssMb,
      cores: cpus().length,
      load1: Math.round(loadavg()[0] * 100) / 100,
    }),
  );
} finally {
  if (keep) console.error(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
