import type { Clock } from '../clock';
import { jobResult, type Jobs } from '../jobs/map';
import type { RemediationService } from '../remediation/service';
import type { Processor, Processors } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import { anomaliesProcessor, type AnomalyCounters } from './anomalies';
import { statusProcessor } from './status';

export interface WorkerDeps {
  source: MetricsSource;
  clock: Clock;
  /** onnxruntime threads for the detector's learned channel. */
  onnxThreads: number;
  /** Where the anomaly processor counts points scored and anomalies found (this process's registry). */
  counters?: AnomalyCounters;
}

/**
 * The processors of the jobs any worker runs, built from what workers need: they keep no state of
 * their own and need no store. Remediation is not among them (see `remediationProcessor`).
 */
export function createProcessors(deps: WorkerDeps): Processors<Jobs> {
  return {
    status: statusProcessor(deps.source, deps.clock),
    detect_anomalies: anomaliesProcessor(deps.source, deps.clock, {
      onnxThreads: deps.onnxThreads,
      ...(deps.counters ? { counters: deps.counters } : {}),
    }),
  };
}

/** The remediation job: only the control plane runs it, where the request store is. */
export function remediationProcessor(remediation: RemediationService): Processor<Jobs, 'remediation'> {
  return async (job) => {
    const done = await remediation.run(job.data.requestId, {
      signal: job.signal,
      progress: (message) => void job.progress({ percent: 50, message }),
    });
    return jobResult(done);
  };
}
