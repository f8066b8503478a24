import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { scoreInline } from '../../src/predictor/inline.js';
import { inlineNetworkFromOnnx } from './inline-export.js';
import { writeUpliftNetwork } from './onnx-writer.js';
import { smallSpec } from '../../test/support/small-network.js';

const { onnx } = onnxProto;

// The hand-worked network of test/support/small-network.ts.
const SPEC = smallSpec();

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('inlineNetworkFromOnnx', () => {
  it('reads the written layers back bit for bit, named by the file hash', () => {
    const bytes = writeUpliftNetwork(SPEC);
    const inline = inlineNetworkFromOnnx(bytes, 1);
    expect(inline.version).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 12));
    expect(inline.featureCount).toBe(3);
    expect(inline.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [3, 2, 'relu'],
      [2, 2, 'none'],
    ]);
    expect(inline.layers[0]!.weights).toBe(
      Buffer.from(SPEC.layers[0]!.weights.buffer).toString('base64'),
    );
    expect(inline.layers[1]!.bias).toBe(
      Buffer.from(SPEC.layers[1]!.bias.buffer).toString('base64'),
    );
    // x = [1, 0, 2]: hidden [1 + 1, 0.5 − 2 + 0.5] → ReLU [2, 0]; logits [2 + 0.25, −2 − 0.25].
    const s = scoreInline(inline, Float32Array.of(1, 0, 2), 3);
    expect(s.pTreated[0]).toBe(Math.fround(sigmoid(2.25)));
    expect(s.pControl[0]).toBe(Math.fround(sigmoid(-2.25)));
  });

  it('refuses a graph the writer does not make, naming the node', () => {
    const edit = (change: (m: ReturnType<typeof onnx.ModelProto.decode>) => void) => {
      const model = onnx.ModelProto.decode(writeUpliftNetwork(SPEC));
      change(model);
      return onnx.ModelProto.encode(model).finish();
    };
    const noTrans = edit((m) => {
      m.graph!.node![0]!.attribute = [];
    });
    expect(() => inlineNetworkFromOnnx(noTrans, 1)).toThrow(
      'inline export: node layer0.gemm: transB must be 1',
    );
    const tanh = edit((m) => {
      m.graph!.node![1]!.opType = 'Tanh';
    });
    expect(() => inlineNetworkFromOnnx(tanh, 1)).toThrow('inline export:');
    const noSigmoid = edit((m) => {
      m.graph!.node!.find((n) => n.opType === 'Sigmoid')!.opType = 'Softmax';
    });
    expect(() => inlineNetworkFromOnnx(noSigmoid, 1)).toThrow(
      'after the layers: Softmax, Split, Squeeze, Squeeze, Sub, expected Sigmoid, Split, Squeeze, Squeeze, Sub',
    );
  });
});
