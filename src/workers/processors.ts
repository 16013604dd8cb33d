import type { Clock } from '../clock';
import type { Processors } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import type { Jobs } from './jobs';
import { anomaliesProcessor } from './anomalies';
import { statusProcessor } from './status';

export interface WorkerDeps {
  source: MetricsSource;
  clock: Clock;
  /** onnxruntime threads for the detector's learned channel. */
  onnxThreads: number;
}

/** Every job name's processor, built from what workers need. Workers keep no state of their own. */
export function createProcessors(deps: WorkerDeps): Processors<Jobs> {
  return {
    status: statusProcessor(deps.source, deps.clock),
    detect_anomalies: anomaliesProcessor(deps.source, deps.clock, { onnxThreads: deps.onnxThreads }),
  };
}
