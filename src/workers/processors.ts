import type { Clock } from '../clock';
import { UnrecoverableJobError } from '../errors';
import { jobResult } from '../jobs/map';
import type { RemediationService } from '../remediation/service';
import type { Processors } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import type { Jobs } from '../jobs/map';
import { anomaliesProcessor, type AnomalyCounters } from './anomalies';
import { statusProcessor } from './status';

export interface WorkerDeps {
  source: MetricsSource;
  clock: Clock;
  /** onnxruntime threads for the detector's learned channel. */
  onnxThreads: number;
  /** Where the anomaly processor counts points scored and anomalies found (this process's registry). */
  counters?: AnomalyCounters;
  /** Present where the store is (the control plane): remediation state lives there. */
  remediation?: RemediationService;
}

/** Every job name's processor, built from what workers need. Workers keep no state of their own. */
export function createProcessors(deps: WorkerDeps): Processors<Jobs> {
  return {
    status: statusProcessor(deps.source, deps.clock),
    detect_anomalies: anomaliesProcessor(deps.source, deps.clock, {
      onnxThreads: deps.onnxThreads,
      ...(deps.counters ? { counters: deps.counters } : {}),
    }),
    remediation: async (job) => {
      if (!deps.remediation)
        throw new UnrecoverableJobError(
          'remediation jobs run in the control plane (serve or chat), where the request store is',
        );
      const done = await deps.remediation.run(job.data.requestId, {
        signal: job.signal,
        progress: (message) => void job.progress({ percent: 50, message }),
      });
      return jobResult(done);
    },
  };
}
