import { FINISHED_STATES, type JobInfo, type JobQueue } from '../queue/types';
import { buttons, fields, header, reply, table, text, type Reply } from '../reply/model';
import type { Jobs } from '../jobs/map';
import type { NameOf } from '../identity/names';
import type { CommandContext, CommandOutcome } from './context';
import { ago, duration } from '../present/format';
import { authorize, personOf } from '../auth/permissions';
import type { RemediationService } from '../remediation/service';

const LIST_LIMIT = 15;

export async function listJobs(queue: JobQueue<Jobs>, nowMs: number, names: NameOf): Promise<CommandOutcome> {
  const jobs = await queue.list({ limit: LIST_LIMIT });
  if (jobs.length === 0) return { outcome: 'replied', reply: reply('info', text('No jobs yet. Try `status`.')) };
  return {
    outcome: 'replied',
    reply: reply(
      'info',
      header(`Last ${jobs.length} jobs`),
      table(
        ['id', 'job', 'state', 'progress', 'started', 'by'],
        jobs.map((j) => [
          j.id,
          j.name,
          j.state,
          progressCell(j),
          ago(j.startedAt ?? j.createdAt, nowMs),
          j.meta.requestedBy ? names(j.meta.requestedBy) : '',
        ]),
      ),
    ),
  };
}

/** A finished job shows 100% (completed) or nothing, never the last percentage it reported. */
function progressCell(j: JobInfo<Jobs>): string {
  if (j.state === 'completed') return '100%';
  return j.progress && !FINISHED_STATES.includes(j.state) ? `${Math.round(j.progress.percent)}%` : '';
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
  return { outcome: 'replied', reply: describeJob(job, nowMs, names) };
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

function describeJob(job: JobInfo<Jobs>, nowMs: number, names: NameOf): Reply {
  const rows = [
    { label: 'job', value: job.name },
    { label: 'state', value: job.state },
    { label: 'attempts', value: `${job.attemptsMade} of ${job.maxAttempts}` },
    { label: 'created', value: ago(job.createdAt, nowMs) },
  ];
  if (job.progress && !FINISHED_STATES.includes(job.state))
    rows.push({
      label: 'progress',
      value: `${Math.round(job.progress.percent)}%${job.progress.message ? ` ${job.progress.message}` : ''}`,
    });
  if (job.startedAt && job.finishedAt) rows.push({ label: 'took', value: duration(job.finishedAt - job.startedAt) });
  if (job.error) rows.push({ label: 'error', value: job.error });
  if (job.meta.requestedBy) rows.push({ label: 'requested by', value: names(job.meta.requestedBy) });
  const active = job.state === 'waiting' || job.state === 'delayed' || job.state === 'active';
  return reply(
    'info',
    header(`Job ${job.id}`),
    fields(rows),
    ...(active ? [buttons([{ label: 'Cancel', command: `cancel ${job.id}`, style: 'danger' }])] : []),
  );
}
