/**
 * Trains a service's detector model from its checked history: per golden signal, the window
 * features of src/anomaly/features.ts over every point of the history, an isolation forest
 * (src/anomaly/iforest) on those rows and the calibration of its scores (./calibration).
 * Deterministic: the same history, params and seed give the same forests, bit for bit.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { FEATURE_COUNT, FEATURE_NAMES, seriesFeatures } from '../anomaly/features';
import { scoreBatch, trainIsolationForest, type IsolationForest } from '../anomaly/iforest';
import { DEFAULT_LEARNED_OPTIONS } from '../anomaly/learned';
import { AppError } from '../errors';
import type { Signal } from '../sources/types';
import { calibrate, type ScoreCalibration } from './calibration';
import {
  REFERENCE_BINS,
  REFERENCE_FORMAT,
  signalReference,
  type ModelReference,
  type SignalReference,
} from './drift-reference';
import { checkHistory, historySha256, type History, type HistoryWindow } from './history';

export interface ModelParams {
  trees: number;
  /** ψ: rows per tree. */
  sampleSize: number;
  /** Points per feature window. */
  window: number;
}

export const DEFAULT_MODEL_PARAMS: Readonly<ModelParams> = Object.freeze({
  trees: DEFAULT_LEARNED_OPTIONS.trees,
  sampleSize: DEFAULT_LEARNED_OPTIONS.sampleSize,
  window: DEFAULT_LEARNED_OPTIONS.window,
});
export const DEFAULT_MODEL_SEED = DEFAULT_LEARNED_OPTIONS.seed;

/** Feature rows a signal needs at least (each row is a full window of points). */
export const MIN_TRAINING_ROWS = 256;

/** Bounds of each parameter, inclusive (REST validates with them too). */
export const MODEL_PARAM_LIMITS: Readonly<Record<keyof ModelParams, readonly [number, number]>> = Object.freeze({
  trees: [1, 1000],
  sampleSize: [16, 4096],
  window: [8, 1024],
});
const LIMITS = MODEL_PARAM_LIMITS;
export const MAX_MODEL_SEED = 0xffffffff;

/** Defaults filled in and every value checked; throws AppError('bad_request') naming the bad one. */
export function resolveParams(params: Partial<ModelParams> = {}, seed?: number): { params: ModelParams; seed: number } {
  const known = Object.keys(LIMITS);
  const extra = Object.keys(params).find((k) => !known.includes(k));
  if (extra) throw new AppError('bad_request', `unknown model parameter “${extra}”; known: ${known.join(', ')}`);
  const out = { ...DEFAULT_MODEL_PARAMS, ...params };
  for (const [key, [min, max]] of Object.entries(LIMITS) as Array<[keyof ModelParams, readonly [number, number]]>) {
    const v = out[key];
    if (!Number.isInteger(v) || v < min || v > max)
      throw new AppError('bad_request', `model parameter ${key} must be a whole number in ${min}..${max}, got ${v}`);
  }
  const s = seed ?? DEFAULT_MODEL_SEED;
  if (!Number.isInteger(s) || s < 0 || s > MAX_MODEL_SEED)
    throw new AppError('bad_request', `the seed must be a whole number in 0..4294967295, got ${s}`);
  return { params: { trees: out.trees, sampleSize: out.sampleSize, window: out.window }, seed: s };
}

/** Points a signal needs so that it gives MIN_TRAINING_ROWS feature rows. */
export function minPointsFor(params: ModelParams): number {
  return params.window - 1 + MIN_TRAINING_ROWS;
}

export interface SignalModel {
  signal: Signal;
  forest: IsolationForest;
  calibration: ScoreCalibration;
  /** The training distributions the drift check compares with (./drift-reference). */
  reference: SignalReference;
  /** Points of history with data, and the feature rows the forest was trained on. */
  points: number;
  rows: number;
}

export interface TrainedModel {
  service: string;
  params: ModelParams;
  seed: number;
  window: HistoryWindow;
  dataSha256: string;
  featureNames: readonly string[];
  signals: SignalModel[];
  /** Wall time of feature building, training and calibration (not part of the model's bytes). */
  trainingSeconds: number;
}

export interface TrainProgress {
  /** 0..100 of the training itself. */
  percent: number;
  message: string;
}

export interface TrainOptions {
  params: ModelParams;
  seed: number;
  onProgress?: (p: TrainProgress) => void | Promise<void>;
  /** Checked between signals; an aborted training throws AppError('job_cancelled'). */
  signal?: AbortSignal;
}

/** Checks the history (checkHistory with the params' minimum) and trains one forest per signal. */
export async function trainModel(history: History, opts: TrainOptions): Promise<TrainedModel> {
  const { params, seed } = resolveParams(opts.params, opts.seed);
  checkHistory(history, { minPoints: minPointsFor(params) });
  const started = process.hrtime.bigint();
  const dataSha256 = historySha256(history);
  const signals: SignalModel[] = [];
  for (const [i, h] of history.signals.entries()) {
    if (opts.signal?.aborted) throw new AppError('job_cancelled', 'training cancelled');
    await opts.onProgress?.({
      percent: Math.round((i / history.signals.length) * 100),
      message: `training ${history.service} ${h.signal} (${h.points} points)`,
    });
    signals.push(trainSignal(h.signal, h.values, h.points, params, seed));
    await yieldToLoop(); // let progress writes, cancellation and other jobs through between signals
  }
  const trainingSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await opts.onProgress?.({ percent: 100, message: `trained ${signals.length} signal(s) of ${history.service}` });
  return {
    service: history.service,
    params,
    seed,
    window: { ...history.window },
    dataSha256,
    featureNames: [...FEATURE_NAMES],
    signals,
    trainingSeconds,
  };
}

function trainSignal(
  signal: Signal,
  values: Float64Array,
  points: number,
  params: ModelParams,
  seed: number,
): SignalModel {
  // NaN steps are skipped by the feature window, as the detector skips them when scoring.
  const m = seriesFeatures(values, { size: params.window });
  const forest = trainIsolationForest(m, {
    trees: params.trees,
    sampleSize: params.sampleSize,
    seed,
    featureNames: FEATURE_NAMES,
  });
  const scores = scoreBatch(forest, m.data, m.rows);
  const calibration = calibrate(scores);
  const reference = signalReference(signal, values, m, scores);
  return { signal, forest, calibration, reference, points, rows: m.rows };
}

/** The model's training reference, for the version record (the drift check's baseline). */
export function referenceOf(trained: TrainedModel): ModelReference {
  return { format: REFERENCE_FORMAT, bins: REFERENCE_BINS, signals: trained.signals.map((s) => s.reference) };
}

/** Feature rows of a series as the model scores them (row i is point i + window - 1 of the finite points). */
export function featureRows(values: ArrayLike<number>, params: Pick<ModelParams, 'window'>) {
  const m = seriesFeatures(values, { size: params.window });
  return { data: m.data, rows: m.rows, cols: FEATURE_COUNT };
}
