import { ALERT_THRESHOLD } from '../anomaly/detector';
import { signalsFor } from '../anomaly/metric-words';
import type { AnomalySegment } from '../anomaly/explain';
import { historyStart, scoreWindow, windowStep } from '../anomaly/window';
import type { Clock } from '../clock';
import { AppError, UnrecoverableJobError } from '../errors';
import type { JobContext } from '../queue/types';
import { GOLDEN_SIGNALS, type MetricsSource, type Series } from '../sources/types';
import type { AnomaliesJobData, AnomaliesJobResult, SeriesFinding, ShadowFinding } from '../jobs/map';
import { loadBundle, type LoadedBundle } from '../models/bundle';
import {
  createBundleCache,
  createPretrainedChannel,
  fallbackReason,
  type BundleCache,
  type ServedModel,
} from '../models/serving';
import { compactFinding, shadowModel, shadowResult } from './shadow';

/** A point is anomalous at or above this combined score. */
export const ANOMALY_THRESHOLD = ALERT_THRESHOLD;
export { historyStart };
const MAX_CHARTS = 3;

/** What the processor counts, in whichever process scores (serve or worker). */
export interface AnomalyCounters {
  pointsScored: { inc(n: number): void };
  anomaliesDetected: { inc(labels: { service: string }, n: number): void };
}

/** Scores each requested series over a fixed history, explains its window and charts the anomalous ones. */
export function anomaliesProcessor(
  source: MetricsSource,
  clock: Clock,
  options: { onnxThreads: number; counters?: AnomalyCounters; bundles?: BundleCache },
) {
  // Champion bundles, loaded once per sha256 in this process.
  const load = (bytes: Uint8Array) => loadBundle(bytes, { intraOpNumThreads: options.onnxThreads });
  const bundles = options.bundles ?? createBundleCache(load);
  return async (job: JobContext<AnomaliesJobData>): Promise<AnomaliesJobResult> => {
    const atMs = job.data.atMs ?? clock();
    const { windowS } = job.data;
    if (!Number.isInteger(windowS) || windowS <= 0)
      throw new UnrecoverableJobError(`windowS must be a positive whole number of seconds, got ${String(windowS)}`);
    const signals = signalsFor(job.data.metric);
    if (signals.length === 0)
      throw new UnrecoverableJobError(
        `I don't know the metric “${job.data.metric ?? ''}”; try one of ${GOLDEN_SIGNALS.join(', ')} ` +
          '(or words like p99 latency, error rate, traffic, cpu, memory)',
      );
    const catalog = (await source.services()).map((s) => s.name);
    const services = job.data.service ? [job.data.service] : catalog;
    const unknown = services.find((s) => !catalog.includes(s));
    if (unknown) throw new UnrecoverableJobError(`unknown service “${unknown}”; known: ${catalog.join(', ')}`);

    // One step for history and window alike, so the detector sees one consistent series.
    const stepMs = windowStep(windowS);
    const windowStartMs = atMs - windowS * 1000;
    const historyStartMs = historyStart(atMs, stepMs);
    const { bundle, served } = await servedModel(job.data, bundles);
    // The challenger, when the job carries one, scores the same series in shadow.
    const shadow = await shadowModel(job.data, bundles, job.log);
    const shadowFindings: ShadowFinding[] = [];
    const findings: SeriesFinding[] = [];
    const missing: string[] = [];
    const total = services.length * signals.length;
    for (const service of services) {
      for (const sig of signals) {
        if (job.signal.aborted) throw new UnrecoverableJobError('cancelled');
        const series = await source
          .query({ service, signal: sig, startMs: Math.min(historyStartMs, windowStartMs), endMs: atMs, stepMs })
          .catch((err: unknown) => {
            // No data is not a passing fault: retrying will not bring it. Among several series it is
            // named in the reply (a CSV folder may hold only some signals); alone it is the answer.
            if (!(err instanceof AppError && err.code === 'not_found')) throw err;
            if (total === 1) throw new UnrecoverableJobError(err.userMessage, { cause: err });
            return undefined;
          });
        if (series) {
          const finding = await score(series, windowStartMs, options.onnxThreads, bundle);
          options.counters?.pointsScored.inc(series.points.length);
          if (finding.segments.length) options.counters?.anomaliesDetected.inc({ service }, finding.segments.length);
          findings.push(finding);
          if (shadow && 'bundle' in shadow)
            shadowFindings.push(compactFinding(await score(series, windowStartMs, options.onnxThreads, shadow.bundle)));
        } else {
          missing.push(`${service} ${sig}`);
        }
        await job.progress({
          percent: Math.round(((findings.length + missing.length) / total) * 100),
          message: `scored ${service} ${sig}`,
        });
      }
    }
    if (!findings.length) throw new UnrecoverableJobError(`no data for ${missing.join(', ')}`);
    const charted = findings
      .filter((f) => f.anomalous)
      .sort((a, b) => b.maxScore - a.maxScore)
      .slice(0, MAX_CHARTS);
    for (const f of charted) f.chartPng = (await chart(f)).toString('base64');
    const shadowed = shadowResult(shadow, shadowFindings);
    return {
      atMs,
      windowS,
      threshold: ANOMALY_THRESHOLD,
      findings,
      ...(missing.length ? { missing } : {}),
      ...(served ? { model: withBuiltIn(served, bundle, findings) } : {}),
      ...(shadowed ? { shadow: shadowed } : {}),
    };
  };
}

/**
 * The champion the job carries, loaded (or from this process's cache), and what the result says
 * about it; a bundle that does not load leaves the built-in detector, and the result says why.
 */
/** The signals scored that the model was not trained on (the built-in learned channel scored them). */
function withBuiltIn(served: ServedModel, bundle: LoadedBundle | undefined, findings: SeriesFinding[]): ServedModel {
  if (!bundle || 'fallback' in served) return served;
  const builtIn = [...new Set(findings.map((f) => f.signal).filter((s) => !bundle.scorers[s]))];
  return builtIn.length ? { ...served, builtIn } : served;
}

async function servedModel(
  data: AnomaliesJobData,
  bundles: BundleCache,
): Promise<{ bundle?: LoadedBundle; served?: ServedModel }> {
  if (data.modelFallback) return { served: { fallback: data.modelFallback } };
  const ref = data.model;
  if (!ref) return {};
  try {
    const bundle = await bundles.get(ref);
    return { bundle, served: { name: ref.name, version: ref.version } };
  } catch (err) {
    const why = (err instanceof AppError ? err.userMessage : (err as Error).message).replace(/^the model file /, '');
    return { served: { fallback: fallbackReason(ref.name, ref.version, `could not be loaded: ${why}`) } };
  }
}

async function score(
  series: Series,
  windowStartMs: number,
  onnxThreads: number,
  bundle: LoadedBundle | undefined,
): Promise<SeriesFinding> {
  // The champion's scorer for the signals it was trained on; the built-in learned channel for the rest.
  const scorer = bundle?.scorers[series.signal];
  const learned = scorer ? createPretrainedChannel(scorer, { window: bundle?.meta.params.window ?? 0 }) : undefined;
  let explained;
  try {
    explained = await scoreWindow(series, windowStartMs, { onnxThreads, ...(learned ? { learned } : {}) });
  } finally {
    await learned?.close();
  }
  const worst = explained.segments.reduce<AnomalySegment | undefined>(
    (w, s) => (!w || s.maxScore > w.maxScore ? s : w),
    undefined,
  );
  const last = explained.points[explained.points.length - 1];
  return {
    service: series.service,
    signal: series.signal,
    unit: series.unit,
    anomalous: explained.segments.length > 0,
    ...explained,
    ...(explained.segments.length ? { sinceMs: explained.segments[0].startMs } : {}),
    ...(worst?.detector ? { detector: worst.detector } : {}),
    ...(worst?.reason ? { reason: worst.reason } : {}),
    latest: last?.[1] ?? NaN,
  };
}

async function chart(f: SeriesFinding): Promise<Buffer> {
  // Loaded on first use: vega and resvg cost ~30 MB that an idle process should not carry.
  const { renderAnomalyChart, findingChartInput } = await import('../charts/anomaly-chart.js');
  return renderAnomalyChart(findingChartInput(f));
}
