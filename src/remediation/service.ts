import { personOf, type Principal } from '../auth/permissions';
import { ROLES } from '../auth/roles';
import { AppError } from '../errors';
import { approve, deny } from './approvals';
import { bindingFor, enqueueBounded, executorFor, run } from './execution';
import { policyRefusal } from './policy';
import { auditBy, expire, finish, getRequest } from './records';
import {
  ENQUEUE_WAIT_MS,
  JOB_LIVE,
  within,
  type Decided,
  type Enqueued,
  type NewRemediation,
  type RemediationDeps,
} from './service-types';
import type { StoredRequest } from './store';
import type { RemediationRequest } from './types';
import { remediationJson, type RemediationJson } from './view';

export {
  BREAKER_OPEN_AFTER,
  type Decided,
  type NewRemediation,
  type RemediationDeps,
  type RemediationMetrics,
  type RemediationOutcome,
} from './service-types';

/**
 * Rounds of "pick an id, plan, insert" before giving up (only another writer taking the same id in between needs a
 * second).
 */
const ID_ROUNDS = 3;

/**
 * The flow: request -> plan (dry run) -> policy (freeze, breaker, cooldown, rate, bounds; RBAC is
 * the command layer's) -> approval when required (by people other than the requester, one each,
 * before it expires) -> execute once -> verify -> record. Every state change commits in one
 * SQLite transaction with its audit record, and `recover` puts any approved request whose job
 * is missing back on the queue, so an approval is never lost and never run twice.
 */
export class RemediationService {
  constructor(private readonly d: RemediationDeps) {}

  async request(actor: Principal, input: NewRemediation): Promise<StoredRequest & Enqueued> {
    const { store, catalog, clock } = this.d;
    const spec = catalog.spec(input.action);
    const refused = (message: string) => {
      // A refusal is recorded once, here, whichever way the request came (the command layer does not record it again).
      store.transaction(() =>
        auditBy(this.d, actor, 'remediation.request', 'denied', undefined, {
          action: input.action,
          target: input.target,
          reason: message,
        }),
      );
      return new AppError('forbidden', message);
    };
    if (ROLES.indexOf(actor.role) < ROLES.indexOf(spec.requestRole)) {
      throw refused(
        `Requesting ${input.action} needs the ${spec.requestRole} role (action catalog); you are ${actor.role}.`,
      );
    }
    if (input.action === 'scale') {
      const r = input.params.replicas;
      const bounds = spec.replicas ?? { min: 1, max: 50 };
      if (typeof r !== 'number' || !Number.isInteger(r) || r < bounds.min || r > bounds.max) {
        throw new AppError(
          'bad_request',
          `scale needs replicas from ${bounds.min} to ${bounds.max}` +
            `${r === undefined ? '' : `; you asked for ${String(r)}`}.`,
        );
      }
    }
    const policy = input.dryRun ? undefined : policyRefusal(this.d, input.action, input.target);
    if (policy) throw refused(policy);
    if (input.action === 'runbook' && !input.params.runbook)
      throw new AppError('bad_request', 'Which runbook? e.g. `runbook flush-dns on checkout-api`.');
    const state = input.dryRun ? 'planned' : spec.approvals > 0 ? 'pending_approval' : 'approved';
    const requestedBy = personOf(actor);
    for (let round = 1; ; round++) {
      // An id no request has; the plan may name it (a webhook header), so it is chosen first and
      // the insert re-checks it in the same transaction as the audit record.
      const id = store.freshId(this.d.randomId);
      const request: RemediationRequest = {
        id,
        action: input.action,
        target: input.target,
        params: input.params,
        requestedBy,
      };
      const binding = bindingFor(this.d, request);
      const plan = await executorFor(this.d, binding.kind).plan(request, binding);
      const now = clock();
      const inserted = store.transaction(() => {
        if (
          !store.insert({
            ...request,
            state,
            dryRun: input.dryRun,
            plan,
            approvalsNeeded: spec.approvals,
            origin: input.origin,
            createdAt: now,
            expiresAt: now + catalog.approvalTtlMs,
          })
        )
          return false;
        auditBy(this.d, actor, 'remediation.request', 'ok', id, {
          action: input.action,
          target: input.target,
          params: input.params,
          dryRun: input.dryRun,
          state,
          plan: plan.calls,
        });
        return true;
      });
      if (inserted) {
        const stored = this.get(id);
        return { ...stored, ...(state === 'approved' ? await enqueueBounded(this.d, stored) : { queued: false }) };
      }
      if (round >= ID_ROUNDS) throw new AppError('conflict', 'Could not find a free request id; please ask again.');
    }
  }

  get(id: string): StoredRequest {
    return getRequest(this.d, id);
  }

  exists(id: string): boolean {
    return this.d.store.get(id.replace(/^#/, '').toLowerCase()) !== undefined;
  }

  /** The request as REST answers it (DESIGN.md): plain JSON. */
  view(id: string): RemediationJson {
    const r = this.get(id);
    return remediationJson(r, this.d.store.approvalsOf(r.id), this.d.people ?? (() => undefined));
  }

  /** The requests waiting for approval now (oldest first), as REST answers them; expired ones are left out. */
  pending(): RemediationJson[] {
    const now = this.d.clock();
    const people = this.d.people ?? (() => undefined);
    return this.d.store
      .inState('pending_approval')
      .filter((r) => r.expiresAt >= now)
      .map((r) => remediationJson(r, this.d.store.approvalsOf(r.id), people));
  }

  /** Be told of every change to a request made in this process (its id); returns stop. */
  onChange(listener: (id: string) => void): () => void {
    return this.d.store.onChange(listener);
  }

  /**
   * Adds the approval of the person behind `actor` (whatever credential or chat link they came
   * with); when it is the last one needed, exactly one caller moves the request to approved
   * (approvals.ts).
   */
  approve(actor: Principal, id: string): Promise<Decided> {
    return approve(this.d, actor, id);
  }

  /** Denies a pending request, or the requester withdraws their own (approvals.ts). */
  deny(actor: Principal, id: string): { request: StoredRequest; withdrawn: boolean } {
    return deny(this.d, actor, id);
  }

  freeze(actor: Principal, on: boolean): void {
    this.d.store.transaction(() => {
      this.d.store.setFrozen(on ? { by: actor.name, at: this.d.clock() } : undefined);
      auditBy(this.d, actor, on ? 'remediation.freeze' : 'remediation.unfreeze', 'ok');
    });
  }

  /** The worker's part: claim, execute, verify, record (execution.ts). */
  run(id: string, options: { signal: AbortSignal; progress(message: string): void }): Promise<StoredRequest> {
    return run(this.d, id, options);
  }

  /**
   * Makes sure nothing approved is left behind (run at start and periodically): an approved
   * request without a job is put on the queue again (job id = request id, and `run` claims it by
   * compare-and-set, so it cannot run twice); one whose job ended without running it (cancelled,
   * failed) is marked failed; pending requests past their time expire.
   */
  async recover(): Promise<{ enqueued: string[]; settled: string[]; expired: string[] }> {
    const { store, clock } = this.d;
    const wait = this.d.enqueueWaitMs ?? ENQUEUE_WAIT_MS;
    const now = clock();
    const expired = store.expiredPending(now).filter((r) => store.transaction(() => expire(this.d, r, now)));
    const enqueued: string[] = [];
    const settled: string[] = [];
    for (const r of store.inState('approved')) {
      // A queue that does not answer ends the round (it is retried on the next one).
      const job = this.d.jobState ? await within(this.d.jobState(r.id), wait) : undefined;
      if (job === undefined) {
        await within(this.d.enqueue(r), wait);
        enqueued.push(r.id);
      } else if (!JOB_LIVE.has(job)) {
        if (this.settleUnrun(r.id, job)) settled.push(r.id);
      }
    }
    return { enqueued, settled, expired: expired.map((r) => r.id) };
  }

  /**
   * An approved request whose job ended without running it (`job`: cancelled, failed, completed)
   * becomes failed, "not run", at once (recovery finds the rest). The request after it, or
   * undefined when it was not waiting to run (a worker had claimed it, or it had ended).
   */
  settleUnrun(id: string, job: string, actor = 'system'): StoredRequest | undefined {
    const r = this.d.store.get(id);
    if (r?.state !== 'approved') return undefined;
    const summary = `Not run: its job was ${job} before it started. Ask again if it is still needed.`;
    return finish(this.d, r, 'failed', { ok: false, summary }, { actor, from: 'approved', detail: { summary, job } })
      ? this.get(id)
      : undefined;
  }
}
