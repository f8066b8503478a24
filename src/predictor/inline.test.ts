import { describe, expect, it } from 'vitest';
import { scoreInline, type InlineNetwork } from './inline.js';

const b64 = (...values: number[]) =>
  Buffer.from(new Uint8Array(Float32Array.from(values).buffer)).toString('base64');

// 2 features → 2 hidden (ReLU) → 2 logits [treated, control].
const NETWORK: InlineNetwork = {
  version: 'test00000000',
  featureSpecVersion: 1,
  featureCount: 2,
  layers: [
    { inputs: 2, outputs: 2, activation: 'relu', weights: b64(1, -1, 0.5, 0.25), bias: b64(0, -1) },
    { inputs: 2, outputs: 2, activation: 'none', weights: b64(1, 2, -1, 0), bias: b64(0.5, 0) },
  ],
};

describe('scoreInline', () => {
  it('runs the layers as the ONNX graph does: Gemm, ReLU, Gemm, sigmoid, difference', () => {
    // Row [2, 1]: hidden [2 − 1, 1 + 0.25 − 1] = [1, 0.25]; logits [1 + 0.5 + 0.5, −1] = [2, −1].
    // Row [0, 4]: hidden [−4, 1 − 1] → ReLU [0, 0]; logits [0.5, 0].
    const s = scoreInline(NETWORK, Float32Array.of(2, 1, 0, 4), 2);
    const t = [Math.fround(0.8807970779778823), Math.fround(0.6224593312018546)];
    const c = [Math.fround(0.2689414213699951), 0.5];
    expect(Array.from(s.pTreated)).toEqual(t);
    expect(Array.from(s.pControl)).toEqual(c);
    expect(Array.from(s.uplift)).toEqual([Math.fround(t[0]! - c[0]!), Math.fround(t[1]! - c[1]!)]);
  });

  it('gives nothing for no rows, and NaN (for the caller to refuse) for a NaN feature', () => {
    expect(scoreInline(NETWORK, new Float32Array(0), 2).uplift).toHaveLength(0);
    expect(Number.isNaN(scoreInline(NETWORK, Float32Array.of(Number.NaN, 1), 2).pTreated[0])).toBe(
      true,
    );
  });

  it('refuses stored layers of the wrong size or shape, naming them', () => {
    const short: InlineNetwork = {
      ...NETWORK,
      layers: [{ ...NETWORK.layers[0]!, weights: b64(1, 2, 3) }, NETWORK.layers[1]!],
    };
    expect(() => scoreInline(short, Float32Array.of(1, 1), 2)).toThrow(
      'inline model layers[0].weights: got 12 bytes, expected 16',
    );
    const chained: InlineNetwork = {
      ...NETWORK,
      layers: [NETWORK.layers[0]!, { ...NETWORK.layers[1]!, inputs: 3 }],
    };
    expect(() => scoreInline(chained, Float32Array.of(1, 1), 2)).toThrow(
      'inline model layers[1].inputs: got 3, expected 2',
    );
    const three: InlineNetwork = {
      ...NETWORK,
      layers: [
        {
          inputs: 2,
          outputs: 3,
          activation: 'none',
          weights: b64(1, 1, 1, 1, 1, 1),
          bias: b64(0, 0, 0),
        },
      ],
    };
    expect(() => scoreInline(three, Float32Array.of(1, 1), 2)).toThrow(
      'inline model: the last layer has 3 outputs, expected 2',
    );
  });
});
