/**
 * The remediations the bot ran, as a change source (src/changes/types.ts): every request that
 * started executing in the window, whatever came of it. A restart, a scale or a rollback keeps its
 * own kind (`restart`, `scale`, `rollback`: to an investigation it is the same change as one a
 * person made with kubectl), with source `remediation`; other actions (clear_cache, runbook) are
 * kind `remediation`. Model promotions and rollbacks act on the registry, not on a service, and
 * are left out. The detail says who asked, who approved, the outcome and the request id.
 *
 * Also here: the services the action catalog binds to Kubernetes Deployments, for the Kubernetes
 * change source (src/changes/kubernetes.ts).
 */
import type { KubernetesTarget } from '../changes/kubernetes';
import type { ChangeEvent, ChangeKind, ChangeSource } from '../changes/types';
import type { ActionCatalog } from './catalog';
import type { RemediationStore, StoredRequest } from './store';
import { isModelAction, SERVICE_ACTIONS, type ActionName } from './types';

const DEFAULT_LIMIT = 100;

function kindOf(action: ActionName): ChangeKind {
  return action === 'restart' || action === 'scale' || action === 'rollback' ? action : 'remediation';
}

function eventOf(r: StoredRequest): ChangeEvent {
  const outcome =
    r.state === 'succeeded' || r.state === 'failed' ? r.state : r.state === 'executing' ? 'running' : r.state;
  const what = r.action === 'scale' ? `scale to ${String(r.params.replicas)}` : r.action;
  return {
    atMs: r.startedAt as number,
    service: r.target,
    kind: kindOf(r.action),
    source: 'remediation',
    summary: `${what} of ${r.target} by the bot (request ${r.id}, asked by ${r.requestedBy}): ${outcome}`,
    detail: {
      requestId: r.id,
      action: r.action,
      outcome,
      requestedBy: r.requestedBy,
      approvedBy: r.approverNames.join(', ') || null,
      executor: r.plan.executor,
      finishedAt: r.finishedAt,
      ...(r.params.replicas !== undefined ? { replicas: r.params.replicas } : {}),
      ...(r.result?.summary ? { result: r.result.summary.slice(0, 200) } : {}),
    },
  };
}

export function createRemediationChangeSource(store: RemediationStore): ChangeSource {
  return {
    kind: 'remediation',
    async events(query) {
      const limit = query.limit ?? DEFAULT_LIMIT;
      // Read a little more than asked when filtering by service, then cut.
      const rows = store.ranBetween(query.fromMs, query.toMs, query.service === undefined ? limit : limit * 10 + 100);
      return rows
        .filter((r) => !isModelAction(r.action) && r.startedAt !== null && !r.dryRun)
        .filter((r) => query.service === undefined || r.target === query.service)
        .map(eventOf)
        .slice(0, limit);
    },
  };
}

/**
 * The Deployment each service runs as, from the action catalog's kubernetes bindings (the first
 * service action that binds it; a `default` binding names a Deployment after the service).
 */
export function kubernetesTargets(catalog: ActionCatalog, services: readonly string[]): KubernetesTarget[] {
  const out: KubernetesTarget[] = [];
  const configured = catalog.actions();
  for (const service of services) {
    for (const action of SERVICE_ACTIONS) {
      if (!configured.includes(action)) continue;
      let binding;
      try {
        binding = catalog.binding(action, service);
      } catch {
        continue; // not configured for this service
      }
      if (binding.kind === 'kubernetes') {
        out.push({ service, namespace: binding.namespace, deployment: binding.deployment });
        break;
      }
    }
  }
  return out;
}
