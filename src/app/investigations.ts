import { ROLE_PERMISSIONS, type Principal } from '../auth/permissions';
import type { Clock } from '../clock';
import type { Config } from '../config/config';
import { asAppError } from '../errors';
import type { IncidentReader } from '../investigate/tools';
import { runInvestigation, type Investigator } from '../investigate/run';
import { InvestigationStore } from '../investigate/store';
import type { Jobs } from '../jobs/map';
import type { Logger } from '../log/logger';
import { jobSteps } from '../queue/steps';
import type { Processor } from '../queue/types';
import type { RunbookSearch } from '../runbooks/types';
import type { Store } from '../store/store';
import type { Metrics } from '../telemetry/metrics';
import { buildInvestigationParts, type InvestigationParts } from './toolbox';
import type { ActionCatalog } from '../remediation/catalog';
import type { MetricsSource } from '../sources/types';

export interface InvestigationDeps {
  config: Config;
  store: Store;
  parts: InvestigationParts;
  incidents: IncidentReader;
  runbooks?: RunbookSearch;
  clock: Clock;
  metrics: Metrics;
  log: Logger;
}

/** The `investigate` job's processor on this control plane's parts (change sources, tools, incidents, runbooks). */
export async function buildInvestigations(
  deps: Omit<InvestigationDeps, 'parts'> & { source: MetricsSource; catalog: ActionCatalog },
): Promise<Processor<Jobs, 'investigate'>> {
  const { config, source, store, incidents, runbooks, catalog, log } = deps;
  const parts = await buildInvestigationParts(config, { source, store, incidents, runbooks, catalog, log });
  return investigationProcessor({ ...deps, parts });
}

/**
 * The `investigate` job, run by the control plane only (its store keeps the investigations, the
 * incidents and the remediations it reads): the record kept from queued to done, every read shown
 * as a step, the outcome counted. An investigation reads as a viewer, whoever asked: it never needs
 * more, and a tool that needs more is refused.
 */
export function investigationProcessor(deps: InvestigationDeps): Processor<Jobs, 'investigate'> {
  const kept = new InvestigationStore(deps.store.db);
  return async (job) => {
    const now = deps.clock();
    kept.create({
      id: job.id,
      ...(job.data.service ? { service: job.data.service } : {}),
      ...(job.data.question ? { question: job.data.question } : {}),
      ...(job.data.incidentId ? { incidentId: job.data.incidentId } : {}),
      requestedBy: job.meta.requestedBy ?? 'unknown',
      createdAt: now,
    });
    kept.running(job.id);
    const steps = jobSteps(job, { message: 'investigating' });
    const started = performance.now();
    try {
      const result = await runInvestigation(job.id, job.data, {
        ...deps.parts,
        incidents: deps.incidents,
        ...(deps.runbooks ? { runbooks: deps.runbooks } : {}),
        now: job.data.atMs ?? now,
        step: (label, work, describe) => steps.run(label, work, describe),
        signal: job.signal,
        ...(agentFor(deps, job.meta.requestedBy ?? 'unknown') ?? {}),
      });
      kept.finish(job.id, result.investigation, result.summary, deps.clock());
      const { source, verdict } = result.investigation;
      deps.metrics.investigations.inc({ source, verdict });
      deps.metrics.investigationDuration.observe({ source }, (performance.now() - started) / 1000);
      return result;
    } catch (err) {
      const e = asAppError(err);
      kept.fail(job.id, e.userMessage, deps.clock());
      deps.metrics.investigations.inc({ source: 'rules', verdict: 'failed' });
      throw err;
    }
  };
}

/** The principal an investigation's tools run as: the asker, with a viewer's permissions. */
export function investigatorPrincipal(requestedBy: string): Principal {
  return { id: requestedBy, name: requestedBy, role: 'viewer', permissions: ROLE_PERMISSIONS.viewer };
}

/** The LLM agent, when OPENAI_API_KEY or OPENAI_BASE_URL is set (none yet: the deterministic investigator). */
function agentFor(_deps: InvestigationDeps, _requestedBy: string): { agent: Investigator } | undefined {
  return undefined;
}
