import type { SeriesExplanation } from '../anomaly/explain';
import type { SignalDrift } from '../models/drift';
import type { ModelReference } from '../models/drift-reference';
import type { HistoryWindow } from '../models/history';
import type { ModelRef, ServedModel, ShadowSkipped } from '../models/serving';
import type { ModelParams } from '../models/train';
import type { RemediationRequest, RequestState } from '../remediation/types';
import type { Signal } from '../sources/types';
import type { InvestigationJson } from '../ports/investigation';

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
  /**
   * The service's champion model, bytes included (a worker opens no database): it scores the
   * learned channel of the signals it was trained on. Only with `service`.
   */
  model?: ModelRef;
  /** Why the service's champion could not be attached (its file missing or corrupt): said in the reply. */
  modelFallback?: string;
  /**
   * The service's challenger, bytes included: it scores the same series in shadow (its would-be
   * alerts go in the result, never in what pages people). Only with `model`.
   */
  shadow?: ModelRef;
  /** Why the challenger could not be attached (its file missing or corrupt): no shadow run, logged. */
  shadowSkipped?: ShadowSkipped;
}

/** One series as the challenger would have judged it: compact, for the shadow record. */
export interface ShadowFinding {
  service: string;
  signal: Signal;
  anomalous: boolean;
  maxScore: number;
  segments: Array<{ startMs: number; endMs: number; maxScore: number }>;
}

/** The challenger's shadow run over the job's series, or why it was skipped (the champion scored anyway). */
export type ShadowResult =
  | { name: string; version: number; findings: ShadowFinding[]; builtIn?: Signal[] }
  | { name: string; version: number; skipped: string };

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
  /** The model version that scored, or why the built-in detector did; absent when the service has no champion. */
  model?: ServedModel;
  /** The challenger's would-be findings (shadow scoring); absent when the job carried none. */
  shadow?: ShadowResult;
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

/** Train a service's detector model (src/workers/train.ts); the control plane registers the result. */
export interface TrainModelJobData {
  service: string;
  /** Training window in seconds, 1 h .. 30 days (default 7 days). */
  windowS: number;
  /** Model name (default `<service>-detector`). */
  model?: string;
  /** Forest parameters to change from the defaults (trees, sampleSize, window). */
  params?: Partial<ModelParams>;
  seed?: number;
  /** End of the window (ms, rounded down to the step); the worker's clock when absent. `reproduce` sets it. */
  toMs?: number;
  /** Grid step in seconds (default 60). */
  stepS?: number;
}

export interface TrainModelJobResult {
  model: string;
  service: string;
  params: ModelParams;
  seed: number;
  /** The grid trained on: (fromMs, toMs] at stepMs. */
  window: HistoryWindow;
  /** sha256 (hex) of the canonical history (src/models/history.ts). */
  dataSha256: string;
  /** Package version and model format version, e.g. "0.1.0+format.1". */
  codeVersion: string;
  /** The ONNX bundle (src/models/bundle.ts), base64: results travel through Redis. */
  onnxBase64: string;
  /** The training distributions (src/models/drift-reference.ts), kept on the version for drift_check. */
  reference?: ModelReference;
  /** sha256 (hex) of the ONNX bytes. */
  sha256: string;
  stats: {
    /** Points with data per trained signal. */
    points: Partial<Record<Signal, number>>;
    /** Signals the source had no data for (left out of the model). */
    missing: Signal[];
    trainingSeconds: number;
    onnxBytes: number;
  };
}

/** Is a champion still looking at the world it was trained on? (src/workers/drift.ts) */
export interface DriftCheckJobData {
  /** The champion, bytes included (a worker opens no database). */
  model: ModelRef;
  service: string;
  /** The version's training reference; null for a version trained before references were kept. */
  reference: ModelReference | null;
  /** Recent window in seconds (default 24 h: a full daily cycle). */
  windowS?: number;
  /** End of the window (ms); the worker's clock when absent. The scheduler sets its slot's time. */
  toMs?: number;
}

export interface DriftCheckJobResult {
  model: string;
  version: number;
  service: string;
  /** False when there was nothing to compare (no reference): `reason` says why. */
  checked: boolean;
  reason?: string;
  fromMs: number;
  toMs: number;
  /** The largest bias-corrected PSI over every signal's distributions (0 when not checked). */
  score: number;
  threshold: number;
  drifted: boolean;
  /** Per signal of the reference that had recent data. */
  signals: SignalDrift[];
  /** Signals of the reference with no recent data. */
  missing: Signal[];
}

/**
 * A scheduled scan of every service (src/workers/monitor.ts), one per MONITOR_INTERVAL slot; the control
 * plane turns its findings into incidents (src/app/monitor.ts).
 */
export interface MonitorScanJobData {
  /** The scan's time (ms): its slot's start. Every series is read up to it, so a late run sees the same data. */
  atMs: number;
  /** MONITOR_INTERVAL (ms): a signal is judged on the points of the last interval (at least 5 minutes). */
  intervalMs: number;
  /** Champions by service, bytes included (a worker opens no database); other services: the built-in detector. */
  models?: Record<string, ModelRef>;
  /** Why a service's champion could not be attached (its file missing or corrupt): the built-in detector scores it. */
  modelFallbacks?: Record<string, string>;
}

/**
 * A signal that is not clear at the scan: `firing` (its problem persisted: it opens an alert, or keeps
 * one) or `holding` (not bad enough to open one, not clear enough to resolve one).
 */
export interface MonitorFinding {
  signal: Signal;
  state: 'firing' | 'holding';
  /** What made it bad: its objective, its anomaly band, or memory climbing to new highs. */
  rule: 'objective' | 'anomaly' | 'climbing';
  /** When the current problem began: the first bad point of its run, or the start of the climb. */
  onsetMs: number;
  /** One sentence: "p99 latency 912 ms, over its 700 ms objective for 5 of the last 5 minutes". */
  summary: string;
  latest: number;
  unit: string;
}

export interface MonitorServiceScan {
  service: string;
  /** The signals that are not clear; a signal in neither this nor `missing` is clear. */
  findings: MonitorFinding[];
  /** Signals without data: they neither open nor resolve anything. */
  missing?: Signal[];
  /** The champion that scored, or why the built-in detector did; absent: no champion (the built-in detector). */
  model?: ServedModel;
}

export interface MonitorScanJobResult {
  atMs: number;
  intervalMs: number;
  services: MonitorServiceScan[];
  /** Points fed to the detectors (only the new ones when this process's streams were warm). */
  pointsScored: number;
  /** Time the scan took in the worker. */
  durationMs: number;
}

/** An investigation (src/app/investigations.ts; the job id is the investigation's id). */
export interface InvestigateJobData {
  /** The service asked about; absent: the incident's, or the whole fleet. */
  service?: string;
  /** The words asked ("why is checkout-api slow?"), when there were any. */
  question?: string;
  /** An incident asked about (its service and start frame the window). */
  incidentId?: string;
  /** The window's end (ms); the control plane's clock when absent. */
  atMs?: number;
}

export interface InvestigateJobResult {
  investigation: InvestigationJson;
  /** For people: the answer, its evidence and what to try. */
  summary: string;
  /** How it was answered: "rules", or the LLM's model, tool calls, tokens and cost, or why it fell back. */
  footer: string;
}

export type Jobs = {
  status: { data: StatusJobData; result: StatusJobResult };
  detect_anomalies: { data: AnomaliesJobData; result: AnomaliesJobResult };
  remediation: { data: { requestId: string }; result: RemediationJobResult };
  train_model: { data: TrainModelJobData; result: TrainModelJobResult };
  drift_check: { data: DriftCheckJobData; result: DriftCheckJobResult };
  investigate: { data: InvestigateJobData; result: InvestigateJobResult };
  monitor_scan: { data: MonitorScanJobData; result: MonitorScanJobResult };
};
