/**
 * A promote or rollback request of a model (issue 15 point 5), as chat shows it: the question the
 * approver answers ("Promote payments-detector v3 to champion (now v2)?"), the plan (what moves,
 * the alerts it would have raised or dropped), and Approve / Deny while it waits.
 */
import { buttons, context, fields, header, reply, text, type Reply } from '../reply/model';
import type { StoredRequest } from '../remediation/store';
import { requestCommand } from './remediation';

/** "Promote payments-detector v3 to champion (now v2)" / "Roll payments-detector back to v1 (now v2)". */
export function modelRequestQuestion(r: Pick<StoredRequest, 'action' | 'target' | 'params'>): string {
  const now = r.params.from === undefined ? 'no champion now: the built-in detector' : `now v${String(r.params.from)}`;
  const v = `v${String(r.params.version)}`;
  return r.action === 'rollback_model'
    ? `Roll ${r.target} back to ${v} (${now})`
    : `Promote ${r.target} ${v} to champion (${now})`;
}

export function presentModelRequest(r: StoredRequest): Reply {
  const show = (v: unknown) => (Array.isArray(v) ? v.join('\n') || 'none' : String(v));
  const desired = r.plan.desired;
  const blocks = [
    header(`Model request ${r.id}: ${requestCommand(r)}`),
    fields([
      { label: 'will call', value: r.plan.calls.join('\n') },
      { label: 'champion', value: `${show(r.plan.current.champion)} -> ${show(desired.champion)}` },
      { label: 'alerts over the last days', value: show(desired.alerts) },
      { label: 'would raise', value: show(desired.raised) },
      { label: 'would drop', value: show(desired.dropped) },
      ...(desired.evaluation ? [{ label: 'evaluation', value: show(desired.evaluation) }] : []),
      { label: 'blast radius', value: r.plan.blastRadius },
    ]),
  ];
  if (r.state === 'pending_approval') {
    const n = r.approvalsNeeded;
    return reply(
      'warning',
      ...blocks,
      text(
        `${modelRequestQuestion(r)}? It needs ${n} approval${n === 1 ? '' : 's'} from someone with the approver ` +
          `role other than the requester, before ${new Date(r.expiresAt).toISOString().slice(11, 16)} UTC; ` +
          'until then the current champion keeps serving.',
      ),
      buttons([
        { label: 'Approve', command: `approve ${r.id}`, style: 'primary' },
        { label: 'Deny', command: `deny ${r.id}`, style: 'danger' },
      ]),
    );
  }
  return reply(
    'info',
    ...blocks,
    context(r.state === 'approved' ? `${modelRequestQuestion(r)}: approved, moving now.` : `State: ${r.state}.`),
  );
}
