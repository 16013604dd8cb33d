/**
 * One ONNX file per model version, holding every signal's forest:
 *
 *   features_<signal> [N_<signal>, 8] -> <signal>/forest (ai.onnx.ml TreeEnsemble) -> ...
 *     -> score_<signal> [N_<signal>, 1]
 *
 * one input and one output per signal, each the graph src/anomaly/onnx/export.ts writes for one
 * forest with its inner names prefixed `<signal>/` (and its own batch dimension, so signals are
 * scored with different row counts in one run). metadata_props hold `smartcloudops.format` and
 * `smartcloudops.bundle` (JSON: params, seed, window, data hash, per-signal calibration).
 * Nothing in the file depends on the time or a random id: the same model gives the same bytes.
 */
import { FEATURE_COUNT } from '../anomaly/features';
import { toOnnx } from '../anomaly/onnx/export';
import { decodeModel, encodeModel, type GraphMessage, type ModelMessage } from '../anomaly/onnx/proto';
import { AppError } from '../errors';
import type { Signal } from '../sources/types';
import { tailProbability, type ScoreCalibration } from './calibration';
import type { HistoryWindow } from './history';
import type { ModelParams, TrainedModel } from './train';
import { MODEL_FORMAT_VERSION, packageVersion } from './version';

export const BUNDLE_FORMAT = 'smartcloudops-anomaly-bundle';
export const BUNDLE_PRODUCER = 'smartcloudops';
export const FORMAT_KEY = 'smartcloudops.format';
export const META_KEY = 'smartcloudops.bundle';
/** What onnxruntime-node 1.30 reads: the bundle is refused beyond these. */
export const MAX_IR_VERSION = 13;
export const MAX_OPSET: Record<string, number> = { '': 26, 'ai.onnx.ml': 5 };

export interface BundleSignalMeta {
  signal: Signal;
  input: string;
  output: string;
  /** Points of history with data and feature rows trained on. */
  points: number;
  rows: number;
  trees: number;
  sampleSize: number;
  maxDepth: number;
  normalizer: number;
  calibration: ScoreCalibration;
}

export interface BundleMeta {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  model: string;
  service: string;
  params: ModelParams;
  seed: number;
  window: HistoryWindow;
  dataSha256: string;
  featureNames: string[];
  signals: BundleSignalMeta[];
}

export const inputName = (signal: Signal) => `features_${signal}`;
export const outputName = (signal: Signal) => `score_${signal}`;

/** The ONNX bytes of a trained model (deterministic). */
export function buildBundle(trained: TrainedModel, opts: { model: string }): Uint8Array {
  if (!trained.signals.length) throw new AppError('bad_request', 'a model bundle needs at least one trained signal');
  const graphs = trained.signals.map((s) => signalGraph(s.signal, s.forest));
  const first = decodeModel(toOnnx(trained.signals[0].forest, { treeOp: 'TreeEnsemble' }));
  const meta: BundleMeta = {
    format: BUNDLE_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    model: opts.model,
    service: trained.service,
    params: { trees: trained.params.trees, sampleSize: trained.params.sampleSize, window: trained.params.window },
    seed: trained.seed,
    window: { fromMs: trained.window.fromMs, toMs: trained.window.toMs, stepMs: trained.window.stepMs },
    dataSha256: trained.dataSha256,
    featureNames: [...trained.featureNames],
    signals: trained.signals.map((s) => ({
      signal: s.signal,
      input: inputName(s.signal),
      output: outputName(s.signal),
      points: s.points,
      rows: s.rows,
      trees: s.forest.trees.length,
      sampleSize: s.forest.sampleSize,
      maxDepth: s.forest.maxDepth,
      normalizer: s.forest.normalizer,
      calibration: s.calibration,
    })),
  };
  const signals = trained.signals.map((s) => s.signal).join(', ');
  const model: ModelMessage = {
    ir_version: first.ir_version,
    opset_import: first.opset_import,
    producer_name: BUNDLE_PRODUCER,
    producer_version: packageVersion(),
    domain: 'dev.smartcloudops.models',
    model_version: MODEL_FORMAT_VERSION,
    doc_string:
      `${opts.model}: isolation-forest anomaly scorers for ${trained.service} (${signals}). ` +
      'Input features_<signal> [N, 8] float window features; output score_<signal> [N, 1] in (0, 1), ' +
      'higher is more anomalous; calibration in metadata_props smartcloudops.bundle.',
    graph: {
      name: 'smartcloudops_bundle',
      node: graphs.flatMap((g) => g.node),
      initializer: graphs.flatMap((g) => g.initializer ?? []),
      input: graphs.flatMap((g) => g.input),
      output: graphs.flatMap((g) => g.output),
      value_info: graphs.flatMap((g) => g.value_info ?? []),
    },
    metadata_props: [
      { key: FORMAT_KEY, value: `${BUNDLE_FORMAT}/${MODEL_FORMAT_VERSION}` },
      { key: META_KEY, value: JSON.stringify(meta) },
    ],
  };
  return encodeModel(model);
}

/** One forest's graph with its names made the signal's own. */
function signalGraph(signal: Signal, forest: TrainedModel['signals'][number]['forest']): GraphMessage {
  const input = inputName(signal);
  const output = outputName(signal);
  const g = decodeModel(toOnnx(forest, { treeOp: 'TreeEnsemble', inputName: input, outputName: output })).graph;
  const own = (name: string) => (name === input || name === output ? name : `${signal}/${name}`);
  for (const n of g.node) {
    n.name = `${signal}/${n.name ?? n.op_type}`;
    n.input = n.input.map(own);
    n.output = n.output.map(own);
  }
  for (const t of g.initializer ?? []) t.name = own(t.name ?? '');
  for (const v of [...g.input, ...g.output, ...(g.value_info ?? [])]) {
    v.name = own(v.name);
    for (const d of v.type.tensor_type.shape?.dim ?? []) if (d.dim_param) d.dim_param = `N_${signal}`;
  }
  return g;
}

/**
 * Reads and checks a bundle's metadata without onnxruntime (what the control plane needs to list
 * or register it). Throws AppError('bad_request') for a file that is not a bundle this code reads.
 */
export function readBundleMeta(bytes: Uint8Array): BundleMeta {
  if (!bytes.length) throw new AppError('bad_request', 'the model file is empty');
  let model: ModelMessage;
  try {
    model = decodeModel(bytes);
  } catch (err) {
    throw new AppError('bad_request', 'the model file is corrupt: it is not an ONNX model', { cause: err });
  }
  const bad = (why: string) =>
    new AppError('bad_request', `the model file is not a usable SmartCloudOps model: ${why}`);
  if (!model.ir_version || !model.graph) throw bad('no IR version or graph (corrupt or not ONNX)');
  if (model.producer_name !== BUNDLE_PRODUCER) throw bad(`made by “${model.producer_name ?? ''}”, not smartcloudops`);
  if (model.ir_version > MAX_IR_VERSION) throw bad(`IR version ${model.ir_version} > ${MAX_IR_VERSION}`);
  for (const o of model.opset_import ?? []) {
    const max = MAX_OPSET[o.domain ?? ''];
    if (max === undefined || o.version > max)
      throw bad(`operator set ${o.domain || 'ai.onnx'} ${o.version} unsupported`);
  }
  const props = new Map((model.metadata_props ?? []).map((p) => [p.key, p.value]));
  const format = props.get(FORMAT_KEY);
  if (format !== `${BUNDLE_FORMAT}/${MODEL_FORMAT_VERSION}`) {
    throw bad(
      `model format “${format ?? 'none'}”, this release reads ${BUNDLE_FORMAT}/${MODEL_FORMAT_VERSION}; ` +
        'retrain the model with this release',
    );
  }
  let meta: BundleMeta;
  try {
    meta = JSON.parse(props.get(META_KEY) ?? '') as BundleMeta;
  } catch (err) {
    throw new AppError('bad_request', `the model file's ${META_KEY} metadata is not JSON`, { cause: err });
  }
  checkMeta(meta, model.graph, bad);
  return meta;
}

function checkMeta(meta: BundleMeta, graph: GraphMessage, bad: (why: string) => AppError): void {
  if (!Array.isArray(meta?.signals) || !meta.signals.length) throw bad('no signals in its metadata');
  const inputs = new Map(graph.input.map((i) => [i.name, i]));
  const outputs = new Set(graph.output.map((o) => o.name));
  for (const s of meta.signals) {
    const input = inputs.get(s.input);
    const f = Number(input?.type.tensor_type.shape?.dim?.[1]?.dim_value ?? 0);
    if (!input || !outputs.has(s.output)) throw bad(`signal ${s.signal} has no input ${s.input} or output ${s.output}`);
    if (f !== FEATURE_COUNT) throw bad(`input ${s.input} takes ${f} features, this release computes ${FEATURE_COUNT}`);
    const c = s.calibration;
    if (!c || !Array.isArray(c.table) || !c.table.length || !c.tail || !(c.rows > 0))
      throw bad(`signal ${s.signal} has no calibration`);
  }
  if (inputs.size !== meta.signals.length) throw bad('inputs and signals in the metadata disagree');
}

/** One signal's scorer inside a loaded bundle. */
export interface BundleScorer {
  readonly signal: Signal;
  readonly calibration: ScoreCalibration;
  /** Scores `rows` feature rows stored row-major in `batch` (rows x 8); one score in (0, 1) per row. */
  score(batch: Float32Array, rows: number): Promise<Float32Array>;
  /** The calibrated tail probability of a score (./calibration). */
  tailProbability(score: number): number;
}

export interface LoadedBundle {
  readonly meta: BundleMeta;
  /** Per signal the model was trained on. */
  readonly scorers: Partial<Record<Signal, BundleScorer>>;
  /** Releases the onnxruntime session; later scores fail. */
  close(): Promise<void>;
}

export interface LoadBundleOptions {
  /** onnxruntime threads inside one operator (default 1, the fastest here). */
  intraOpNumThreads?: number;
}

/** Checks a bundle (readBundleMeta) and opens it in onnxruntime-node; one session for all signals. */
export async function loadBundle(bytes: Uint8Array, opts: LoadBundleOptions = {}): Promise<LoadedBundle> {
  const meta = readBundleMeta(bytes);
  // onnxruntime loads on first use: the control plane can read metadata without the native module.
  const { InferenceSession, Tensor } = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof InferenceSession.create>>;
  try {
    session = await InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: opts.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new AppError('bad_request', `the model file could not be loaded by onnxruntime: ${why}`, { cause: err });
  }
  let closed = false;
  const empty = () => new Tensor('float32', new Float32Array(0), [0, FEATURE_COUNT]);
  const scorerOf = (s: BundleSignalMeta): BundleScorer => ({
    signal: s.signal,
    calibration: s.calibration,
    tailProbability: (score) => tailProbability(s.calibration, score),
    async score(batch, rows) {
      if (closed) throw new AppError('unavailable', `model ${meta.model} is closed`);
      if (!Number.isInteger(rows) || rows < 0 || batch.length !== rows * FEATURE_COUNT) {
        throw new AppError(
          'bad_request',
          `model ${meta.model} ${s.signal}: expected ${rows} rows x ${FEATURE_COUNT} features, ` +
            `got ${batch.length} values`,
        );
      }
      if (rows === 0) return new Float32Array(0);
      // Every input must be fed: the other signals get no rows (each has its own batch dimension).
      const feeds: Record<string, InstanceType<typeof Tensor>> = {};
      for (const o of meta.signals)
        feeds[o.input] = o === s ? new Tensor('float32', batch, [rows, FEATURE_COUNT]) : empty();
      const scores = new Float32Array(rows);
      await session.run(feeds, { [s.output]: new Tensor('float32', scores, [rows, 1]) });
      return scores;
    },
  });
  const scorers: Partial<Record<Signal, BundleScorer>> = {};
  for (const s of meta.signals) scorers[s.signal] = scorerOf(s);
  return {
    meta,
    scorers,
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
