import { personOf } from '../auth/permissions';
import type { JobQueue } from '../queue/types';
import { buttons, context, reply, text } from '../reply/model';
import type { Jobs } from '../jobs/map';
import type { CommandContext, CommandOutcome } from './context';
import { windowWords } from '../present/format';

const DEFAULT_WINDOW_S = 3600;

export async function requestAnomalies(
  ctx: CommandContext,
  queue: JobQueue<Jobs>,
  slots: { service?: string; metric?: string; window_s?: number },
): Promise<CommandOutcome> {
  const windowS = slots.window_s ?? DEFAULT_WINDOW_S;
  const job = await queue.add(
    'detect_anomalies',
    {
      windowS,
      ...(slots.service ? { service: slots.service } : {}),
      ...(slots.metric ? { metric: slots.metric } : {}),
    },
    {
      meta: {
        requestedBy: personOf(ctx.actor),
        platform: ctx.platform,
        channel: ctx.channel,
        ...(ctx.thread ? { thread: ctx.thread } : {}),
      },
    },
  );
  const what = `${slots.metric ?? 'every golden signal'} of ${slots.service ?? 'every service'}`;
  return {
    outcome: 'enqueued',
    job: { id: job.id, name: job.name },
    reply: reply(
      'info',
      text(`Looking for anomalies in ${what} over ${windowWords(windowS)}…`),
      context(`job ${job.id}`),
      buttons([{ label: 'Cancel', command: `cancel ${job.id}`, style: 'danger' }]),
    ),
  };
}
