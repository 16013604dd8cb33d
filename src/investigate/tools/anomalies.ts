/**
 * `service_anomalies`: the anomalies of a service's signals in a window, scored the way the
 * `detect_anomalies` job scores them (src/anomaly/window.ts: the same history grid, detector and
 * segments, with the built-in learned channel), with each signal's onset: when its first
 * anomalous segment in the window started, so an investigation can tell which started first.
 */
import { z } from 'zod';
import { ALERT_THRESHOLD } from '../../anomaly/detector';
import { historyStart, scoreWindow, windowStep } from '../../anomaly/window';
import { AppError } from '../../errors';
import { GOLDEN_SIGNALS, type MetricsSource, type Signal } from '../../sources/types';
import type { Tool } from '../types';
import { iso, minutes, round, serviceInfo, serviceName, until, windowOf } from './common';

export const ANOMALIES_MAX_MINUTES = 360;
/** Segments per signal, the latest kept. */
export const ANOMALIES_MAX_SEGMENTS = 5;

const input = z.strictObject({
  service: serviceName.describe('A service of the catalog'),
  minutes: minutes(120, ANOMALIES_MAX_MINUTES),
  until,
  signals: z
    .array(z.enum(GOLDEN_SIGNALS))
    .min(1)
    .max(GOLDEN_SIGNALS.length)
    .optional()
    .describe(`Signals to score (default all: ${GOLDEN_SIGNALS.join(', ')})`),
});

export interface SignalAnomalies {
  signal: Signal;
  anomalous: boolean;
  /** Start of the first anomalous segment in the window (ms), possibly before the window. */
  onset: number | null;
  ongoing: boolean;
  max_score: number;
  segments: Array<{
    start: number;
    end: number;
    started_before: boolean;
    ongoing: boolean;
    direction: 'above' | 'below' | 'within';
    peak: number;
    expected_high: number;
    score: number;
  }>;
}

export function serviceAnomaliesTool(
  source: MetricsSource,
  options: { onnxThreads?: number } = {},
): Tool<typeof input> {
  return {
    name: 'service_anomalies',
    description:
      "Anomaly detection over one service's golden signals in a window (at most " +
      `${ANOMALIES_MAX_MINUTES} minutes): per signal whether it is anomalous, its onset (when the anomaly ` +
      'started) and its anomalous segments; `first` lists the anomalous signals by onset.',
    input,
    permission: 'read',
    async run(args, ctx) {
      const info = await serviceInfo(source, args.service);
      const { fromMs, toMs } = windowOf(args, ctx.now);
      const stepMs = windowStep(args.minutes * 60);
      const startMs = historyStart(toMs, stepMs);
      const results: SignalAnomalies[] = [];
      const missing: Signal[] = [];
      for (const signal of args.signals ?? GOLDEN_SIGNALS) {
        if (ctx.signal?.aborted) throw new AppError('job_cancelled', 'service_anomalies was cancelled.');
        const series = await source
          .query({ service: info.name, signal, startMs, endMs: toMs, stepMs })
          .catch((err: unknown) => {
            if (err instanceof AppError && err.code === 'not_found') return undefined;
            throw err;
          });
        if (!series || series.points.length === 0) {
          missing.push(signal);
          continue;
        }
        const explained = await scoreWindow(series, fromMs, { onnxThreads: options.onnxThreads });
        const segments = explained.segments.slice(-ANOMALIES_MAX_SEGMENTS).map((s) => ({
          start: s.startMs,
          end: s.endMs,
          started_before: s.startedBefore,
          ongoing: s.ongoing,
          direction: s.direction,
          peak: round(s.peak.value),
          expected_high: round(s.peak.high),
          score: round(s.maxScore),
        }));
        const first = explained.segments[0];
        results.push({
          signal,
          anomalous: explained.segments.length > 0,
          onset: first?.startMs ?? null,
          ongoing: explained.segments.some((s) => s.ongoing),
          max_score: round(explained.maxScore),
          segments,
        });
      }
      const first = results
        .filter((r) => r.onset !== null)
        .sort((a, b) => (a.onset as number) - (b.onset as number))
        .map((r) => ({ signal: r.signal, onset: r.onset as number }));
      const summary =
        `${info.name} ${iso(fromMs)}..${iso(toMs)}: ` +
        (first.length
          ? `anomalous ${first.map((f) => `${f.signal} since ${iso(f.onset)}`).join(', ')}`
          : 'no anomaly') +
        (missing.length ? `; no data for ${missing.join(', ')}` : '');
      return {
        data: {
          service: info.name,
          from: fromMs,
          to: toMs,
          step_ms: stepMs,
          threshold: ALERT_THRESHOLD,
          first,
          signals: results,
          missing,
        },
        summary,
      };
    },
  };
}
