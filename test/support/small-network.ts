// A hand-worked uplift network and rows for the ONNX writer's, ONNX Runtime's and the main-thread
// copy's tests (models/uplift/onnx.test.ts, inline-export.test.ts): one network, its forward pass
// worked out by hand below.
import type { UpliftNetworkSpec } from '../../models/uplift/onnx-writer.js';

/**
 * F = 3 features → hidden 2 (relu) → 2 logits [treated, control]. All weights are multiples of
 * 0.25, so float32 holds them exactly and the logits below are exact.
 *
 *   hidden:  h0 = relu( 1·x0 − 1·x1 + 0.5·x2 + 0   )
 *            h1 = relu( 0.5·x0 + 0.5·x1 − 1·x2 + 0.5 )
 *   logits:  t  = 1·h0 − 0.5·h1 + 0.25
 *            c  = −1·h0 + 1·h1 − 0.25
 */
export function smallSpec(): UpliftNetworkSpec {
  return {
    featureCount: 3,
    layers: [
      {
        inputs: 3,
        outputs: 2,
        weights: new Float32Array([1, -1, 0.5, 0.5, 0.5, -1]),
        bias: new Float32Array([0, 0.5]),
        activation: 'relu',
      },
      {
        inputs: 2,
        outputs: 2,
        weights: new Float32Array([1, -0.5, -1, 1]),
        bias: new Float32Array([0.25, -0.25]),
        activation: 'none',
      },
    ],
    metadata: { model_version: '2026-11-28', feature_spec: 'v3', 'a.first': 'sorted first' },
    producerName: 'offerwise-test',
    producerVersion: '0.0.1',
    docString: 'hand-specified test network',
  };
}

/**
 * The rows and their forward pass, worked out by hand:
 *
 *   row A [ 1, 0,  0]: h0 = 1 − 0 + 0 = 1;          h1 = 0.5 + 0 − 0 + 0.5 = 1
 *                      t = 1 − 0.5 + 0.25 = 0.75;   c = −1 + 1 − 0.25 = −0.25
 *   row B [ 0, 2,  0]: h0 = −2 → relu 0;            h1 = 0 + 1 − 0 + 0.5 = 1.5
 *                      t = −0.75 + 0.25 = −0.5;     c = 1.5 − 0.25 = 1.25
 *   row C [ 2, 1, −2]: h0 = 2 − 1 − 1 = 0 → 0;      h1 = 1 + 0.5 + 2 + 0.5 = 4
 *                      t = −2 + 0.25 = −1.75;       c = 4 − 0.25 = 3.75
 *   row D [−1, 1,  1]: h0 = −1 − 1 + 0.5 = −1.5 → 0; h1 = −0.5 + 0.5 − 1 + 0.5 = −0.5 → 0
 *                      t = 0.25;                    c = −0.25   (both units clamped: biases only)
 *
 *   p = sigmoid(logit):  σ(0.75) = 0.679178699…, σ(−0.25) = 0.437823499…, σ(−0.5) = 0.377540669…,
 *   σ(1.25) = 0.777299861…, σ(−1.75) = 0.148047198…, σ(3.75) = 0.977022630…, σ(0.25) = 0.562176501…
 */
export const SMALL_NETWORK_ROWS = [
  { x: [1, 0, 0], t: 0.75, c: -0.25, pT: 0.679178699, pC: 0.437823499 },
  { x: [0, 2, 0], t: -0.5, c: 1.25, pT: 0.377540669, pC: 0.777299861 },
  { x: [2, 1, -2], t: -1.75, c: 3.75, pT: 0.148047198, pC: 0.97702263 },
  { x: [-1, 1, 1], t: 0.25, c: -0.25, pT: 0.562176501, pC: 0.437823499 },
];
