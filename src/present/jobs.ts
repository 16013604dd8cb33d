import type { Jobs } from '../jobs/map';
import type { JobInfo } from '../queue/types';
import { context, reply, text, type Reply } from '../reply/model';
import { presentAnomalies } from './anomalies';
import { presentOutcome } from './remediation';
import { presentStatus } from './status';

/** The message for a finished job: its result presented, or why it did not finish. */
export function presentFinished(job: JobInfo<Jobs>): Reply {
  if (job.state === 'cancelled') return reply('warning', text(`Job ${job.id} (${job.name}) was cancelled.`));
  if (job.state === 'failed')
    return reply(
      'error',
      text(`Job ${job.id} (${job.name}) failed: ${job.error ?? 'unknown error'}`),
      context(`after ${job.attemptsMade} attempt(s)`),
    );
  if (job.state !== 'completed' || job.result === undefined)
    return reply('info', text(`Job ${job.id} is ${job.state}.`));
  switch (job.name) {
    case 'status':
      return presentStatus(job.result as Jobs['status']['result']);
    case 'detect_anomalies':
      return presentAnomalies(job.result as Jobs['detect_anomalies']['result']);
    case 'remediation':
      return presentOutcome(job.result as Jobs['remediation']['result']);
  }
}
