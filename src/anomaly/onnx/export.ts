/**
 * Writes an isolation forest as a standard ONNX model whose output IS the anomaly score:
 *
 *   features [N, F] -> one ai.onnx.ml tree-ensemble node, mean path length E[h] [N, 1]
 *                   -> Div by c(ψ) -> Neg -> Pow(2, ·) -> score [N, 1] in (0, 1)
 *
 * Leaves carry depth + c(points in leaf) and the ensemble averages them, so E[h] matches the
 * TypeScript forest. Only standard domains ('' and 'ai.onnx.ml') and released opsets are used.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../../errors';
import type { IsolationForest } from '../iforest/model';
import {
  AttributeType,
  DataType,
  encodeModel,
  float32Bytes,
  type AttributeMessage,
  type ModelMessage,
  type NodeMessage,
  type TensorMessage,
} from './proto';

export const ONNX_PRODUCER = 'smartcloudops';
export const ONNX_PRODUCER_VERSION = '0.1.0';

/**
 * 'TreeEnsembleRegressor' (ai.onnx.ml opset 3, ONNX 1.11+, IR 8): read by the widest range of runtimes.
 * 'TreeEnsemble' (ai.onnx.ml opset 5, ONNX 1.16+, IR 10): the current operator that replaces it.
 */
export type TreeOp = 'TreeEnsembleRegressor' | 'TreeEnsemble';

export interface OnnxExportOptions {
  treeOp?: TreeOp;
  /** Input tensor name (default 'features'). */
  inputName?: string;
  /** Output tensor name (default 'score'). */
  outputName?: string;
  /** ModelProto.model_version (default 1). */
  modelVersion?: number;
  /** Extra metadata_props entries (e.g. which series family it was trained on). */
  metadata?: Record<string, string>;
}

/** ONNX release each tree operator is pinned to: IR version, default opset, ai.onnx.ml opset. */
const TARGETS: Record<TreeOp, { ir: number; opset: number; ml: number }> = {
  TreeEnsembleRegressor: { ir: 8, opset: 16, ml: 3 },
  TreeEnsemble: { ir: 10, opset: 21, ml: 5 },
};

const ML = 'ai.onnx.ml';
const PATH_LENGTH = 'mean_path_length';

export function toOnnx(forest: IsolationForest, opts: OnnxExportOptions = {}): Uint8Array {
  checkForest(forest);
  const treeOp = opts.treeOp ?? 'TreeEnsembleRegressor';
  const target = TARGETS[treeOp];
  if (!target)
    throw new AppError(
      'bad_request',
      `toOnnx: treeOp must be 'TreeEnsembleRegressor' or 'TreeEnsemble' (got ${String(treeOp)})`,
    );
  const input = opts.inputName ?? 'features';
  const output = opts.outputName ?? 'score';
  const f = forest.featureCount;

  const treeNode = treeOp === 'TreeEnsemble' ? treeEnsembleV5(forest, input) : treeEnsembleRegressor(forest, input);
  const nodes: NodeMessage[] = [
    treeNode,
    {
      name: 'normalize',
      op_type: 'Div',
      domain: '',
      input: [PATH_LENGTH, 'c_psi'],
      output: ['normalized_path_length'],
    },
    {
      name: 'negate',
      op_type: 'Neg',
      domain: '',
      input: ['normalized_path_length'],
      output: ['neg_normalized_path_length'],
    },
    { name: 'to_score', op_type: 'Pow', domain: '', input: ['two', 'neg_normalized_path_length'], output: [output] },
  ];
  const s = forest.stats;
  const model: ModelMessage = {
    ir_version: target.ir,
    opset_import: [
      { domain: '', version: target.opset },
      { domain: ML, version: target.ml },
    ],
    producer_name: ONNX_PRODUCER,
    producer_version: ONNX_PRODUCER_VERSION,
    domain: 'dev.smartcloudops.anomaly',
    model_version: opts.modelVersion ?? 1,
    doc_string:
      `Isolation forest (Liu et al. 2008) anomaly scorer: ${forest.trees.length} trees, ` +
      `subsample ${forest.sampleSize}, height limit ${forest.maxDepth}. ` +
      `Input '${input}' [N, ${f}] float (${forest.featureNames.join(', ')}); ` +
      `output '${output}' [N, 1] = 2^(-E[h(x)] / c(${forest.sampleSize})) in (0, 1), higher is more anomalous.`,
    graph: {
      name: 'smartcloudops_iforest',
      node: nodes,
      initializer: [scalar('c_psi', forest.normalizer), scalar('two', 2)],
      input: [
        tensorInfo(input, [{ dim_param: 'N' }, { dim_value: f }], `Feature rows: ${forest.featureNames.join(', ')}`),
      ],
      output: [tensorInfo(output, [{ dim_param: 'N' }, { dim_value: 1 }], 'Isolation-forest anomaly score in (0, 1)')],
      value_info: [
        tensorInfo(PATH_LENGTH, [{ dim_param: 'N' }, { dim_value: 1 }], 'E[h(x)]: mean path length over the trees'),
      ],
    },
    metadata_props: Object.entries({
      model_family: 'isolation_forest',
      score_formula: '2^(-E[h(x)] / c(sample_size))',
      feature_names: JSON.stringify(forest.featureNames),
      feature_count: String(f),
      trees: String(forest.trees.length),
      sample_size: String(forest.sampleSize),
      max_depth: String(forest.maxDepth),
      normalizer: String(forest.normalizer),
      seed: String(forest.seed),
      training_rows: String(s.rows),
      training_score_quantiles: JSON.stringify(s.scoreQuantiles),
      feature_mean: JSON.stringify(s.featureMean),
      feature_std: JSON.stringify(s.featureStd),
      ...opts.metadata,
    }).map(([key, value]) => ({ key, value })),
  };
  return encodeModel(model);
}

/** Writes the model (a forest, or bytes from toOnnx) to `path` atomically, creating the directory. */
export async function saveModel(
  path: string,
  model: IsolationForest | Uint8Array,
  opts: OnnxExportOptions = {},
): Promise<void> {
  const bytes = model instanceof Uint8Array ? model : toOnnx(model, opts);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/** ai.onnx.ml TreeEnsembleRegressor (opset 3): every node listed with (tree id, node id), leaves as LEAF. */
function treeEnsembleRegressor(forest: IsolationForest, input: string): NodeMessage {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: Uint8Array[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetWeights: number[] = [];
  const BRANCH_LEQ = utf8('BRANCH_LEQ');
  const LEAF = utf8('LEAF');
  forest.trees.forEach((tree, t) => {
    for (let i = 0; i < tree.feature.length; i++) {
      const leaf = tree.feature[i] < 0;
      treeIds.push(t);
      nodeIds.push(i);
      featureIds.push(leaf ? 0 : tree.feature[i]);
      modes.push(leaf ? LEAF : BRANCH_LEQ);
      values.push(leaf ? 0 : tree.threshold[i]);
      trueIds.push(leaf ? 0 : tree.left[i]);
      falseIds.push(leaf ? 0 : tree.right[i]);
      if (leaf) {
        targetTreeIds.push(t);
        targetNodeIds.push(i);
        targetWeights.push(tree.value[i]);
      }
    }
  });
  return {
    name: 'forest',
    op_type: 'TreeEnsembleRegressor',
    domain: ML,
    input: [input],
    output: [PATH_LENGTH],
    doc_string: 'Mean isolation path length: leaves hold depth + c(leaf size), averaged over trees.',
    attribute: [
      intAttr('n_targets', 1),
      stringAttr('aggregate_function', 'AVERAGE'),
      stringAttr('post_transform', 'NONE'),
      intsAttr('nodes_treeids', treeIds),
      intsAttr('nodes_nodeids', nodeIds),
      intsAttr('nodes_featureids', featureIds),
      { name: 'nodes_modes', type: AttributeType.STRINGS, strings: modes },
      floatsAttr('nodes_values', values),
      intsAttr('nodes_truenodeids', trueIds),
      intsAttr('nodes_falsenodeids', falseIds),
      intsAttr('target_treeids', targetTreeIds),
      intsAttr('target_nodeids', targetNodeIds),
      intsAttr('target_ids', new Array<number>(targetTreeIds.length).fill(0)),
      floatsAttr('target_weights', targetWeights),
    ],
  };
}

/**
 * ai.onnx.ml TreeEnsemble (opset 5): interior nodes and leaves in separate arrays; a branch id
 * points into the leaves when its *_leafs flag is 1. A tree that is a single leaf (all its rows
 * were identical) gets one dummy split whose two branches reach that same leaf.
 */
function treeEnsembleV5(forest: IsolationForest, input: string): NodeMessage {
  const roots: number[] = [];
  const featureIds: number[] = [];
  const splits: number[] = [];
  const trueIds: number[] = [];
  const trueLeafs: number[] = [];
  const falseIds: number[] = [];
  const falseLeafs: number[] = [];
  const leafWeights: number[] = [];
  for (const tree of forest.trees) {
    const n = tree.feature.length;
    const index = new Int32Array(n); // node -> position in the interior or the leaf arrays
    let interior = featureIds.length;
    let leaves = leafWeights.length;
    for (let i = 0; i < n; i++) index[i] = tree.feature[i] >= 0 ? interior++ : leaves++;
    for (let i = 0; i < n; i++) {
      if (tree.feature[i] < 0) {
        leafWeights.push(tree.value[i]);
        continue;
      }
      const l = tree.left[i];
      const r = tree.right[i];
      featureIds.push(tree.feature[i]);
      splits.push(tree.threshold[i]);
      trueIds.push(index[l]);
      trueLeafs.push(tree.feature[l] < 0 ? 1 : 0);
      falseIds.push(index[r]);
      falseLeafs.push(tree.feature[r] < 0 ? 1 : 0);
    }
    if (tree.feature[0] >= 0) {
      roots.push(index[0]);
    } else {
      roots.push(featureIds.length);
      featureIds.push(0);
      splits.push(0);
      trueIds.push(index[0]);
      trueLeafs.push(1);
      falseIds.push(index[0]);
      falseLeafs.push(1);
    }
  }
  return {
    name: 'forest',
    op_type: 'TreeEnsemble',
    domain: ML,
    input: [input],
    output: [PATH_LENGTH],
    doc_string: 'Mean isolation path length: leaves hold depth + c(leaf size), averaged over trees.',
    attribute: [
      intAttr('n_targets', 1),
      intAttr('aggregate_function', 0), // AVERAGE
      intAttr('post_transform', 0), // NONE
      intsAttr('tree_roots', roots),
      intsAttr('nodes_featureids', featureIds),
      tensorAttr('nodes_modes', {
        dims: [featureIds.length],
        data_type: DataType.UINT8,
        raw_data: new Uint8Array(featureIds.length),
      }), // 0 = BRANCH_LEQ
      tensorAttr('nodes_splits', { dims: [splits.length], data_type: DataType.FLOAT, raw_data: float32Bytes(splits) }),
      intsAttr('nodes_truenodeids', trueIds),
      intsAttr('nodes_trueleafs', trueLeafs),
      intsAttr('nodes_falsenodeids', falseIds),
      intsAttr('nodes_falseleafs', falseLeafs),
      intsAttr('leaf_targetids', new Array<number>(leafWeights.length).fill(0)),
      tensorAttr('leaf_weights', {
        dims: [leafWeights.length],
        data_type: DataType.FLOAT,
        raw_data: float32Bytes(leafWeights),
      }),
    ],
  };
}

function checkForest(forest: IsolationForest): void {
  const f = forest.featureCount;
  if (!Number.isInteger(f) || f < 1) throw new AppError('bad_request', `toOnnx: featureCount must be >= 1 (got ${f})`);
  if (forest.featureNames.length !== f)
    throw new AppError('bad_request', `toOnnx: ${forest.featureNames.length} feature names for ${f} features`);
  if (!forest.trees.length) throw new AppError('bad_request', 'toOnnx: the forest has no trees');
  if (!(forest.normalizer > 0))
    throw new AppError('bad_request', `toOnnx: normalizer c(ψ) must be > 0 (got ${forest.normalizer})`);
  forest.trees.forEach((tree, t) => {
    for (let i = 0; i < tree.feature.length; i++) {
      const q = tree.feature[i];
      if (q >= f) throw new AppError('bad_request', `toOnnx: tree ${t} node ${i} splits on feature ${q} of ${f}`);
      if (q >= 0 && !(tree.left[i] > i && tree.right[i] > i && tree.right[i] < tree.feature.length)) {
        throw new AppError('bad_request', `toOnnx: tree ${t} node ${i} has children outside the tree`);
      }
    }
  });
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function intAttr(name: string, i: number): AttributeMessage {
  return { name, type: AttributeType.INT, i };
}

function intsAttr(name: string, ints: number[]): AttributeMessage {
  return { name, type: AttributeType.INTS, ints };
}

function floatsAttr(name: string, floats: number[]): AttributeMessage {
  return { name, type: AttributeType.FLOATS, floats };
}

function stringAttr(name: string, s: string): AttributeMessage {
  return { name, type: AttributeType.STRING, s: utf8(s) };
}

function tensorAttr(name: string, t: TensorMessage): AttributeMessage {
  return { name, type: AttributeType.TENSOR, t: { name, ...t } };
}

function scalar(name: string, value: number): TensorMessage {
  return { name, dims: [], data_type: DataType.FLOAT, raw_data: float32Bytes([value]) };
}

function tensorInfo(name: string, dim: Array<{ dim_value?: number; dim_param?: string }>, doc: string) {
  return { name, doc_string: doc, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim } } } };
}
