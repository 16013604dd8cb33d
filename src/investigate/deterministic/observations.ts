import type { ChangeEvent } from '../../changes/types';
import type { Signal } from '../../sources/types';

/**
 * What the deterministic investigator reasons over: everything it knows comes in here, so the same
 * reasoning can be fed by the gatherer (gather.ts, straight from the ports) or by the read-only tools
 * (each part names the tool whose result carries it: `dependency_graph`, `service_anomalies`, `changes`).
 */
export interface InvestigationQuestion {
  /** The service asked about (absent: the whole fleet). */
  service?: string;
  /** An incident asked about: its service when known and when it started. */
  incident?: { id: string; service?: string; startedAtMs: number };
  /** The window; default the last 2 h, or from the incident's start minus 30 min, to now. */
  fromMs?: number;
  toMs?: number;
  /** The words asked, when there were any (kept for the summary). */
  text?: string;
}

/** One service in the neighbourhood looked at (`dependency_graph`). */
export interface ServiceNode {
  name: string;
  /** The services it calls. */
  dependsOn: string[];
  /** Replicas now, when known. */
  replicas?: number;
  /** Its CPU objective (share of the cores requested), when the catalog has one. */
  cpuObjective?: number;
}

/** One anomalous signal of one service in the window (`service_anomalies`). */
export interface SignalAnomaly {
  service: string;
  signal: Signal;
  /** When its first anomalous segment in the window began. */
  onsetMs: number;
  /** Whether it is above or below what was expected (within: only the score flagged it). */
  direction: 'above' | 'below' | 'within';
  /** The worst point against the band's edge (peak / edge), when the edge is > 0. */
  ratio?: number;
  /** The value before the onset (the band's middle just before) and the worst one. */
  before: number;
  peak: number;
  /** Minutes the segments in the window cover. */
  minutes: number;
  ongoing: boolean;
}

export interface Observations {
  question: InvestigationQuestion;
  window: { fromMs: number; toMs: number };
  /** The service the question is about (the incident's or the asked one), if any. */
  focus?: string;
  services: ServiceNode[];
  anomalies: SignalAnomaly[];
  /** Deploys, config changes, OOM kills and restarts in the window, newest first (`changes`). */
  changes: ChangeEvent[];
}

export const MINUTE_MS = 60_000;
export const DEFAULT_WINDOW_MS = 2 * 60 * MINUTE_MS;
export const INCIDENT_LEAD_MS = 30 * MINUTE_MS;
/** A change causes the symptoms that begin within this long after it (so changes this long before the window count). */
export const CHANGE_LEAD_MS = 30 * MINUTE_MS;

/** The window a question asks about. */
export function windowOf(question: InvestigationQuestion, now: number): { fromMs: number; toMs: number } {
  const toMs = Math.min(question.toMs ?? now, now);
  const fromMs =
    question.fromMs ??
    (question.incident ? question.incident.startedAtMs - INCIDENT_LEAD_MS : toMs - DEFAULT_WINDOW_MS);
  return { fromMs: Math.min(fromMs, toMs - MINUTE_MS), toMs };
}
