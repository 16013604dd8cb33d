/**
 * An incident's impact on each service it touched, from the metrics source: when its objectives
 * were first breached (often before the first alert fired), the error budget the incident burned
 * from then to its end (src/slo/window-burn.ts), and the objectives its signals went over. What
 * cannot be read is said, never guessed.
 */
import { asAppError } from '../../errors';
import { PEAK_WINDOW_S, windowBurn } from '../../slo/window-burn';
import type { MetricsSource, ServiceInfo, Signal } from '../../sources/types';
import type { BreachedObjective, ServiceImpact } from './types';

/** How far before the first alert a breach that runs into it is followed back. */
export const ONSET_LOOKBACK_MS = 2 * 3600_000;
/** A breach run may pause this long (noise) and still be one run. */
const RUN_GAP_MS = 5 * 60_000;

/** The objectives checked, with their signal (the status job's checks). */
const CHECKS: ReadonlyArray<{ objective: BreachedObjective['objective']; signal: Signal }> = [
  { objective: 'latency_p99_ms', signal: 'latency_p99' },
  { objective: 'error_rate', signal: 'error_rate' },
  { objective: 'cpu', signal: 'cpu' },
  { objective: 'memory', signal: 'memory' },
];

type Points = Array<[number, number]>;
type Read = { info: ServiceInfo; series: Map<Signal, Points | undefined>; problems: string[] };

export interface Impact {
  /** When the impact began: the first alert's start, or earlier when objectives were breached up to it. */
  fromMs: number;
  /** The service whose breach began it, when that moved the start earlier. */
  onsetService?: string;
  services: ServiceImpact[];
}

/** The impact on each service (known to the source or not), from the first alert (or before) to `toMs`. */
export async function gatherImpact(
  source: MetricsSource,
  services: string[],
  alertAtMs: number,
  toMs: number,
): Promise<Impact> {
  let catalog: ServiceInfo[];
  try {
    catalog = await source.services();
  } catch (err) {
    const why = `the metrics source did not answer (${asAppError(err).userMessage})`;
    return { fromMs: alertAtMs, services: services.map((service) => ({ service, breached: [], unknown: why })) };
  }
  const reads = await Promise.all(
    services.map(async (service) => {
      const info = catalog.find((s) => s.name === service);
      return info ? read(source, info, alertAtMs - ONSET_LOOKBACK_MS - PEAK_WINDOW_S * 1000, toMs) : service;
    }),
  );
  let fromMs = alertAtMs;
  let onsetService: string | undefined;
  for (const r of reads) {
    const onset = typeof r === 'string' ? undefined : breachOnset(r, alertAtMs);
    if (onset !== undefined && onset < fromMs) [fromMs, onsetService] = [onset, (r as Read).info.name];
  }
  return {
    fromMs,
    ...(onsetService ? { onsetService } : {}),
    services: reads.map((r) =>
      typeof r === 'string'
        ? { service: r, breached: [], unknown: `${r} is not in the metrics source` }
        : serviceImpact(r, fromMs, toMs),
    ),
  };
}

async function read(source: MetricsSource, info: ServiceInfo, startMs: number, endMs: number): Promise<Read> {
  const problems: string[] = [];
  const series = new Map<Signal, Points | undefined>();
  for (const { signal } of CHECKS) {
    try {
      const points = (await source.query({ service: info.name, signal, startMs, endMs })).points;
      series.set(
        signal,
        points.filter(([, v]) => Number.isFinite(v)),
      );
    } catch (err) {
      problems.push(`${signal} could not be read (${asAppError(err).userMessage})`);
      series.set(signal, undefined);
    }
  }
  return { info, series, problems };
}

/** Times at which any objective of the service was over its limit, ascending. */
function breachTimes(r: Read, fromMs: number, toMs: number): number[] {
  const times = new Set<number>();
  for (const check of CHECKS) {
    const limit = r.info.objectives[check.objective];
    for (const [t, v] of r.series.get(check.signal) ?? []) if (t >= fromMs && t <= toMs && v > limit) times.add(t);
  }
  return [...times].sort((a, b) => a - b);
}

/** The start of the breach that runs up to the first alert (pauses under RUN_GAP_MS kept), if there is one. */
function breachOnset(r: Read, alertAtMs: number): number | undefined {
  const times = breachTimes(r, alertAtMs - ONSET_LOOKBACK_MS, alertAtMs);
  let onset: number | undefined;
  let next = alertAtMs;
  for (let i = times.length - 1; i >= 0 && next - times[i] <= RUN_GAP_MS; i--) {
    onset = times[i];
    next = times[i];
  }
  return onset;
}

function serviceImpact(r: Read, fromMs: number, toMs: number): ServiceImpact {
  const { info, series } = r;
  const problems = [...r.problems];
  const target = info.objectives.availability ?? 1 - info.objectives.error_rate;
  const errors = series.get('error_rate');
  const burn = errors ? windowBurn(errors, fromMs, toMs, target) : undefined;
  if (errors && !burn) problems.push('no error-ratio points inside the incident window');
  const breached: BreachedObjective[] = [];
  for (const check of CHECKS) {
    const limit = info.objectives[check.objective];
    const over = (series.get(check.signal) ?? []).filter(([t, v]) => t >= fromMs && t <= toMs && v > limit);
    if (!over.length) continue;
    breached.push({
      objective: check.objective,
      peak: Math.max(...over.map(([, v]) => v)),
      limit,
      firstAtMs: over[0][0],
    });
  }
  return {
    service: info.name,
    target,
    ...(burn
      ? {
          burn: {
            meanErrorRatio: burn.meanErrorRatio,
            meanBurnRate: burn.meanBurnRate,
            peakBurnRate: burn.peakBurnRate,
            peakAtMs: burn.peakAtMs,
            budgetConsumed: burn.budgetConsumed,
          },
        }
      : {}),
    breached,
    ...(problems.length ? { unknown: problems.join('; ') } : {}),
  };
}
