/**
 * The monitor's scan (issue 17 point 1): every signal of every service, read up to the slot's time,
 * scored by the service's champion (its learned channel beside the detector's statistical ones) or by
 * the built-in detector, and judged against its objective and its band (./monitor-judge.ts). Opens no
 * database: the champions' bytes come in the job, and the control plane acts on the findings
 * (src/app/monitor.ts).
 *
 * Each process keeps a stream per series (src/anomaly/stream-cache.ts), so a scan feeds the detector
 * only the minutes since the last one; the streams start on a fixed daily grid, so the findings are the
 * same whichever worker ran the scan. The built-in detector here is the statistical ensemble without the
 * per-series forest the `anomalies` job trains: on the demo schedule, two fault files and quiet days it
 * changed no finding, and it costs three times the CPU and an onnxruntime session per series.
 */
import { performance } from 'node:perf_hooks';
import { createStreamCache, type StreamCache } from '../anomaly/stream-cache';
import type { Clock } from '../clock';
import { AppError, UnrecoverableJobError } from '../errors';
import type { MonitorFinding, MonitorScanJobData, MonitorScanJobResult, MonitorServiceScan } from '../jobs/map';
import { loadBundle, type LoadedBundle } from '../models/bundle';
import {
  createBundleCache,
  createPretrainedChannel,
  fallbackReason,
  type BundleCache,
  type ModelRef,
  type ServedModel,
} from '../models/serving';
import type { JobContext } from '../queue/types';
import { GOLDEN_SIGNALS, type MetricsSource, type ServiceInfo, type Signal } from '../sources/types';
import { judgeSignal, objectiveOf } from './monitor-judge';

/** The monitor reads every signal at a minute's step. */
export const MONITOR_STEP_MS = 60_000;
/** A signal is judged on the last interval, and never on fewer than this many minutes. */
export const MIN_WINDOW_MS = 5 * MONITOR_STEP_MS;
/** Champions' bundles a process keeps for the monitor (one per service that has one). */
const BUNDLES = 256;

export interface MonitorProcessorOptions {
  onnxThreads: number;
  /** The process's streams (tests and the bench pass their own). */
  streams?: StreamCache;
  bundles?: BundleCache;
}

export function monitorProcessor(source: MetricsSource, _clock: Clock, options: MonitorProcessorOptions) {
  const load = (bytes: Uint8Array) => loadBundle(bytes, { intraOpNumThreads: options.onnxThreads });
  const bundles = options.bundles ?? createBundleCache(load, { max: BUNDLES });
  const streams = options.streams ?? createStreamCache();
  return async (job: JobContext<MonitorScanJobData>): Promise<MonitorScanJobResult> => {
    const started = performance.now();
    const { atMs, intervalMs } = job.data;
    if (!Number.isFinite(atMs) || !Number.isInteger(intervalMs) || intervalMs <= 0)
      throw new UnrecoverableJobError(
        'monitor_scan needs atMs (ms) and intervalMs (a positive whole number), ' +
          `got ${String(atMs)} and ${String(intervalMs)}`,
      );
    const windowMs = Math.max(intervalMs, MIN_WINDOW_MS);
    const services: MonitorServiceScan[] = [];
    let pointsScored = 0;
    for (const service of await source.services()) {
      if (job.signal.aborted) throw new UnrecoverableJobError('cancelled');
      const { bundle, served, sha256 } = await servedModel(job.data, service.name, bundles);
      const scan = await scanService({ source, streams, service, bundle, sha256, atMs, windowMs });
      pointsScored += scan.points;
      services.push({
        service: service.name,
        findings: scan.findings,
        ...(scan.missing.length ? { missing: scan.missing } : {}),
        ...(served ? { model: withBuiltIn(served, bundle) } : {}),
      });
    }
    return { atMs, intervalMs, services, pointsScored, durationMs: Math.round(performance.now() - started) };
  };
}

interface ServiceScanInput {
  source: MetricsSource;
  streams: StreamCache;
  service: ServiceInfo;
  bundle: LoadedBundle | undefined;
  /** The champion's sha256: its streams are its own. */
  sha256: string | undefined;
  atMs: number;
  windowMs: number;
}

/** One service's signals: each fed to its stream and judged. */
async function scanService(input: ServiceScanInput) {
  const { source, streams, service, bundle, sha256, atMs, windowMs } = input;
  const findings: MonitorFinding[] = [];
  const missing: Signal[] = [];
  let points = 0;
  for (const signal of GOLDEN_SIGNALS) {
    const scorer = bundle?.scorers[signal];
    const window = bundle?.meta.params.window ?? 0;
    const scored = await streams
      .scored({
        key: `${service.name}/${signal}/${MONITOR_STEP_MS}/${scorer && sha256 ? sha256 : 'built-in'}`,
        atMs,
        stepMs: MONITOR_STEP_MS,
        read: (startMs, endMs) =>
          source.query({ service: service.name, signal, startMs, endMs, stepMs: MONITOR_STEP_MS }),
        ...(scorer ? { learned: () => createPretrainedChannel(scorer, { window }) } : {}),
      })
      .catch((err: unknown) => {
        // A series the source does not have is missing, not a passing fault: retrying will not bring it.
        if (err instanceof AppError && err.code === 'not_found') return undefined;
        throw err;
      });
    points += scored?.fed ?? 0;
    if (!scored || !scored.points.some(([t]) => t > atMs - windowMs)) {
      missing.push(signal);
      continue;
    }
    const limit = objectiveOf(signal, service.objectives);
    const finding = judgeSignal({
      signal,
      unit: scored.unit,
      points: scored.points,
      detections: scored.detections,
      atMs,
      windowMs,
      ...(limit !== undefined ? { limit } : {}),
    });
    if (finding) findings.push(finding);
  }
  return { findings, missing, points };
}

/** The service's champion from the job, loaded (or from this process's cache), or why the built-in detector scores. */
async function servedModel(
  data: MonitorScanJobData,
  service: string,
  bundles: BundleCache,
): Promise<{ bundle?: LoadedBundle; served?: ServedModel; sha256?: string }> {
  const fallback = data.modelFallbacks?.[service];
  if (fallback) return { served: { fallback } };
  const ref: ModelRef | undefined = data.models?.[service];
  if (!ref) return {};
  try {
    return { bundle: await bundles.get(ref), served: { name: ref.name, version: ref.version }, sha256: ref.sha256 };
  } catch (err) {
    const why = (err instanceof AppError ? err.userMessage : (err as Error).message).replace(/^the model file /, '');
    return { served: { fallback: fallbackReason(ref.name, ref.version, `could not be loaded: ${why}`) } };
  }
}

/** The signals the champion was not trained on (the built-in detector judged them alone). */
function withBuiltIn(served: ServedModel, bundle: LoadedBundle | undefined): ServedModel {
  if (!bundle || 'fallback' in served) return served;
  const builtIn = GOLDEN_SIGNALS.filter((s) => !bundle.scorers[s]);
  return builtIn.length ? { ...served, builtIn } : served;
}
