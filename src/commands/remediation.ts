import { AppError } from '../errors';
import type { CheckedIntent } from '../intent/schema';
import { presentRequest, requestCommand } from '../present/remediation';
import type { RemediationService } from '../remediation/service';
import { reply, text, type Reply } from '../reply/model';
import type { Enqueued } from '../remediation/service-types';
import type { StoredRequest } from '../remediation/store';
import type { CommandContext, CommandOutcome } from './context';

export const refusal = (err: unknown): CommandOutcome => {
  if (!(err instanceof AppError)) throw err;
  const outcome =
    err.code === 'forbidden'
      ? 'denied'
      : err.code === 'internal'
        ? 'error'
        : err.code === 'unavailable'
          ? 'unavailable'
          : 'invalid';
  // The service records every refusal it makes (forbidden: policy, the catalog's role, one's own request).
  return {
    outcome,
    ...(outcome === 'denied' ? { audited: true } : {}),
    reply: reply(err.code === 'forbidden' ? 'error' : 'warning', text(err.userMessage)),
  };
};

/**
 * The approval is recorded; the queue could not take the job just now (e.g. Redis is down). The
 * outcome is `unavailable` (REST 503, naming the queue) although nothing is lost: asking again is
 * safe, and recovery starts the job once the queue answers.
 */
const notQueued = (id: string, problem = 'The job queue is not answering.') =>
  `${problem.replace(/[;,]? ?try again shortly\.?$/, '.')} ${id} has not started yet: ` +
  `the approval is recorded and it starts by itself when the queue is back (\`job ${id}\` shows it).`;

export const requestOrigin = (ctx: CommandContext) => ({
  platform: ctx.platform,
  channel: ctx.channel,
  ...(ctx.thread ? { thread: ctx.thread } : {}),
});

/** `restart checkout-api`, `scale x 4`, … : plan, then wait for approval or run at once. */
export async function requestRemediation(
  ctx: CommandContext,
  service: RemediationService,
  slots: CheckedIntent<'remediate'>['slots'],
): Promise<CommandOutcome> {
  try {
    const r = await service.request(ctx.actor, {
      action: slots.action,
      target: slots.target,
      params: {
        ...(slots.replicas !== undefined ? { replicas: slots.replicas } : {}),
        ...(slots.runbook ? { runbook: slots.runbook } : {}),
      },
      dryRun: slots.dry_run === true,
      origin: requestOrigin(ctx),
    });
    return startedOutcome(r, presentRequest(r));
  } catch (err) {
    return refusal(err);
  }
}

/** A new request's outcome: waiting (pending approval, dry run), started, or approved but not queued yet. */
export function startedOutcome(r: StoredRequest & Enqueued, card: Reply): CommandOutcome {
  if (r.state !== 'approved') return { outcome: 'replied', reply: card, request: r.id };
  if (!r.queued)
    return {
      outcome: 'unavailable',
      reply: reply('warning', ...card.blocks, text(notQueued(r.id, r.queueProblem))),
      request: r.id,
    };
  return { outcome: 'enqueued', reply: card, job: { id: r.id, name: 'remediation' }, request: r.id };
}

export async function approveRemediation(
  ctx: CommandContext,
  service: RemediationService,
  id: string,
): Promise<CommandOutcome> {
  try {
    const { request, started, queued, queueProblem } = await service.approve(ctx.actor, id);
    if (started && queued)
      return {
        outcome: 'enqueued',
        reply: reply('info', text(`Approved ${request.id}; running \`${requestCommand(request)}\` now.`)),
        job: { id: request.id, name: 'remediation' },
        request: request.id,
      };
    if (started)
      return {
        outcome: 'unavailable',
        reply: reply('warning', text(`Approved ${request.id}. ${notQueued(request.id, queueProblem)}`)),
        request: request.id,
      };
    return {
      outcome: 'replied',
      reply: reply(
        'info',
        text(`Approval recorded for ${request.id} (${request.approvers.length} of ${request.approvalsNeeded}).`),
      ),
      request: request.id,
    };
  } catch (err) {
    return refusal(err);
  }
}

export function denyRemediation(ctx: CommandContext, service: RemediationService, id: string): CommandOutcome {
  try {
    const { request: r, withdrawn } = service.deny(ctx.actor, id);
    return {
      outcome: 'replied',
      reply: reply(
        'info',
        text(`${withdrawn ? 'Withdrawn' : 'Denied'} ${r.id}: \`${requestCommand(r)}\` will not run.`),
      ),
      request: r.id,
    };
  } catch (err) {
    return refusal(err);
  }
}

export function setFreeze(ctx: CommandContext, service: RemediationService, on: boolean): CommandOutcome {
  service.freeze(ctx.actor, on);
  return {
    outcome: 'replied',
    reply: reply(
      on ? 'warning' : 'success',
      text(on ? 'Remediation is frozen: nothing will be executed until `unfreeze`.' : 'Remediation is unfrozen.'),
    ),
  };
}
