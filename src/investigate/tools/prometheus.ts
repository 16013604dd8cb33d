/**
 * `prometheus_query`: one bounded, read-only PromQL range query against the configured Prometheus
 * (present only when the metrics source is Prometheus). The range, the points per series, the
 * number of series and the query's length are capped.
 */
import { z } from 'zod';
import { PrometheusClient, type PrometheusClientOptions } from '../../sources/prometheus/client';
import type { Tool } from '../types';
import { iso, minutes, round, trimRecord, until, windowOf } from './common';

export const PROMQL_MAX_CHARS = 500;
export const PROMQL_MAX_MINUTES = 360;
export const PROMQL_MAX_POINTS = 500;
export const PROMQL_MAX_SERIES = 10;
const MIN_STEP_S = 15;

const input = z.strictObject({
  query: z.string().trim().min(1).max(PROMQL_MAX_CHARS).describe(`A PromQL expression (≤ ${PROMQL_MAX_CHARS} chars)`),
  minutes: minutes(60, PROMQL_MAX_MINUTES),
  until,
  step_s: z
    .number()
    .int()
    .min(MIN_STEP_S)
    .max(3600)
    .optional()
    .describe(`Resolution in seconds (made coarser to keep ≤ ${PROMQL_MAX_POINTS} points)`),
});

export function prometheusQueryTool(options: PrometheusClientOptions): Tool<typeof input> {
  const client = new PrometheusClient(options);
  return {
    name: 'prometheus_query',
    description:
      `A read-only PromQL range query against Prometheus: at most ${PROMQL_MAX_MINUTES} minutes, ` +
      `${PROMQL_MAX_POINTS} points per series and ${PROMQL_MAX_SERIES} series; aggregate (sum by, topk) to stay under.`,
    input,
    permission: 'read',
    async run(args, ctx) {
      const { fromMs, toMs } = windowOf(args, ctx.now);
      const rangeS = (toMs - fromMs) / 1000;
      const stepS = Math.max(args.step_s ?? MIN_STEP_S, Math.ceil(rangeS / (PROMQL_MAX_POINTS - 1)));
      const result = await client.queryRange({
        promql: args.query,
        startMs: fromMs,
        endMs: toMs,
        stepMs: stepS * 1000,
        what: 'prometheus_query',
      });
      const series = result.series.slice(0, PROMQL_MAX_SERIES).map((s) => ({
        metric: trimRecord(s.metric, 15, 120),
        points: s.values
          .slice(-PROMQL_MAX_POINTS)
          .map(([t, v]) => [Math.round(t * 1000), round(Number(v))] as [number, number])
          .filter(([, v]) => Number.isFinite(v)),
      }));
      const dropped = result.series.length - series.length;
      return {
        data: {
          query: args.query,
          from: fromMs,
          to: toMs,
          step_s: stepS,
          series,
          ...(dropped > 0 ? { series_dropped: dropped } : {}),
          ...(result.warnings.length ? { warnings: result.warnings.slice(0, 5) } : {}),
        },
        summary:
          `${result.series.length} series over ${iso(fromMs)}..${iso(toMs)} at ${stepS}s` +
          (dropped > 0 ? ` (first ${PROMQL_MAX_SERIES} kept)` : ''),
      };
    },
  };
}
