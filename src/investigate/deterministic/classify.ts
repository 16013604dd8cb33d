import type { ChangeEvent } from '../../changes/types';
import type { Signal } from '../../sources/types';
import type { Evidence, RootCauseKind } from '../types';
import { CHANGE_LEAD_MS, MINUTE_MS, type Observations, type ServiceNode, type SignalAnomaly } from './observations';
import { anomalyClaim, changeClaim } from './words';

/**
 * What one service's own observations say, before the dependency graph is looked at: the kind of
 * fault that best explains its anomalies, how sure that is, and the claims it rests on. The knobs
 * are few and each is a property of faults, not of any scenario:
 *  - a symptom is a signal held off its band for minutes (detect.ts) and at least SYMPTOM_RATIO of
 *    what was expected (a memory leak instead climbs for LEAK_MINUTES: it is slow by nature);
 *  - a change causes the symptoms that begin within CHANGE_LEAD_MS after it (and not before it);
 *  - a surge is a request rate at least SURGE_RATIO of its usual; saturation is CPU at its objective
 *    with no surge.
 */
export const SYMPTOM_RATIO = 1.5;
export const LEAK_MINUTES = 10;
/** An onset is a grid step late or early at worst. */
const ONSET_SLACK_MS = 2 * MINUTE_MS;
export const SURGE_RATIO = 2;
const DEFAULT_CPU_OBJECTIVE = 0.8;

/** Signals a fault spreads through to its callers (slow or failing calls), as opposed to its own resources. */
export const SPREADING: readonly Signal[] = ['latency_p50', 'latency_p99', 'error_rate'];

/** Confidence of each explanation when the service's own evidence is all there is. */
export const BASE_CONFIDENCE = {
  change: 0.9,
  oomAndClimb: 0.95,
  oom: 0.85,
  climb: 0.75,
  surge: 0.85,
  saturation: 0.8,
  unexplained: 0.35,
} as const;

export interface Candidate {
  service: string;
  kind: RootCauseKind;
  confidence: number;
  /** The first symptom's onset, and the first spreading one's (for the graph). */
  onsetMs: number;
  spreadingOnsetMs?: number;
  /** Whether the explanation rests only on spreading symptoms (a callee could explain those). */
  spreadingOnly: boolean;
  evidence: Evidence[];
  /** The signal whose rise sizes a scale-out (request rate or CPU), as peak / before. */
  load?: number;
}

/** A symptom: an anomaly strong enough to reason on. */
export function isSymptom(a: SignalAnomaly): boolean {
  if (a.direction !== 'above') return false;
  if (a.signal === 'memory') return a.minutes >= LEAK_MINUTES;
  return a.before > 0 && a.peak / a.before >= SYMPTOM_RATIO;
}

const cite = (tool: string, claim: string): Evidence => ({ tool, claim });

/** The service's best explanation, or undefined when it shows no symptom. */
export function classify(node: ServiceNode, obs: Observations): Candidate | undefined {
  const symptoms = obs.anomalies.filter((a) => a.service === node.name && isSymptom(a));
  if (symptoms.length === 0) return undefined;
  const bySignal = new Map(symptoms.map((a) => [a.signal, a]));
  const spreading = symptoms.filter((a) => SPREADING.includes(a.signal)).sort((a, b) => a.onsetMs - b.onsetMs);
  const onsetMs = Math.min(...symptoms.map((a) => a.onsetMs));
  const base = {
    service: node.name,
    onsetMs,
    ...(spreading.length ? { spreadingOnsetMs: spreading[0].onsetMs } : {}),
  };
  const options: Candidate[] = [];
  const changes = obs.changes.filter((c) => c.service === node.name);

  const cause = causingChange(changes, spreading);
  if (cause) {
    const after = spreading.filter((a) => a.onsetMs >= cause.atMs - ONSET_SLACK_MS);
    options.push({
      ...base,
      kind: cause.kind === 'deploy' ? 'bad_deploy' : 'config_change',
      confidence: BASE_CONFIDENCE.change,
      spreadingOnly: true,
      evidence: [cite('changes', changeClaim(cause)), ...after.map((a) => cite('service_anomalies', anomalyClaim(a)))],
    });
  }
  const ooms = changes.filter((c) => c.kind === 'oom_kill');
  const climb = bySignal.get('memory');
  if (ooms.length || climb) {
    const evidence = [
      ...(climb ? [cite('service_anomalies', anomalyClaim(climb))] : []),
      ...ooms.slice(0, 3).map((c) => cite('changes', changeClaim(c))),
    ];
    if (ooms.length > 1) evidence.push(cite('changes', `${ooms.length} OOM kills of ${node.name} in the window`));
    const confidence =
      ooms.length && climb ? BASE_CONFIDENCE.oomAndClimb : ooms.length ? BASE_CONFIDENCE.oom : BASE_CONFIDENCE.climb;
    options.push({ ...base, kind: 'memory_leak', confidence, spreadingOnly: false, evidence });
  }
  const traffic = bySignal.get('request_rate');
  const cpu = bySignal.get('cpu');
  if (traffic && traffic.peak / traffic.before >= SURGE_RATIO) {
    const follow = [cpu, bySignal.get('latency_p99')].filter((a): a is SignalAnomaly => a !== undefined);
    options.push({
      ...base,
      kind: 'traffic_surge',
      confidence: BASE_CONFIDENCE.surge,
      spreadingOnly: false,
      load: traffic.peak / traffic.before,
      evidence: [traffic, ...follow].map((a) => cite('service_signals', anomalyClaim(a))),
    });
  } else if (cpu && cpu.peak >= (node.cpuObjective ?? DEFAULT_CPU_OBJECTIVE)) {
    const claims = [cite('service_signals', anomalyClaim(cpu))];
    claims.push(cite('service_signals', `${node.name} request rate steady: no surge behind the CPU`));
    const latency = bySignal.get('latency_p99') ?? bySignal.get('latency_p50');
    if (latency) claims.push(cite('service_anomalies', anomalyClaim(latency)));
    options.push({
      ...base,
      kind: 'cpu_saturation',
      confidence: BASE_CONFIDENCE.saturation,
      spreadingOnly: false,
      load: cpu.peak / cpu.before,
      evidence: claims,
    });
  }
  if (options.length === 0) {
    options.push({
      ...base,
      kind: 'other',
      confidence: BASE_CONFIDENCE.unexplained,
      spreadingOnly: symptoms.every((a) => SPREADING.includes(a.signal)),
      evidence: symptoms.map((a) => cite('service_anomalies', anomalyClaim(a))),
    });
  }
  return options.reduce((best, o) => (o.confidence > best.confidence ? o : best));
}

/**
 * The deploy or config change that caused spreading symptoms: the latest one at most CHANGE_LEAD_MS
 * before the first symptom that began after it. A change with no symptom after it explains nothing.
 */
function causingChange(changes: readonly ChangeEvent[], spreading: readonly SignalAnomaly[]): ChangeEvent | undefined {
  const candidates = changes
    .filter((c) => c.kind === 'deploy' || c.kind === 'config_change')
    .filter((c) => spreading.some((a) => a.onsetMs >= c.atMs - ONSET_SLACK_MS && a.onsetMs <= c.atMs + CHANGE_LEAD_MS));
  return candidates.sort((a, b) => b.atMs - a.atMs)[0];
}
