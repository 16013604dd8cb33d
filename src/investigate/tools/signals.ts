/** `service_signals`: a service's golden signals over a window, its objectives and which are breached now. */
import { z } from 'zod';
import { GOLDEN_SIGNALS, type MetricsSource, type Objectives, type Signal } from '../../sources/types';
import type { Tool } from '../types';
import { downsample, iso, minutes, round, serviceInfo, serviceName, until, windowOf } from './common';

/** At most 6 h at the source's step, at most 120 points per signal. */
export const SIGNALS_MAX_MINUTES = 360;
export const SIGNALS_MAX_POINTS = 120;
/** "Now" is the mean of the last 5 minutes. */
const RECENT_MS = 5 * 60_000;

const CHECKS: ReadonlyArray<{ objective: keyof Objectives; signal: Signal }> = [
  { objective: 'latency_p99_ms', signal: 'latency_p99' },
  { objective: 'error_rate', signal: 'error_rate' },
  { objective: 'cpu', signal: 'cpu' },
  { objective: 'memory', signal: 'memory' },
];

const input = z.strictObject({
  service: serviceName.describe('A service of the catalog'),
  minutes: minutes(60, SIGNALS_MAX_MINUTES),
  until,
});

export function serviceSignalsTool(source: MetricsSource): Tool<typeof input> {
  return {
    name: 'service_signals',
    description:
      'Golden signals (latency p50/p99 ms, error rate, request rate, CPU, memory) of one service over a window, ' +
      `at most ${SIGNALS_MAX_MINUTES} minutes and ${SIGNALS_MAX_POINTS} points per signal, with its objectives ` +
      'and which objectives are breached now.',
    input,
    permission: 'read',
    async run(args, ctx) {
      const info = await serviceInfo(source, args.service);
      const { fromMs, toMs } = windowOf(args, ctx.now);
      const all = await Promise.all(
        GOLDEN_SIGNALS.map((signal) =>
          source.query({ service: info.name, signal, startMs: fromMs, endMs: toMs }).catch(() => undefined),
        ),
      );
      const signals: Record<string, unknown> = {};
      const latest: Partial<Record<Signal, number>> = {};
      const missing: Signal[] = [];
      GOLDEN_SIGNALS.forEach((signal, i) => {
        const series = all[i];
        const values = series?.points.filter(([, v]) => Number.isFinite(v)) ?? [];
        if (!series || values.length === 0) return void missing.push(signal);
        const recent = values.filter(([t]) => t > toMs - RECENT_MS).map(([, v]) => v);
        const now = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
        if (Number.isFinite(now)) latest[signal] = now;
        signals[signal] = {
          unit: series.unit,
          latest: round(now),
          min: round(Math.min(...values.map(([, v]) => v))),
          max: round(Math.max(...values.map(([, v]) => v))),
          points: downsample(series.points, SIGNALS_MAX_POINTS),
        };
      });
      const breached = CHECKS.flatMap(({ objective, signal }) => {
        const value = latest[signal];
        const limit = info.objectives[objective];
        return value !== undefined && limit !== undefined && value > limit
          ? [{ objective, signal, value: round(value), limit }]
          : [];
      });
      const summary =
        `${info.name} ${iso(fromMs)}..${iso(toMs)}: ` +
        (breached.length
          ? `breached now: ${breached.map((b) => `${b.signal} ${b.value} > ${b.limit}`).join(', ')}`
          : 'no objective breached now') +
        (missing.length ? `; no data for ${missing.join(', ')}` : '');
      return {
        data: { service: info.name, from: fromMs, to: toMs, objectives: info.objectives, breached, signals, missing },
        summary,
      };
    },
  };
}
