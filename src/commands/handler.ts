import type { Clock } from '../clock';
import { asAppError } from '../errors';
import type { Intent } from '../intent/schema';
import type { JobQueue } from '../queue/types';
import type { IncidentService } from '../incidents/service';
import type { NameOf } from '../identity/names';
import type { RemediationService } from '../remediation/service';
import { context, reply, text } from '../reply/model';
import type { MetricsSource } from '../sources/types';
import type { Jobs } from '../jobs/map';
import { COMMANDS } from './catalog';
import type { CommandContext, CommandOutcome } from './context';
import { helpReply, notBuiltMessage, unknownReply } from './help';
import { cancelJob, jobStatus, listJobs } from './jobs';
import { requestAnomalies } from './anomalies';
import { decideIncident, listIncidents } from './incidents';
import { approveRemediation, denyRemediation, requestRemediation, setFreeze } from './remediation';
import { requestStatus } from './status';
import { checkIntent } from './validate';

export interface CommandDeps {
  queue: JobQueue<Jobs>;
  source: MetricsSource;
  clock: Clock;
  remediation: RemediationService;
  incidents: IncidentService;
  /** Principal ids as replies show them (identity/names.ts). */
  names: NameOf;
  /** The person a stored person id stands for now (identity.ts), for "one's own job". */
  personNow: (person: string) => string;
}

export interface Commands {
  /** RBAC, catalog names and bounds: a refusal, or undefined when the intent may go ahead. */
  check(ctx: CommandContext, intent: Intent): Promise<CommandOutcome | undefined>;
  /** Check, then run. Chat messages, buttons and REST calls all land here. */
  handle(ctx: CommandContext, intent: Intent, rawText?: string): Promise<CommandOutcome>;
}

/** The shared command layer: one RBAC check and one behaviour, whatever the message came from. */
export function createCommands(deps: CommandDeps): Commands {
  const check = (ctx: CommandContext, intent: Intent) => checkIntent(ctx, intent, deps.source);
  return {
    check,
    async handle(ctx, intent, rawText = '') {
      try {
        const refusal = await check(ctx, intent);
        if (refusal) return refusal;
        if (intent.missing.length) {
          const usage = intent.intent === 'unknown' ? '' : COMMANDS[intent.intent].usage;
          return {
            outcome: 'invalid',
            reply: reply(
              'warning',
              text(`I need ${intent.missing.map((m) => m.replace('_', ' ')).join(' and ')} for that.`),
              context(`usage: ${usage}`),
            ),
          };
        }
        return await dispatch(ctx, intent, rawText, deps);
      } catch (err) {
        const e = asAppError(err);
        ctx.log.error('command failed', { intent: intent.intent, err: e });
        return {
          outcome: e.code === 'unavailable' ? 'unavailable' : 'error',
          reply: reply('error', text(e.userMessage)),
        };
      }
    },
  };
}

async function dispatch(
  ctx: CommandContext,
  intent: Intent,
  rawText: string,
  deps: CommandDeps,
): Promise<CommandOutcome> {
  switch (intent.intent) {
    case 'help':
      return { outcome: 'replied', reply: helpReply(intent.slots.topic) };
    case 'status':
      return requestStatus(ctx, deps.queue, intent.slots.service);
    case 'list_jobs':
      return listJobs(deps.queue, deps.clock(), deps.names);
    case 'job_status':
      return jobStatus(deps.queue, intent.slots.job_id as string, deps.clock(), deps.names);
    case 'cancel_job':
      return cancelJob(ctx, deps, intent.slots.job_id as string);
    case 'detect_anomalies':
      return requestAnomalies(ctx, deps.queue, intent.slots);
    case 'unknown':
      return { outcome: 'unknown', reply: unknownReply(rawText) };
    case 'remediate':
      return requestRemediation(ctx, deps.remediation, intent.slots);
    case 'approve':
      return approveRemediation(ctx, deps.remediation, intent.slots.request_id as string);
    case 'deny':
      return denyRemediation(ctx, deps.remediation, intent.slots.request_id as string);
    case 'freeze':
    case 'unfreeze':
      return setFreeze(ctx, deps.remediation, intent.intent === 'freeze');
    case 'list_incidents':
      return listIncidents(deps.incidents, intent.slots.status);
    case 'ack_incident':
      return decideIncident(ctx, deps.incidents, intent.slots.incident_id as string, 'ack');
    case 'resolve_incident':
      return decideIncident(ctx, deps.incidents, intent.slots.incident_id as string, 'resolve');
    case 'investigate':
    case 'list_models':
    case 'train_model':
    case 'promote_model':
    case 'rollback_model':
    case 'search_runbooks':
      return { outcome: 'replied', reply: reply('info', text(notBuiltMessage(intent.intent))) };
  }
}
