import { existsSync } from 'node:fs';
import type { Auth } from '../auth/types';
import type { Config } from '../config/config';
import type { Identity } from '../identity/identity';
import type { Logger } from '../log/logger';
import type { ActionCatalog } from '../remediation/catalog';
import { createDemoExecutor } from '../remediation/executors/demo';
import { createKubernetesExecutor } from '../remediation/executors/kubernetes/executor';
import { createShellExecutor } from '../remediation/executors/shell/executor';
import { createWebhookExecutor } from '../remediation/executors/webhook';
import { RemediationService } from '../remediation/service';
import type { RemediationStore, StoredRequest } from '../remediation/store';
import { isModelAction, type Executor, type ExecutorKind } from '../remediation/types';
import { DemoFleet } from '../sources/demo/fleet';
import type { MetricsSource } from '../sources/types';
import type { Jobs, RemediationJobResult } from '../jobs/map';
import type { Processor } from '../queue/types';
import type { Core } from './core';

export interface RemediationParts {
  config: Config;
  core: Core;
  store: RemediationStore;
  catalog: ActionCatalog;
  auth: Auth;
  identity: Identity;
  /** Executors built on control-plane parts beside the configured ones: `model` (the registry's promotions). */
  executors?: Partial<Record<ExecutorKind, Executor>>;
}

/** The remediation flow on the control plane's store, its jobs on the core's queue. */
export function buildRemediation(parts: RemediationParts): RemediationService {
  const { config, core, store, auth, identity } = parts;
  const { queue, metrics, source, log } = core;
  if (source instanceof DemoFleet) replayDemoActions(source, store, log);
  return new RemediationService({
    store,
    catalog: parts.catalog,
    executors: { ...buildExecutors(config, source), ...parts.executors },
    audit: auth.audit,
    clock: core.clock,
    // The request id is the job id: enqueueing the same request twice adds nothing.
    enqueue: async (r) => {
      await queue.add(
        'remediation',
        { requestId: r.id },
        { jobId: r.id, meta: { requestedBy: r.requestedBy, ...r.origin } },
      );
    },
    jobState: async (id) => (await queue.get(id))?.state,
    metrics: {
      outcome: (action, outcome) => metrics.remediations.inc({ action, outcome }),
      approvalWait: (seconds) => metrics.approvalWait.observe(seconds),
    },
    personNow: (person) => identity.personNow(person),
    people: (person) => {
      const user = person.startsWith('user:') ? auth.users.get(person.slice('user:'.length)) : undefined;
      return user ? { name: user.name, email: user.email } : undefined;
    },
    log: log.child({ component: 'remediation' }),
  });
}

/**
 * The executors the action catalog may name. The cluster connection is made on first use, so a
 * catalog without Kubernetes actions never needs a kubeconfig; the demo executor exists when the
 * demo fleet is the metrics source.
 */
export function buildExecutors(config: Config, source: MetricsSource): Partial<Record<ExecutorKind, Executor>> {
  const { runbooksDir, kubeconfig, inCluster } = config.remediation;
  return {
    ...(existsSync(runbooksDir) ? { shell: createShellExecutor({ runbooksDir }) } : {}),
    webhook: createWebhookExecutor(),
    kubernetes: createKubernetesExecutor(kubeconfig ? { kubeconfigPath: kubeconfig } : { inCluster }),
    ...(source instanceof DemoFleet ? { demo: createDemoExecutor(source) } : {}),
  };
}

/**
 * The demo fleet lives in memory, one per process; what remediations did to it lives in the
 * store. Replaying them makes a process started later (another `chat`, a restarted `serve`) see
 * the fleet as it is.
 */
function replayDemoActions(fleet: DemoFleet, remediations: RemediationStore, log: Logger): void {
  for (const a of remediations.executedOn('demo')) {
    // A runbook changed nothing the fleet simulates; a model action acted on the registry, not on a service.
    if (a.action === 'runbook' || isModelAction(a.action)) continue;
    try {
      fleet.apply({
        kind: a.action,
        service: a.target,
        atMs: a.startedAt,
        ...(a.action === 'scale' ? { replicas: Number(a.params.replicas) } : {}),
      });
    } catch (err) {
      log.warn('could not replay a demo remediation', { action: a.action, target: a.target, err });
    }
  }
}

/** The remediation job: only the control plane runs it, where the request store is. */
export function remediationProcessor(remediation: RemediationService): Processor<Jobs, 'remediation'> {
  return async (job) => {
    const done = await remediation.run(job.data.requestId, {
      signal: job.signal,
      progress: (message) => void job.progress({ percent: 50, message }),
    });
    return jobResult(done);
  };
}

/** A remediation request, as its job returns it once it ran (plain data: it travels through the queue). */
export function jobResult(r: StoredRequest): RemediationJobResult {
  return {
    id: r.id,
    action: r.action,
    target: r.target,
    state: r.state,
    params: r.params,
    summary: r.result?.summary ?? '',
    ...(r.result?.verified ? { verified: r.result.verified } : {}),
    approvers: r.approverNames,
  };
}
