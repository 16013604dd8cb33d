/**
 * The investigation object (DESIGN.md, HTTP side-app): the contract REST, `investigate --json`,
 * the job result and the MCP/agent paths share. Plain data, so any layer may carry it; the
 * investigators themselves live in src/investigate/.
 */

/** Root-cause kinds: the demo fault kinds, or `other`. */
export const ROOT_CAUSE_KINDS = [
  'bad_deploy',
  'config_change',
  'memory_leak',
  'cpu_saturation',
  'traffic_surge',
  'other',
] as const;
export type RootCauseKind = (typeof ROOT_CAUSE_KINDS)[number];

export interface Evidence {
  /** The tool whose result the claim rests on. */
  tool: string;
  claim: string;
}

export interface Hypothesis {
  service: string;
  kind: RootCauseKind;
  /** 0..1 */
  confidence: number;
  evidence: Evidence[];
}

/** The investigation object as REST and `investigate --json` answer it (snake_case, DESIGN.md). */
export interface InvestigationJson {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  verdict: 'root_cause' | 'inconclusive';
  root_cause: { service: string; kind: RootCauseKind; confidence: number; summary: string } | null;
  hypotheses: Hypothesis[];
  suggested_actions: Array<{ command: string }>;
  runbooks: Array<{ name: string; title: string; path?: string; url?: string }>;
  source: 'rules' | 'llm';
  tokens: number;
  duration_ms: number;
}
