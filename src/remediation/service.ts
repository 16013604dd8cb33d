import { authorize, personOf, type Principal } from '../auth/permissions';
import type { AuditEvent, AuditLog } from '../audit/types';
import type { Clock } from '../clock';
import { ROLES } from '../auth/roles';
import { AppError, errorMessage } from '../errors';
import type { Logger } from '../log/logger';
import type { ActionCatalog } from './catalog';
import type { Origin, RemediationStore, RequestState, StoredRequest } from './store';
import { render } from './executors/params';
import type { ActionName, Binding, Executor, ExecutorKind, RemediationRequest } from './types';
import { remediationJson, type People, type RemediationJson } from './view';
import { withinMs } from '../queue/shared';

/** Consecutive failures of one action on one target that open its breaker. */
export const BREAKER_OPEN_AFTER = 3;
/** How long a request or an approval waits for the queue before answering that it will start later. */
const ENQUEUE_WAIT_MS = 5_000;
/** Rounds of "pick an id, plan, insert" before giving up (only another writer taking the same id in between needs a second). */
const ID_ROUNDS = 3;

/** How a request ended, for remediations_total{action,outcome}. */
export type RemediationOutcome = 'succeeded' | 'failed' | 'unknown' | 'denied' | 'expired';

export interface RemediationMetrics {
  outcome(action: ActionName, outcome: RemediationOutcome): void;
  /** Seconds from the request to its last needed approval. */
  approvalWait(seconds: number): void;
}

export interface RemediationDeps {
  store: RemediationStore;
  catalog: ActionCatalog;
  executors: Partial<Record<ExecutorKind, Executor>>;
  /** On the store's database, so a state change and its audit record commit together. */
  audit: AuditLog;
  clock: Clock;
  /** Puts the request's execution on the queue (job id = request id, so a duplicate adds nothing). */
  enqueue(request: StoredRequest): Promise<void>;
  /** The state of the request's job (job id = request id), or undefined when there is none. */
  jobState?(id: string): Promise<string | undefined>;
  metrics?: RemediationMetrics;
  /** The person a stored person id stands for now (identity.ts `personNow`: a chat id linked since); default: itself. */
  personNow?: (person: string) => string;
  /** Names and emails of people, for REST answers. */
  people?: People;
  log?: Logger;
  /** The random part of new request ids (tests inject collisions); 6 hex digits. */
  randomId?: () => string;
  enqueueWaitMs?: number;
}

export interface NewRemediation {
  action: ActionName;
  target: string;
  params: RemediationRequest['params'];
  dryRun: boolean;
  origin: Origin;
}

/**
 * `queued` is false when the queue could not take the job now: the request is recorded and
 * recovery starts it later; `queueProblem` then says why, in words for the user (it names the queue).
 */
export interface Decided {
  request: StoredRequest;
  started: boolean;
  queued: boolean;
  queueProblem?: string;
}

/** What `request` and `approve` tell about the enqueue (see Decided). */
type Enqueued = Pick<Decided, 'queued' | 'queueProblem'>;

type Refusal = { refusal: string; code: 'forbidden' | 'conflict' };

const JOB_LIVE = new Set(['waiting', 'delayed', 'active']);

/** `p`, or a rejection once `ms` have passed (a dead or frozen queue must not hang the caller). */
const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  withinMs(p, ms, () => new Error(`the queue did not answer within ${ms} ms`));

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
        this.audit(actor, 'remediation.request', 'denied', undefined, {
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
          `scale needs replicas from ${bounds.min} to ${bounds.max}${r === undefined ? '' : `; you asked for ${String(r)}`}.`,
        );
      }
    }
    const policy = input.dryRun ? undefined : this.policyRefusal(input.action, input.target);
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
      const binding = this.binding(request);
      const plan = await this.executor(binding.kind).plan(request, binding);
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
        this.audit(actor, 'remediation.request', 'ok', id, {
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
        return { ...stored, ...(state === 'approved' ? await this.enqueue(stored) : { queued: false }) };
      }
      if (round >= ID_ROUNDS) throw new AppError('conflict', 'Could not find a free request id; please ask again.');
    }
  }

  get(id: string): StoredRequest {
    const r = this.d.store.get(id.replace(/^#/, '').toLowerCase());
    if (!r) throw new AppError('not_found', `There is no remediation request ${id}.`);
    return r;
  }

  exists(id: string): boolean {
    return this.d.store.get(id.replace(/^#/, '').toLowerCase()) !== undefined;
  }

  /** The request as REST answers it (DESIGN.md): plain JSON. */
  view(id: string): RemediationJson {
    const r = this.get(id);
    return remediationJson(r, this.d.store.approvalsOf(r.id), this.d.people ?? (() => undefined));
  }

  /**
   * Adds the approval of the person behind `actor` (whatever credential or chat link they came
   * with); when it is the last one needed, exactly one caller moves the request to approved. The
   * approval, the state change and their audit record commit together; the job follows.
   */
  async approve(actor: Principal, id: string): Promise<Decided> {
    const { store, clock } = this.d;
    const person = personOf(actor);
    const now = clock();
    const outcome = store.transaction((): Refusal | { request: StoredRequest; started: boolean } => {
      const r = this.get(id);
      const refuse = (refusal: string, code: Refusal['code']): Refusal => {
        this.audit(actor, 'remediation.approve', 'denied', r.id, { reason: refusal });
        return { refusal, code };
      };
      if (r.state === 'pending_approval' && now > r.expiresAt) {
        this.expire(r, now);
        return refuse(
          `Request ${r.id} expired at ${new Date(r.expiresAt).toISOString()}; ask again if it is still needed.`,
          'conflict',
        );
      }
      if (r.state !== 'pending_approval')
        return refuse(`Request ${r.id} is ${r.state.replace('_', ' ')}; there is nothing to approve.`, 'conflict');
      // People as they are now: a chat id that asked or approved and was linked to a user since is that user.
      const now_ = this.d.personNow ?? ((p: string) => p);
      const me = now_(person);
      const requester = now_(r.requestedBy);
      if (requester === me)
        return refuse(
          `You asked for ${r.id}; someone else with the approver role must approve it (another credential of yours does not count).`,
          'forbidden',
        );
      // Who counts: each person once, never the requester.
      const counted = new Set(r.approvers.map(now_).filter((p) => p !== requester));
      if (counted.has(me) || !store.approve(r.id, { id: person, name: actor.name }, now)) {
        return refuse(
          `You already approved ${r.id}; it needs ${Math.max(1, r.approvalsNeeded - counted.size)} more approval(s) from someone else.`,
          'conflict',
        );
      }
      counted.add(me);
      // The approval that would start it meets policy now (freeze, breaker, cooldown, rate), not only at the request: else it stays pending.
      const policy =
        counted.size >= r.approvalsNeeded && !r.dryRun ? this.policyRefusal(r.action, r.target) : undefined;
      if (policy) {
        store.unapprove(r.id, person);
        return refuse(`${policy} ${r.id} stays pending; approve it again once that allows.`, 'forbidden');
      }
      const approvers = [...r.approvers, person];
      const started =
        counted.size >= r.approvalsNeeded && store.move(r.id, 'pending_approval', 'approved', { who: person, at: now });
      this.audit(actor, 'remediation.approve', 'ok', r.id, { approvers, started });
      return { request: r, started };
    });
    if ('refusal' in outcome) throw new AppError(outcome.code, outcome.refusal);
    if (outcome.started) this.d.metrics?.approvalWait(Math.max(0, now - outcome.request.createdAt) / 1000);
    const request = this.get(outcome.request.id);
    return {
      request,
      started: outcome.started,
      ...(outcome.started ? await this.enqueue(request) : { queued: false }),
    };
  }

  /**
   * Denies a pending request: an approver's decision, or the requester withdrawing their own
   * (whichever credential or chat link they use; withdrawing only makes less happen, so it needs no
   * approver). `withdrawn` says which.
   */
  deny(actor: Principal, id: string): { request: StoredRequest; withdrawn: boolean } {
    const { store, clock } = this.d;
    const now_ = this.d.personNow ?? ((p: string) => p);
    const outcome = store.transaction((): Refusal | { withdrawn: boolean } => {
      const r = this.get(id);
      const refuse = (refusal: string, code: Refusal['code']): Refusal => {
        this.audit(actor, 'remediation.deny', 'denied', r.id, { reason: refusal });
        return { refusal, code };
      };
      const own = now_(r.requestedBy) === now_(personOf(actor));
      const approver = authorize(actor, 'remediation.approve');
      if (!approver && !(own && authorize(actor, 'remediation.request'))) {
        return refuse(
          `Denying someone else's request needs the approver role (remediation.approve); ${actor.id.startsWith('apikey:') ? "this API key's scope does not include it" : `you are ${actor.role}`}. You may withdraw your own.`,
          'forbidden',
        );
      }
      if (!store.move(r.id, 'pending_approval', 'denied', { who: personOf(actor), at: clock() })) {
        return refuse(
          `Request ${r.id} is ${r.state.replace('_', ' ')}; it can no longer be ${own ? 'withdrawn' : 'denied'}.`,
          'conflict',
        );
      }
      this.audit(actor, 'remediation.deny', 'ok', r.id, own ? { withdrawn: true } : undefined);
      return { withdrawn: own };
    });
    if ('refusal' in outcome) throw new AppError(outcome.code, outcome.refusal);
    const r = this.get(id);
    this.d.metrics?.outcome(r.action, 'denied');
    return { request: r, withdrawn: outcome.withdrawn };
  }

  freeze(actor: Principal, on: boolean): void {
    this.d.store.transaction(() => {
      this.d.store.setFrozen(on ? { by: actor.name, at: this.d.clock() } : undefined);
      this.audit(actor, on ? 'remediation.freeze' : 'remediation.unfreeze', 'ok');
    });
  }

  /**
   * The worker's part: claim (approved -> executing, once), execute, verify, record. A request
   * found already executing was started by a run that died: it is not run again but marked
   * unknown, for a human to check.
   */
  async run(id: string, options: { signal: AbortSignal; progress(message: string): void }): Promise<StoredRequest> {
    const { store, clock } = this.d;
    const r = this.get(id);
    if (r.state === 'executing') {
      this.finish(
        r,
        'unknown',
        {
          ok: false,
          summary: 'The worker running it stopped mid-way; it was not run again. Check the target before asking again.',
        },
        { actor: 'system', detail: { state: 'unknown' } },
      );
      return this.get(id);
    }
    if (r.state !== 'approved') return r;
    // Policy again, atomically with the claim (across processes): requests approved together cannot beat a freeze, breaker, cooldown or rate.
    const claim = store.transaction(
      () => this.policyRefusal(r.action, r.target) ?? (store.claim(r.id, clock()) ? 'claimed' : 'taken'),
    );
    if (claim === 'taken') return this.get(id);
    if (claim !== 'claimed') {
      const summary = `Not run: ${claim} Ask again if it is still needed.`;
      this.finish(
        r,
        'failed',
        { ok: false, summary },
        { actor: 'system', from: 'approved', detail: { summary, policy: claim } },
      );
      return this.get(id);
    }
    let result: NonNullable<StoredRequest['result']>;
    try {
      // Inside the try: a binding or executor missing since the request was planned fails it, not leaves it executing.
      const binding = this.binding(r);
      const executor = this.executor(binding.kind);
      result = await executor.execute(r, binding, options);
      if (result.ok && executor.verify) result = { ...result, verified: await executor.verify(r, binding, options) };
    } catch (err) {
      result = { ok: false, summary: err instanceof AppError ? err.userMessage : 'The executor failed; see the logs.' };
    }
    const ok = result.ok;
    this.finish(r, ok ? 'succeeded' : 'failed', result, {
      actor: r.requestedBy,
      detail: { approvers: r.approvers, summary: result.summary, verified: result.verified?.summary ?? null },
      breaker: ok && result.verified?.ok !== false,
    });
    return this.get(id);
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
    const expired = store.expiredPending(now).filter((r) => store.transaction(() => this.expire(r, now)));
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
    return this.finish(r, 'failed', { ok: false, summary }, { actor, from: 'approved', detail: { summary, job } })
      ? this.get(id)
      : undefined;
  }

  /** pending_approval -> expired with its audit record; call inside a transaction. True when this call expired it. */
  private expire(r: StoredRequest, now: number): boolean {
    if (!this.d.store.move(r.id, 'pending_approval', 'expired', { who: 'system', at: now })) return false;
    this.d.audit.record({
      actor: 'system',
      action: 'remediation.expire',
      outcome: 'ok',
      target: `remediation:${r.id}`,
    });
    this.d.metrics?.outcome(r.action, 'expired');
    return true;
  }

  /** executing (or `from`) -> a final state, its breaker count and its audit record, in one transaction. */
  private finish(
    r: StoredRequest,
    state: 'succeeded' | 'failed' | 'unknown',
    result: NonNullable<StoredRequest['result']>,
    how: { actor: string; detail: Record<string, unknown>; from?: RequestState; breaker?: boolean },
  ): boolean {
    const { store, clock } = this.d;
    const done = store.transaction(() => {
      if (!store.finish(r.id, state, clock(), result, how.from)) return false;
      if (how.breaker !== undefined) store.recordOutcome(r.action, r.target, how.breaker, BREAKER_OPEN_AFTER, clock());
      this.d.audit.record({
        actor: how.actor,
        action: 'remediation.execute',
        outcome: state === 'succeeded' ? 'ok' : 'failed',
        target: `remediation:${r.id}`,
        detail: how.detail,
      });
      return true;
    });
    if (done) this.d.metrics?.outcome(r.action, state);
    return done;
  }

  /** Puts the request on the queue, waiting a bounded time: not queued (logged, with why) when the queue cannot take it now; recovery retries. */
  private async enqueue(r: StoredRequest): Promise<Enqueued> {
    try {
      await within(this.d.enqueue(r), this.d.enqueueWaitMs ?? ENQUEUE_WAIT_MS);
      return { queued: true };
    } catch (err) {
      this.d.log?.warn('remediation approved but not queued yet; recovery will queue it', {
        request: r.id,
        err: errorMessage(err),
      });
      return {
        queued: false,
        queueProblem: err instanceof AppError ? err.userMessage : 'The job queue is not answering.',
      };
    }
  }

  private audit(
    actor: Principal,
    action: string,
    outcome: AuditEvent['outcome'],
    id?: string,
    detail?: Record<string, unknown>,
  ): void {
    this.d.audit.record({
      actor: actor.id,
      action,
      outcome,
      ...(id ? { target: `remediation:${id}` } : {}),
      detail: { ...detail, person: personOf(actor) },
    });
  }

  /** Why policy refuses the action now, or undefined. */
  private policyRefusal(action: ActionName, target: string): string | undefined {
    const { store, catalog, clock } = this.d;
    const frozen = store.frozen();
    if (frozen) return `Remediation is frozen (by ${frozen.by}); an admin can \`unfreeze\`.`;
    const breaker = store.breaker(action, target);
    if (breaker.openedAt !== null)
      return `The breaker for ${action} on ${target} is open after ${breaker.failures} failures in a row; an admin must reset it.`;
    const spec = catalog.spec(action);
    const now = clock();
    const last = store.lastRunAt(action, target);
    if (last !== null && now - last < spec.cooldownS * 1000)
      return `${action} ran on ${target} ${Math.round((now - last) / 1000)} s ago; its cooldown is ${spec.cooldownS} s.`;
    if (store.runsSince(action, target, now - 3_600_000) >= spec.maxPerHour)
      return `${action} on ${target} already ran ${spec.maxPerHour} times in the last hour (the limit).`;
    return undefined;
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
