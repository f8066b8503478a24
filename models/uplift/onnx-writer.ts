// Writes the uplift network as an ONNX model (protobuf, via the onnx-proto schema for protobufjs),
// so the browser scores it with ONNX Runtime Web. No Python involved.
//
// Graph (opset 13, default domain, ir_version 7), N a symbolic batch dimension, F features:
//
//   features [N,F] float32
//     → Gemm(layer0.weight [H0,F], layer0.bias [H0], transB=1) → Relu   (per hidden layer)
//     → Gemm(layerK.weight [2,H], layerK.bias [2], transB=1) → logits [N,2]
//     → Sigmoid → probabilities [N,2]
//     → Split(axis=1) → p_treated_col [N,1], p_control_col [N,1]
//     → Squeeze(axes=[1]) each → p_treated [N], p_control [N]
//     → Sub(p_treated, p_control) → uplift [N]
//
// The output is deterministic: the same spec always gives the same bytes (no timestamps,
// metadata sorted by key, initializers as little-endian raw_data).
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { errorMessage } from '../lib/args.js';

const { onnx } = onnxProto;

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major [outputs][inputs]. */
  weights: Float32Array;
  /** [outputs]. */
  bias: Float32Array;
  activation: 'relu' | 'none';
}

/** What every writer stores beside the graph (the network's and the tree writer's specs). */
export interface ModelInfo {
  /** Stored in the model's metadata_props, sorted by key. */
  metadata: Record<string, string>;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
}

export interface UpliftNetworkSpec extends ModelInfo {
  /** Name of the graph input; 'features' by default. */
  inputName?: string;
  featureCount: number;
  /** The last layer has outputs = 2: the logits of [treated, control]. */
  layers: DenseLayer[];
}

/** A spec that cannot be written; the message names the field (e.g. `layers[1].weights`). */
export class UpliftSpecError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`invalid uplift network spec: ${field}: ${detail}`);
    this.name = 'UpliftSpecError';
  }
}

export const IR_VERSION = 7;
export const OPSET_VERSION = 13;
export const DEFAULT_INPUT_NAME = 'features';
export const BATCH_DIM = 'N';
export const OUTPUT_NAMES = ['p_treated', 'p_control', 'uplift'] as const;

const DEFAULT_PRODUCER_NAME = 'offerwise-onnx-writer';
const GRAPH_NAME = 'offerwise_uplift';
const SQUEEZE_AXES = 'squeeze_axes';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** A graph's parts, filled in order by a writer and `addUpliftOutputs`. */
export interface GraphParts {
  nodes: Onnx.INodeProto[];
  initializers: Onnx.ITensorProto[];
  valueInfo: Onnx.IValueInfoProto[];
}

/** Serialises the network. Throws `UpliftSpecError` for an invalid spec. */
export function writeUpliftNetwork(spec: UpliftNetworkSpec): Uint8Array {
  const inputName = validateSpec(spec);
  const layers = spec.layers;
  const featureCount = spec.featureCount;
  const lastIndex = layers.length - 1;

  const parts: GraphParts = { nodes: [], initializers: [], valueInfo: [] };
  const { nodes, initializers, valueInfo } = parts;

  let current = inputName;
  layers.forEach((layer, i) => {
    const weight = `layer${i}.weight`;
    const bias = `layer${i}.bias`;
    initializers.push(floatTensor(weight, [layer.outputs, layer.inputs], layer.weights));
    initializers.push(floatTensor(bias, [layer.outputs], layer.bias));
    const linear = i === lastIndex ? 'logits' : `layer${i}.linear`;
    nodes.push(
      node(
        'Gemm',
        `layer${i}.gemm`,
        [current, weight, bias],
        [linear],
        [intAttribute('transB', 1)],
      ),
    );
    valueInfo.push(floatValue(linear, [BATCH_DIM, layer.outputs]));
    current = linear;
    if (layer.activation === 'relu') {
      const out = `layer${i}.relu`;
      nodes.push(node('Relu', `layer${i}.relu`, [current], [out]));
      valueInfo.push(floatValue(out, [BATCH_DIM, layer.outputs]));
      current = out;
    }
  });

  addUpliftOutputs(parts, current);
  return encodeUpliftModel(parts, {
    graphName: GRAPH_NAME,
    inputName,
    featureCount,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    defaultProducerName: DEFAULT_PRODUCER_NAME,
    info: spec,
  });
}

/**
 * The tail every model shares: `logits` [N,2] (when given) → Sigmoid → `probabilities` [N,2] →
 * Split → Squeeze → p_treated, p_control [N] → Sub → uplift [N].
 */
export function addUpliftOutputs(parts: GraphParts, logits?: string): void {
  const { nodes, initializers, valueInfo } = parts;
  if (logits !== undefined) {
    nodes.push(node('Sigmoid', 'sigmoid', [logits], ['probabilities']));
    valueInfo.push(floatValue('probabilities', [BATCH_DIM, 2]));
  }
  nodes.push(
    node(
      'Split',
      'split',
      ['probabilities'],
      ['p_treated_col', 'p_control_col'],
      [intAttribute('axis', 1)],
    ),
  );
  valueInfo.push(floatValue('p_treated_col', [BATCH_DIM, 1]));
  valueInfo.push(floatValue('p_control_col', [BATCH_DIM, 1]));
  initializers.push(int64Tensor(SQUEEZE_AXES, [1], [1]));
  nodes.push(node('Squeeze', 'squeeze_treated', ['p_treated_col', SQUEEZE_AXES], ['p_treated']));
  nodes.push(node('Squeeze', 'squeeze_control', ['p_control_col', SQUEEZE_AXES], ['p_control']));
  nodes.push(node('Sub', 'uplift', ['p_treated', 'p_control'], ['uplift']));
}

/**
 * The model around a writer's graph: input `[N, featureCount]`, the `OUTPUT_NAMES` outputs,
 * metadata sorted by key (so the same model always gives the same bytes).
 */
export function encodeUpliftModel(
  parts: GraphParts,
  options: {
    graphName: string;
    inputName: string;
    featureCount: number;
    opsetImport: Onnx.IOperatorSetIdProto[];
    defaultProducerName: string;
    info: ModelInfo;
  },
): Uint8Array {
  const { info } = options;
  const graph: Onnx.IGraphProto = {
    name: options.graphName,
    node: parts.nodes,
    initializer: parts.initializers,
    input: [floatValue(options.inputName, [BATCH_DIM, options.featureCount])],
    output: OUTPUT_NAMES.map((name) => floatValue(name, [BATCH_DIM])),
    valueInfo: parts.valueInfo,
  };
  const model: Onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: options.opsetImport,
    producerName: info.producerName ?? options.defaultProducerName,
    graph,
    metadataProps: Object.keys(info.metadata)
      .sort()
      .map((key) => ({ key, value: info.metadata[key] })),
  };
  if (info.producerVersion !== undefined) model.producerVersion = info.producerVersion;
  if (info.docString !== undefined) model.docString = info.docString;
  const encoded = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  // protobufjs returns a Node Buffer that may be a view into a shared pool: copy it out.
  return new Uint8Array(encoded);
}

/** The model's metadata_props as an object (keys in file order). Throws if not an ONNX model. */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  let model: Onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new Error(`not an ONNX model: ${errorMessage(error)}`);
  }
  const out: Record<string, string> = {};
  for (const entry of model.metadataProps) {
    // defineProperty: a key such as "__proto__" stays a plain key.
    Object.defineProperty(out, entry.key ?? '', {
      value: entry.value ?? '',
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation

const RESERVED_NAMES = new Set<string>([
  'logits',
  'probabilities',
  'p_treated_col',
  'p_control_col',
  SQUEEZE_AXES,
  ...OUTPUT_NAMES,
]);

/** Checks the spec; returns the input name. */
function validateSpec(spec: UpliftNetworkSpec): string {
  if (spec === null || typeof spec !== 'object') {
    throw new UpliftSpecError('spec', 'expected an object');
  }
  const inputName = spec.inputName ?? DEFAULT_INPUT_NAME;
  if (typeof inputName !== 'string' || inputName === '') {
    throw new UpliftSpecError('inputName', 'expected a non-empty string');
  }
  if (RESERVED_NAMES.has(inputName) || /^layer\d+\./.test(inputName)) {
    throw new UpliftSpecError('inputName', `"${inputName}" is used inside the graph`);
  }
  if (!isPositiveInteger(spec.featureCount)) {
    throw new UpliftSpecError(
      'featureCount',
      `expected a positive integer, got ${String(spec.featureCount)}`,
    );
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new UpliftSpecError('layers', 'expected at least one layer');
  }

  let previousOutputs = spec.featureCount;
  spec.layers.forEach((layer, i) => {
    const at = `layers[${i}]`;
    const isLast = i === spec.layers.length - 1;
    if (layer === null || typeof layer !== 'object') {
      throw new UpliftSpecError(at, 'expected an object');
    }
    if (!isPositiveInteger(layer.inputs)) {
      throw new UpliftSpecError(
        `${at}.inputs`,
        `expected a positive integer, got ${String(layer.inputs)}`,
      );
    }
    if (!isPositiveInteger(layer.outputs)) {
      throw new UpliftSpecError(
        `${at}.outputs`,
        `expected a positive integer, got ${String(layer.outputs)}`,
      );
    }
    if (layer.inputs !== previousOutputs) {
      const source = i === 0 ? 'featureCount' : `layers[${i - 1}].outputs`;
      throw new UpliftSpecError(
        `${at}.inputs`,
        `is ${layer.inputs} but ${source} is ${previousOutputs}`,
      );
    }
    if (isLast && layer.outputs !== 2) {
      throw new UpliftSpecError(
        `${at}.outputs`,
        `the last layer must have 2 outputs (logits of treated, control), got ${layer.outputs}`,
      );
    }
    if (layer.activation !== 'relu' && layer.activation !== 'none') {
      throw new UpliftSpecError(
        `${at}.activation`,
        `expected 'relu' or 'none', got ${JSON.stringify(layer.activation)}`,
      );
    }
    if (isLast && layer.activation !== 'none') {
      throw new UpliftSpecError(
        `${at}.activation`,
        "the last layer gives logits and must be 'none' (the sigmoid is added after it)",
      );
    }
    checkFloats(
      `${at}.weights`,
      layer.weights,
      layer.inputs * layer.outputs,
      `outputs ${layer.outputs} × inputs ${layer.inputs}`,
    );
    checkFloats(`${at}.bias`, layer.bias, layer.outputs, `outputs ${layer.outputs}`);
    previousOutputs = layer.outputs;
  });

  checkModelInfo(spec, (field, value, expected) => {
    const got = value === null ? 'null' : typeof value === 'string' ? `"${value}"` : typeof value;
    return new UpliftSpecError(field, `expected ${expected}, got ${got}`);
  });
  return inputName;
}

/**
 * Checks the metadata and producer fields; `fail(field, value, expected)` makes the writer's own
 * error (fields relative to the spec, e.g. `metadata.version`).
 */
export function checkModelInfo(
  info: ModelInfo,
  fail: (field: string, value: unknown, expected: string) => Error,
): void {
  if (info.metadata === null || typeof info.metadata !== 'object') {
    throw fail('metadata', info.metadata, 'an object of strings');
  }
  for (const [key, value] of Object.entries(info.metadata)) {
    if (key === '') throw fail('metadata', key, 'non-empty keys');
    if (typeof value !== 'string') throw fail(`metadata.${key}`, value, 'a string');
  }
  for (const field of ['producerName', 'producerVersion', 'docString'] as const) {
    const value = info[field];
    if (value !== undefined && typeof value !== 'string') throw fail(field, value, 'a string');
  }
}

function checkFloats(field: string, values: unknown, expected: number, why: string): void {
  if (!(values instanceof Float32Array)) {
    throw new UpliftSpecError(field, 'expected a Float32Array');
  }
  if (values.length !== expected) {
    throw new UpliftSpecError(field, `expected ${expected} values (${why}), got ${values.length}`);
  }
  for (let j = 0; j < values.length; j++) {
    const v = values[j] as number;
    if (!Number.isFinite(v)) {
      throw new UpliftSpecError(`${field}[${j}]`, `expected a finite number, got ${v}`);
    }
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

// ---------------------------------------------------------------------------------------------
// Protobuf building blocks (the tree writer's too)

export function node(
  opType: string,
  name: string,
  input: string[],
  output: string[],
  attribute: Onnx.IAttributeProto[] = [],
  domain = '',
): Onnx.INodeProto {
  return { opType, name, input, output, attribute, domain };
}

export function intAttribute(name: string, value: number): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function floatValue(name: string, dims: Array<number | string>): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  };
}

/** A float32 initializer as little-endian raw_data (independent of the host's byte order). */
function floatTensor(name: string, dims: number[], values: Float32Array): Onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, j) => view.setFloat32(j * 4, v, true));
  return { name, dims, dataType: FLOAT, rawData: raw };
}

export function int64Tensor(name: string, dims: number[], values: number[]): Onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, j) => view.setBigInt64(j * 8, BigInt(v), true));
  return { name, dims, dataType: INT64, rawData: raw };
}
