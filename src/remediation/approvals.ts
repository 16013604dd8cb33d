/**
 * Approvals: each person once, never the requester, before the request expires; the last one
 * needed meets policy again and moves the request to approved. Denying: an approver's decision,
 * or the requester withdrawing their own.
 */
import { authorize, personOf, type Principal } from '../auth/permissions';
import { AppError } from '../errors';
import { enqueueBounded } from './execution';
import { policyRefusal } from './policy';
import { auditBy, expire, getRequest } from './records';
import type { Decided, Refusal, RemediationDeps } from './service-types';
import type { StoredRequest } from './store';

/** The approval's transaction: a refusal (audited), or the request and whether it started. */
function recordApproval(
  d: RemediationDeps,
  actor: Principal,
  id: string,
  now: number,
): Refusal | { request: StoredRequest; started: boolean } {
  const { store } = d;
  const person = personOf(actor);
  const r = getRequest(d, id);
  const refuse = (refusal: string, code: Refusal['code']): Refusal => {
    auditBy(d, actor, 'remediation.approve', 'denied', r.id, { reason: refusal });
    return { refusal, code };
  };
  if (r.state === 'pending_approval' && now > r.expiresAt) {
    expire(d, r, now);
    return refuse(
      `Request ${r.id} expired at ${new Date(r.expiresAt).toISOString()}; ask again if it is still needed.`,
      'conflict',
    );
  }
  if (r.state !== 'pending_approval')
    return refuse(`Request ${r.id} is ${r.state.replace('_', ' ')}; there is nothing to approve.`, 'conflict');
  // People as they are now: a chat id that asked or approved and was linked to a user since is that user.
  const now_ = d.personNow ?? ((p: string) => p);
  const me = now_(person);
  const requester = now_(r.requestedBy);
  if (requester === me)
    return refuse(
      `You asked for ${r.id}; someone else with the approver role must approve it ` +
        '(another credential of yours does not count).',
      'forbidden',
    );
  // Who counts: each person once, never the requester.
  const counted = new Set(r.approvers.map(now_).filter((p) => p !== requester));
  if (counted.has(me) || !store.approve(r.id, { id: person, name: actor.name }, now)) {
    const more = Math.max(1, r.approvalsNeeded - counted.size);
    return refuse(`You already approved ${r.id}; it needs ${more} more approval(s) from someone else.`, 'conflict');
  }
  counted.add(me);
  // The approval that would start it meets policy now (freeze, breaker, cooldown, rate), not only at
  // the request: else it stays pending.
  const policy = counted.size >= r.approvalsNeeded && !r.dryRun ? policyRefusal(d, r.action, r.target) : undefined;
  if (policy) {
    store.unapprove(r.id, person);
    return refuse(`${policy} ${r.id} stays pending; approve it again once that allows.`, 'forbidden');
  }
  const approvers = [...r.approvers, person];
  const started =
    counted.size >= r.approvalsNeeded && store.move(r.id, 'pending_approval', 'approved', { who: person, at: now });
  auditBy(d, actor, 'remediation.approve', 'ok', r.id, { approvers, started });
  return { request: r, started };
}

/**
 * Adds the approval of the person behind `actor` (whatever credential or chat link they came
 * with); when it is the last one needed, exactly one caller moves the request to approved. The
 * approval, the state change and their audit record commit together; the job follows.
 */
export async function approve(d: RemediationDeps, actor: Principal, id: string): Promise<Decided> {
  const now = d.clock();
  const outcome = d.store.transaction(() => recordApproval(d, actor, id, now));
  if ('refusal' in outcome) throw new AppError(outcome.code, outcome.refusal);
  if (outcome.started) d.metrics?.approvalWait(Math.max(0, now - outcome.request.createdAt) / 1000);
  const request = getRequest(d, outcome.request.id);
  return {
    request,
    started: outcome.started,
    ...(outcome.started ? await enqueueBounded(d, request) : { queued: false }),
  };
}

/**
 * Denies a pending request: an approver's decision, or the requester withdrawing their own
 * (whichever credential or chat link they use; withdrawing only makes less happen, so it needs no
 * approver). `withdrawn` says which.
 */
export function deny(d: RemediationDeps, actor: Principal, id: string): { request: StoredRequest; withdrawn: boolean } {
  const { store, clock } = d;
  const now_ = d.personNow ?? ((p: string) => p);
  const outcome = store.transaction((): Refusal | { withdrawn: boolean } => {
    const r = getRequest(d, id);
    const refuse = (refusal: string, code: Refusal['code']): Refusal => {
      auditBy(d, actor, 'remediation.deny', 'denied', r.id, { reason: refusal });
      return { refusal, code };
    };
    const own = now_(r.requestedBy) === now_(personOf(actor));
    const approver = authorize(actor, 'remediation.approve');
    if (!approver && !(own && authorize(actor, 'remediation.request'))) {
      const scope = actor.id.startsWith('apikey:')
        ? "this API key's scope does not include it"
        : `you are ${actor.role}`;
      return refuse(
        `Denying someone else's request needs the approver role (remediation.approve); ${scope}. ` +
          'You may withdraw your own.',
        'forbidden',
      );
    }
    if (!store.move(r.id, 'pending_approval', 'denied', { who: personOf(actor), at: clock() })) {
      return refuse(
        `Request ${r.id} is ${r.state.replace('_', ' ')}; it can no longer be ${own ? 'withdrawn' : 'denied'}.`,
        'conflict',
      );
    }
    auditBy(d, actor, 'remediation.deny', 'ok', r.id, own ? { withdrawn: true } : undefined);
    return { withdrawn: own };
  });
  if ('refusal' in outcome) throw new AppError(outcome.code, outcome.refusal);
  const r = getRequest(d, id);
  d.metrics?.outcome(r.action, 'denied');
  return { request: r, withdrawn: outcome.withdrawn };
}
