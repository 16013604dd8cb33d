import type { RemediationJobResult } from '../jobs/map';
import { buttons, context, fields, header, reply, text, type Reply } from '../reply/model';
import type { StoredRequest } from '../remediation/store';
import { isModelAction } from '../remediation/types';

/**
 * The request as the command a user types (runbooks/README.md's `runbook NAME on SERVICE` for a
 * runbook), so it reads back the same.
 */
export const requestCommand = (r: { action: string; target: string; params: StoredRequest['params'] }): string =>
  r.action === 'runbook' && r.params.runbook
    ? `runbook ${r.params.runbook} on ${r.target}`
    : r.action === 'promote_model'
      ? `promote ${r.target} ${String(r.params.version)}`
      : r.action === 'rollback_model'
        ? `rollback model ${r.target}`
        : `${r.action} ${r.target}${r.params.replicas !== undefined ? ` ${r.params.replicas}` : ''}`;

/** The plan card: what will be called, current -> desired, blast radius; Approve / Deny while pending. */
export function presentRequest(r: StoredRequest): Reply {
  const show = (o: Record<string, unknown>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') || 'none' : String(v)}`)
      .join(' · ') || '—';
  const blocks = [
    header(`${r.dryRun ? 'Dry run' : 'Remediation'} ${r.id}: ${requestCommand(r)}`),
    fields([
      { label: 'will call', value: r.plan.calls.join('\n') },
      { label: 'now', value: show(r.plan.current) },
      { label: 'after', value: show(r.plan.desired) },
      { label: 'blast radius', value: r.plan.blastRadius },
    ]),
  ];
  if (r.state === 'pending_approval') {
    return reply(
      'warning',
      ...blocks,
      text(
        `Needs ${r.approvalsNeeded} approval(s) from someone with the approver role other than the requester,` +
          ` before ${new Date(r.expiresAt).toISOString().slice(11, 16)} UTC.`,
      ),
      buttons([
        { label: 'Approve', command: `approve ${r.id}`, style: 'primary' },
        { label: 'Deny', command: `deny ${r.id}`, style: 'danger' },
      ]),
    );
  }
  if (r.state === 'planned') return reply('info', ...blocks, context('Dry run: nothing was changed.'));
  return reply(
    'info',
    ...blocks,
    context(`${r.state === 'approved' ? 'Approved; running now.' : `State: ${r.state}.`}`),
  );
}

/** The final message: what changed, and whether the service recovered. */
export function presentOutcome(r: RemediationJobResult): Reply {
  const tone = r.state === 'succeeded' ? (r.verified?.ok === false ? 'warning' : 'success') : 'error';
  const title = r.state === 'succeeded' ? 'done' : r.state === 'unknown' ? 'state unknown' : r.state;
  const what = requestCommand({ action: r.action, target: r.target, params: r.params ?? {} });
  return reply(
    tone,
    header(`${isModelAction(r.action) ? 'Model request' : 'Remediation'} ${r.id}: ${what} ${title}`),
    text(r.summary || `The request is ${r.state}.`),
    ...(r.verified ? [text(r.verified.summary)] : []),
    ...(r.approvers.length ? [context(`approved by ${r.approvers.join(', ')}`)] : []),
  );
}
