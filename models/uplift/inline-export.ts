// Reads an uplift model file written by onnx-writer.ts (a network) or tree-onnx.ts (a tree
// ensemble) back into the SDK's inline form (src/predictor/inline.ts): the main thread's exact
// copy of the model for the time before the worker is ready. It is read from the file's bytes, not
// from the trainer's arrays, so the copy is what ships, and anything but the writers' graphs is
// refused.
import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import {
  scoreInline,
  type InlineLayer,
  type InlineModel,
  type InlineNetwork,
  type InlineTree,
  type InlineTrees,
} from '../../src/predictor/inline.js';
import { OUTPUT_NAMES } from './onnx-writer.js';
import { ML_DOMAIN, ML_OPSET_VERSION } from './tree-onnx.js';

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

/** The parts of a model file both readers start from. */
function readGraph(modelBytes: Uint8Array) {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph ?? fail('the model has no graph');
  const input = graph.input?.[0];
  const featureCount = Number(input?.type?.tensorType?.shape?.dim?.[1]?.dimValue ?? NaN);
  if (!Number.isInteger(featureCount) || featureCount < 1) {
    fail(`input ${input?.name} does not declare its feature count`);
  }
  return {
    model,
    graph,
    inputName: input?.name ?? '',
    featureCount,
    nodes: graph.node ?? [],
    version: createHash('sha256').update(modelBytes).digest('hex').slice(0, 12),
  };
}

/** Checks the writers' tail: `ops` from node `k` on, the first reading `current`, then outputs. */
function checkTail(
  graph: Onnx.IGraphProto,
  k: number,
  current: string,
  ops: string[],
  after: string,
): void {
  const nodes = graph.node ?? [];
  const rest = nodes.slice(k).map((n) => n.opType);
  if (rest.join(',') !== ops.join(',') || nodes[k]!.input?.[0] !== current) {
    fail(`after ${after}: ${rest.join(', ')}, expected ${ops.join(', ')}`);
  }
  const outputs = (graph.output ?? []).map((o) => o.name);
  if (outputs.join(',') !== OUTPUT_NAMES.join(',')) fail(`outputs ${outputs.join(', ')}`);
}

const SPLIT_OUTPUTS = ['Split', 'Squeeze', 'Squeeze', 'Sub'];

/**
 * The inline copy of a model file written by either writer: a network (first node Gemm) or a tree
 * ensemble (first node TreeEnsembleRegressor). Throws, naming the node, for any other graph.
 */
export function inlineModelFromOnnx(
  modelBytes: Uint8Array,
  featureSpecVersion: number,
): InlineModel {
  const first = onnx.ModelProto.decode(modelBytes).graph?.node?.[0]?.opType;
  return first === 'TreeEnsembleRegressor'
    ? inlineTreesFromOnnx(modelBytes, featureSpecVersion)
    : inlineNetworkFromOnnx(modelBytes, featureSpecVersion);
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
  const { graph, inputName, featureCount, nodes, version } = readGraph(modelBytes);
  const tensors = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const layers: InlineLayer[] = [];
  let current = inputName;
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
  if (layers.length === 0) {
    fail(`the first node is ${nodes[0]?.opType}, expected Gemm or TreeEnsembleRegressor`);
  }
  if (width !== 2) fail(`the last Gemm has ${width} outputs, expected 2`);
  checkTail(graph, k, current, ['Sigmoid', ...SPLIT_OUTPUTS], 'the layers');
  return { version, featureSpecVersion, featureCount, layers };
}

/** The attributes tree-onnx.ts writes (base_values only with SUM); any other is refused. */
const TREE_ATTRIBUTES = new Set([
  'aggregate_function',
  'base_values',
  'n_targets',
  'nodes_falsenodeids',
  'nodes_featureids',
  'nodes_modes',
  'nodes_nodeids',
  'nodes_treeids',
  'nodes_truenodeids',
  'nodes_values',
  'post_transform',
  'target_ids',
  'target_nodeids',
  'target_treeids',
  'target_weights',
]);

const base64Floats = (values: number[]) =>
  Buffer.from(new Uint8Array(Float32Array.from(values).buffer)).toString('base64');

/**
 * The inline copy of a tree ensemble written by tree-onnx.ts: one ai.onnx.ml (opset 1)
 * TreeEnsembleRegressor with two targets, BRANCH_LEQ splits, each tree's nodes numbered 0… in
 * order, then AVERAGE → Split/Squeeze/Sub, or SUM + base_values → Sigmoid → Split/Squeeze/Sub.
 * Throws, naming the node and the attribute, for any other graph.
 */
export function inlineTreesFromOnnx(
  modelBytes: Uint8Array,
  featureSpecVersion: number,
): InlineTrees {
  const { model, graph, inputName, featureCount, nodes, version } = readGraph(modelBytes);
  const node = nodes[0]!;
  const name = `node ${node.name}`;
  if (node.opType !== 'TreeEnsembleRegressor' || node.domain !== ML_DOMAIN) {
    fail(
      `the first node is ${node.domain}.${node.opType}, expected ${ML_DOMAIN}.TreeEnsembleRegressor`,
    );
  }
  const opset = model.opsetImport?.find((o) => o.domain === ML_DOMAIN)?.version;
  if (Number(opset) !== ML_OPSET_VERSION) {
    fail(`${ML_DOMAIN} opset ${opset}, expected ${ML_OPSET_VERSION}`);
  }
  if (node.input?.length !== 1 || node.input[0] !== inputName) {
    fail(`${name} reads ${node.input?.join(', ')}, expected ${inputName}`);
  }
  const attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  for (const key of attrs.keys()) {
    if (!TREE_ATTRIBUTES.has(key)) fail(`${name}: attribute ${key} is not the writer's`);
  }
  const text = (key: string) => {
    const a = attrs.get(key);
    return a?.s ? new TextDecoder().decode(a.s) : undefined;
  };
  const ints = (key: string) => (attrs.get(key)?.ints ?? []).map(Number);
  const floatList = (key: string) => attrs.get(key)?.floats ?? [];
  const modes = (attrs.get('nodes_modes')?.strings ?? []).map((s) => new TextDecoder().decode(s));

  const aggregateFunction = text('aggregate_function');
  const sum = aggregateFunction === 'SUM';
  if (!sum && aggregateFunction !== 'AVERAGE') {
    fail(`${name}: aggregate_function ${aggregateFunction}, expected AVERAGE or SUM`);
  }
  const post = text('post_transform') ?? 'NONE';
  if (post !== 'NONE') fail(`${name}: post_transform ${post}, expected NONE`);
  const targets = Number(attrs.get('n_targets')?.i);
  if (targets !== 2) fail(`${name}: n_targets ${targets}, expected 2`);
  const base = floatList('base_values');
  if (sum ? base.length !== 2 : attrs.has('base_values')) {
    fail(`${name}: base_values [${base}], expected ${sum ? 'two (SUM)' : 'none (AVERAGE)'}`);
  }

  const treeIds = ints('nodes_treeids');
  const nodeIds = ints('nodes_nodeids');
  const featureIds = ints('nodes_featureids');
  const trueIds = ints('nodes_truenodeids');
  const falseIds = ints('nodes_falsenodeids');
  const values = floatList('nodes_values');
  const count = treeIds.length;
  for (const [key, list] of [
    ['nodes_nodeids', nodeIds],
    ['nodes_featureids', featureIds],
    ['nodes_modes', modes],
    ['nodes_truenodeids', trueIds],
    ['nodes_falsenodeids', falseIds],
    ['nodes_values', values],
  ] as const) {
    if (list.length !== count)
      fail(`${name}: ${key} has ${list.length} entries, expected ${count}`);
  }

  interface Building {
    feature: number[];
    threshold: number[];
    left: number[];
    right: number[];
    value: number[];
  }
  const trees: Building[] = [];
  for (let i = 0; i < count; i++) {
    const t = treeIds[i]!;
    if (t === trees.length && nodeIds[i] === 0) {
      trees.push({ feature: [], threshold: [], left: [], right: [], value: [] });
    }
    const tree = trees[t];
    if (t !== trees.length - 1 || nodeIds[i] !== tree!.feature.length) {
      fail(`${name}: entry ${i} is node ${nodeIds[i]} of tree ${t}, expected the writer's order`);
    }
    const leaf = modes[i] === 'LEAF';
    if (!leaf && modes[i] !== 'BRANCH_LEQ') {
      fail(`${name}: node ${nodeIds[i]} of tree ${t} is ${modes[i]}, expected BRANCH_LEQ or LEAF`);
    }
    tree!.feature.push(leaf ? -1 : featureIds[i]!);
    tree!.threshold.push(leaf ? 0 : values[i]!);
    tree!.left.push(leaf ? 0 : trueIds[i]!);
    tree!.right.push(leaf ? 0 : falseIds[i]!);
    tree!.value.push(0, 0);
  }

  const targetIds = ints('target_ids');
  const targetTrees = ints('target_treeids');
  const targetNodes = ints('target_nodeids');
  const weights = floatList('target_weights');
  const set = new Set<string>();
  for (let i = 0; i < targetIds.length; i++) {
    const [t, n, target] = [targetTrees[i]!, targetNodes[i]!, targetIds[i]!];
    const tree = trees[t];
    const key = `${t}/${n}/${target}`;
    if (tree?.feature[n] !== -1 || (target !== 0 && target !== 1) || set.has(key)) {
      fail(
        `${name}: target entry ${i} (tree ${t}, node ${n}, target ${target}) is not one per leaf and target`,
      );
    }
    if (weights[i] === undefined) fail(`${name}: target_weights has no entry ${i}`);
    set.add(key);
    tree.value[2 * n + target] = weights[i]!;
  }
  if (
    weights.length !== targetIds.length ||
    targetTrees.length !== targetIds.length ||
    targetNodes.length !== targetIds.length
  ) {
    fail(`${name}: the target_* lists differ in length`);
  }

  checkTail(
    graph,
    1,
    node.output?.[0] ?? '',
    sum ? ['Sigmoid', ...SPLIT_OUTPUTS] : SPLIT_OUTPUTS,
    'the trees',
  );
  const inline: InlineTrees = {
    kind: 'trees',
    version,
    featureSpecVersion,
    featureCount,
    aggregate: sum ? 'sigmoid-sum' : 'average',
    base: sum ? [base[0]!, base[1]!] : [0, 0],
    trees: trees.map((t): InlineTree => ({
      feature: t.feature,
      threshold: base64Floats(t.threshold),
      left: t.left,
      right: t.right,
      value: base64Floats(t.value),
    })),
  };
  // The SDK's own checks (features inside the row, children after their parent): a copy it
  // would refuse is not written.
  try {
    scoreInline(inline, new Float32Array(0), featureCount);
  } catch (error) {
    fail((error as Error).message);
  }
  return inline;
}
