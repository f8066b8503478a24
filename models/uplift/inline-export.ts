// Reads an uplift model file written by onnx-writer.ts back into the SDK's inline form
// (src/predictor/inline.ts): the main thread's exact copy of the model for the time before the
// worker is ready. It is read from the file's bytes, not from the trainer's arrays, so the copy
// is what ships, and anything but the writer's graph is refused.
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import type { InlineLayer, InlineNetwork } from '../../src/predictor/inline.js';
import { OUTPUT_NAMES } from './onnx-writer.js';

const { onnx } = onnxProto;

function fail(detail: string): never {
  throw new Error(`inline export: ${detail}`);
}

function attribute(node: Onnx.INodeProto, name: string): number | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return Number(a.i ?? a.f);
}

/** The float32 little-endian bytes of an initializer, base64, with its shape checked. */
function floatInitializer(
  tensors: Map<string, Onnx.ITensorProto>,
  name: string,
  dims: number[],
): string {
  const t = tensors.get(name) ?? fail(`initializer ${name} is missing`);
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) fail(`${name} is not float32`);
  const shape = (t.dims ?? []).map(Number);
  if (shape.join(',') !== dims.join(',')) fail(`${name} has shape [${shape}], expected [${dims}]`);
  const count = dims.reduce((a, b) => a * b, 1);
  let bytes: Uint8Array;
  if (t.rawData && t.rawData.length > 0) {
    bytes = t.rawData;
  } else {
    const values = new Float32Array(t.floatData ?? []);
    bytes = new Uint8Array(values.buffer);
  }
  if (bytes.length !== count * 4)
    fail(`${name} holds ${bytes.length} bytes, expected ${count * 4}`);
  return Buffer.from(bytes).toString('base64');
}

/**
 * The inline copy of `modelBytes`: Gemm(transB = 1, no alpha/beta/transA) layers, each but the
 * last followed by Relu, then Sigmoid and the writer's Split/Squeeze/Sub outputs. Throws, naming
 * the node, for any other graph.
 */
export function inlineNetworkFromOnnx(
  modelBytes: Uint8Array,
  featureSpecVersion: number,
): InlineNetwork {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph ?? fail('the model has no graph');
  const tensors = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const input = graph.input?.[0];
  const featureCount = Number(input?.type?.tensorType?.shape?.dim?.[1]?.dimValue ?? NaN);
  if (!Number.isInteger(featureCount) || featureCount < 1) {
    fail(`input ${input?.name} does not declare its feature count`);
  }
  const nodes = graph.node ?? [];
  const layers: InlineLayer[] = [];
  let current = input?.name ?? '';
  let width = featureCount;
  let k = 0;
  while (nodes[k]?.opType === 'Gemm') {
    const gemm = nodes[k]!;
    const [x, w, b] = gemm.input ?? [];
    if (x !== current) fail(`node ${gemm.name} reads ${x}, expected ${current}`);
    if (attribute(gemm, 'transB') !== 1) fail(`node ${gemm.name}: transB must be 1`);
    for (const name of ['transA', 'alpha', 'beta']) {
      const v = attribute(gemm, name);
      if (v !== undefined && v !== (name === 'transA' ? 0 : 1))
        fail(`node ${gemm.name}: ${name} ${v}`);
    }
    const weightDims = (tensors.get(w ?? '')?.dims ?? []).map(Number);
    const outputs = weightDims[0] ?? fail(`node ${gemm.name}: weight ${w} has no shape`);
    const layer: InlineLayer = {
      inputs: width,
      outputs,
      activation: 'none',
      weights: floatInitializer(tensors, w ?? '', [outputs, width]),
      bias: floatInitializer(tensors, b ?? '', [outputs]),
    };
    current = gemm.output?.[0] ?? '';
    k++;
    if (nodes[k]?.opType === 'Relu') {
      if (nodes[k]!.input?.[0] !== current) fail(`node ${nodes[k]!.name} reads another tensor`);
      layer.activation = 'relu';
      current = nodes[k]!.output?.[0] ?? '';
      k++;
    }
    layers.push(layer);
    width = outputs;
  }
  if (layers.length === 0) fail(`the first node is ${nodes[0]?.opType}, expected Gemm`);
  if (width !== 2) fail(`the last Gemm has ${width} outputs, expected 2`);
  const rest = nodes.slice(k).map((n) => n.opType);
  if (rest.join(',') !== 'Sigmoid,Split,Squeeze,Squeeze,Sub' || nodes[k]!.input?.[0] !== current) {
    fail(`after the layers: ${rest.join(', ')}, expected Sigmoid, Split, Squeeze, Squeeze, Sub`);
  }
  const outputs = (graph.output ?? []).map((o) => o.name);
  if (outputs.join(',') !== OUTPUT_NAMES.join(',')) fail(`outputs ${outputs.join(', ')}`);
  return {
    version: createHash('sha256').update(modelBytes).digest('hex').slice(0, 12),
    featureSpecVersion,
    featureCount,
    layers,
  };
}
