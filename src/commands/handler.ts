import type { Clock } from '../clock';
import { asAppError } from '../errors';
import type { Intent } from '../intent/schema';
import type { JobQueue } from '../queue/types';
import { context, reply, text } from '../reply/model';
import type { MetricsSource } from '../sources/types';
import type { Jobs } from '../workers/jobs';
import { COMMANDS } from './catalog';
import type { CommandContext, CommandOutcome } from './context';
import { helpReply, unknownReply } from './help';
import { cancelJob, jobStatus, listJobs } from './jobs';
import { mayRun } from './rbac';
import { requestStatus } from './status';

export interface CommandDeps {
  queue: JobQueue<Jobs>;
  source: MetricsSource;
  clock: Clock;
}

export type CommandHandler = (ctx: CommandContext, intent: Intent, rawText?: string) => Promise<CommandOutcome>;

/**
 * The shared command layer: chat messages, buttons and REST calls all land here, so they get
 * the same RBAC check and the same behaviour.
 */
export function createCommandHandler(deps: CommandDeps): CommandHandler {
  return async (ctx, intent, rawText = '') => {
    if (!mayRun(ctx.actor.role, intent.intent)) {
      const floor = intent.intent === 'unknown' ? 'viewer' : COMMANDS[intent.intent].minRole;
      ctx.log.warn('command denied', { intent: intent.intent, actor: ctx.actor.id, role: ctx.actor.role });
      return { outcome: 'denied', reply: reply('error', text(`\`${intent.intent}\` needs the ${floor} role; you are ${ctx.actor.role}.`)) };
    }
    if (intent.missing.length) {
      const usage = intent.intent === 'unknown' ? '' : COMMANDS[intent.intent].usage;
      return { outcome: 'invalid', reply: reply('warning', text(`I need ${intent.missing.map((m) => m.replace('_', ' ')).join(' and ')} for that.`), context(`usage: ${usage}`)) };
    }
    try {
      return await dispatch(ctx, intent, rawText, deps);
    } catch (err) {
      const e = asAppError(err);
      ctx.log.error('command failed', { intent: intent.intent, err: e });
      return { outcome: 'error', reply: reply('error', text(e.userMessage)) };
    }
  };
}

async function dispatch(ctx: CommandContext, intent: Intent, rawText: string, deps: CommandDeps): Promise<CommandOutcome> {
  switch (intent.intent) {
    case 'help':
      return { outcome: 'replied', reply: helpReply(intent.slots.topic) };
    case 'status':
      return requestStatus(ctx, deps.queue, deps.source, intent.slots.service);
    case 'list_jobs':
      return listJobs(deps.queue, deps.clock());
    case 'job_status':
      return jobStatus(deps.queue, intent.slots.job_id as string, deps.clock());
    case 'cancel_job':
      return cancelJob(ctx, deps.queue, intent.slots.job_id as string);
    case 'unknown':
      return { outcome: 'unknown', reply: unknownReply(rawText) };
    case 'detect_anomalies':
    case 'investigate':
    case 'remediate':
    case 'approve':
    case 'deny':
    case 'list_models':
    case 'train_model':
    case 'promote_model':
    case 'rollback_model':
    case 'list_incidents':
    case 'ack_incident':
    case 'resolve_incident':
    case 'search_runbooks':
    case 'freeze':
    case 'unfreeze':
      return {
        outcome: 'replied',
        reply: reply('info', text(`I understood \`${intent.intent}\`, but this release can't do it yet.`), context('Type `help` for what works today.')),
      };
  }
}
