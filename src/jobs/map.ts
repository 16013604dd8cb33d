import type { SeriesExplanation } from '../anomaly/explain';
import type { RemediationRequest, RequestState } from '../remediation/types';
import type { Signal } from '../sources/types';

/** Job name -> data and result: the one typed map shared by producers (commands) and workers. */
export interface StatusJobData {
  /** One service, or every service in the catalog when absent. */
  service?: string;
  windowS: number;
  /** Evaluate at this time (ms); defaults to the worker's clock. */
  atMs?: number;
}

export interface ServiceStatus {
  name: string;
  healthy: boolean;
  /** One sentence per problem, e.g. "p99 latency 912 ms > 300 ms", "no recent cpu data", "error budget burning (…)". */
  problems: string[];
  /** The objectives whose signal is over its limit now, as data (the same checks as `problems`). */
  breached?: Array<{ objective: string; signal: Signal; value: number; limit: number }>;
  /** Mean over the last 5 minutes, per signal. */
  latest: Record<Signal, number>;
  /** The signal that looks worst relative to its objective, for a trend line. */
  trend: { signal: Signal; values: number[] };
  /** Error-budget burn (multi-window, multi-burn-rate); absent when the error history is unavailable. */
  slo?: {
    target: number;
    burn1h: number;
    burn6h: number;
    firing: Array<{ rule: string; severity: 'page' | 'ticket' }>;
    rates?: Record<number, number>;
  };
}

export interface StatusJobResult {
  atMs: number;
  windowS: number;
  services: ServiceStatus[];
}

export interface AnomaliesJobData {
  /** One service, or every service in the catalog when absent. */
  service?: string;
  /** The user's metric words ("p99 latency"); every golden signal when absent. */
  metric?: string;
  windowS: number;
  atMs?: number;
}

/**
 * One series' result (src/anomaly/explain): the reply's text, table and chart are all drawn from
 * it. `anomalies` are the points of the segments; `band` the band each point was judged against.
 */
export interface SeriesFinding extends SeriesExplanation {
  service: string;
  signal: Signal;
  unit: string;
  /** Whether any segment reaches into the window. */
  anomalous: boolean;
  /** Start of the first segment in the window (it may have started before the window). */
  sinceMs?: number;
  /** The detector and reason behind the highest score of the worst segment. */
  detector?: string;
  reason?: string;
  latest: number;
  /** A PNG chart, base64 (results travel through Redis; workers share no disk with the control plane). */
  chartPng?: string;
}

export interface AnomaliesJobResult {
  atMs: number;
  windowS: number;
  threshold: number;
  findings: SeriesFinding[];
  /** Series asked for that have no data (`service signal`), left out of the findings. */
  missing?: string[];
}

/** What a remediation job returns (it travels through the queue, so plain data). */
export interface RemediationJobResult {
  id: string;
  action: string;
  target: string;
  state: RequestState;
  /** The request's parameters (replicas, runbook), so the result reads back as the command typed. */
  params?: RemediationRequest['params'];
  summary: string;
  verified?: { ok: boolean; summary: string };
  /** Names, for the reply. */
  approvers: string[];
}

export type Jobs = {
  status: { data: StatusJobData; result: StatusJobResult };
  detect_anomalies: { data: AnomaliesJobData; result: AnomaliesJobResult };
  remediation: { data: { requestId: string }; result: RemediationJobResult };
};
