import type { Evidence, Hypothesis } from '../types';
import { classify, type Candidate } from './classify';
import { MINUTE_MS, type Observations, type ServiceNode } from './observations';
import { hhmm } from './words';

/**
 * Along the dependency graph: a fault shows first on its own service and then, minutes later and
 * weaker, on the services that call it. A caller whose explanation rests only on slow or failing
 * calls is a symptom when something it calls showed such symptoms first (or up to FOLLOW_MS after
 * it: detection is not exact); its confidence is scaled by EXPLAINED. A cause whose callers show
 * symptoms after it gains CALLERS_BONUS. Below MIN_CONFIDENCE the answer is inconclusive.
 */
export const FOLLOW_MS = 10 * MINUTE_MS;
export const EXPLAINED = 0.5;
export const CALLERS_BONUS = 0.05;
export const MIN_CONFIDENCE = 0.5;

export interface Ranked {
  hypotheses: Hypothesis[];
  /** The candidates behind them, best first (for suggestions and the summary). */
  candidates: Candidate[];
  verdict: 'root_cause' | 'inconclusive';
}

/** Everything a service calls, directly or not, within the services observed. */
function calleesOf(name: string, nodes: ReadonlyMap<string, ServiceNode>): Set<string> {
  const out = new Set<string>();
  const stack = [name];
  while (stack.length) {
    for (const c of nodes.get(stack.pop() as string)?.dependsOn ?? []) {
      if (out.has(c) || !nodes.has(c)) continue;
      out.add(c);
      stack.push(c);
    }
  }
  return out;
}

export function rank(obs: Observations): Ranked {
  const nodes = new Map(obs.services.map((s) => [s.name, s]));
  const found = new Map<string, Candidate>();
  for (const node of obs.services) {
    const c = classify(node, obs);
    if (c) found.set(node.name, c);
  }
  // The question's service and what it calls can be the cause; its callers only show the spread.
  const scope = obs.focus === undefined ? new Set(nodes.keys()) : new Set([obs.focus, ...calleesOf(obs.focus, nodes)]);
  const candidates: Candidate[] = [];
  for (const c of found.values()) {
    if (!scope.has(c.service)) continue;
    candidates.push(withGraph(c, found, nodes));
  }
  candidates.sort((a, b) => b.confidence - a.confidence || a.onsetMs - b.onsetMs);
  const hypotheses = candidates.map((c) => ({
    service: c.service,
    kind: c.kind,
    confidence: round(c.confidence),
    evidence: c.evidence,
  }));
  const top = candidates[0];
  return { hypotheses, candidates, verdict: top && top.confidence >= MIN_CONFIDENCE ? 'root_cause' : 'inconclusive' };
}

function withGraph(c: Candidate, found: ReadonlyMap<string, Candidate>, nodes: ReadonlyMap<string, ServiceNode>) {
  const evidence: Evidence[] = [...c.evidence];
  let confidence = c.confidence;
  const own = c.spreadingOnsetMs;
  if (c.spreadingOnly && own !== undefined) {
    const first = [...calleesOf(c.service, nodes)]
      .map((name) => found.get(name))
      .filter((d): d is Candidate => d?.spreadingOnsetMs !== undefined && d.spreadingOnsetMs <= own + FOLLOW_MS)
      .sort((a, b) => (a.spreadingOnsetMs ?? 0) - (b.spreadingOnsetMs ?? 0))[0];
    if (first) {
      confidence *= EXPLAINED;
      evidence.push({
        tool: 'dependency_graph',
        claim:
          `${c.service} calls ${first.service}, whose symptoms began at ${hhmm(first.spreadingOnsetMs ?? 0)}, ` +
          `by ${hhmm(own)} here: ${c.service}'s look like the spread`,
      });
    }
  }
  const followers = [...found.values()].filter(
    (d) =>
      d.service !== c.service &&
      calleesOf(d.service, nodes).has(c.service) &&
      d.spreadingOnsetMs !== undefined &&
      d.spreadingOnsetMs >= c.onsetMs - FOLLOW_MS,
  );
  if (followers.length && confidence >= MIN_CONFIDENCE) {
    confidence = Math.min(0.99, confidence + CALLERS_BONUS);
    const callers = followers.map((d) => d.service).join(', ');
    evidence.push({
      tool: 'dependency_graph',
      claim: `${callers} ${followers.length === 1 ? 'calls' : 'call'} ${c.service} and showed symptoms after it`,
    });
  }
  return { ...c, confidence, evidence };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
