/**
 * Execution: the worker's claim (approved -> executing, once), the executor's run and verify, the
 * result recorded; and the bounded enqueue that hands an approved request to the queue.
 */
import { AppError, errorMessage } from '../errors';
import { render } from './executors/params';
import { policyRefusal } from './policy';
import { finish, getRequest } from './records';
import { ENQUEUE_WAIT_MS, within, type Enqueued, type RemediationDeps } from './service-types';
import type { StoredRequest } from './store';
import type { Binding, Executor, ExecutorKind, RemediationRequest } from './types';

/**
 * The catalog's binding for the request; a runbook's script name may come from the request
 * (`{runbook}.sh`), checked like any value.
 */
export function bindingFor(d: RemediationDeps, r: RemediationRequest): Binding {
  const binding = d.catalog.binding(r.action, r.target);
  return binding.kind === 'shell' ? { ...binding, script: render(binding.script, r) } : binding;
}

export function executorFor(d: RemediationDeps, kind: ExecutorKind): Executor {
  const e = d.executors[kind];
  if (!e) throw new AppError('unavailable', `The ${kind} executor is not configured here.`);
  return e;
}

/**
 * Puts the request on the queue, waiting a bounded time: not queued (logged, with why) when the
 * queue cannot take it now; recovery retries.
 */
export async function enqueueBounded(d: RemediationDeps, r: StoredRequest): Promise<Enqueued> {
  try {
    await within(d.enqueue(r), d.enqueueWaitMs ?? ENQUEUE_WAIT_MS);
    return { queued: true };
  } catch (err) {
    d.log?.warn('remediation approved but not queued yet; recovery will queue it', {
      request: r.id,
      err: errorMessage(err),
    });
    return {
      queued: false,
      queueProblem: err instanceof AppError ? err.userMessage : 'The job queue is not answering.',
    };
  }
}

/** Runs the claimed request's executor, then its verification; any throw is a failed result. */
async function execute(
  d: RemediationDeps,
  r: StoredRequest,
  options: { signal: AbortSignal; progress(message: string): void },
): Promise<NonNullable<StoredRequest['result']>> {
  let result: NonNullable<StoredRequest['result']>;
  try {
    // Inside the try: a binding or executor missing since the request was planned fails it, not leaves it executing.
    const binding = bindingFor(d, r);
    const executor = executorFor(d, binding.kind);
    result = await executor.execute(r, binding, options);
    if (result.ok && executor.verify) result = { ...result, verified: await executor.verify(r, binding, options) };
  } catch (err) {
    result = { ok: false, summary: err instanceof AppError ? err.userMessage : 'The executor failed; see the logs.' };
  }
  return result;
}

/**
 * The worker's part: claim (approved -> executing, once), execute, verify, record. A request
 * found already executing was started by a run that died: it is not run again but marked
 * unknown, for a human to check.
 */
export async function run(
  d: RemediationDeps,
  id: string,
  options: { signal: AbortSignal; progress(message: string): void },
): Promise<StoredRequest> {
  const { store, clock } = d;
  const r = getRequest(d, id);
  if (r.state === 'executing') {
    finish(
      d,
      r,
      'unknown',
      {
        ok: false,
        summary: 'The worker running it stopped mid-way; it was not run again. Check the target before asking again.',
      },
      { actor: 'system', detail: { state: 'unknown' } },
    );
    return getRequest(d, id);
  }
  if (r.state !== 'approved') return r;
  // Policy again, atomically with the claim (across processes): requests approved together cannot
  // beat a freeze, breaker, cooldown or rate.
  const claim = store.transaction(
    () => policyRefusal(d, r.action, r.target) ?? (store.claim(r.id, clock()) ? 'claimed' : 'taken'),
  );
  if (claim === 'taken') return getRequest(d, id);
  if (claim !== 'claimed') {
    const summary = `Not run: ${claim} Ask again if it is still needed.`;
    finish(
      d,
      r,
      'failed',
      { ok: false, summary },
      { actor: 'system', from: 'approved', detail: { summary, policy: claim } },
    );
    return getRequest(d, id);
  }
  const result = await execute(d, r, options);
  const ok = result.ok;
  finish(d, r, ok ? 'succeeded' : 'failed', result, {
    actor: r.requestedBy,
    detail: { approvers: r.approvers, summary: result.summary, verified: result.verified?.summary ?? null },
    breaker: ok && result.verified?.ok !== false,
  });
  return getRequest(d, id);
}
