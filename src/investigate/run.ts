/**
 * One investigation from a job's question to its result: the question framed (an incident's
 * service and start, the window the words name), the investigator run with each read shown as a
 * step, and the runbooks that cover the answer attached. The deterministic investigator answers by
 * default; an LLM agent, when one is given, answers instead and falls back to it.
 */
import { AppError } from '../errors';
import type { InvestigateJobData, InvestigateJobResult } from '../jobs/map';
import type { InvestigationJson, RootCauseKind } from '../ports/investigation';
import type { RunbookMatch, RunbookSearch } from '../runbooks/types';
import type { ChangeSource } from '../changes/types';
import type { MetricsSource } from '../sources/types';
import type { IncidentReader } from './tools';
import { investigateDeterministic } from './deterministic/investigate';
import type { StepRunner } from './deterministic/gather';
import type { InvestigationQuestion } from './deterministic/observations';
import { windowFromWords } from './window-words';

/** How many runbooks an answer links. */
export const RUNBOOK_LINKS = 3;

/** The words a runbook search uses for each root-cause kind. */
const KIND_QUERY: Record<RootCauseKind, string> = {
  bad_deploy: 'bad deploy rollback',
  config_change: 'config regression',
  memory_leak: 'memory leak oom',
  cpu_saturation: 'cpu saturation',
  traffic_surge: 'traffic surge',
  other: 'high latency error spike',
};

export interface Answer {
  json: InvestigationJson;
  summary: string;
  footer: string;
}

/** Answers a framed question; the deterministic one is `fallback`, an agent calls it on budget, error or timeout. */
export type Investigator = (question: InvestigationQuestion, fallback: () => Promise<Answer>) => Promise<Answer>;

export interface RunDeps {
  source: MetricsSource;
  changes: ChangeSource;
  replicasOf?: (service: string) => number | undefined;
  incidents?: IncidentReader;
  runbooks?: RunbookSearch;
  now: number;
  step?: StepRunner;
  signal?: AbortSignal;
  /** The LLM agent, when one is configured. */
  agent?: Investigator;
}

export async function runInvestigation(
  id: string,
  data: InvestigateJobData,
  deps: RunDeps,
): Promise<InvestigateJobResult> {
  const step = deps.step ?? ((_label, work) => work());
  const question = await step('question', async () => frame(data, deps), describeQuestion);
  const started = performance.now();
  const deterministic = async (): Promise<Answer> => {
    const { json, summary } = await investigateDeterministic(question, {
      metrics: deps.source,
      changes: deps.changes,
      now: deps.now,
      id,
      step,
      ...(deps.replicasOf ? { replicasOf: deps.replicasOf } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    return { json, summary, footer: 'rules' };
  };
  const answer = deps.agent ? await deps.agent(question, deterministic) : await deterministic();
  const runbooks = deps.runbooks
    ? await step(
        'runbook_search',
        () => runbooksFor(answer.json, deps.runbooks as RunbookSearch),
        (r) => (r.length ? r.map((m) => m.name).join(', ') : 'none'),
      )
    : [];
  const json: InvestigationJson = {
    ...answer.json,
    id,
    runbooks: runbooks.map((m) => ({ name: m.name, title: m.title, path: m.path, ...(m.url ? { url: m.url } : {}) })),
    duration_ms: Math.round(performance.now() - started),
  };
  return { investigation: json, summary: answer.summary, footer: answer.footer };
}

/** The question as the investigator takes it: the incident's service and start, the words' window. */
function frame(data: InvestigateJobData, deps: RunDeps): InvestigationQuestion {
  const question: InvestigationQuestion = {
    ...(data.service ? { service: data.service } : {}),
    ...(data.question ? { text: data.question } : {}),
  };
  if (data.incidentId) {
    if (!deps.incidents) throw new AppError('unavailable', 'Incidents cannot be read in this process.');
    const incident = deps.incidents.get(data.incidentId);
    question.incident = {
      id: incident.id,
      ...(incident.service ? { service: incident.service } : {}),
      startedAtMs: incident.createdAt,
    };
  }
  const words = data.question ? windowFromWords(data.question, deps.now) : undefined;
  if (words) question.fromMs = words.fromMs;
  if (data.atMs !== undefined) question.toMs = data.atMs;
  return question;
}

function describeQuestion(q: InvestigationQuestion): string {
  const what = q.incident ? `incident ${q.incident.id}` : (q.service ?? 'the whole fleet');
  return q.fromMs !== undefined ? `${what} since ${new Date(q.fromMs).toISOString().slice(11, 16)} UTC` : what;
}

/** The runbooks covering the root cause's kind; none for an inconclusive answer. */
async function runbooksFor(json: InvestigationJson, runbooks: RunbookSearch): Promise<RunbookMatch[]> {
  const cause = json.root_cause;
  if (!cause) return [];
  return runbooks.search(KIND_QUERY[cause.kind], RUNBOOK_LINKS);
}
