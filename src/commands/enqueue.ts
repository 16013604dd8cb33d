import { personOf } from '../auth/permissions';
import type { Jobs } from '../jobs/map';
import type { JobQueue } from '../queue/types';
import { buttons, context, reply, text } from '../reply/model';
import type { CommandContext, CommandOutcome } from './context';

/**
 * Queue a job for the caller (owner and origin thread in its metadata) and answer at once with
 * what is being done, the job id and a Cancel button; the conversation follows the job from there.
 */
export async function enqueueFor<N extends keyof Jobs & string>(
  ctx: CommandContext,
  queue: JobQueue<Jobs>,
  name: N,
  data: Jobs[N]['data'],
  doing: string,
): Promise<CommandOutcome> {
  const job = await queue.add(name, data, {
    meta: {
      requestedBy: personOf(ctx.actor),
      platform: ctx.platform,
      channel: ctx.channel,
      ...(ctx.thread ? { thread: ctx.thread } : {}),
    },
  });
  return {
    outcome: 'enqueued',
    job: { id: job.id, name: job.name },
    reply: reply(
      'info',
      text(doing),
      context(`job ${job.id}`),
      buttons([{ label: 'Cancel', command: `cancel ${job.id}`, style: 'danger' }]),
    ),
  };
}
