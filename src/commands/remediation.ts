import { AppError } from '../errors';
import type { Intent } from '../intent/schema';
import { presentRequest } from '../remediation/present';
import type { RemediationService } from '../remediation/service';
import type { ActionName } from '../remediation/types';
import { reply, text } from '../reply/model';
import type { CommandContext, CommandOutcome } from './context';

const refusal = (err: unknown): CommandOutcome => {
  if (!(err instanceof AppError)) throw err;
  const outcome = err.code === 'forbidden' ? 'denied' : err.code === 'internal' ? 'error' : 'invalid';
  return { outcome, reply: reply(err.code === 'forbidden' ? 'error' : 'warning', text(err.userMessage)) };
};

/** The approval is recorded; the queue could not take the job just now (e.g. Redis is down). */
const notQueued = (id: string) => `The job queue is not reachable right now, so ${id} has not started yet: the approval is recorded and it starts by itself when the queue is back (\`job ${id}\` shows it).`;

const origin = (ctx: CommandContext) => ({ platform: ctx.platform, channel: ctx.channel, ...(ctx.thread ? { thread: ctx.thread } : {}) });

/** `restart checkout-api`, `scale x 4`, … : plan, then wait for approval or run at once. */
export async function requestRemediation(ctx: CommandContext, service: RemediationService, slots: Extract<Intent, { intent: 'remediate' }>['slots']): Promise<CommandOutcome> {
  try {
    const r = await service.request(ctx.actor, {
      // The handler has answered already when a required slot is missing.
      action: slots.action as ActionName,
      target: slots.target as string,
      params: { ...(slots.replicas !== undefined ? { replicas: slots.replicas } : {}), ...(slots.runbook ? { runbook: slots.runbook } : {}) },
      dryRun: slots.dry_run === true,
      origin: origin(ctx),
    });
    if (r.state !== 'approved') return { outcome: 'replied', reply: presentRequest(r), request: r.id };
    if (!r.queued) return { outcome: 'replied', reply: reply('warning', ...presentRequest(r).blocks, text(notQueued(r.id))), request: r.id };
    return { outcome: 'enqueued', reply: presentRequest(r), job: { id: r.id, name: 'remediation' }, request: r.id };
  } catch (err) {
    return refusal(err);
  }
}

export async function approveRemediation(ctx: CommandContext, service: RemediationService, id: string): Promise<CommandOutcome> {
  try {
    const { request, started, queued } = await service.approve(ctx.actor, id);
    if (started && queued) return { outcome: 'enqueued', reply: reply('info', text(`Approved ${request.id}; running \`${request.action} ${request.target}\` now.`)), job: { id: request.id, name: 'remediation' }, request: request.id };
    if (started) return { outcome: 'replied', reply: reply('warning', text(`Approved ${request.id}. ${notQueued(request.id)}`)), request: request.id };
    return { outcome: 'replied', reply: reply('info', text(`Approval recorded for ${request.id} (${request.approvers.length} of ${request.approvalsNeeded}).`)), request: request.id };
  } catch (err) {
    return refusal(err);
  }
}

export function denyRemediation(ctx: CommandContext, service: RemediationService, id: string): CommandOutcome {
  try {
    const r = service.deny(ctx.actor, id);
    return { outcome: 'replied', reply: reply('info', text(`Denied ${r.id}: \`${r.action} ${r.target}\` will not run.`)), request: r.id };
  } catch (err) {
    return refusal(err);
  }
}

export function setFreeze(ctx: CommandContext, service: RemediationService, on: boolean): CommandOutcome {
  service.freeze(ctx.actor, on);
  return { outcome: 'replied', reply: reply(on ? 'warning' : 'success', text(on ? 'Remediation is frozen: nothing will be executed until `unfreeze`.' : 'Remediation is unfrozen.')) };
}
