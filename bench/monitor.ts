import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createStreamCache } from '../src/anomaly/stream-cache';
import type { MonitorScanJobData, MonitorScanJobResult } from '../src/jobs/map';
import { createSilentLogger } from '../src/log/logger';
import { buildBundle } from '../src/models/bundle';
import { fetchHistory } from '../src/models/history';
import type { ModelRef } from '../src/models/serving';
import { DEFAULT_MODEL_PARAMS, DEFAULT_MODEL_SEED, trainModel } from '../src/models/train';
import type { JobContext } from '../src/queue/types';
import { DemoFleet } from '../src/sources/demo/fleet';
import type { MetricsSource, Series, SeriesQuery, ServiceInfo } from '../src/sources/types';
import { monitorProcessor } from '../src/workers/monitor';
import { onCoreZero } from './load';
import { printTable, round, runAsScript } from './util';

const SERVICES = 50;
const INTERVAL_MS = 5 * 60_000;
const SCANS_PER_DAY = 86_400_000 / INTERVAL_MS;
/** Warm scans measured after the cold one (two hours of 5-minute slots). */
const WARM_SCANS = 24;
/** Midday: a stream then holds a day and a half of history (it starts at the previous UTC midnight), the daily mean. */
const AT = Date.UTC(2026, 10, 26, 12, 0, 0);

/**
 * Fifty services from the demo fleet's five: service k reads demo service k mod 5 shifted by k x 37
 * minutes, so the fifty series differ and the schedule's incidents fall at fifty different times.
 */
function fiftyServices(fleet: DemoFleet): MetricsSource {
  const shift = (k: number) => k * 37 * 60_000;
  let specs: Array<{ info: ServiceInfo; demo: string; k: number }> = [];
  return {
    kind: 'demo',
    async services() {
      if (!specs.length) {
        const demo = await fleet.services();
        specs = Array.from({ length: SERVICES }, (_, k) => ({
          info: { ...demo[k % demo.length], name: `svc-${String(k + 1).padStart(2, '0')}` },
          demo: demo[k % demo.length].name,
          k,
        }));
      }
      return specs.map((s) => s.info);
    },
    async query(q: SeriesQuery): Promise<Series> {
      const s = specs.find((x) => x.info.name === q.service);
      if (!s) throw new Error(`unknown service ${q.service}`);
      const d = shift(s.k);
      const series = await fleet.query({ ...q, service: s.demo, startMs: q.startMs - d, endMs: q.endMs - d });
      return { ...series, service: q.service, points: series.points.map(([t, v]) => [t + d, v]) };
    },
    async check() {},
  };
}

function jobOf(data: MonitorScanJobData): JobContext<MonitorScanJobData> {
  return {
    id: `monitor-${data.atMs}`,
    name: 'monitor_scan',
    data,
    meta: {},
    attempt: 1,
    log: createSilentLogger(),
    signal: new AbortController().signal,
    progress: async () => {},
  };
}

interface Run {
  coldCpuMs: number;
  coldWallMs: number;
  coldPoints: number;
  warmCpuMs: number[];
  warmWallMs: number[];
  rssMb: number;
  findings: number;
}

/** One cold scan (a process's first of the day), then WARM_SCANS at 5-minute slots, on one process's streams. */
async function measure(source: MetricsSource, models?: Record<string, ModelRef>): Promise<Run> {
  const scan = monitorProcessor(source, () => AT, { onnxThreads: 1, streams: createStreamCache() });
  const timed = async (atMs: number) => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const r: MonitorScanJobResult = await scan(jobOf({ atMs, intervalMs: INTERVAL_MS, ...(models ? { models } : {}) }));
    const used = process.cpuUsage(cpu);
    return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - t0, r };
  };
  const rss0 = process.memoryUsage().rss;
  const cold = await timed(AT);
  const run: Run = {
    coldCpuMs: cold.cpuMs,
    coldWallMs: cold.wallMs,
    coldPoints: cold.r.pointsScored,
    warmCpuMs: [],
    warmWallMs: [],
    rssMb: 0,
    findings: 0,
  };
  for (let i = 1; i <= WARM_SCANS; i++) {
    const w = await timed(AT + i * INTERVAL_MS);
    run.warmCpuMs.push(w.cpuMs);
    run.warmWallMs.push(w.wallMs);
    run.findings += w.r.services.reduce((n, s) => n + s.findings.filter((f) => f.state === 'firing').length, 0);
  }
  run.rssMb = (process.memoryUsage().rss - rss0) / 1024 / 1024;
  return run;
}

/** A champion for the fifty services: one model trained on 7 days of payments (every service carries its bytes). */
async function champion(fleet: DemoFleet): Promise<ModelRef> {
  const history = await fetchHistory(fleet, { service: 'payments', windowS: 7 * 86_400, toMs: AT - 86_400_000 });
  const trained = await trainModel(history, { params: { ...DEFAULT_MODEL_PARAMS }, seed: DEFAULT_MODEL_SEED });
  const bytes = Buffer.from(buildBundle(trained, { model: 'payments-detector' }));
  return {
    name: 'payments-detector',
    version: 1,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    onnxBase64: bytes.toString('base64'),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1];

function rows(label: string, r: Run) {
  const warm = mean(r.warmCpuMs);
  // A process's streams start again once a day (at the day's first scan), so one cold scan in 288.
  const perScan = warm + (r.coldCpuMs - warm) / SCANS_PER_DAY;
  return [
    {
      name: `${label}: cold scan (fresh streams, ${r.coldPoints.toLocaleString('en-US')} points)`,
      value: round(r.coldCpuMs, 0),
      unit: 'ms CPU',
    },
    { name: `${label}: cold scan per service`, value: round(r.coldCpuMs / SERVICES, 1), unit: 'ms CPU' },
    {
      name: `${label}: warm scan, mean (p95 wall ${round(p95(r.warmWallMs), 0)} ms)`,
      value: round(warm, 1),
      unit: 'ms CPU',
    },
    { name: `${label}: warm scan per service`, value: round(warm / SERVICES, 2), unit: 'ms CPU' },
    {
      name: `${label}: share of one core at 5m, ${SERVICES} services (daily cold scan included)`,
      value: round((perScan / INTERVAL_MS) * 100, 3),
      unit: '%',
    },
    {
      name: `${label}: the same without the streams (every scan cold)`,
      value: round((r.coldCpuMs / INTERVAL_MS) * 100, 2),
      unit: '%',
    },
    { name: `${label}: RSS growth (${SERVICES * 6} streams)`, value: round(r.rssMb, 0), unit: 'MB' },
  ];
}

/**
 * The monitor (issue 17 point 1): what one scan of 50 services costs in the worker that runs it, with the
 * built-in detector and with a champion for every service. A cold scan starts every stream (a process's
 * first scan of the day); warm scans feed each stream the 5 new minutes. CPU time of this process, pinned
 * to one core when taskset is there.
 */
export async function benchMonitor(): Promise<void> {
  await onCoreZero(async () => {
    const fleet = new DemoFleet({ seed: 42, clock: () => AT + (WARM_SCANS + 1) * INTERVAL_MS });
    const source = fiftyServices(fleet);
    const builtIn = await measure(source);
    const ref = await champion(fleet);
    const names = (await source.services()).map((s) => s.name);
    const withChampions = await measure(source, Object.fromEntries(names.map((n) => [n, ref])));
    const jobKiB = JSON.stringify({ models: Object.fromEntries(names.map((n) => [n, ref])) }).length / 1024;
    printTable(`Monitor: one scan of ${SERVICES} services x 6 signals every 5 minutes (MONITOR_INTERVAL default)`, [
      ...rows('built-in detector', builtIn),
      ...rows('a champion each', withChampions),
      { name: 'scan job size with 50 champions (their bytes ride in the job)', value: round(jobKiB, 0), unit: 'KiB' },
      { name: `firing findings over the ${WARM_SCANS} warm scans (built-in)`, value: builtIn.findings },
    ]);
  });
}

if (require.main === module) runAsScript(benchMonitor);
