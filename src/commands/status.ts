import { personOf } from '../auth/permissions';
import type { JobQueue } from '../queue/types';
import { buttons, context, reply, text } from '../reply/model';
import type { Jobs } from '../jobs/map';
import type { CommandContext, CommandOutcome } from './context';
import { windowWords } from '../present/format';

const WINDOW_S = 3600;

export async function requestStatus(
  ctx: CommandContext,
  queue: JobQueue<Jobs>,
  service?: string,
): Promise<CommandOutcome> {
  const job = await queue.add(
    'status',
    { windowS: WINDOW_S, ...(service ? { service } : {}) },
    {
      meta: {
        requestedBy: personOf(ctx.actor),
        platform: ctx.platform,
        channel: ctx.channel,
        ...(ctx.thread ? { thread: ctx.thread } : {}),
      },
    },
  );
  return {
    outcome: 'enqueued',
    job: { id: job.id, name: job.name },
    reply: reply(
      'info',
      text(`Checking ${service ?? 'every service'} over ${windowWords(WINDOW_S)}…`),
      context(`job ${job.id}`),
      buttons([{ label: 'Cancel', command: `cancel ${job.id}`, style: 'danger' }]),
    ),
  };
}
