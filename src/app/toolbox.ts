import { combineChangeSources, type CombinedChangeSource } from '../changes/combined';
import { DemoChangeSource } from '../changes/demo';
import { createKubernetesChangeSource } from '../changes/kubernetes';
import type { ChangeSource } from '../changes/types';
import type { Config } from '../config/config';
import { IncidentStore } from '../incidents/store';
import { createToolbox, type IncidentReader } from '../investigate/tools';
import type { Tool } from '../investigate/types';
import type { Logger } from '../log/logger';
import type { ActionCatalog } from '../remediation/catalog';
import { createRemediationChangeSource, kubernetesTargets } from '../remediation/changes';
import { RemediationStore } from '../remediation/store';
import type { RunbookSearch } from '../runbooks/types';
import { DemoFleet } from '../sources/demo/fleet';
import type { MetricsSource } from '../sources/types';
import type { Store } from '../store/store';
import { AppError } from '../errors';

/** What an investigation reads, built once per process from the config and the parts it has. */
export interface InvestigationParts {
  source: MetricsSource;
  /** Every change and event source this process can read, as one. */
  changes: CombinedChangeSource;
  /** The read-only tools (src/investigate/tools/), for the LLM agent and the MCP server. */
  tools: Tool[];
  /** Replicas of a service now, when the source knows them (the demo fleet). */
  replicasOf?: (service: string) => number | undefined;
}

export interface InvestigationPartsInput {
  source: MetricsSource;
  /** The control plane's store, when this process has one: incidents and the remediations the bot ran. */
  store?: Store;
  /** The incident reader to use instead of one on `store` (the control plane passes its IncidentService). */
  incidents?: IncidentReader;
  runbooks?: RunbookSearch;
  /** The action catalog: its kubernetes bindings name the Deployments whose rollouts and events are read. */
  catalog?: ActionCatalog;
  log: Logger;
}

/**
 * The change sources and tools of one process (control plane, `investigate`, `mcp`): the demo
 * fleet's events when it is the source, Kubernetes rollouts and events for the services the action
 * catalog binds to Deployments, and the remediations the bot ran when the store is here.
 */
export async function buildInvestigationParts(
  config: Config,
  input: InvestigationPartsInput,
): Promise<InvestigationParts> {
  const { source, store, log } = input;
  const sources: ChangeSource[] = [];
  if (source instanceof DemoFleet) sources.push(new DemoChangeSource(source));
  if (input.catalog) {
    const targets = kubernetesTargets(
      input.catalog,
      (await source.services()).map((s) => s.name),
    );
    const { kubeconfig, inCluster } = config.remediation;
    if (targets.length)
      sources.push(
        createKubernetesChangeSource({ targets, ...(kubeconfig ? { kubeconfigPath: kubeconfig } : { inCluster }) }),
      );
  }
  if (store) sources.push(createRemediationChangeSource(new RemediationStore(store.db)));
  const changes = combineChangeSources(sources, {
    onProblem: (problem) => log.warn('change source failed', { ...problem }),
  });
  const incidents = input.incidents ?? (store ? incidentReader(new IncidentStore(store.db)) : undefined);
  const metrics = config.metricsSource;
  const tools = createToolbox({
    source,
    changes,
    ...(incidents ? { incidents } : {}),
    ...(input.runbooks ? { runbooks: input.runbooks } : {}),
    ...(metrics.kind === 'prometheus'
      ? {
          prometheus: {
            url: metrics.url,
            bearerToken: metrics.bearerToken,
            username: metrics.username,
            password: metrics.password,
            timeoutMs: metrics.timeoutMs,
          },
        }
      : {}),
  });
  return {
    source,
    changes,
    tools,
    ...(source instanceof DemoFleet ? { replicasOf: (s: string) => source.state(s).replicas } : {}),
  };
}

/** The incident store read the way the `incidents` tool reads (an unknown id is `not_found`). */
export function incidentReader(store: IncidentStore): IncidentReader {
  return {
    get(id) {
      const found = store.get(id);
      if (!found) throw new AppError('not_found', `No incident ${id}.`);
      return found;
    },
    list: (status, limit = 20) => store.list(status ?? 'any', limit),
  };
}
