import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/permissions';
import type { AuditLog } from '../auth/types';
import type { Clock } from '../clock';
import { ROLES } from '../config/schema';
import { AppError } from '../errors';
import type { ActionCatalog } from './catalog';
import type { Origin, RemediationStore, StoredRequest } from './store';
import { render } from './executors/params';
import type { ActionName, Binding, Executor, ExecutorKind, RemediationRequest } from './types';

/** Consecutive failures of one action on one target that open its breaker. */
export const BREAKER_OPEN_AFTER = 3;

export interface RemediationDeps {
  store: RemediationStore;
  catalog: ActionCatalog;
  executors: Partial<Record<ExecutorKind, Executor>>;
  audit: AuditLog;
  clock: Clock;
  /** Puts the request's execution on the queue (job id = request id, so a duplicate adds nothing). */
  enqueue(request: StoredRequest): Promise<void>;
}

export interface NewRemediation {
  action: ActionName;
  target: string;
  params: RemediationRequest['params'];
  dryRun: boolean;
  origin: Origin;
}

/**
 * The flow: request -> plan (dry run) -> policy (freeze, breaker, cooldown, rate, bounds; RBAC is
 * the command layer's) -> approval when required (not by the requester, single use, expires) ->
 * execute once -> verify -> record. Every step is audited.
 */
export class RemediationService {
  constructor(private readonly d: RemediationDeps) {}

  async request(actor: Principal, input: NewRemediation): Promise<StoredRequest> {
    const { store, catalog, clock } = this.d;
    const spec = catalog.spec(input.action);
    if (ROLES.indexOf(actor.role) < ROLES.indexOf(spec.requestRole)) {
      throw new AppError('forbidden', `Requesting ${input.action} needs the ${spec.requestRole} role (action catalog); you are ${actor.role}.`);
    }
    if (input.action === 'scale') {
      const r = input.params.replicas;
      const bounds = spec.replicas ?? { min: 1, max: 50 };
      if (typeof r !== 'number' || !Number.isInteger(r) || r < bounds.min || r > bounds.max) {
        throw new AppError('bad_request', `scale needs replicas from ${bounds.min} to ${bounds.max}${r === undefined ? '' : `; you asked for ${String(r)}`}.`);
      }
    }
    if (!input.dryRun) this.checkPolicy(input.action, input.target);
    if (input.action === 'runbook' && !input.params.runbook) throw new AppError('bad_request', 'Which runbook? e.g. `runbook flush-dns on checkout-api`.');
    const id = `r${randomBytes(3).toString('hex')}`;
    const request: RemediationRequest = { id, action: input.action, target: input.target, params: input.params, requestedBy: actor.id };
    const binding = this.binding(request);
    const plan = await this.executor(binding.kind).plan(request, binding);
    const now = clock();
    const state = input.dryRun ? 'planned' : spec.approvals > 0 ? 'pending_approval' : 'approved';
    store.insert({ ...request, state, dryRun: input.dryRun, plan, approvalsNeeded: spec.approvals, origin: input.origin, createdAt: now, expiresAt: now + catalog.approvalTtlMs });
    this.d.audit.record({ actor: actor.id, action: 'remediation.request', outcome: 'ok', target: `remediation:${id}`, detail: { action: input.action, target: input.target, params: input.params, dryRun: input.dryRun, state, plan: plan.calls } });
    const stored = this.get(id);
    if (state === 'approved') await this.d.enqueue(stored);
    return stored;
  }

  get(id: string): StoredRequest {
    const r = this.d.store.get(id.replace(/^#/, '').toLowerCase());
    if (!r) throw new AppError('not_found', `There is no remediation request ${id}.`);
    return r;
  }

  /** Adds `actor`'s approval; when it is the last one needed, exactly one caller moves it to approved and enqueues it. */
  async approve(actor: Principal, id: string): Promise<{ request: StoredRequest; started: boolean }> {
    const { store, clock } = this.d;
    const now = clock();
    const outcome = store.transaction(() => {
      const r = this.get(id);
      if (r.state === 'pending_approval' && now > r.expiresAt) {
        store.move(r.id, 'pending_approval', 'expired', { who: 'system', at: now });
        return { refusal: `Request ${r.id} expired at ${new Date(r.expiresAt).toISOString()}; ask again if it is still needed.` };
      }
      if (r.state !== 'pending_approval') return { refusal: `Request ${r.id} is ${r.state.replace('_', ' ')}; there is nothing to approve.` };
      if (r.requestedBy === actor.id) return { refusal: `You asked for ${r.id}; someone else with the approver role must approve it.`, forbidden: true };
      const approvers = store.approve(r.id, actor, now);
      const started = approvers.length >= r.approvalsNeeded && store.move(r.id, 'pending_approval', 'approved', { who: actor.id, at: now });
      return { started };
    });
    if ('refusal' in outcome) {
      this.d.audit.record({ actor: actor.id, action: 'remediation.approve', outcome: 'denied', target: `remediation:${id}`, detail: { reason: outcome.refusal } });
      throw new AppError(outcome.forbidden ? 'forbidden' : 'conflict', outcome.refusal ?? 'refused');
    }
    const request = this.get(id);
    this.d.audit.record({ actor: actor.id, action: 'remediation.approve', outcome: 'ok', target: `remediation:${request.id}`, detail: { approvers: request.approvers, started: outcome.started } });
    if (outcome.started) await this.d.enqueue(request);
    return { request, started: outcome.started };
  }

  deny(actor: Principal, id: string): StoredRequest {
    const r = this.get(id);
    if (!this.d.store.move(r.id, 'pending_approval', 'denied', { who: actor.id, at: this.d.clock() })) {
      throw new AppError('conflict', `Request ${r.id} is ${r.state.replace('_', ' ')}; it can no longer be denied.`);
    }
    this.d.audit.record({ actor: actor.id, action: 'remediation.deny', outcome: 'ok', target: `remediation:${r.id}` });
    return this.get(r.id);
  }

  freeze(actor: Principal, on: boolean): void {
    this.d.store.setFrozen(on ? { by: actor.name, at: this.d.clock() } : undefined);
    this.d.audit.record({ actor: actor.id, action: on ? 'remediation.freeze' : 'remediation.unfreeze', outcome: 'ok' });
  }

  /**
   * The worker's part: claim (approved -> executing, once), execute, verify, record. A request
   * found already executing was started by a run that died: it is not run again but marked
   * unknown, for a human to check.
   */
  async run(id: string, options: { signal: AbortSignal; progress(message: string): void }): Promise<StoredRequest> {
    const { store, clock, audit } = this.d;
    const r = this.get(id);
    if (r.state === 'executing') {
      store.finish(r.id, 'unknown', clock(), { ok: false, summary: 'The worker running it stopped mid-way; it was not run again. Check the target before asking again.' });
      audit.record({ actor: 'system', action: 'remediation.execute', outcome: 'failed', target: `remediation:${r.id}`, detail: { state: 'unknown' } });
      return this.get(id);
    }
    if (r.state !== 'approved' || !store.claim(r.id, clock())) return this.get(id);
    let result: NonNullable<StoredRequest['result']>;
    const frozen = store.frozen();
    if (frozen) {
      result = { ok: false, summary: `Not run: remediation is frozen (by ${frozen.by}).` };
    } else {
      const binding = this.binding(r);
      const executor = this.executor(binding.kind);
      try {
        result = await executor.execute(r, binding, options);
        if (result.ok && executor.verify) result = { ...result, verified: await executor.verify(r, binding, options) };
      } catch (err) {
        result = { ok: false, summary: err instanceof AppError ? err.userMessage : 'The executor failed; see the logs.' };
      }
      store.recordOutcome(r.action, r.target, result.ok && result.verified?.ok !== false, BREAKER_OPEN_AFTER, clock());
    }
    store.finish(r.id, result.ok ? 'succeeded' : 'failed', clock(), result);
    audit.record({ actor: r.requestedBy, action: 'remediation.execute', outcome: result.ok ? 'ok' : 'failed', target: `remediation:${r.id}`, detail: { approvers: r.approvers, summary: result.summary, verified: result.verified?.summary ?? null } });
    return this.get(id);
  }

  private checkPolicy(action: ActionName, target: string): void {
    const { store, catalog, clock } = this.d;
    const frozen = store.frozen();
    if (frozen) throw new AppError('forbidden', `Remediation is frozen (by ${frozen.by}); an admin can \`unfreeze\`.`);
    const breaker = store.breaker(action, target);
    if (breaker.openedAt !== null) throw new AppError('forbidden', `The breaker for ${action} on ${target} is open after ${breaker.failures} failures in a row; an admin must reset it.`);
    const spec = catalog.spec(action);
    const now = clock();
    const last = store.lastRunAt(action, target);
    if (last !== null && now - last < spec.cooldownS * 1000) {
      throw new AppError('forbidden', `${action} ran on ${target} ${Math.round((now - last) / 1000)} s ago; its cooldown is ${spec.cooldownS} s.`);
    }
    if (store.runsSince(action, target, now - 3_600_000) >= spec.maxPerHour) {
      throw new AppError('forbidden', `${action} on ${target} already ran ${spec.maxPerHour} times in the last hour (the limit).`);
    }
  }

  /** The catalog's binding for the request; a runbook's script name may come from the request (`{runbook}.sh`), checked like any value. */
  private binding(r: RemediationRequest): Binding {
    const binding = this.d.catalog.binding(r.action, r.target);
    return binding.kind === 'shell' ? { ...binding, script: render(binding.script, r) } : binding;
  }

  private executor(kind: ExecutorKind): Executor {
    const e = this.d.executors[kind];
    if (!e) throw new AppError('unavailable', `The ${kind} executor is not configured here.`);
    return e;
  }
}
