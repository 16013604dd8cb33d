import { ROLE_PERMISSIONS, type Principal } from '../auth/permissions';
import type { Clock } from '../clock';
import type { Config } from '../config/config';
import { asAppError } from '../errors';
import type { IncidentReader } from '../investigate/tools';
import { agentFooter, investigateWithAgent, type AgentStep } from '../investigate/agent';
import { runInvestigation, type Investigator } from '../investigate/run';
import { InvestigationStore } from '../investigate/store';
import type { Jobs } from '../jobs/map';
import type { Logger } from '../log/logger';
import { jobSteps, type JobSteps } from '../queue/steps';
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
  const { openai, investigation } = deps.config;
  if ((openai.apiKey || openai.baseUrl) && investigation.tokensPerDay > 0)
    deps.metrics.setLlmBudgetSource(
      'investigations_daily',
      () => kept.tokensSince(Math.floor(deps.clock() / DAY_MS) * DAY_MS) / investigation.tokensPerDay,
    );
  return async (job) => {
    const now = job.data.atMs ?? deps.clock();
    const requestedBy = job.meta.requestedBy ?? 'unknown';
    kept.create({
      id: job.id,
      ...(job.data.service ? { service: job.data.service } : {}),
      ...(job.data.question ? { question: job.data.question } : {}),
      ...(job.data.incidentId ? { incidentId: job.data.incidentId } : {}),
      requestedBy,
      createdAt: deps.clock(),
    });
    kept.running(job.id);
    const steps = jobSteps(job, { message: 'investigating' });
    const started = performance.now();
    try {
      const result = await runInvestigation(job.id, job.data, {
        ...deps.parts,
        incidents: deps.incidents,
        ...(deps.runbooks ? { runbooks: deps.runbooks } : {}),
        now,
        step: (label, work, describe) => steps.run(label, work, describe),
        signal: job.signal,
        ...(agentFor(deps, { id: job.id, requestedBy, now, signal: job.signal, step: steps }, kept) ?? {}),
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

const DAY_MS = 86_400_000;

/**
 * The LLM agent, when OPENAI_API_KEY or OPENAI_BASE_URL is set: over the same read-only tools as
 * a viewer, within the step, time and token limits, the day's tokens counted from the kept
 * investigations; on budget, error, timeout or an invalid answer it falls back to the deterministic
 * answer and the footer says why. Each tool call shows as a step.
 */
function agentFor(
  deps: InvestigationDeps,
  job: { id: string; requestedBy: string; now: number; signal: AbortSignal; step: JobSteps },
  kept: InvestigationStore,
): { agent: Investigator } | undefined {
  const { openai, investigation: limits } = deps.config;
  if (!openai.apiKey && !openai.baseUrl) return undefined;
  const agent: Investigator = async (question, fallback) => {
    const today = Math.floor(deps.clock() / DAY_MS) * DAY_MS;
    let shown = Promise.resolve();
    const result = await investigateWithAgent(question, {
      llm: { model: openai.model, ...(openai.apiKey ? { apiKey: openai.apiKey } : {}), ...baseUrl(openai.baseUrl) },
      tools: deps.parts.tools,
      principal: investigatorPrincipal(job.requestedBy),
      now: job.now,
      id: job.id,
      limits: {
        maxSteps: limits.maxSteps,
        timeBudgetMs: limits.timeBudgetMs,
        maxTokensPerInvestigation: limits.tokensMax,
        tokensLeftToday: Math.max(0, limits.tokensPerDay - kept.tokensSince(today)),
      },
      prices: limits.prices,
      fallback,
      onStep: (s) => {
        shown = shown.then(() => showStep(job.step, s)).catch(() => undefined);
      },
      signal: job.signal,
      ...(deps.parts.replicasOf ? { replicasOf: deps.parts.replicasOf } : {}),
    });
    await shown;
    const { usage } = result;
    deps.metrics.llmTokens.inc({ kind: 'prompt' }, usage.promptTokens);
    deps.metrics.llmTokens.inc({ kind: 'completion' }, usage.completionTokens);
    if (usage.modelCalls > 0)
      deps.metrics.llmRequests.inc({ outcome: result.fallbackReason ?? 'ok' }, usage.modelCalls);
    return { json: result.json, summary: result.summary, footer: agentFooter(usage, result.fallback) };
  };
  return { agent };
}

const baseUrl = (url: string | undefined) => (url ? { baseUrl: url } : {});

/** One tool call of the agent as a finished step: `service_anomalies payments — anomalous: …`. */
async function showStep(steps: JobSteps, s: AgentStep): Promise<void> {
  const input = (s.input ?? {}) as Record<string, unknown>;
  const about = typeof input.service === 'string' ? ` ${input.service}` : '';
  const handle = await steps.begin(`${s.tool}${about}`);
  if (s.error) await handle.fail(s.error.slice(0, 200));
  else await handle.done(s.summary?.slice(0, 200));
}
