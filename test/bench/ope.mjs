// Off-policy evaluation (`npm run ope`, models/cli/ope.ts) on the logs of 1 million decisions:
//   node test/bench/ope.mjs [--decisions 1000000] [--keep]
// The simulator (models/campaign/simulator.ts: the SDK's real Decider, the model, the ground-truth
// responses) is far too slow for a million decisions (about 1,400 a second), so it simulates a
// few thousand (3,000 shoppers over 5 days, seed 7), and this script draws 1 million decisions
// from those (seeded, with replacement), each under a new decision id, with its feedback batch
// (new event ids), its orders (new order ids) and its decisions.jsonl record, in the formats the
// simulator writes (wire-format JSONL batches, one per visit; decisions.jsonl without the
// candidates' features, which only `--model` rescoring needs). Then it runs the OPE CLI through
// tsx in a child process, as a shop would (`--feedback <dir>/feedback.jsonl --policy <greedy>`,
// reward `claim`, the default 500 bootstrap resamples), under GNU time for the peak RSS, and
// prints one JSON line: wall time, peak RSS, the sizes of the files, the estimates.
import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const SIM = { shoppers: 3000, days: 5, seed: 7 };
/** The candidate policy evaluated: the SDK's defaults without exploration (greedy). */
const POLICY = { decisions: { exploration: 0 } };

function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** UUID-shaped unique ids: a prefix per kind, then a counter. */
const id = (kind, n) => {
  const h = n.toString(16).padStart(20, '0');
  return `${kind}-${h.slice(0, 4)}-7${h.slice(4, 7)}-8${h.slice(7, 10)}-${h.slice(10, 20)}00`;
};

const lines = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

/** Streams `total` decisions drawn from the simulated ones into `dir`. */
async function scaleUp(simDir, dir, total) {
  const decisions = lines(path.join(simDir, 'decisions.jsonl'));
  const batchesByDecision = new Map();
  for (const batch of lines(path.join(simDir, 'feedback.jsonl'))) {
    const ids = new Set(batch.events.map((e) => e.decisionId));
    for (const d of ids)
      (batchesByDecision.get(d) ?? batchesByDecision.set(d, []).get(d)).push(batch);
  }
  const ordersByDecision = new Map();
  for (const order of lines(path.join(simDir, 'orders.jsonl')))
    (
      ordersByDecision.get(order.decisionId) ??
      ordersByDecision.set(order.decisionId, []).get(order.decisionId)
    ).push(order);
  for (const d of decisions) for (const c of d.candidates) delete c.features;
  const streams = Object.fromEntries(
    ['decisions', 'feedback', 'orders'].map((name) => [
      name,
      createWriteStream(path.join(dir, `${name}.jsonl`)),
    ]),
  );
  const buffers = { decisions: '', feedback: '', orders: '' };
  const flush = async (name, force = false) => {
    if (!force && buffers[name].length < 1 << 22) return;
    const text = buffers[name];
    buffers[name] = '';
    if (!streams[name].write(text)) await new Promise((r) => streams[name].once('drain', r));
  };
  const rand = mulberry32(20260302);
  let events = 0;
  let orders = 0;
  let personalized = 0;
  for (let k = 0; k < total; k++) {
    const d = decisions[Math.floor(rand() * decisions.length)];
    const decisionId = id('d0000000', k);
    if (d.personalized) personalized++;
    buffers.decisions += `${JSON.stringify({ ...d, decisionId, shopper: k })}\n`;
    for (const batch of batchesByDecision.get(d.decisionId) ?? []) {
      const evs = batch.events
        .filter((e) => e.decisionId === d.decisionId)
        .map((e) => ({ ...e, id: id('e0000000', events++), decisionId }));
      buffers.feedback += `${JSON.stringify({ ...batch, events: evs })}\n`;
    }
    for (const o of ordersByDecision.get(d.decisionId) ?? [])
      buffers.orders += `${JSON.stringify({ ...o, orderId: id('o0000000', orders++), decisionId })}\n`;
    await flush('decisions');
    await flush('feedback');
    await flush('orders');
  }
  for (const name of Object.keys(streams)) {
    await flush(name, true);
    await new Promise((r) => streams[name].end(r));
  }
  writeFileSync(path.join(dir, 'catalog.json'), readFileSync(path.join(simDir, 'catalog.json')));
  return { simulated: decisions.length, decisions: total, personalized, events, orders };
}

export function runOpeBench({ decisions: total = 1_000_000, keep = false } = {}) {
  return (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'offerwise-ope-bench-'));
    try {
      const simDir = path.join(dir, 'sim');
      const s0 = performance.now();
      const sim = spawnSync(
        tsx,
        [
          'models/cli/simulate.ts',
          '--shoppers',
          String(SIM.shoppers),
          '--days',
          String(SIM.days),
          '--seed',
          String(SIM.seed),
          '--out',
          simDir,
        ],
        { cwd: root, encoding: 'utf8' },
      );
      if (sim.status !== 0) throw new Error(`simulate exited with ${sim.status}: ${sim.stderr}`);
      const simulateMs = performance.now() - s0;
      const g0 = performance.now();
      const generated = await scaleUp(simDir, dir, total);
      const generateMs = performance.now() - g0;
      const policyFile = path.join(dir, 'policy.json');
      writeFileSync(policyFile, JSON.stringify(POLICY));
      const args = [
        path.join(root, 'models/cli/ope.ts'),
        '--feedback',
        path.join(dir, 'feedback.jsonl'),
        '--policy',
        policyFile,
      ];
      const gnuTime = existsSync('/usr/bin/time');
      const t0 = performance.now();
      const child = gnuTime
        ? spawnSync('/usr/bin/time', ['-v', tsx, ...args], {
            cwd: root,
            encoding: 'utf8',
            maxBuffer: 1 << 26,
          })
        : spawnSync(tsx, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
      const wallMs = performance.now() - t0;
      const rss = gnuTime && /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr);
      const size = (name) => statSync(path.join(dir, name)).size;
      const base = {
        name: 'ope_1m_decisions',
        decisions: generated.decisions,
        personalized: generated.personalized,
        events: generated.events,
        orders: generated.orders,
        bytes: {
          feedback: size('feedback.jsonl'),
          decisions: size('decisions.jsonl'),
          orders: size('orders.jsonl'),
        },
        simulatedDecisions: generated.simulated,
        simulateMs: Math.round(simulateMs),
        generateMs: Math.round(generateMs),
        peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : null,
        cores: cpus().length,
        load1: Math.round(loadavg()[0] * 100) / 100,
      };
      if (child.status !== 0) {
        const message = child.stderr
          .split('\n')
          .filter((l) => l.trim() !== '' && !/^\s+(Command being timed|[A-Z][a-z].*: )/.test(l))
          .slice(0, 5)
          .join(' | ');
        return {
          ...base,
          value: null,
          unit: 'ms',
          failed: true,
          exitCode: child.status,
          error: message.slice(0, 600),
          wallMs: Math.round(wallMs),
          note: `npm run ope (models/cli/ope.ts) on ${total.toLocaleString('en-US')} decisions FAILED; see error`,
        };
      }
      const out = JSON.parse(child.stdout.trim().split('\n').pop());
      const pick = (i) => ({ value: round(i.value), low: round(i.low), high: round(i.high) });
      return {
        ...base,
        value: Math.round(wallMs),
        unit: 'ms',
        n: out.n,
        excluded: out.excluded,
        duplicates: out.duplicates,
        estimates: {
          logged: pick(out.logged),
          ips: pick(out.ips),
          snips: pick(out.snips),
          dr: pick(out.dr),
          essShare: round(out.essShare),
        },
        warnings: out.warnings,
        note: `wall time of \`tsx models/cli/ope.ts --feedback feedback.jsonl --policy {"decisions":{"exploration":0}}\` (reward claim, 500 bootstrap resamples) in a child process, including tsx start-up and reading the files; peak RSS of the child from GNU time; the logs: ${generated.simulated.toLocaleString('en-US')} decisions of models/cli/simulate.ts (${SIM.shoppers} shoppers, ${SIM.days} days, seed ${SIM.seed}) drawn ${total.toLocaleString('en-US')} times with new ids (test/bench/ope.mjs)`,
      };
    } finally {
      if (keep) console.error(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  })();
}

const round = (x) => Math.round(x * 1e5) / 1e5;

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--decisions');
  runOpeBench({
    decisions: i >= 0 ? Number(argv[i + 1]) : undefined,
    keep: argv.includes('--keep'),
  })
    .then((r) => console.log(JSON.stringify(r)))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
