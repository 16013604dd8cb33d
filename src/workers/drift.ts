/**
 * The drift_check job (issue 15 point 7): fetch the service's recent window (24 h by default, a
 * full daily cycle, since services and the demo fleet follow one), compute the features the model
 * uses and its scores exactly as serving does, and compare each distribution with the version's
 * training reference (src/models/drift.ts: PSI over the reference deciles, corrected for the
 * autocorrelation of one-minute points). Opens no database: the model's bytes and reference come
 * in the job; the control plane acts on the result (src/app/drift.ts).
 */
import type { Clock } from '../clock';
import { AppError, UnrecoverableJobError } from '../errors';
import type { DriftCheckJobData, DriftCheckJobResult } from '../jobs/map';
import { loadBundle } from '../models/bundle';
import { compareSignal, DISTRIBUTIONS_PER_SIGNAL, DRIFT_THRESHOLD, type SignalDrift } from '../models/drift';
import { FEATURE_COUNT, FEATURE_NAMES } from '../anomaly/features';
import { parseReference } from '../models/drift-reference';
import { fetchHistory } from '../models/history';
import { featureRows } from '../models/train';
import type { JobContext } from '../queue/types';
import type { MetricsSource, Signal } from '../sources/types';

export const DEFAULT_DRIFT_WINDOW_S = 86_400;
const STEP_MS = 60_000;

export function driftProcessor(source: MetricsSource, clock: Clock, options: { onnxThreads: number }) {
  return async (job: JobContext<DriftCheckJobData>): Promise<DriftCheckJobResult> => {
    try {
      return await check(source, clock, options, job);
    } catch (err) {
      if (err instanceof AppError && ['bad_request', 'not_found', 'job_cancelled'].includes(err.code))
        throw new UnrecoverableJobError(err.userMessage, { cause: err });
      throw err;
    }
  };
}

async function check(
  source: MetricsSource,
  clock: Clock,
  options: { onnxThreads: number },
  job: JobContext<DriftCheckJobData>,
): Promise<DriftCheckJobResult> {
  const { model, service } = job.data;
  const windowS = job.data.windowS ?? DEFAULT_DRIFT_WINDOW_S;
  if (!model?.onnxBase64 || typeof service !== 'string')
    throw new AppError('bad_request', 'drift_check needs a model (with its bytes) and a service');
  if (!Number.isInteger(windowS) || windowS < 3600 || windowS > 30 * 86_400)
    throw new AppError('bad_request', `drift_check windowS must be 3600..2592000 seconds, got ${String(windowS)}`);
  const toMs = Math.floor((job.data.toMs ?? clock()) / STEP_MS) * STEP_MS;
  const base = { model: model.name, version: model.version, service, fromMs: toMs - windowS * 1000, toMs };
  const none = { score: 0, threshold: DRIFT_THRESHOLD, drifted: false, signals: [], missing: [] };
  const reference = parseReference(job.data.reference);
  if (!reference) {
    const reason = `${model.name} v${model.version} was trained before drift references were kept; retrain it to check`;
    return { ...base, ...none, checked: false, reason };
  }
  const bundle = await loadBundle(Buffer.from(model.onnxBase64, 'base64'), { intraOpNumThreads: options.onnxThreads });
  try {
    const window = bundle.meta.params.window;
    // The window's first feature row needs `window - 1` earlier points.
    const history = await fetchHistory(
      source,
      { service, windowS: windowS + (window - 1) * (STEP_MS / 1000), toMs, stepMs: STEP_MS },
      job.signal,
    );
    const units = new Map(history.signals.map((h) => [h.signal, h.unit]));
    const tests = reference.signals.length * DISTRIBUTIONS_PER_SIGNAL;
    const signals: SignalDrift[] = [];
    const missing: Signal[] = [];
    for (const ref of reference.signals) {
      if (job.signal.aborted) throw new AppError('job_cancelled', 'drift check cancelled');
      const h = history.signals.find((x) => x.signal === ref.signal);
      const scorer = bundle.scorers[ref.signal];
      if (!h || !scorer || h.points < window) {
        missing.push(ref.signal);
        continue;
      }
      const m = featureRows(h.values, { window });
      const scores = await scorer.score(Float32Array.from(m.data), m.rows);
      const features: Record<string, Float64Array> = {};
      FEATURE_NAMES.forEach((name, j) => {
        const col = new Float64Array(m.rows);
        for (let i = 0; i < m.rows; i++) col[i] = m.data[i * FEATURE_COUNT + j];
        features[name] = col;
      });
      const values = h.values.subarray(window - 1);
      const unit = units.get(ref.signal) ?? '';
      signals.push(compareSignal(ref.signal, unit, ref, { values, features, scores }, tests));
    }
    const score = Math.max(0, ...signals.map((s) => s.score));
    return { ...base, ...none, checked: true, score, drifted: signals.some((s) => s.drifted), signals, missing };
  } finally {
    await bundle.close();
  }
}
