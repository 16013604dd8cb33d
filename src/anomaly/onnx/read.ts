/**
 * Reads what an anomaly ONNX model says about itself, without running it: opsets, its one float
 * [N, F] input, its output, and metadata_props. Throws a 'bad_request' AppError for anything that
 * is not such a model.
 */
import { AppError } from '../../errors';
import { DataType, decodeModel } from './proto';

export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  modelVersion: number;
  docString: string;
  /** Opset version per domain ('' is ai.onnx). */
  opsets: Record<string, number>;
  inputName: string;
  featureCount: number;
  outputName: string;
  /** metadata_props as written (values are strings; JSON for lists and stats). */
  metadata: Record<string, string>;
  /** From metadata 'feature_names' when present. */
  featureNames?: string[];
}

export function readOnnxInfo(bytes: Uint8Array): OnnxModelInfo {
  const model = decodeModel(bytes);
  const bad = (why: string) => new AppError('bad_request', `not an anomaly ONNX model: ${why}`);
  if (!model.ir_version) throw bad('no ir_version (is this an ONNX file?)');
  const graph = model.graph;
  if (!graph) throw bad('no graph');
  const opsets: Record<string, number> = {};
  for (const o of model.opset_import ?? []) opsets[o.domain ?? ''] = Number(o.version);
  if (opsets[''] === undefined) throw bad('no ai.onnx opset import');
  const inputs = graph.input ?? [];
  if (inputs.length !== 1) throw bad(`expected one input, found ${inputs.length}`);
  const tensor = inputs[0].type?.tensor_type;
  const dims = tensor?.shape?.dim ?? [];
  const featureCount = Number(dims[1]?.dim_value ?? 0);
  if (tensor?.elem_type !== DataType.FLOAT || dims.length !== 2 || !(featureCount > 0)) {
    throw bad(`input '${inputs[0].name}' must be a float tensor [N, F] with a fixed F`);
  }
  const outputs = graph.output ?? [];
  if (outputs.length < 1) throw bad('no output');
  const metadata: Record<string, string> = {};
  for (const p of model.metadata_props ?? []) metadata[p.key] = p.value;
  return {
    irVersion: Number(model.ir_version),
    producerName: model.producer_name ?? '',
    producerVersion: model.producer_version ?? '',
    modelVersion: Number(model.model_version ?? 0),
    docString: model.doc_string ?? '',
    opsets,
    inputName: inputs[0].name,
    featureCount,
    outputName: outputs[0].name,
    metadata,
    featureNames: parseNames(metadata.feature_names),
  };
}

function parseNames(json: string | undefined): string[] | undefined {
  if (json === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}
