import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CatalogFile } from '../../src/sources/catalog';
import { DemoFleet } from '../../src/sources/demo';
import { GOLDEN_SIGNALS, type Series } from '../../src/sources/types';

/**
 * One recording of golden signals, written out for every metrics source that reads stored data:
 * the demo fleet's own series over a fixed hour, as CSV files (DIR/<service>/<signal>.csv) and
 * as OpenMetrics text for a Prometheus backfill. So every source can be asked the same question
 * and must give the same answer.
 */
export interface Recording {
  seed: number;
  /** The step of the recorded samples. */
  stepMs: number;
  /** First and last sample (both on the step). */
  startMs: number;
  endMs: number;
  /** Every service x signal, at stepMs. */
  series: Series[];
  /** The services catalog (descriptions, objectives, PromQL) the sources are configured with. */
  catalog: CatalogFile;
}

/** The metric the OpenMetrics text holds: one series per service and signal, by label. */
export const RECORDED_METRIC = 'sco_recorded';

/** Demo fleet services recorded with `seed`, `points` samples ending at `endMs` (a multiple of the step). */
export async function recordDemoFleet(options: {
  seed: number;
  services: string[];
  endMs: number;
  points: number;
  stepMs?: number;
}): Promise<Recording> {
  const stepMs = options.stepMs ?? 60_000;
  const startMs = options.endMs - (options.points - 1) * stepMs;
  const fleet = new DemoFleet({ seed: options.seed, stepMs, clock: () => options.endMs });
  const series: Series[] = [];
  for (const service of options.services)
    for (const signal of GOLDEN_SIGNALS)
      series.push(await fleet.query({ service, signal, startMs, endMs: options.endMs }));
  const all = await fleet.services();
  const catalog: CatalogFile = {
    services: options.services.map((name) => {
      const info = all.find((s) => s.name === name);
      return { name, description: info?.description ?? '', objectives: info?.objectives };
    }),
    defaults: {
      queries: Object.fromEntries(
        GOLDEN_SIGNALS.map((s) => [s, `${RECORDED_METRIC}{service="{{service}}",signal="${s}"}`]),
      ),
    },
  };
  return { seed: options.seed, stepMs, startMs, endMs: options.endMs, series, catalog };
}

/** The recorded points of one service and signal. */
export function recorded(recording: Recording, service: string, signal: string): Series['points'] {
  const found = recording.series.find((s) => s.service === service && s.signal === signal);
  if (!found) throw new Error(`nothing recorded for ${service} ${signal}`);
  return found.points;
}

/** DIR/<service>/<signal>.csv with `timestamp,value` rows (ISO 8601 times, values as JavaScript prints them). */
export function writeCsvRecording(dir: string, recording: Recording): void {
  for (const s of recording.series) {
    mkdirSync(join(dir, s.service), { recursive: true });
    const rows = s.points.map(([t, v]) => `${new Date(t).toISOString()},${String(v)}`);
    writeFileSync(join(dir, s.service, `${s.signal}.csv`), ['timestamp,value', ...rows, ''].join('\n'));
  }
}

/** The recording as OpenMetrics text (seconds timestamps, `# EOF`), for promtool's backfill. */
export function openMetricsOf(recording: Recording): string {
  const lines = [`# TYPE ${RECORDED_METRIC} gauge`];
  for (const s of recording.series) {
    const labels = `{service="${s.service}",signal="${s.signal}"}`;
    for (const [t, v] of s.points) lines.push(`${RECORDED_METRIC}${labels} ${String(v)} ${t / 1000}`);
  }
  return `${lines.join('\n')}\n# EOF\n`;
}
