import type { Clock } from '../clock';
import type { Jobs } from '../jobs/map';
import type { Processors } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import { anomaliesProcessor, type AnomalyCounters } from './anomalies';
import { driftProcessor } from './drift';
import { monitorProcessor } from './monitor';
import { statusProcessor } from './status';
import { trainProcessor } from './train';

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
    train_model: trainProcessor(deps.source, deps.clock),
    drift_check: driftProcessor(deps.source, deps.clock, { onnxThreads: deps.onnxThreads }),
    monitor_scan: monitorProcessor(deps.source, deps.clock, { onnxThreads: deps.onnxThreads }),
  };
}
