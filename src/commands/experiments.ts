import type { Jobs, TrainModelJobData } from '../jobs/map';
import { listExperiments, type FailedTraining } from '../models/experiments';
import { presentExperiments } from '../present/experiments';
import type { JobQueue } from '../queue/types';
import type { CommandOutcome } from './context';
import type { ModelsView } from './models';

/** Failed train_model jobs are looked for among this many of the queue's latest failed jobs. */
const FAILED_JOBS_LOOKED_AT = 200;

/** The experiments of the registry and the queue's failed trainings, optionally for one model or service. */
export async function experimentsOf(
  deps: { queue: JobQueue<Jobs>; models: ModelsView },
  filter?: string,
): Promise<ReturnType<typeof listExperiments>> {
  const jobs = await deps.queue.list({ states: ['failed'], limit: FAILED_JOBS_LOOKED_AT });
  const failed = jobs
    .filter((j) => j.name === 'train_model')
    .map((j): FailedTraining => {
      const d = j.data as TrainModelJobData;
      return {
        ...d,
        jobId: j.id,
        createdAt: j.createdAt,
        ...(j.meta.requestedBy !== undefined ? { requestedBy: j.meta.requestedBy } : {}),
        ...(j.error !== undefined ? { error: j.error } : {}),
      };
    });
  return listExperiments(deps.models.list(), failed, filter);
}

/** `list_experiments`: every training run as a comparable row, newest first. */
export async function showExperiments(
  deps: { queue: JobQueue<Jobs>; models: ModelsView },
  slots: { model?: string; service?: string },
): Promise<CommandOutcome> {
  const filter = slots.model ?? slots.service;
  return { outcome: 'replied', reply: presentExperiments(await experimentsOf(deps, filter), filter) };
}
