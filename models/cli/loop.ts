/**
 * `npm run loop -- --out <dir> [--world models/campaign/worlds/browsing.json] [--shoppers 20000]
 *   [--weeks 4] [--seed 1] [--epsilon 2] [--segments <file>] [--scorer model|fallback]
 *   [--model models/default.onnx] [--exploration 0.05] [--temperature-factor 0.1]
 *   [--no-noise yes|no] [--k <groups>] [--model-term yes|no] [--profile-terms interest bought recent … | none] [--window <weeks>]
 *   [--start <ISO time>]`
 *
 * The learning loop end to end (models/campaign/loop.ts): week 1 with the shipped model, then
 * each week learn on every log so far, publish, and run the next week with the new effects; then
 * the same loop with exact groups (ε = ∞) for `noNoise`. The groups are fitted on the world's
 * own traffic unless `--segments` names a file. `--start` dates week 1 (default the simulator's
 * fixed start): the demo's QA panel simulates a week of shoppers ending now, so that what it
 * learns from them is not stale. Prints, as the last line, the TRUE net value per
 * personalized decision of each week (`policy`, `static`, `uniform`, `bestRule`, `oracle`,
 * `noNoise`) and `gapClosed` = (policy − uniform) / (oracle − uniform) of the last week.
 *
 * The learner reads the shopper's own profile terms (`--profile-terms`, default interest and
 * bought, their slopes through the claims) and, with `--model-term yes`, the shipped model's part
 * (`model.beta`); with profile terms the model's part lowered the results on both worlds, so it is
 * off by default (docs/learning.md, Results).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateSegments } from '../../src/learning/segments.js';
import type { Segments } from '../../src/learning/types.js';
import { runLoop, type LoopResult } from '../campaign/loop.js';
import { scorerOf } from '../campaign/simulator.js';
import { browsingWorldOf, DEFAULT_BROWSING_WORLD, readWorld } from '../campaign/world-file.js';
import { SIM_START } from '../campaign/world.js';
import { numberFlag, parseArgs, seedFlag, timeFlag } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { MODELS_DIR } from '../lib/paths.js';
import { fitSegments, kCapWarning } from '../learning/fit-segments.js';
import { browsingProfiles } from '../learning/profiles.js';
import {
  disjointCategoriesWarning,
  PROFILE_TERMS_FLAG,
  profileTermsFlag,
  readSegments,
} from '../learning/io.js';

const round = (x: number) => Number(x.toFixed(4));
/** `round`, keeping a null (a ratio with nothing to compare against). */
const roundOrNull = (x: number | null) => (x === null ? null : round(x));
/** a / b − 1, or null when b is 0 (a week whose every value is 0). */
const over = (a: number, b: number) => (b === 0 ? null : round(a / b - 1));

export async function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(argv, {
    out: { required: true, expected: 'the directory to write the logs and effects to' },
    world: { default: DEFAULT_BROWSING_WORLD },
    shoppers: { default: '20000', integer: true },
    weeks: { default: '4', integer: true },
    seed: { default: '1', integer: true },
    epsilon: { default: '2' },
    segments: {},
    scorer: { default: 'model', choices: ['model', 'fallback'] },
    model: { default: `${MODELS_DIR}/default.onnx` },
    exploration: { default: '0.05' },
    'temperature-factor': { default: '0.1' },
    'no-noise': { default: 'yes', choices: ['yes', 'no'] },
    k: { integer: true },
    'model-term': { default: 'no', choices: ['yes', 'no'] },
    'profile-terms': PROFILE_TERMS_FLAG,
    window: { default: '0', integer: true },
    start: {},
  });
  const started = performance.now();
  const world = browsingWorldOf(readWorld(args.world), args.world);
  const shoppers = numberFlag('shoppers', args.shoppers, { min: 1, max: 1e6, integer: true });
  const weeks = numberFlag('weeks', args.weeks, { min: 1, max: 52, integer: true });
  const late = world.offers.filter((o) => (o.launchWeek ?? 1) > weeks);
  if (late.length > 0) {
    log(
      `loop: warning: ${late.map((o) => `${o.id} (launch_week ${o.launchWeek})`).join(', ')} launch after the last week run (--weeks ${weeks}): never shown`,
    );
  }
  const seed = seedFlag(args.seed);
  const epsilon =
    args.epsilon === 'inf' ? Infinity : numberFlag('epsilon', args.epsilon, { min: 0, max: 10 });
  const exploration = numberFlag('exploration', args.exploration, { min: 0, max: 1 });
  const window = numberFlag('window', args.window, { min: 0, max: 52, integer: true });
  const temperatureFactor = numberFlag('temperature-factor', args['temperature-factor'], {
    min: 0,
    max: 100,
    aboveMin: true,
  });
  const start = args.start === undefined ? SIM_START : timeFlag('start', args.start);

  let segments: Segments & { sha256: string };
  if (args.segments !== undefined) {
    segments = readSegments(args.segments);
    const warning = disjointCategoriesWarning(
      'loop',
      args.segments,
      segments,
      world.categories,
      "the world's",
      "the shoppers' interests",
    );
    if (warning) log(warning);
  } else {
    const k =
      args.k === undefined
        ? undefined
        : numberFlag('k', args.k, { min: 2, max: 16, integer: true });
    const capWarning = kCapWarning('loop', k, epsilon);
    if (capWarning) log(capWarning);
    // The shop fits its groups on its own traffic before the loop starts: another population of
    // the same world, four weeks of browsing before the first week.
    const fit = fitSegments(
      browsingProfiles(world, Math.min(6000, Math.max(200, shoppers)), seed + 7919, start),
      world.categories,
      {
        seed,
        // As a shop would fit them for its reports' ε (k ≤ e^ε + 1); both runs share them.
        ...(epsilon > 0 ? { epsilon } : {}),
        ...(k !== undefined ? { k } : {}),
      },
    );
    const text = JSON.stringify(fit.segments, null, 2) + '\n';
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, 'segments.json'), text);
    segments = {
      ...validateSegments(fit.segments),
      sha256: createHash('sha256').update(text).digest('hex'),
    };
    log(`loop: ${fit.k} groups fitted on the world's traffic: ${fit.segments.labels.join('; ')}`);
  }

  const { score, release } = await scorerOf(args.scorer as 'model' | 'fallback', args.model);
  const run = (e: number, out: string, runLog: Log = log): Promise<LoopResult> =>
    runLoop({
      world,
      shoppers,
      weeks,
      seed,
      epsilon: e,
      segments,
      score,
      out,
      exploration,
      temperatureFactor,
      window,
      modelTerm: args['model-term'] === 'yes',
      profileTerms: profileTermsFlag(args['profile-terms']),
      log: runLog,
      start,
    });
  try {
    const main = await run(epsilon, args.out);
    const exact =
      args['no-noise'] === 'yes' && Number.isFinite(epsilon)
        ? await run(Infinity, join(args.out, 'no-noise'), (line) =>
            log(line.replace(/^loop: /, 'loop (no noise, ε = ∞): ')),
          )
        : undefined;
    // Without the ε = ∞ run (--no-noise no), there is no noNoise value unless this run is exact.
    const exactItself = !Number.isFinite(epsilon);
    const last = main.weeks[main.weeks.length - 1]!;
    const lastExact = exact?.weeks[exact.weeks.length - 1];
    if (main.gapClosed === null) {
      log(
        last.decisions === 0
          ? `loop: warning: the last week made no decision (no offer of the world was live), so gapClosed is null`
          : `loop: warning: in the last week the oracle is no better than uniform (${round(last.oracle)} against ${round(last.uniform)} per decision): the world's offers change nothing there, so there is no gap to close and gapClosed is null`,
      );
    }
    if (last.static === 0 || last.bestRule === 0) {
      log(
        `loop: warning: the last week's ${last.static === 0 ? 'static' : 'best rule'} value is 0 per decision, so the ratios over it are null`,
      );
    }
    return {
      world: world.name,
      shoppers,
      seed,
      epsilon: Number.isFinite(epsilon) ? epsilon : 'inf',
      k: main.k,
      weeks: main.weeks.map((w, i) => ({
        week: w.week,
        decisions: w.decisions,
        policy: round(w.policy),
        static: round(w.static),
        uniform: round(w.uniform),
        bestRule: round(w.bestRule),
        oracle: round(w.oracle),
        noNoise: exact ? round(exact.weeks[i]!.policy) : exactItself ? round(w.policy) : null,
        rules: Object.fromEntries(Object.entries(w.rules).map(([k, v]) => [k, round(v)])),
      })),
      gapClosed: roundOrNull(main.gapClosed),
      gapClosedNoNoise: exact
        ? roundOrNull(exact.gapClosed)
        : exactItself
          ? roundOrNull(main.gapClosed)
          : null,
      window: window || 'all',
      overStatic: over(last.policy, last.static),
      overBestRule: over(last.policy, last.bestRule),
      ...(lastExact ? { noNoiseOverStatic: over(lastExact.policy, lastExact.static) } : {}),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await release();
  }
}

await runCli('loop', import.meta.url, main);
