/**
 * A postmortem draft (issue 16 point 8): the facts an incident left behind, gathered once
 * (gather.ts), written as Markdown by a pure function (draft.ts), and polished by an LLM when one
 * is configured (polish.ts), never at the cost of a fact. Plain data: the command layer and REST
 * carry `PostmortemDraft` without importing anything else of this folder.
 */
import type { Hypothesis, InvestigationJson, RootCauseKind } from '../../ports/investigation';

/** One objective a service went over during the incident, with its worst value. */
export interface BreachedObjective {
  objective: 'latency_p99_ms' | 'error_rate' | 'cpu' | 'memory';
  /** The worst value inside the window, in the signal's unit (ms, or a ratio). */
  peak: number;
  limit: number;
  /** When the signal first went over its limit inside the window. */
  firstAtMs: number;
}

/** What one service suffered during the incident; `unknown` says why a part could not be read. */
export interface ServiceImpact {
  service: string;
  /** The availability target the error budget comes from (e.g. 0.99). */
  target?: number;
  /** From src/slo/window-burn.ts; absent when the error ratio could not be read. */
  burn?: {
    meanErrorRatio: number;
    meanBurnRate: number;
    peakBurnRate: number;
    peakAtMs: number;
    /** Share of the 30-day error budget the incident consumed. */
    budgetConsumed: number;
  };
  breached: BreachedObjective[];
  /** Why the impact (or part of it) is unknown, in words. */
  unknown?: string;
}

/** A remediation request made during the incident on a service it touched, with the people involved. */
export interface ActionTaken {
  id: string;
  /** `rollback`, `restart`, `scale`, `clear_cache`, `runbook`. */
  action: string;
  target: string;
  /** `scale payments to 6`, `runbook flush-dns on payments`: the request as a command. */
  command: string;
  /** The request's state, or `withdrawn` for one its requester took back. */
  state: string;
  requestedBy: string;
  requestedAtMs: number;
  approvals: Array<{ name: string; atMs: number }>;
  /** Who denied or withdrew it; when it was denied, withdrawn or expired. */
  decidedBy?: string;
  decidedAtMs?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  /** The executor's sentence, and the verification's when there was one. */
  result?: string;
  verified?: { ok: boolean; summary: string };
}

/** The incident's latest finished investigation, as the draft uses it. */
export interface InvestigationFacts {
  id: string;
  finishedAtMs?: number;
  verdict: InvestigationJson['verdict'];
  rootCause: InvestigationJson['root_cause'];
  hypotheses: Hypothesis[];
  summary?: string;
  suggestedActions: string[];
  runbooks: InvestigationJson['runbooks'];
}

/** One line of the incident's timeline (the incident's own entries, the alerts, the runs, the investigation). */
export interface TimelineEntry {
  atMs: number;
  text: string;
}

/** Everything the draft says, gathered from the stores and the metrics source. */
export interface PostmortemFacts {
  incident: {
    id: string;
    title: string;
    service: string | null;
    severity: string | null;
    status: 'open' | 'acked' | 'resolved';
    createdAtMs: number;
    resolvedAtMs: number | null;
    ackedBy?: string;
    resolvedBy?: string;
    alertnames: string[];
    externalUrl: string | null;
    /** The incident this one follows (the group's previous), when there is one. */
    follows?: string;
  };
  /**
   * The impact window: from when the objectives were first breached in a run up to the first alert
   * (else the first alert's start, else the incident's) to its resolution (or now).
   */
  window: {
    fromMs: number;
    toMs: number;
    ongoing: boolean;
    /** The first alert's start (Alertmanager's `startsAt`), or the incident's when earlier. */
    alertAtMs: number;
    /** The service whose breach began the impact before the first alert, when one did. */
    onsetService?: string;
  };
  /** When the facts were gathered. */
  nowMs: number;
  timeline: TimelineEntry[];
  impact: ServiceImpact[];
  investigation?: InvestigationFacts;
  actions: ActionTaken[];
}

export type { RootCauseKind };

/** A postmortem as chat and REST answer it. */
export interface PostmortemDraft {
  incidentId: string;
  markdown: string;
  /** True when the LLM's wording is used (it kept every id and time of the draft). */
  polished: boolean;
  source: 'rules' | 'llm';
  /** Why the LLM's wording was not used, when it was asked and failed or dropped a fact. */
  unpolished?: string;
}

/** What the command layer calls. */
export interface Postmortems {
  /** Rejects with AppError('not_found') for an unknown incident. */
  write(incidentId: string): Promise<PostmortemDraft>;
}
