/**
 * `npm run segments -- --out <segments.json> [--world models/campaign/worlds/browsing.json]
 *   [--shoppers 6000] [--hillstrom ../shared/data/hillstrom-train.csv, else data/… | none]
 *   [--hillstrom-rows 4000] [--seed 1] [--k-min 4] [--k-max 12] [--k <k>] [--dims <names>]
 *   [--epsilon 2 | inf]`
 *
 * `--epsilon` (default 2, the SDK's `learning.epsilon`) caps k so that a device's randomized report
 * names its true group at least half the time (k ≤ e^ε + 1: 8 at ε = 2).
 *
 * `--dims bought` (comma-separated names of profile dimensions, or families such as `bought`)
 * defines the groups on those dimensions only (a version-2 file with their weights).
 *
 * Fits shopper groups (models/learning/fit-segments.ts) on the profiles of a browsing world's
 * traffic and on Hillstrom rows, and writes the segments file the catalog names. Prints k, the
 * silhouette of every k tried, the groups' sizes and labels, and the file's SHA-256.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { seededRandom } from '../../src/decide/random.js';
import { validateSegments } from '../../src/learning/segments.js';
import { profileVectorNames, type VectorProfile } from '../../src/features/profile-vector.js';
import { browsingWorldOf, DEFAULT_BROWSING_WORLD, readWorld } from '../campaign/world-file.js';
import { SIM_START } from '../campaign/world.js';
import { fileFlag, numberFlag, parseArgs, seedFlag } from '../lib/args.js';
import { runCli, stderrLog, type Log } from '../lib/cli.js';
import { readHillstrom } from '../lib/hillstrom.js';
import { DATA_HINT, realDataFile } from '../lib/paths.js';
import { shuffle } from '../lib/random.js';
import { fitSegments, kCapWarning } from '../learning/fit-segments.js';
import { epsilonFlag } from '../learning/io.js';
import { browsingProfiles, hillstromProfile } from '../learning/profiles.js';

const round = (x: number) => Number(x.toFixed(4));

export async function main(argv: readonly string[], log: Log = stderrLog) {
  const args = parseArgs(argv, {
    out: { required: true, expected: 'the segments file to write' },
    world: { default: DEFAULT_BROWSING_WORLD },
    shoppers: { default: '6000', integer: true },
    hillstrom: { default: realDataFile('hillstrom-train.csv') },
    'hillstrom-rows': { default: '4000', integer: true },
    seed: { default: '1', integer: true },
    'k-min': { default: '4', integer: true },
    'k-max': { default: '12', integer: true },
    k: { integer: true },
    dims: { expected: 'comma-separated profile dimensions or families, e.g. bought' },
    epsilon: { default: '2' },
  });
  const epsilon = epsilonFlag(args.epsilon);
  const kMin = numberFlag('k-min', args['k-min'], { min: 2, max: 16, integer: true });
  const kMax = numberFlag('k-max', args['k-max'], { min: kMin, max: 16, integer: true });
  const k =
    args.k === undefined ? undefined : numberFlag('k', args.k, { min: 2, max: 16, integer: true });
  // An explicit k may pass the cap the default keeps to, but not silently.
  const capWarning = kCapWarning('segments', k, epsilon);
  if (capWarning) log(capWarning);
  // The loop's cap: a million shoppers already take minutes to simulate and group.
  const shoppers = numberFlag('shoppers', args.shoppers, { min: 0, max: 1e6, integer: true });
  const hillstromRows = numberFlag('hillstrom-rows', args['hillstrom-rows'], {
    min: 0,
    max: 1e6,
    integer: true,
  });
  const seed = seedFlag(args.seed);
  const world = browsingWorldOf(readWorld(args.world), args.world);
  const browsing = browsingProfiles(world, shoppers, seed, SIM_START);
  let hillstrom: VectorProfile[] = [];
  if (args.hillstrom !== 'none') {
    const file = fileFlag('hillstrom', args.hillstrom, `or --hillstrom none; ${DATA_HINT}`);
    const rows = shuffle([...readHillstrom(file)], seededRandom(seed ^ 0x4111));
    hillstrom = rows.slice(0, hillstromRows).map(hillstromProfile);
  }
  log(`segments: ${browsing.length} browsing profiles, ${hillstrom.length} Hillstrom rows`);
  const fit = fitSegments([...browsing, ...hillstrom], world.categories, {
    seed,
    kMin,
    kMax,
    ...(k !== undefined ? { k } : {}),
    ...(args.dims !== undefined ? { dimensions: args.dims.split(',').map((d) => d.trim()) } : {}),
    epsilon,
  });
  // What the SDK will load must pass its own validation.
  validateSegments(fit.segments);
  const text = JSON.stringify(fit.segments, null, 2) + '\n';
  writeFileSync(args.out, text);
  return {
    out: args.out,
    sha256: createHash('sha256').update(text).digest('hex'),
    k: fit.k,
    epsilon: Number.isFinite(epsilon) ? epsilon : 'inf',
    ...(fit.segments.weights
      ? {
          dims: profileVectorNames(world.categories).filter(
            (_, j) => fit.segments.weights![j]! > 0,
          ),
        }
      : {}),
    silhouette: Object.fromEntries(fit.scores.map((s) => [s.k, round(s.silhouette)])),
    profiles: { browsing: browsing.length, hillstrom: hillstrom.length },
    groups: fit.segments.labels.map((label, g) => ({ label, size: fit.sizes[g] })),
  };
}

await runCli('segments', import.meta.url, main);
