import type { JobQueue } from '../queue/types';
import type { Jobs } from '../jobs/map';
import type { CommandContext, CommandOutcome } from './context';
import { enqueueFor } from './enqueue';
import { windowWords } from '../present/format';

const WINDOW_S = 3600;

export async function requestStatus(
  ctx: CommandContext,
  queue: JobQueue<Jobs>,
  service?: string,
): Promise<CommandOutcome> {
  return enqueueFor(
    ctx,
    queue,
    'status',
    { windowS: WINDOW_S, ...(service ? { service } : {}) },
    `Checking ${service ?? 'every service'} over ${windowWords(WINDOW_S)}…`,
  );
}
