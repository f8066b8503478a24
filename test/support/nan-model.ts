// A valid model file that computes NaN, written by the project's ONNX writer: the SHA in its
// metadata matches, ONNX Runtime loads it, and only its outputs are wrong (audit finding 7).
//
// The writer refuses non-finite weights, so the NaN comes from float32 overflow inside the graph:
//   hidden h (both units) = relu(3e38 · has_purchased + 3e38)
//     has_purchased = 0 → 3e38 (finite);  has_purchased = 1 → 6e38 → +Infinity
//   logit = h0 − h1   → 0 (p = 0.5) for the first kind of row, Infinity − Infinity = NaN for the second
// so a batch mixes sound rows with NaN rows, as a model that breaks on some shoppers would.
import { createHash } from 'node:crypto';
import { FEATURE_COUNT, FEATURE_SPEC_VERSION } from '../../src/features/spec.js';
import type { ModelMetadata } from '../../src/predictor/types.js';
import { writeUpliftNetwork } from '../../models/uplift/onnx-writer.js';

/** The feature whose value 1 makes a row NaN (`has_purchased` in feature spec 1). */
export const NAN_FEATURE = 1;

const HUGE = 3e38;

export function nanModel(): { bytes: Uint8Array; metadata: ModelMetadata } {
  const hidden = 2;
  const weights = new Float32Array(hidden * FEATURE_COUNT);
  for (let h = 0; h < hidden; h++) weights[h * FEATURE_COUNT + NAN_FEATURE] = HUGE;
  const bytes = writeUpliftNetwork({
    featureCount: FEATURE_COUNT,
    layers: [
      {
        inputs: FEATURE_COUNT,
        outputs: hidden,
        weights,
        bias: new Float32Array([HUGE, HUGE]),
        activation: 'relu',
      },
      {
        inputs: hidden,
        outputs: 2,
        weights: new Float32Array([1, -1, 1, -1]),
        bias: new Float32Array([0, 0]),
        activation: 'none',
      },
    ],
    metadata: { purpose: 'test: outputs NaN for rows with has_purchased = 1' },
  });
  return {
    bytes,
    metadata: {
      format: 'offerwise-model',
      featureSpecVersion: FEATURE_SPEC_VERSION,
      featureCount: FEATURE_COUNT,
      modelSha256: createHash('sha256').update(bytes).digest('hex'),
      family: 'nan-test',
    },
  };
}
