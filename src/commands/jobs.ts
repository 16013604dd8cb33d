import type { JobQueue } from '../queue/types';
import { reply, text } from '../reply/model';
import type { Jobs } from '../jobs/map';
import type { NameOf } from '../identity/names';
import type { CommandContext, CommandOutcome } from './context';
import { presentJob, presentJobList } from '../present/jobs';
import { authorize, personOf } from '../auth/permissions';
import type { RemediationService } from '../remediation/service';

const LIST_LIMIT = 15;

/**
 * The recent jobs, without the monitor's scans: one every MONITOR_INTERVAL would fill the list (the
 * incident channel shows what they find, `job monitor-…` one of them).
 */
export async function listJobs(queue: JobQueue<Jobs>, nowMs: number, names: NameOf): Promise<CommandOutcome> {
  const recent = await queue.list({ limit: LIST_LIMIT * 4 });
  const jobs = recent.filter((j) => j.name !== 'monitor_scan').slice(0, LIST_LIMIT);
  return { outcome: 'replied', reply: presentJobList(jobs, nowMs, names) };
}

export async function jobStatus(
  queue: JobQueue<Jobs>,
  id: string,
  nowMs: number,
  names: NameOf,
): Promise<CommandOutcome> {
  const job = await queue.get(id);
  if (!job)
    return { outcome: 'invalid', reply: reply('warning', text(`No job ${id}. \`jobs\` lists the recent ones.`)) };
  return { outcome: 'replied', reply: presentJob(job, nowMs, names) };
}

export async function cancelJob(
  ctx: CommandContext,
  {
    queue,
    names,
    personNow,
    remediation,
  }: {
    queue: JobQueue<Jobs>;
    names: NameOf;
    personNow: (person: string) => string;
    remediation: Pick<RemediationService, 'settleUnrun'>;
  },
  id: string,
): Promise<CommandOutcome> {
  const job = await queue.get(id);
  if (!job)
    return { outcome: 'invalid', reply: reply('warning', text(`No job ${id}. \`jobs\` lists the recent ones.`)) };
  // Ownership is the person's, whichever of their credentials or chat links started or cancels the job.
  const own = job.meta.requestedBy !== undefined && personNow(job.meta.requestedBy) === personNow(personOf(ctx.actor));
  if (!own && !authorize(ctx.actor, 'jobs.cancel_any')) {
    return {
      outcome: 'denied',
      reply: reply(
        'error',
        text(
          `Job ${id} was started by ${job.meta.requestedBy ? names(job.meta.requestedBy) : 'someone else'}; ` +
            'cancelling it needs the operator role.',
        ),
      ),
    };
  }
  const outcome = await queue.cancel(id, `cancelled by ${ctx.actor.name}`);
  switch (outcome) {
    case 'cancelled': {
      // A remediation's job cancelled before it ran: its request ends now (failed, not run), not on
      // recovery's next round.
      const ended = job.name === 'remediation' ? remediation.settleUnrun(id, 'cancelled', ctx.actor.id) : undefined;
      const more = ended
        ? ` Remediation ${ended.id} (\`${ended.action} ${ended.target}\`) will not run; ` +
          'ask again if it is still needed.'
        : '';
      return { outcome: 'replied', reply: reply('success', text(`Cancelled job ${id} (${job.name}).${more}`)) };
    }
    case 'already_finished':
      return { outcome: 'replied', reply: reply('info', text(`Job ${id} had already finished (${job.state}).`)) };
    case 'not_found':
      return { outcome: 'invalid', reply: reply('warning', text(`No job ${id}.`)) };
  }
}
