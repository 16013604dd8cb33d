/**
 * A trained version into the registry, evaluated beside the champion (issue 15, points 2 and 3):
 * what the control plane's registrar (src/app/models.ts) does for a finished train_model job, and
 * what `smartcloudops model train` does in-process (trainAndRegister).
 */
import { systemClock, type Clock } from '../clock';
import { AppError, asAppError } from '../errors';
import type { Logger } from '../log/logger';
import type { MetricsSource } from '../sources/types';
import { buildBundle } from './bundle';
import { evaluateVersion, type FeedbackPeriod } from './evaluate';
import { fetchHistory } from './history';
import type { ModelRegistry } from './registry';
import { defaultModelName } from './registry-names';
import type { JsonObject, ModelVersion } from './registry-types';
import {
  referenceOf,
  resolveParams,
  trainModel,
  type ModelParams,
  type TrainedModel,
  type TrainProgress,
} from './train';
import { codeVersion } from './version';

/** 👍/👎 feedback (src/models/feedback.ts): its labels on the service over the training window feed the evaluation. */
export interface FeedbackLabels {
  labels(service: string, fromMs: number, toMs: number): FeedbackPeriod[];
}

/** The incidents the store knows for a service over a span (src/incidents/periods.ts): periods to catch. */
export type IncidentPeriods = (
  service: string,
  fromMs: number,
  toMs: number,
) => Array<{ fromMs: number; toMs: number }>;

/**
 * Scores a just-registered version and its model's champion on the same data and stores the
 * scorecard as its metrics; an evaluation that fails is stored as `{evaluation_error}`, never thrown.
 */
export async function evaluateAndRecord(
  deps: {
    registry: ModelRegistry;
    source: MetricsSource;
    log?: Logger;
    clock?: Clock;
    feedback?: FeedbackLabels;
    incidents?: IncidentPeriods;
  },
  version: ModelVersion,
  service: string,
  onnx: Uint8Array,
): Promise<ModelVersion> {
  const { registry, source, log } = deps;
  const championV = registry.resolve(version.name, 'champion');
  const champion = championV
    ? { version: championV, onnx: await registry.onnx(championV.name, championV.version) }
    : null;
  let metrics: JsonObject;
  try {
    const { fromMs, toMs } = version.window;
    const feedback = deps.feedback?.labels(service, fromMs, toMs) ?? [];
    const incidents = (deps.incidents?.(service, fromMs, toMs) ?? []).map((p) => ({ ...p, label: 'real' as const }));
    metrics = await evaluateVersion(source, { version, service, onnx }, champion, feedback, incidents);
  } catch (err) {
    const e = asAppError(err);
    log?.warn('model evaluation failed', { model: version.name, version: version.version, err: e });
    metrics = { evaluation_error: e.userMessage };
  }
  const evaluated = registry.setMetrics(version.name, version.version, metrics);
  makeChallenger(registry, evaluated, championV?.version ?? null, { log, at: (deps.clock ?? systemClock)() });
  return evaluated;
}

/** Who moves the challenger alias: shadow scoring pages nobody, so it needs no approval. */
export const SHADOW_BY = 'system:smartcloudops';

/**
 * An evaluated version becomes its model's challenger (it scores in shadow beside the champion),
 * unless its evaluation failed or there is no champion to shadow (it waits to be promoted).
 * Compare-and-set against the challenger read just before, so a concurrent move is never undone.
 */
function makeChallenger(
  registry: ModelRegistry,
  v: ModelVersion,
  champion: number | null,
  { log, at }: { log?: Logger; at: number },
): void {
  if (champion === null || v.metrics?.evaluation_error !== undefined) return;
  const expected = registry.aliasesOf(v.name).challenger;
  try {
    const move = registry.setAlias(v.name, 'challenger', v.version, { expected, by: SHADOW_BY, at });
    if (move) log?.info('model challenger set', { model: v.name, version: v.version, previous: move.previous });
  } catch (err) {
    log?.warn('model challenger not set', { model: v.name, version: v.version, err: asAppError(err) });
  }
}

export interface TrainRequest {
  service: string;
  /** Default `<service>-detector`. */
  model?: string;
  /** Default 7 days (src/models/history.ts bounds). */
  windowS?: number;
  params?: Partial<ModelParams>;
  seed?: number;
  /** The person the version is recorded as created by. */
  createdBy: string;
}

/**
 * Trains in this process (what the train_model job does, without the queue), registers the
 * version and evaluates it beside the champion. Bad params, an unknown service or a bad window
 * throw AppError('bad_request' | 'not_found') before anything is registered.
 */
export async function trainAndRegister(
  deps: { registry: ModelRegistry; source: MetricsSource; clock: Clock; log?: Logger },
  req: TrainRequest,
  onProgress?: (p: TrainProgress) => void | Promise<void>,
): Promise<{ version: ModelVersion; trained: TrainedModel }> {
  const { params, seed } = resolveParams(req.params, req.seed);
  const catalog = (await deps.source.services()).map((s) => s.name);
  if (!catalog.includes(req.service))
    throw new AppError('not_found', `unknown service “${req.service}”; known: ${catalog.join(', ')}`);
  const model = req.model ?? defaultModelName(req.service);
  const history = await fetchHistory(deps.source, { service: req.service, windowS: req.windowS, toMs: deps.clock() });
  const trained = await trainModel(history, { params, seed, ...(onProgress ? { onProgress } : {}) });
  const onnx = buildBundle(trained, { model });
  const registered = await deps.registry.register({
    service: req.service,
    name: model,
    params: { ...trained.params },
    seed: trained.seed,
    window: { fromMs: trained.window.fromMs, toMs: trained.window.toMs },
    dataSha256: trained.dataSha256,
    codeVersion: codeVersion(),
    createdBy: req.createdBy,
    onnx,
    reference: referenceOf(trained) as unknown as JsonObject,
  });
  return { version: await evaluateAndRecord(deps, registered, req.service, onnx), trained };
}
