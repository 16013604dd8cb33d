/**
 * The Kubernetes executor: restart, scale and rollback of one Deployment through the official
 * client (@kubernetes/client-node), sending exactly the requests kubectl sends:
 *
 *   restart  = kubectl rollout restart deployment/NAME -n NS
 *              PATCH .../deployments/NAME?fieldManager=kubectl-rollout  (strategic merge patch)
 *              {"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":RFC3339}}}}}
 *   scale    = kubectl scale deployment/NAME --replicas=N -n NS
 *              PATCH .../deployments/NAME/scale  (merge patch)  {"spec":{"replicas":N}}
 *   rollback = kubectl rollout undo deployment/NAME -n NS
 *              list the Deployment's ReplicaSets, take the previous revision, then
 *              PATCH .../deployments/NAME  (JSON patch) replacing /spec/template (minus the
 *              pod-template-hash label) and /metadata/annotations, as kubectl's DeploymentRollbacker does.
 *
 * After the one write, execute waits like `kubectl rollout status` (polymorphichelpers
 * DeploymentStatusViewer). The folder: `rollout.ts` holds the rules as pure functions, `errors.ts`
 * the API errors, `client.ts` the I/O, `prepare.ts` what each action writes; this file is the port.
 */
import { AppError } from '../../../errors';
import type {
  Binding,
  ExecuteOptions,
  ExecutionResult,
  Executor,
  Plan,
  RemediationRequest,
  VerifyResult,
} from '../../types';
import { connector, readDeployment, send } from './client';
import { cancelled } from './errors';
import { prepare } from './prepare';
import { deploymentPath, rolloutStatus, where, type RolloutStatus } from './rollout';
import type { KubernetesBinding, KubernetesExecutorOptions, KubeState, Prepared, Write } from './types';

export type { KubernetesExecutorOptions } from './types';

function describeWrite(w: Write): string {
  const query = new URLSearchParams(w.query).toString();
  return `${w.method} ${w.path}${query ? `?${query}` : ''} (${w.contentType}) ${JSON.stringify(w.body)}`;
}

/** Ends a clause as a sentence, once (condition messages from the API often carry their own period). */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function bindingOf(binding: Binding): KubernetesBinding {
  if (binding.kind !== 'kubernetes') {
    throw new AppError('bad_request', `The Kubernetes executor was given a ${binding.kind} binding.`);
  }
  return binding;
}

/** Polls like `kubectl rollout status` until done, failed, timed out or cancelled. */
async function waitForRollout(
  state: KubeState,
  b: KubernetesBinding,
  options: ExecuteOptions,
  wrote: boolean,
): Promise<RolloutStatus & { timedOut: boolean }> {
  const { now, pollMs } = state;
  const deadline = now().getTime() + b.rolloutTimeoutMs;
  let last = '';
  for (;;) {
    if (options.signal.aborted) throw cancelled(b, wrote);
    let status: RolloutStatus;
    try {
      status = rolloutStatus(await readDeployment(state, b, options.signal));
    } catch (err) {
      if (options.signal.aborted) throw cancelled(b, wrote);
      throw err;
    }
    if (status.message !== last) {
      options.progress(`rollout: ${status.message}`);
      last = status.message;
    }
    if (status.done || status.failed) return { ...status, timedOut: false };
    if (now().getTime() >= deadline) return { ...status, timedOut: true };
    await sleep(Math.min(pollMs, Math.max(0, deadline - now().getTime())), options.signal);
  }
}

async function plan(state: KubeState, request: RemediationRequest, binding: Binding): Promise<Plan> {
  const b = bindingOf(binding);
  const p = await prepare(state, request, b);
  const calls = [`GET ${deploymentPath(b)}`];
  if (p.write) {
    calls.push(describeWrite(p.write));
    const atMost = seconds(b.rolloutTimeoutMs);
    calls.push(`GET ${deploymentPath(b)} every ${seconds(state.pollMs)} until rolled out (at most ${atMost})`);
  }
  return { executor: 'kubernetes', calls, current: p.current, desired: p.desired, blastRadius: p.blastRadius };
}

async function execute(
  state: KubeState,
  request: RemediationRequest,
  binding: Binding,
  options: ExecuteOptions,
): Promise<ExecutionResult> {
  const b = bindingOf(binding);
  if (options.signal.aborted) throw cancelled(b, false);
  let p: Prepared;
  try {
    p = await prepare(state, request, b, options.signal);
  } catch (err) {
    if (options.signal.aborted) throw cancelled(b, false);
    throw err;
  }
  if (!p.write) return { ok: true, summary: p.skipped ?? p.done, detail: { skipped: true, current: p.current } };
  if (options.signal.aborted) throw cancelled(b, false);
  await send(state, p.write, b, options.signal);
  options.progress(`${p.done}; waiting for the rollout`);
  const status = await waitForRollout(state, b, options, true);
  const detail = {
    request: describeWrite(p.write),
    before: p.current,
    desired: p.desired,
    rollout: status.message,
  };
  if (status.failed) {
    return { ok: false, summary: sentence(`${p.done}, but the rollout failed: ${status.message}`), detail };
  }
  if (status.timedOut) {
    return {
      ok: false,
      summary: `${p.done}, but the rollout did not finish within ${seconds(b.rolloutTimeoutMs)} (${status.message}).`,
      detail,
    };
  }
  return { ok: true, summary: `${p.done}; the rollout finished.`, detail };
}

async function verify(state: KubeState, binding: Binding, options: ExecuteOptions): Promise<VerifyResult> {
  const b = bindingOf(binding);
  const status = rolloutStatus(await readDeployment(state, b, options.signal));
  return {
    ok: status.done,
    summary: sentence(
      status.done ? `${where(b)}: ${status.message}` : `${where(b)} has not rolled out: ${status.message}`,
    ),
  };
}

export function createKubernetesExecutor(options: KubernetesExecutorOptions = {}): Executor {
  if (options.inCluster && options.kubeconfigPath) {
    throw new AppError('config_invalid', 'The Kubernetes executor takes either kubeconfigPath or inCluster, not both.');
  }
  const pollMs = options.pollMs ?? 1000;
  if (!Number.isFinite(pollMs) || pollMs <= 0) {
    throw new AppError(
      'config_invalid',
      `The Kubernetes executor's pollMs must be a positive number of milliseconds (got ${String(options.pollMs)}).`,
    );
  }
  const state: KubeState = {
    connect: connector(options),
    now: options.now ?? (() => new Date()),
    pollMs,
    restartStamps: new Map<string, string>(),
  };
  return {
    kind: 'kubernetes',
    plan: (request, binding) => plan(state, request, binding),
    execute: (request, binding, executeOptions) => execute(state, request, binding, executeOptions),
    verify: (_request, binding, verifyOptions) => verify(state, binding, verifyOptions),
  };
}
