/**
 * The control plane's side of shadow scoring: a completed detect_anomalies job that carried a
 * challenger becomes one shadow run in the store (src/models/shadow.ts), recorded once per job id
 * however many serve processes see the completed event. A worker never records: it has no store.
 */
import type { Clock } from '../clock';
import type { AnomaliesJobData, AnomaliesJobResult, Jobs } from '../jobs/map';
import type { Logger } from '../log/logger';
import type { ShadowAlert, ShadowStore } from '../models/shadow';
import type { JobInfo, JobQueue } from '../queue/types';

export interface ShadowRecorder {
  /** Record one completed detection job's shadow run; false when it has none or was recorded already. */
  record(job: JobInfo<Jobs>): boolean;
  /** Record every detection job completed from now on. Returns stop. */
  start(): () => void;
}

export function createShadowRecorder(deps: {
  queue: JobQueue<Jobs>;
  shadow: ShadowStore;
  clock: Clock;
  log: Logger;
}): ShadowRecorder {
  const { queue, shadow, clock, log } = deps;
  const record = (job: JobInfo<Jobs>): boolean => {
    if (job.name !== 'detect_anomalies' || job.state !== 'completed') return false;
    const data = job.data as AnomaliesJobData;
    const result = job.result as AnomaliesJobResult | undefined;
    const run = result?.shadow;
    if (!data.model || !data.service || !result || !run) return false;
    if ('skipped' in run) return false;
    if (result.model && 'fallback' in result.model) {
      log.info('shadow run not recorded: the champion did not score', { job: job.id, why: result.model.fallback });
      return false;
    }
    const championAlerts: ShadowAlert[] = result.findings.flatMap((f) =>
      f.segments.map((s) => ({ signal: f.signal, startMs: s.startMs, endMs: s.endMs, maxScore: s.maxScore })),
    );
    const challengerAlerts: ShadowAlert[] = run.findings.flatMap((f) =>
      f.segments.map((s) => ({ signal: f.signal, startMs: s.startMs, endMs: s.endMs, maxScore: s.maxScore })),
    );
    const recorded = shadow.record({
      jobId: job.id,
      model: run.name,
      service: data.service,
      championVersion: data.model.version,
      challengerVersion: run.version,
      window: { fromMs: result.atMs - result.windowS * 1000, toMs: result.atMs },
      championAlerts,
      challengerAlerts,
      at: clock(),
    });
    if (recorded) log.info('shadow run recorded', { job: job.id, model: run.name, challenger: run.version });
    return recorded;
  };
  return {
    record,
    start() {
      return queue.on('completed', (e) => {
        if (e.name !== 'detect_anomalies') return;
        void (async () => {
          const job = await queue.get(e.id);
          if (job) record(job);
        })().catch((err: unknown) => log.error('recording a shadow run failed', { job: e.id, err }));
      });
    },
  };
}
