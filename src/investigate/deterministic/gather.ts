import type { ChangeSource } from '../../changes/types';
import { AppError } from '../../errors';
import { GOLDEN_SIGNALS, type MetricsSource } from '../../sources/types';
import { detectSignal, type DetectOptions } from './detect';
import {
  CHANGE_LEAD_MS,
  windowOf,
  type InvestigationQuestion,
  type Observations,
  type ServiceNode,
  type SignalAnomaly,
} from './observations';

export interface GatherDeps {
  metrics: MetricsSource;
  changes: ChangeSource;
  /** Now, in ms. */
  now: number;
  /** Replicas of a service now, when the caller knows them (for `scale SERVICE N`). */
  replicasOf?: (service: string) => number | undefined;
  detect?: DetectOptions;
  signal?: AbortSignal;
  /** Each read as a step people can watch (a job's `jobSteps(job).run`), named after the tool it stands for. */
  step?: StepRunner;
}

/** Runs `work` as one visible step: `label`, then `describe(result)` when it is done. */
export type StepRunner = <T>(label: string, work: () => Promise<T>, describe?: (result: T) => string) => Promise<T>;

const direct: StepRunner = (_label, work) => work();

/**
 * The observations for a question, straight from the ports: the service and its dependency
 * neighbourhood (everything it calls, directly or not, and its direct callers; the whole fleet when
 * no service is named), each signal's anomaly in the window, and the changes and events around it.
 */
export async function gatherObservations(question: InvestigationQuestion, deps: GatherDeps): Promise<Observations> {
  const window = windowOf(question, deps.now);
  const step = deps.step ?? direct;
  const catalog = await step(
    'dependency_graph',
    () => deps.metrics.services(),
    (c) => `${c.length} services`,
  );
  const known = new Map(catalog.map((s) => [s.name, s.dependsOn ?? []]));
  const cpuObjective = new Map(catalog.map((s) => [s.name, s.objectives.cpu]));
  // An incident's service the source does not know (an alert on a database, say): look at the whole fleet.
  const incidentService = question.incident?.service;
  const focus =
    question.service ?? (incidentService !== undefined && known.has(incidentService) ? incidentService : undefined);
  if (focus !== undefined && !known.has(focus))
    throw new AppError('not_found', `I don't know the service “${focus}”; known: ${[...known.keys()].join(', ')}.`);
  const names = focus === undefined ? [...known.keys()] : neighbourhood(focus, known);
  const services: ServiceNode[] = names.map((name) => {
    const replicas = deps.replicasOf?.(name);
    const cpu = cpuObjective.get(name);
    return {
      name,
      dependsOn: [...(known.get(name) ?? [])],
      ...(replicas !== undefined ? { replicas } : {}),
      ...(cpu !== undefined ? { cpuObjective: cpu } : {}),
    };
  });
  const anomalies: SignalAnomaly[] = [];
  for (const { name } of services) {
    const found = await step(`service_anomalies ${name}`, () => serviceAnomalies(name, window, deps), describeFound);
    anomalies.push(...found);
  }
  const inScope = new Set(names);
  const changes = await step(
    'changes',
    async () =>
      (await deps.changes.events({ fromMs: window.fromMs - CHANGE_LEAD_MS, toMs: window.toMs })).filter((c) =>
        inScope.has(c.service),
      ),
    (found) => (found.length ? `${found.length} change${found.length > 1 ? 's' : ''} and events` : 'none'),
  );
  return { question, window, ...(focus !== undefined ? { focus } : {}), services, anomalies, changes };
}

async function serviceAnomalies(
  name: string,
  window: { fromMs: number; toMs: number },
  deps: GatherDeps,
): Promise<SignalAnomaly[]> {
  const out: SignalAnomaly[] = [];
  for (const signal of GOLDEN_SIGNALS) {
    if (deps.signal?.aborted) throw new AppError('job_cancelled', 'The investigation was cancelled.');
    const found = await detectSignal(deps.metrics, name, signal, window, deps.detect).catch((err: unknown) => {
      // A signal a source does not have (a CSV folder with some files) is no evidence either way.
      if (err instanceof AppError && err.code === 'not_found') return undefined;
      throw err;
    });
    if (found) out.push(found);
  }
  return out;
}

const describeFound = (found: readonly SignalAnomaly[]): string =>
  found.length ? `anomalous: ${found.map((a) => a.signal).join(', ')}` : 'no anomaly';

/** The service, everything it calls (transitively) and its direct callers. */
export function neighbourhood(focus: string, graph: ReadonlyMap<string, readonly string[]>): string[] {
  const out = new Set<string>([focus]);
  const stack = [focus];
  while (stack.length) {
    for (const callee of graph.get(stack.pop() as string) ?? []) {
      if (out.has(callee) || !graph.has(callee)) continue;
      out.add(callee);
      stack.push(callee);
    }
  }
  for (const [name, callees] of graph) if (callees.includes(focus)) out.add(name);
  return [...out];
}
