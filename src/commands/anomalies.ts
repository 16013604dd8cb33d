import type { JobQueue } from '../queue/types';
import type { Jobs } from '../jobs/map';
import { modelsForJob, type ChampionOf } from '../models/serving';
import type { CommandContext, CommandOutcome } from './context';
import { enqueueFor } from './enqueue';
import { windowWords } from '../present/format';

const DEFAULT_WINDOW_S = 3600;

export async function requestAnomalies(
  ctx: CommandContext,
  queue: JobQueue<Jobs>,
  slots: { service?: string; metric?: string; window_s?: number },
  championOf?: ChampionOf,
): Promise<CommandOutcome> {
  const windowS = slots.window_s ?? DEFAULT_WINDOW_S;
  // One service: its champion scores, when it has one (the bytes go in the job: workers open no database).
  const champion = slots.service && championOf ? await championOf(slots.service) : undefined;
  const what = `${slots.metric ?? 'every golden signal'} of ${slots.service ?? 'every service'}`;
  return enqueueFor(
    ctx,
    queue,
    'detect_anomalies',
    {
      windowS,
      ...(slots.service ? { service: slots.service } : {}),
      ...(slots.metric ? { metric: slots.metric } : {}),
      ...modelsForJob(champion),
    },
    `Looking for anomalies in ${what} over ${windowWords(windowS)}…`,
  );
}
