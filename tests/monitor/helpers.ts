import { createMonitor } from '../../src/app/monitor';
import { IncidentStore } from '../../src/incidents/store';
import { createSilentLogger } from '../../src/log/logger';
import { championOf } from '../../src/models/champion';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { App } from '../../src/app/control';
import type { Incident } from '../../src/incidents/store';
import { DemoFleet } from '../../src/sources/demo/fleet';
import { monitorProcessor } from '../../src/workers/monitor';
import { testApp } from '../helpers/app';

export const MIN = 60_000;
/** MONITOR_INTERVAL's default, and the interval every test here runs at. */
export const INTERVAL = 5 * MIN;
/** Midnight UTC: the scans of a day share one stream start (src/anomaly/stream-cache.ts). */
export const T0 = Date.UTC(2026, 10, 26, 0, 0, 0);

/** A DEMO_FAULTS file with these faults (times relative to the app's start, T0 here). */
export function faultsFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sco-monitor-')), 'faults.yaml');
  writeFileSync(path, yaml);
  return path;
}

/**
 * A real control plane on a moving clock, the monitor at 5m, workers on the embedded queue. `scanTo`
 * moves the clock slot by slot and, at each, queues the slot's scan (`tick`, as the timer does), waits
 * for it and acts on it (`handle`, as the completed event does). With `workers: 'monitor'` this process
 * works the monitor's scans only (a worker process that takes nothing else): the incidents' analyses are
 * queued, not run, which keeps a simulated day quick.
 */
export async function monitorApp(
  env: Record<string, string> = {},
  options: { start?: number; workers?: 'all' | 'monitor' } = {},
) {
  let now = options.start ?? T0;
  const { app, logs } = await testApp({ MONITOR_INTERVAL: '5m', ...env }, () => now);
  if (options.workers === 'all') await app.startWorkers();
  else await app.queue.work({ monitor_scan: monitorProcessor(app.source, app.clock, { onnxThreads: 1 }) });
  const fleet = app.source;
  if (!(fleet instanceof DemoFleet)) throw new Error('the monitor tests run on the demo fleet');
  return {
    app,
    fleet,
    logs,
    now: () => now,
    /** Scan every slot from the current time to `to` (inclusive). */
    async scanTo(to: number): Promise<void> {
      for (let t = Math.ceil(now / INTERVAL) * INTERVAL; t <= to; t += INTERVAL) {
        now = t;
        await scanNow(app);
      }
      now = Math.max(now, to);
    },
    setNow(t: number) {
      now = t;
    },
  };
}

export async function scanNow(app: App): Promise<string[]> {
  const ids = await app.monitor.tick();
  for (const id of ids) {
    await app.queue.waitUntilFinished(id, 60_000);
    await app.monitor.handle(id);
  }
  return ids;
}

export interface TruthWindow {
  service: string;
  kind: string;
  sinceMs: number;
  untilMs: number;
}

/** The fleet's own incidents that start in [fromMs, toMs]: what the monitor should catch. */
export function truthWindows(fleet: DemoFleet, fromMs: number, toMs: number): TruthWindow[] {
  const seen = new Map<string, TruthWindow>();
  for (let t = fromMs; t <= toMs; t += MIN) {
    for (const i of fleet.incidentsAt(t)) {
      if (i.sinceMs < fromMs) continue;
      seen.set(`${i.service}/${i.sinceMs}`, {
        service: i.service,
        kind: i.fault ?? i.kind,
        sinceMs: i.sinceMs,
        untilMs: i.untilMs,
      });
    }
  }
  return [...seen.values()].sort((a, b) => a.sinceMs - b.sinceMs);
}

export function monitorIncidents(app: App): Incident[] {
  return app.incidents
    .list(undefined, 1000)
    .filter((i) => i.labels.source === 'monitor')
    .reverse();
}

/**
 * How long after each window's start the monitor had an incident open on its service: minutes, or
 * null when none was open by the end of the run. An incident already open when the window starts
 * (a leak's next climb) counts as 0.
 */
export function detectionDelays(windows: TruthWindow[], incidents: Incident[]) {
  return windows.map((w) => {
    const hit = incidents.find((i) => i.service === w.service && (i.resolvedAt ?? Infinity) > w.sinceMs);
    const delay = hit ? Math.max(0, hit.createdAt - w.sinceMs) / MIN : null;
    return { service: w.service, kind: w.kind, at: new Date(w.sinceMs).toISOString().slice(11, 16), delay };
  });
}

/** Another control plane's monitor on the same store and queue (as a second `serve` would have). */
export function secondMonitor(app: App) {
  return createMonitor({
    queue: app.queue,
    db: app.store.db,
    incidents: app.incidents,
    incidentStore: new IncidentStore(app.store.db),
    champions: championOf(app.models),
    source: app.source,
    clock: app.clock,
    metrics: app.metrics,
    log: createSilentLogger(),
    intervalMs: INTERVAL,
  });
}
