// Writes a tree model (models/uplift/trees.ts) as an ONNX model with the same contract as the
// network (models/uplift/onnx-writer.ts), so the worker scores either without knowing which:
//
//   features [N,F] float32
//     → ai.onnx.ml TreeEnsembleRegressor (n_targets 2: [treated, control])
//         uplift tree / forest: aggregate AVERAGE of the leaves' rates → probabilities [N,2]
//         boosted T-learner:    aggregate SUM + base_values → logits [N,2] → Sigmoid
//     → Split(axis=1) → Squeeze(axes=[1]) each → p_treated [N], p_control [N]
//     → Sub(p_treated, p_control) → uplift [N]
//
// ir_version 7, default-domain opset 13 and ai.onnx.ml opset 1 (the oldest TreeEnsembleRegressor,
// which onnxruntime-web/wasm runs; opset 3 only adds double-precision tensor attributes, which
// float32 features do not need). Deterministic: the same model and metadata give the same bytes.
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { fieldError } from '../../src/util/errors.js';
import { checkTreeModel, type TreeModel } from './trees.js';
import {
  addUpliftOutputs,
  BATCH_DIM,
  checkModelInfo,
  DEFAULT_INPUT_NAME,
  encodeUpliftModel,
  floatValue,
  intAttribute,
  node,
  OPSET_VERSION,
  type GraphParts,
  type ModelInfo,
} from './onnx-writer.js';

const { onnx } = onnxProto;

export const ML_DOMAIN = 'ai.onnx.ml';
export const ML_OPSET_VERSION = 1;

export interface TreeModelSpec extends ModelInfo {
  /** Features per row; must equal the model's. */
  featureCount: number;
}

const DEFAULT_PRODUCER_NAME = 'offerwise-tree-writer';
const GRAPH_NAME = 'offerwise_uplift_trees';

const Attribute = onnx.AttributeProto.AttributeType;

/**
 * Serialises the model. Throws an `OfferwiseError` naming the field: `model_invalid` for a
 * malformed model, `invalid_input` for a bad spec.
 */
export function writeTreeModel(model: TreeModel, spec: TreeModelSpec): Uint8Array {
  checkTreeModel(model);
  checkSpec(model, spec);
  const sum = model.aggregate === 'sigmoid-sum';

  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetIds: number[] = [];
  const targetWeights: number[] = [];
  model.trees.forEach((tree, t) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const leaf = tree.feature[n]! < 0;
      treeIds.push(t);
      nodeIds.push(n);
      featureIds.push(leaf ? 0 : tree.feature[n]!);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      values.push(leaf ? 0 : tree.threshold[n]!);
      trueIds.push(leaf ? 0 : tree.left[n]!);
      falseIds.push(leaf ? 0 : tree.right[n]!);
      if (!leaf) continue;
      for (const target of [0, 1]) {
        const weight = tree.value[n * 2 + target]!;
        // A zero adds nothing to SUM or AVERAGE (which divides by the number of trees), and
        // each boosted tree feeds one arm: leaving zeros out keeps the file about a third smaller.
        if (weight === 0) continue;
        targetTreeIds.push(t);
        targetNodeIds.push(n);
        targetIds.push(target);
        targetWeights.push(weight);
      }
    }
  });

  const ensembleOutput = sum ? 'logits' : 'probabilities';
  const attributes: Onnx.IAttributeProto[] = [
    stringAttribute('aggregate_function', sum ? 'SUM' : 'AVERAGE'),
  ];
  if (sum) attributes.push(floatsAttribute('base_values', model.base));
  attributes.push(
    intAttribute('n_targets', 2),
    intsAttribute('nodes_falsenodeids', falseIds),
    intsAttribute('nodes_featureids', featureIds),
    stringsAttribute('nodes_modes', modes),
    intsAttribute('nodes_nodeids', nodeIds),
    intsAttribute('nodes_treeids', treeIds),
    intsAttribute('nodes_truenodeids', trueIds),
    floatsAttribute('nodes_values', values),
    stringAttribute('post_transform', 'NONE'),
    intsAttribute('target_ids', targetIds),
    intsAttribute('target_nodeids', targetNodeIds),
    intsAttribute('target_treeids', targetTreeIds),
    floatsAttribute('target_weights', targetWeights),
  );

  const parts: GraphParts = {
    nodes: [
      node(
        'TreeEnsembleRegressor',
        'trees',
        [DEFAULT_INPUT_NAME],
        [ensembleOutput],
        attributes,
        ML_DOMAIN,
      ),
    ],
    initializers: [],
    valueInfo: [floatValue(ensembleOutput, [BATCH_DIM, 2])],
  };
  addUpliftOutputs(parts, sum ? 'logits' : undefined);
  return encodeUpliftModel(parts, {
    graphName: GRAPH_NAME,
    inputName: DEFAULT_INPUT_NAME,
    featureCount: spec.featureCount,
    opsetImport: [
      { domain: '', version: OPSET_VERSION },
      { domain: ML_DOMAIN, version: ML_OPSET_VERSION },
    ],
    defaultProducerName: DEFAULT_PRODUCER_NAME,
    info: spec,
  });
}

function checkSpec(model: TreeModel, spec: TreeModelSpec): void {
  if (spec === null || typeof spec !== 'object') {
    throw fieldError('invalid_input', 'spec', spec, 'an object');
  }
  if (spec.featureCount !== model.featureCount) {
    throw fieldError(
      'invalid_input',
      'spec.featureCount',
      spec.featureCount,
      `the model's featureCount ${model.featureCount}`,
    );
  }
  checkModelInfo(spec, (field, value, expected) =>
    fieldError('invalid_input', `spec.${field}`, value, expected),
  );
}

// ---------------------------------------------------------------------------------------------
// The list attributes the tree operator takes (onnx-writer.ts has the rest)

function intsAttribute(name: string, values: number[]): Onnx.IAttributeProto {
  return { name, type: Attribute.INTS, ints: values };
}

function floatsAttribute(name: string, values: ArrayLike<number>): Onnx.IAttributeProto {
  return { name, type: Attribute.FLOATS, floats: Array.from(values, Math.fround) };
}

function stringAttribute(name: string, value: string): Onnx.IAttributeProto {
  return { name, type: Attribute.STRING, s: new TextEncoder().encode(value) };
}

function stringsAttribute(name: string, values: string[]): Onnx.IAttributeProto {
  const encoder = new TextEncoder();
  return { name, type: Attribute.STRINGS, strings: values.map((v) => encoder.encode(v)) };
}
