/**
 * Reading a request and recording what happens to it: every state change below commits with its
 * audit record (call inside the store's transaction where it says so).
 */
import { personOf, type Principal } from '../auth/permissions';
import { AppError } from '../errors';
import { BREAKER_OPEN_AFTER, type RemediationDeps } from './service-types';
import type { StoredRequest } from './store';
import type { RequestState } from './types';

type AuditOutcome = Parameters<RemediationDeps['audit']['record']>[0]['outcome'];

export function getRequest(d: RemediationDeps, id: string): StoredRequest {
  const r = d.store.get(id.replace(/^#/, '').toLowerCase());
  if (!r) throw new AppError('not_found', `There is no remediation request ${id}.`);
  return r;
}

/** An audit record by `actor` about the request `id` (if any), naming the person behind the credential. */
export function auditBy(
  d: RemediationDeps,
  actor: Principal,
  action: string,
  outcome: AuditOutcome,
  id?: string,
  detail?: Record<string, unknown>,
): void {
  d.audit.record({
    actor: actor.id,
    action,
    outcome,
    ...(id ? { target: `remediation:${id}` } : {}),
    detail: { ...detail, person: personOf(actor) },
  });
}

/** pending_approval -> expired with its audit record; call inside a transaction. True when this call expired it. */
export function expire(d: RemediationDeps, r: StoredRequest, now: number): boolean {
  if (!d.store.move(r.id, 'pending_approval', 'expired', { who: 'system', at: now })) return false;
  d.audit.record({
    actor: 'system',
    action: 'remediation.expire',
    outcome: 'ok',
    target: `remediation:${r.id}`,
  });
  d.metrics?.outcome(r.action, 'expired');
  return true;
}

/** executing (or `from`) -> a final state, its breaker count and its audit record, in one transaction. */
export function finish(
  d: RemediationDeps,
  r: StoredRequest,
  state: 'succeeded' | 'failed' | 'unknown',
  result: NonNullable<StoredRequest['result']>,
  how: { actor: string; detail: Record<string, unknown>; from?: RequestState; breaker?: boolean },
): boolean {
  const { store, clock } = d;
  const done = store.transaction(() => {
    if (!store.finish(r.id, state, clock(), result, how.from)) return false;
    if (how.breaker !== undefined) store.recordOutcome(r.action, r.target, how.breaker, BREAKER_OPEN_AFTER, clock());
    d.audit.record({
      actor: how.actor,
      action: 'remediation.execute',
      outcome: state === 'succeeded' ? 'ok' : 'failed',
      target: `remediation:${r.id}`,
      detail: how.detail,
    });
    return true;
  });
  if (done) d.metrics?.outcome(r.action, state);
  return done;
}
