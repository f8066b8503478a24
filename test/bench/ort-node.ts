// Node benchmark of scoring with ONNX Runtime Web (`onnxruntime-web/wasm`, one thread: the build
// the SDK ships). Run by test/bench/run.mjs at its end, or alone: `npx tsx test/bench/ort-node.ts`.
// Prints one JSON object per line: session creation, then scoring 1,000 candidate rows.
//
// The model is models/default.onnx when that file exists, otherwise a synthetic network shaped
// like the production one (32 features → 32 relu → 2 logits) with seeded random weights.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env } from 'onnxruntime-web/wasm';
import { writeUpliftNetwork, type DenseLayer } from '../../models/uplift/onnx-writer.js';
import { createScorer } from '../../models/uplift/onnx-scorer.js';
import { seededRandom } from '../../src/decide/random.js';

const ROWS = 1_000;
const WARMUP_RUNS = 20;
const TIMED_RUNS = 200;
const FEATURES = 32;
const HIDDEN = 32;
const SEED = 42;
/** Untimed runs before a second timed series, once V8 has tiered up the hot wasm functions. */
const TIER_UP_RUNS = 1_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const realModel = path.join(root, 'models/default.onnx');

const random = seededRandom;

function denseLayer(
  next: () => number,
  inputs: number,
  outputs: number,
  activation: DenseLayer['activation'],
): DenseLayer {
  const scale = Math.sqrt(6 / (inputs + outputs)); // Glorot uniform
  return {
    inputs,
    outputs,
    weights: Float32Array.from({ length: inputs * outputs }, () => (next() * 2 - 1) * scale),
    bias: Float32Array.from({ length: outputs }, () => (next() * 2 - 1) * 0.1),
    activation,
  };
}

function syntheticModel(): Uint8Array {
  const next = random(SEED);
  return writeUpliftNetwork({
    featureCount: FEATURES,
    layers: [denseLayer(next, FEATURES, HIDDEN, 'relu'), denseLayer(next, HIDDEN, 2, 'none')],
    metadata: { purpose: 'benchmark', seed: String(SEED) },
  });
}

function percentiles(samples: number[]) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;
const roundAll = (values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v)]));

async function main() {
  const useReal = existsSync(realModel);
  const bytes = useReal ? new Uint8Array(readFileSync(realModel)) : syntheticModel();
  const model = useReal
    ? 'models/default.onnx'
    : `synthetic ${FEATURES} features → ${HIDDEN} relu → 2 (seed ${SEED})`;
  const runtime = `onnxruntime-web/wasm ${env.versions.web ?? '?'}, numThreads 1, Node ${process.version}`;

  // Session creation: the first in the process includes compiling the wasm.
  let start = performance.now();
  const scorer = await createScorer(bytes);
  const firstMs = performance.now() - start;
  start = performance.now();
  const second = await createScorer(bytes);
  const secondMs = performance.now() - start;
  await second.release();

  const features = scorer.featureCount ?? FEATURES;
  const next = random(SEED + 1);
  const rows = Float32Array.from({ length: ROWS * features }, () => next());

  start = performance.now();
  await scorer.score(rows, features);
  const firstRunMs = performance.now() - start;
  for (let i = 1; i < WARMUP_RUNS; i++) await scorer.score(rows, features);
  let checksum = 0;
  const timed = async () => {
    const samples: number[] = [];
    for (let i = 0; i < TIMED_RUNS; i++) {
      start = performance.now();
      const result = await scorer.score(rows, features);
      samples.push(performance.now() - start);
      checksum += result.uplift[i % ROWS] ?? NaN;
    }
    return roundAll(percentiles(samples));
  };
  const values = await timed();
  // The tail of the series above comes from V8 recompiling hot wasm functions (Liftoff →
  // TurboFan) in the background: measure again once that has settled.
  for (let i = 0; i < TIER_UP_RUNS; i++) await scorer.score(rows, features);
  const steady = await timed();
  await scorer.release();
  if (!Number.isFinite(checksum)) throw new Error('scores are not finite');

  console.log(
    JSON.stringify({
      name: 'ort_node_session_create',
      values: { first: round(firstMs, 1), second: round(secondMs, 2) },
      unit: 'ms',
      n: 2,
      model,
      modelBytes: bytes.length,
      runtime,
      note: 'InferenceSession.create from bytes; the first in the process includes the wasm compile',
    }),
  );
  console.log(
    JSON.stringify({
      name: 'ort_node_score_1000_rows',
      values,
      unit: 'ms',
      n: TIMED_RUNS,
      rows: ROWS,
      features,
      warmup: WARMUP_RUNS,
      firstRunMs: round(firstRunMs, 2),
      steady: { afterRuns: WARMUP_RUNS + TIMED_RUNS + TIER_UP_RUNS, ...steady },
      model,
      runtime,
      note: 'one Scorer.score() of 1,000 rows (tensor in, session.run, 3 outputs out); steady: another 200 runs after 1,000 more untimed runs',
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
