/**
 * Drift watch (issue 15 point 7), on every control plane: every DRIFT_INTERVAL it queues one
 * drift_check per champion, with a job id fixed by the slot (`drift-<model>-v<version>-<slot>`,
 * slot = floor(now / interval)), so however many `serve` processes tick, a slot runs once. On a
 * completed check it sets `smartcloudops_model_drift_score{model}`, records the figure on the
 * version and, when this process has the incident channel, posts one card per drift episode (the
 * claim is a conditional UPDATE in the store: src/models/drift-state.ts).
 */
import type { Clock } from '../clock';
import type { DriftCheckJobResult, Jobs } from '../jobs/map';
import type { Logger } from '../log/logger';
import { recordDrift, referenceOf } from '../models/drift-state';
import type { ModelRegistry } from '../models/registry';
import type { ChannelPoster } from '../ports/chat';
import { presentDriftCard } from '../present/drift';
import type { JobQueue } from '../queue/types';
import type { Db } from '../store/store';
import type { Metrics } from '../telemetry/metrics';

/** Where drift cards go: the incident channel's poster, when this process has it. */
export interface DriftTarget {
  poster: ChannelPoster;
  channel: string;
}

export interface DriftWatch {
  /** Queue this slot's drift_check for every champion (a slot already queued is not queued again). Job ids. */
  tick(): Promise<string[]>;
  /** Act on a completed drift_check: gauge, figure on the version, the card when it starts drifting. */
  handle(jobId: string): Promise<void>;
  /** Tick every interval (when not off) and handle completed checks. Returns stop. */
  start(): () => void;
  /** Post cards here from now on (startChat sets the incident channel). */
  setTarget(target: DriftTarget | undefined): void;
  /** Resolves once the results being handled have settled. */
  settled(): Promise<void>;
}

export function driftJobId(model: string, version: number, slot: number): string {
  return `drift-${model}-v${version}-${slot}`;
}

/** How often the timer looks at the clock: the slot decides what runs, so looking often costs nothing. */
const LOOK_MS = 60_000;

export interface DriftWatchDeps {
  registry: ModelRegistry;
  db: Db;
  queue: JobQueue<Jobs>;
  clock: Clock;
  metrics: Pick<Metrics, 'modelDriftScore'>;
  log: Logger;
  intervalMs: number | null;
}

export function createDriftWatch(deps: DriftWatchDeps): DriftWatch {
  const { queue, log, intervalMs } = deps;
  let target: DriftTarget | undefined;
  const inFlight = new Set<Promise<void>>();
  const tick = () => queueSlot(deps);
  const handle = (jobId: string): Promise<void> => {
    const p = act(deps, jobId, target).catch((err: unknown) => {
      log.error('handling a drift check failed', { job: jobId, err });
    });
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
    return p;
  };
  return {
    tick,
    handle,
    setTarget(t) {
      target = t;
    },
    async settled() {
      await Promise.allSettled([...inFlight]);
    },
    start() {
      const off = queue.on('completed', (e) => {
        if (e.name === 'drift_check') void handle(e.id);
      });
      if (intervalMs === null) return off;
      const look = () => void tick().catch((err: unknown) => log.error('queueing drift checks failed', { err }));
      look();
      const timer = setInterval(look, Math.min(intervalMs, LOOK_MS));
      timer.unref();
      return () => {
        off();
        clearInterval(timer);
      };
    },
  };
}

/** This slot's drift_check for every champion, each under its slot's job id. */
async function queueSlot(deps: DriftWatchDeps): Promise<string[]> {
  const { registry, db, queue, clock, log, intervalMs } = deps;
  if (intervalMs === null) return [];
  const now = clock();
  const slot = Math.floor(now / intervalMs);
  const ids: string[] = [];
  for (const m of registry.list()) {
    if (m.champion === null) continue;
    const v = registry.version(m.name, m.champion);
    let onnx: Buffer;
    try {
      onnx = await registry.onnx(m.name, v.version);
    } catch (err) {
      log.warn('drift check skipped: the champion file cannot be read', { model: m.name, err });
      continue;
    }
    const job = await queue.add(
      'drift_check',
      {
        model: { name: m.name, version: v.version, sha256: v.onnxSha256, onnxBase64: onnx.toString('base64') },
        service: m.service,
        reference: referenceOf(db, m.name, v.version),
        toMs: slot * intervalMs,
      },
      { jobId: driftJobId(m.name, v.version, slot), meta: { requestedBy: 'system:smartcloudops' } },
    );
    ids.push(job.id);
  }
  return ids;
}

/** A completed check: the gauge, the figure on the version, and the card when it starts drifting. */
async function act(deps: DriftWatchDeps, jobId: string, target: DriftTarget | undefined): Promise<void> {
  const { registry, db, queue, metrics, log } = deps;
  const job = await queue.get(jobId);
  if (job?.name !== 'drift_check' || job.state !== 'completed' || !job.result) return;
  const r = job.result as DriftCheckJobResult;
  if (!r.checked) {
    log.info('drift check skipped', { model: r.model, version: r.version, reason: r.reason });
    return;
  }
  const champion = registry.aliasesOf(r.model).champion;
  if (champion === r.version) metrics.modelDriftScore.set({ model: r.model }, r.score);
  const moved = r.signals.filter((s) => s.drifted).map((s) => s.signal);
  const figure = { score: r.score, drifted: r.drifted, moved, at: r.toMs };
  const here = target;
  const { card } = recordDrift(db, r.model, r.version, figure, { claimCard: here !== undefined });
  if (!card || !here) return;
  try {
    await here.poster.post(here.channel, presentDriftCard(r));
    log.info('drift card posted', { model: r.model, version: r.version, score: r.score });
  } catch (err) {
    log.error('posting the drift card failed', { model: r.model, err });
  }
}
