// The ONNX writer and the real ONNX Runtime Web (`onnxruntime-web/wasm`, the browser build) in one
// file: each test file that imports ORT compiles the wasm again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readModelMetadata,
  UpliftSpecError,
  writeUpliftNetwork,
  type DenseLayer,
  type UpliftNetworkSpec,
} from './onnx-writer.js';
import { createScorer, type Scorer } from './onnx-scorer.js';
import { SMALL_NETWORK_ROWS, smallSpec } from '../../test/support/small-network.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A plain float64 forward pass, to check the hand-computed logits above. */
function forward(layers: DenseLayer[], x: number[]): number[] {
  let a = x;
  for (const layer of layers) {
    const out: number[] = [];
    for (let o = 0; o < layer.outputs; o++) {
      let z = layer.bias[o] ?? NaN;
      for (let i = 0; i < layer.inputs; i++) {
        z += (layer.weights[o * layer.inputs + i] ?? NaN) * (a[i] ?? NaN);
      }
      out.push(layer.activation === 'relu' ? Math.max(0, z) : z);
    }
    a = out;
  }
  return a;
}

function expectClose(actual: Float32Array, expected: number[], tolerance = 1e-6) {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => {
    expect(Math.abs((actual[i] ?? NaN) - value), `index ${i}`).toBeLessThanOrEqual(tolerance);
  });
}

function layer(
  inputs: number,
  outputs: number,
  activation: DenseLayer['activation'] = 'none',
): DenseLayer {
  return {
    inputs,
    outputs,
    weights: new Float32Array(inputs * outputs).fill(0.5),
    bias: new Float32Array(outputs),
    activation,
  };
}

describe('writeUpliftNetwork', () => {
  it('the hand-computed logits agree with a plain forward pass', () => {
    const spec = smallSpec();
    for (const row of SMALL_NETWORK_ROWS) {
      expect(forward(spec.layers, row.x)).toEqual([row.t, row.c]);
      expect(sigmoid(row.t)).toBeCloseTo(row.pT, 8);
      expect(sigmoid(row.c)).toBeCloseTo(row.pC, 8);
    }
  });

  it('gives byte-identical output for the same spec, whatever the metadata key order', () => {
    const first = writeUpliftNetwork(smallSpec());
    const second = writeUpliftNetwork(smallSpec());
    const reordered = smallSpec();
    reordered.metadata = Object.fromEntries(Object.entries(reordered.metadata).reverse());
    const third = writeUpliftNetwork(reordered);
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first.length).toBeGreaterThan(0);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(third).equals(Buffer.from(first))).toBe(true);
    // A different weight gives different bytes.
    const changed = smallSpec();
    changed.layers[0]!.weights[0] = 2;
    expect(Buffer.from(writeUpliftNetwork(changed)).equals(Buffer.from(first))).toBe(false);
  });

  it('round-trips the metadata, sorted by key', () => {
    const metadata = readModelMetadata(writeUpliftNetwork(smallSpec()));
    expect(metadata).toEqual({
      'a.first': 'sorted first',
      feature_spec: 'v3',
      model_version: '2026-11-28',
    });
    expect(Object.keys(metadata)).toEqual(['a.first', 'feature_spec', 'model_version']);
    expect(readModelMetadata(writeUpliftNetwork({ ...smallSpec(), metadata: {} }))).toEqual({});
  });

  it('readModelMetadata rejects bytes that are not a model', () => {
    expect(() => readModelMetadata(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow(
      /not an ONNX model/,
    );
  });

  describe('validation names the layer and the field', () => {
    const cases: Array<[string, (spec: UpliftNetworkSpec) => void, RegExp]> = [
      ['featureCount', (s) => (s.featureCount = 0), /featureCount: expected a positive integer/],
      ['no layers', (s) => (s.layers = []), /layers: expected at least one layer/],
      [
        'first layer inputs',
        (s) => (s.featureCount = 4),
        /layers\[0\]\.inputs: is 3 but featureCount is 4/,
      ],
      [
        'chain',
        (s) => (s.layers[1] = { ...s.layers[1]!, inputs: 3, weights: new Float32Array(6) }),
        /layers\[1\]\.inputs: is 3 but layers\[0\]\.outputs is 2/,
      ],
      [
        'weights length',
        (s) => (s.layers[1]!.weights = new Float32Array(3)),
        /layers\[1\]\.weights: expected 4 values \(outputs 2 × inputs 2\), got 3/,
      ],
      [
        'bias length',
        (s) => (s.layers[0]!.bias = new Float32Array(3)),
        /layers\[0\]\.bias: expected 2 values/,
      ],
      [
        'NaN weight',
        (s) => (s.layers[0]!.weights[4] = NaN),
        /layers\[0\]\.weights\[4\]: expected a finite number, got NaN/,
      ],
      [
        'infinite bias',
        (s) => (s.layers[1]!.bias[1] = Infinity),
        /layers\[1\]\.bias\[1\]: expected a finite number, got Infinity/,
      ],
      [
        'not a Float32Array',
        (s) => (s.layers[0]!.weights = [1, 2, 3, 4, 5, 6] as unknown as Float32Array),
        /layers\[0\]\.weights: expected a Float32Array/,
      ],
      [
        'last layer outputs',
        (s) => (s.layers = [layer(3, 2, 'relu'), layer(2, 3)]),
        /layers\[1\]\.outputs: the last layer must have 2 outputs/,
      ],
      [
        'activation',
        (s) => (s.layers[0]!.activation = 'tanh' as DenseLayer['activation']),
        /layers\[0\]\.activation: expected 'relu' or 'none', got "tanh"/,
      ],
      [
        'last layer relu',
        (s) => (s.layers[1]!.activation = 'relu'),
        /layers\[1\]\.activation: the last layer gives logits/,
      ],
      [
        'metadata value',
        (s) => (s.metadata = { version: 3 as unknown as string }),
        /metadata\.version: expected a string, got number/,
      ],
      [
        'input name',
        (s) => (s.inputName = 'uplift'),
        /inputName: "uplift" is used inside the graph/,
      ],
    ];
    it.each(cases)('%s', (_name, mutate, message) => {
      const spec = smallSpec();
      mutate(spec);
      expect(() => writeUpliftNetwork(spec)).toThrow(UpliftSpecError);
      expect(() => writeUpliftNetwork(spec)).toThrow(message);
    });
  });
});

describe('scoring with onnxruntime-web/wasm', () => {
  let scorer: Scorer;

  beforeAll(async () => {
    // The first session compiles the wasm (≈ 0.3 s).
    scorer = await createScorer(writeUpliftNetwork(smallSpec()));
  }, 30_000);

  afterAll(async () => {
    await scorer?.release();
  });

  it('exposes the input and output names', () => {
    expect(scorer.inputName).toBe('features');
    expect(scorer.outputNames).toEqual(['p_treated', 'p_control', 'uplift']);
    expect(scorer.featureCount).toBe(3);
  });

  it('matches the hand-computed forward pass to 1e-6 (including relu at zero)', async () => {
    const result = await scorer.score(new Float32Array(SMALL_NETWORK_ROWS.flatMap((r) => r.x)), 3);
    expectClose(
      result.pTreated,
      SMALL_NETWORK_ROWS.map((r) => r.pT),
      1e-6,
    );
    expectClose(
      result.pControl,
      SMALL_NETWORK_ROWS.map((r) => r.pC),
      1e-6,
    );
    expectClose(
      result.uplift,
      SMALL_NETWORK_ROWS.map((r) => r.pT - r.pC),
      1e-6,
    );
    // And against sigmoid of the exact logits.
    expectClose(
      result.pTreated,
      SMALL_NETWORK_ROWS.map((r) => sigmoid(r.t)),
    );
    expectClose(
      result.uplift,
      SMALL_NETWORK_ROWS.map((r) => sigmoid(r.t) - sigmoid(r.c)),
    );
  });

  it('scores one row, and rows passed as a view into a larger buffer', async () => {
    const one = await scorer.score(new Float32Array(SMALL_NETWORK_ROWS[1]!.x), 3);
    expectClose(one.pTreated, [SMALL_NETWORK_ROWS[1]!.pT]);
    const padded = new Float32Array([
      9,
      9,
      9,
      ...SMALL_NETWORK_ROWS[2]!.x,
      ...SMALL_NETWORK_ROWS[3]!.x,
      9,
    ]);
    const view = await scorer.score(padded.subarray(3, 9), 3);
    expectClose(view.pControl, [SMALL_NETWORK_ROWS[2]!.pC, SMALL_NETWORK_ROWS[3]!.pC]);
  });

  it('runs concurrent calls one after the other', async () => {
    const rows = new Float32Array(SMALL_NETWORK_ROWS.flatMap((r) => r.x));
    const results = await Promise.all([1, 2, 3, 4].map(() => scorer.score(rows, 3)));
    for (const result of results) {
      expectClose(
        result.uplift,
        SMALL_NETWORK_ROWS.map((r) => r.pT - r.pC),
      );
    }
  });

  it('returns empty arrays for N = 0', async () => {
    const result = await scorer.score(new Float32Array(0), 3);
    expect(result.pTreated).toEqual(new Float32Array(0));
    expect(result.pControl).toEqual(new Float32Array(0));
    expect(result.uplift).toEqual(new Float32Array(0));
  });

  it('rejects rows that are not a whole number of feature vectors, or the wrong width', async () => {
    await expect(scorer.score(new Float32Array(4), 3)).rejects.toThrow(
      /rows\.length \(4\) is not a multiple of featureCount \(3\)/,
    );
    await expect(scorer.score(new Float32Array(4), 0)).rejects.toThrow(/positive integer/);
    await expect(scorer.score(new Float32Array(4), 2)).rejects.toThrow(
      /the model takes 3 features/,
    );
  });

  it('a one-layer (logistic) network works', async () => {
    // t = 2·x0 − 1·x1 + 0;  c = 0·x0 + 1·x1 − 1
    //   [1,    1]: t = 1,  c = 0    → σ(1) = 0.731058579, σ(0) = 0.5
    //   [0.5, −1]: t = 2,  c = −2   → σ(2) = 0.880797078, σ(−2) = 0.119202922
    const logistic = await createScorer(
      writeUpliftNetwork({
        inputName: 'x',
        featureCount: 2,
        layers: [
          {
            inputs: 2,
            outputs: 2,
            weights: new Float32Array([2, -1, 0, 1]),
            bias: new Float32Array([0, -1]),
            activation: 'none',
          },
        ],
        metadata: { kind: 'logistic' },
      }),
    );
    try {
      expect(logistic.inputName).toBe('x');
      const result = await logistic.score(new Float32Array([1, 1, 0.5, -1]), 2);
      expectClose(result.pTreated, [0.731058579, 0.880797078]);
      expectClose(result.pControl, [0.5, 0.119202922]);
      expectClose(result.uplift, [0.731058579 - 0.5, 0.880797078 - 0.119202922]);
    } finally {
      await logistic.release();
    }
  });

  it('release() lets calls already made finish, then later calls reject', async () => {
    const temporary = await createScorer(writeUpliftNetwork(smallSpec()));
    const pending = temporary.score(new Float32Array(SMALL_NETWORK_ROWS[0]!.x), 3);
    await temporary.release();
    expectClose((await pending).pTreated, [SMALL_NETWORK_ROWS[0]!.pT]);
    await temporary.release(); // idempotent
    await expect(temporary.score(new Float32Array(3), 3)).rejects.toThrow(/released/);
  });

  it('session creation from corrupt bytes rejects (and ORT keeps working)', async () => {
    const good = writeUpliftNetwork(smallSpec());
    await expect(createScorer(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).rejects.toThrow();
    await expect(createScorer(good.slice(0, Math.floor(good.length / 2)))).rejects.toThrow();
    const flipped = good.slice();
    for (let i = 16; i < flipped.length; i += 7) flipped[i] = 0xff;
    await expect(createScorer(flipped)).rejects.toThrow();
    await expect(createScorer(new Uint8Array(0))).rejects.toThrow(/non-empty Uint8Array/);
    // The runtime still scores afterwards.
    const result = await scorer.score(new Float32Array(SMALL_NETWORK_ROWS[0]!.x), 3);
    expectClose(result.pTreated, [SMALL_NETWORK_ROWS[0]!.pT]);
  });
});
