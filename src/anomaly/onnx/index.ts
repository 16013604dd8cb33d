export { ONNX_PRODUCER, saveModel, toOnnx } from './export';
export type { OnnxExportOptions, TreeOp } from './export';
export { readOnnxInfo } from './read';
export type { OnnxModelInfo } from './read';
export { createOnnxScorer } from './scorer';
export type { OnnxScorer, OnnxScorerOptions } from './scorer';
