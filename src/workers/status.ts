import { UnrecoverableJobError } from '../errors';
import type { Clock } from '../clock';
import type { JobContext } from '../queue/types';
import {
  GOLDEN_SIGNALS,
  type MetricsSource,
  type Objectives,
  type Series,
  type ServiceInfo,
  type Signal,
} from '../sources/types';
import { BURN_HISTORY_S, burnRates } from '../slo/burn-rate';
import type { ServiceStatus, StatusJobData, StatusJobResult } from '../jobs/map';

const RECENT_MS = 5 * 60_000;

/** Checked signals: which objective bounds them, and how to say it. */
const CHECKS: Array<{
  signal: Signal;
  objective: Exclude<keyof Objectives, 'availability'>;
  describe: (v: number, limit: number) => string;
}> = [
  {
    signal: 'latency_p99',
    objective: 'latency_p99_ms',
    describe: (v, l) => `p99 latency ${Math.round(v)} ms > ${l} ms`,
  },
  { signal: 'error_rate', objective: 'error_rate', describe: (v, l) => `error rate ${pct(v)} > ${pct(l)}` },
  { signal: 'cpu', objective: 'cpu', describe: (v, l) => `CPU ${pct(v)} > ${pct(l)}` },
  { signal: 'memory', objective: 'memory', describe: (v, l) => `memory ${pct(v)} > ${pct(l)}` },
];

function pct(v: number): string {
  return `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
}

/** Reads each service's golden signals over the window and flags the ones outside their objectives. */
export function statusProcessor(source: MetricsSource, clock: Clock) {
  return async (job: JobContext<StatusJobData>): Promise<StatusJobResult> =>
    evaluateStatus(
      source,
      { ...job.data, atMs: job.data.atMs ?? clock() },
      {
        signal: job.signal,
        onChecked: (name, done, total) =>
          job.progress({ percent: Math.round((done / total) * 100), message: `checked ${name}` }),
      },
    );
}

/**
 * The status of one service or all of them at `atMs`: what the `status` job computes, and what
 * `GET /api/v1/status` answers at once. Bad input is an UnrecoverableJobError.
 */
export async function evaluateStatus(
  source: MetricsSource,
  data: StatusJobData & { atMs: number },
  options: {
    signal?: AbortSignal;
    onChecked?: (service: string, done: number, total: number) => Promise<void> | void;
    /** Each service's golden-signal series over the window, as read (the dashboard's sparklines). */
    onSeries?: (service: string, series: Series[]) => void;
  } = {},
): Promise<StatusJobResult> {
  const { atMs, windowS } = data;
  if (!Number.isInteger(windowS) || windowS <= 0)
    throw new UnrecoverableJobError(`windowS must be a positive whole number of seconds, got ${String(windowS)}`);
  const catalog = await source.services();
  const selected = data.service ? catalog.filter((s) => s.name === data.service) : catalog;
  if (selected.length === 0) {
    throw new UnrecoverableJobError(
      `unknown service "${data.service ?? ''}"; known: ${catalog.map((s) => s.name).join(', ')}`,
    );
  }
  const services: ServiceStatus[] = [];
  for (const [i, service] of selected.entries()) {
    if (options.signal?.aborted) throw new UnrecoverableJobError('cancelled');
    services.push(await evaluate(source, service, atMs, windowS, options.onSeries));
    await options.onChecked?.(service.name, i + 1, selected.length);
  }
  return { atMs, windowS, services };
}

async function evaluate(
  source: MetricsSource,
  service: ServiceInfo,
  atMs: number,
  windowS: number,
  onSeries?: (service: string, series: Series[]) => void,
): Promise<ServiceStatus> {
  const startMs = atMs - windowS * 1000;
  const all = await Promise.all(
    GOLDEN_SIGNALS.map((signal) => source.query({ service: service.name, signal, startMs, endMs: atMs })),
  );
  onSeries?.(service.name, all);
  const latest = {} as Record<Signal, number>;
  const values = {} as Record<Signal, number[]>;
  for (const series of all) {
    values[series.signal] = series.points.map(([, v]) => v);
    const recent = series.points.filter(([t]) => t > atMs - RECENT_MS).map(([, v]) => v);
    latest[series.signal] = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
  }
  const problems: string[] = [];
  const breached: NonNullable<ServiceStatus['breached']> = [];
  let worst: { signal: Signal; ratio: number } = { signal: 'latency_p99', ratio: -Infinity };
  for (const check of CHECKS) {
    const limit = service.objectives[check.objective];
    const value = latest[check.signal];
    if (!Number.isFinite(value)) {
      problems.push(`no recent ${check.signal} data`);
      continue;
    }
    const ratio = value / limit;
    if (ratio > worst.ratio) worst = { signal: check.signal, ratio };
    if (value > limit) {
      problems.push(check.describe(value, limit));
      breached.push({ objective: check.objective, signal: check.signal, value, limit });
    }
  }
  const slo = await errorBudget(source, service, atMs);
  for (const f of slo?.firing ?? []) problems.push(`error budget burning (${f.severity}: ${f.rule})`);
  return {
    name: service.name,
    healthy: problems.length === 0,
    problems,
    breached,
    latest,
    trend: { signal: worst.signal, values: values[worst.signal] },
    ...(slo ? { slo } : {}),
  };
}

/** Burn rates of the error budget over the SRE workbook's windows (up to 3 days of history). */
async function errorBudget(source: MetricsSource, service: ServiceInfo, atMs: number): Promise<ServiceStatus['slo']> {
  const target = service.objectives.availability ?? 1 - service.objectives.error_rate;
  try {
    const history = await source.query({
      service: service.name,
      signal: 'error_rate',
      startMs: atMs - BURN_HISTORY_S * 1000,
      endMs: atMs,
    });
    const burn = burnRates(history.points, atMs, target);
    return {
      target,
      burn1h: burn.rates[3600],
      burn6h: burn.rates[6 * 3600],
      firing: burn.firing.map((f) => ({ rule: f.rule, severity: f.severity })),
      rates: burn.rates,
    };
  } catch {
    return undefined; // no error history (e.g. a new service): report health without the budget
  }
}
