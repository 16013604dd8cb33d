/**
 * The monitor (issue 17 point 1), on the control plane: every MONITOR_INTERVAL it queues one
 * `monitor_scan` of every service, and turns each completed scan's findings into incidents through the
 * alerts' own path (src/incidents/monitor.ts -> IncidentService.ingest, `source: 'monitor'`).
 *
 * The schedule is a slot per interval (slot = floor(now / interval)), kept in the store
 * (src/incidents/monitor-scans.ts) and queued under a job id fixed by the slot (`monitor-<slot start
 * ms>`): however many control planes tick, and across a restart, a slot is queued once, its job id is
 * never reused, and its findings are acted on once (a conditional UPDATE claims them). On start a control
 * plane queues the slots it missed while down (up to an hour back; older ones are logged as missed),
 * acts on scans that finished while nobody listened, and queues again a recorded slot whose job is gone.
 * The same on both queue backends: BullMQ's job schedulers would need a second mechanism beside the
 * embedded queue's, would run scans while no control plane is up to act on them, and give no "acted on
 * once" for the incidents.
 */
import type { Clock } from '../clock';
import { monitorOutcomes, type MonitorOutcome } from '../incidents/monitor';
import { MonitorScanStore } from '../incidents/monitor-scans';
import type { IncidentService } from '../incidents/service';
import { IncidentStore } from '../incidents/store';
import type { Jobs, MonitorScanJobData, MonitorScanJobResult } from '../jobs/map';
import type { Logger } from '../log/logger';
import type { ChampionOf, ModelRef } from '../models/serving';
import type { JobQueue } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import type { Db } from '../store/store';
import type { Metrics } from '../telemetry/metrics';
import type { Core } from './core';

export interface Monitor {
  /** Queue this slot's scan, and those missed since the last one (up to CATCH_UP_MS back). Job ids. */
  tick(): Promise<string[]>;
  /** Act on a completed scan: open, join and resolve the monitor's incidents. */
  handle(jobId: string): Promise<void>;
  /** Act on what finished while nobody listened, tick every interval (when not off). Returns stop. */
  start(): () => void;
  /** Resolves once the scans being handled have settled. */
  settled(): Promise<void>;
  /** The slots kept in the store, from fromMs on (the schedule as it ran). */
  slots: MonitorScanStore['list'];
}

export function monitorJobId(slotMs: number): string {
  return `monitor-${slotMs}`;
}

/** How far back a control plane that was down queues the slots it missed. */
export const CATCH_UP_MS = 3_600_000;
/** How often the timer looks at the clock: the slot decides what runs, so looking often costs nothing. */
const LOOK_MS = 60_000;

export interface MonitorDeps {
  queue: JobQueue<Jobs>;
  db: Db;
  incidents: IncidentService;
  incidentStore: IncidentStore;
  champions: ChampionOf;
  source: MetricsSource;
  clock: Clock;
  metrics: Pick<Metrics, 'monitorScans' | 'alertsReceived'>;
  log: Logger;
  intervalMs: number | null;
}

/** The control plane's monitor on its store, incidents and champions (MONITOR_INTERVAL; `serve` starts it). */
export function buildMonitor(core: Core, db: Db, incidents: IncidentService, champions: ChampionOf): Monitor {
  return createMonitor({
    ...core,
    db,
    incidents,
    incidentStore: new IncidentStore(db),
    champions,
    log: core.log.child({ component: 'monitor' }),
    intervalMs: core.config.monitorIntervalMs,
  });
}

export function createMonitor(deps: MonitorDeps): Monitor {
  const { queue, log, intervalMs } = deps;
  const scans = new MonitorScanStore(deps.db);
  // One scan acted on at a time, in the order they finished.
  let chain: Promise<void> = Promise.resolve();
  const handle = (jobId: string): Promise<void> => {
    const next = chain.then(() =>
      act(deps, scans, jobId).catch((err: unknown) => {
        log.error('acting on a monitor scan failed', { job: jobId, err });
      }),
    );
    chain = next;
    return next;
  };
  const tick = () => queueSlots(deps, scans);
  return {
    tick,
    handle,
    settled: () => chain,
    slots: (fromMs) => scans.list(fromMs),
    start() {
      const offs = [
        queue.on('completed', (e) => {
          if (e.name === 'monitor_scan') void handle(e.id);
        }),
        queue.on('failed', (e) => {
          if (e.name === 'monitor_scan' && !e.willRetry) failed(deps, scans, e.id, e.error);
        }),
      ];
      const stop = () => offs.forEach((off) => off());
      void recover(deps, scans, handle).catch((err: unknown) => log.error('monitor recovery failed', { err }));
      if (intervalMs === null) return stop;
      const look = () => void tick().catch((err: unknown) => log.error('queueing the monitor scan failed', { err }));
      look();
      const timer = setInterval(look, Math.min(intervalMs, LOOK_MS));
      timer.unref();
      return () => {
        stop();
        clearInterval(timer);
      };
    },
  };
}

/** This slot, and the slots missed since the last one queued (at most CATCH_UP_MS back). */
async function queueSlots(deps: MonitorDeps, scans: MonitorScanStore): Promise<string[]> {
  const { intervalMs, clock, log } = deps;
  if (intervalMs === null) return [];
  const slot = Math.floor(clock() / intervalMs) * intervalMs;
  const last = scans.lastSlot();
  let first = slot;
  if (last !== undefined && last < slot) {
    first = Math.max(last + intervalMs, slot - Math.floor(CATCH_UP_MS / intervalMs) * intervalMs);
    if (first > last + intervalMs)
      log.warn('monitor slots missed while no control plane ran', {
        from: new Date(last + intervalMs).toISOString(),
        to: new Date(first - intervalMs).toISOString(),
      });
  }
  const ids: string[] = [];
  for (let s = first; s <= slot; s += intervalMs) {
    const id = await queueSlot(deps, scans, s, intervalMs);
    if (id) ids.push(id);
  }
  return ids;
}

/** Record the slot and queue its scan (once: a slot known to the store is queued again only if its job is gone). */
async function queueSlot(
  deps: MonitorDeps,
  scans: MonitorScanStore,
  slotMs: number,
  intervalMs: number,
): Promise<string | undefined> {
  const jobId = monitorJobId(slotMs);
  const { created, slot } = scans.record(slotMs, jobId, deps.clock());
  if (slot.state !== 'queued') return undefined;
  if (!created && (await deps.queue.get(jobId))) return jobId;
  const data: MonitorScanJobData = { atMs: slotMs, intervalMs, ...(await championsFor(deps)) };
  await deps.queue.add('monitor_scan', data, { jobId, meta: { requestedBy: 'system:smartcloudops' } });
  return jobId;
}

/** Every service's champion, bytes included, or why it cannot be served. */
async function championsFor(deps: MonitorDeps): Promise<Pick<MonitorScanJobData, 'models' | 'modelFallbacks'>> {
  const models: Record<string, ModelRef> = {};
  const modelFallbacks: Record<string, string> = {};
  for (const { name } of await deps.source.services()) {
    const choice = await deps.champions(name);
    if (!choice) continue;
    if ('fallback' in choice) modelFallbacks[name] = choice.fallback;
    else models[name] = choice.model;
  }
  return {
    ...(Object.keys(models).length ? { models } : {}),
    ...(Object.keys(modelFallbacks).length ? { modelFallbacks } : {}),
  };
}

/** At start: act on scans that finished while nobody listened, queue again a slot whose job is gone. */
async function recover(deps: MonitorDeps, scans: MonitorScanStore, handle: (id: string) => Promise<void>) {
  for (const slot of scans.queued()) {
    const job = await deps.queue.get(slot.jobId);
    if (job?.state === 'completed') await handle(slot.jobId);
    else if (job?.state === 'failed' || job?.state === 'cancelled')
      failed(deps, scans, slot.jobId, job.error ?? job.state);
    else if (!job && deps.intervalMs !== null) await queueSlot(deps, scans, slot.slotMs, deps.intervalMs);
  }
}

function failed(deps: MonitorDeps, scans: MonitorScanStore, jobId: string, error: string): void {
  const slotMs = Number(jobId.replace(/^monitor-/, ''));
  if (Number.isFinite(slotMs) && scans.fail(slotMs, deps.clock()))
    deps.log.warn('monitor scan failed', { job: jobId, error });
}

/** A completed scan's findings, acted on once: notifications into the incidents' path. */
async function act(deps: MonitorDeps, scans: MonitorScanStore, jobId: string): Promise<void> {
  const job = await deps.queue.get(jobId);
  if (job?.name !== 'monitor_scan' || job.state !== 'completed' || !job.result) return;
  const result = job.result as MonitorScanJobResult;
  const claim = scans.claim(result.atMs, deps.clock());
  if (claim === 'stale') deps.log.info('monitor scan older than one acted on: left', { job: jobId });
  if (claim !== 'apply') return;
  deps.metrics.monitorScans.inc();
  const firing = result.services.filter((s) => s.findings.some((f) => f.state === 'firing')).map((s) => s.service);
  deps.log.info('monitor scan', {
    job: jobId,
    services: result.services.length,
    firing: firing.join(','),
    points: result.pointsScored,
    ms: result.durationMs,
  });
  for (const outcome of monitorOutcomes(result, deps.incidentStore)) await notify(deps, outcome);
}

async function notify(deps: MonitorDeps, o: MonitorOutcome): Promise<void> {
  if (o.kind === 'reported') {
    deps.log.info('monitor finding already reported by Alertmanager: no second incident', {
      service: o.service,
      incident: o.incident,
      signals: o.signals.join(','),
    });
    return;
  }
  deps.metrics.alertsReceived.inc({ source: 'monitor' }, o.payload.alerts.length);
  const r = await deps.incidents.ingest(o.payload, { source: 'monitor' });
  deps.log.info('monitor finding', {
    service: o.service,
    incident: r.incident?.id,
    created: r.created,
    resolved: r.resolved,
    fired: o.fired.join(','),
    recovered: o.resolved.join(','),
  });
}
