/**
 * Investigations (issue 16; DESIGN.md "HTTP side-app", the investigation object): a question about
 * a service or an incident, answered by read-only tools, with every claim citing the tool result it
 * rests on. An investigation never acts: it may only suggest commands, which go through the normal
 * request and approval flow.
 */
import type { z } from 'zod';
import type { Permission, Principal } from '../auth/permissions';

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

/** What a tool knows of its caller: the principal (RBAC applies to every call) and the clock. */
export interface ToolContext {
  principal: Principal;
  /** Now, in ms (the investigation's clock). */
  now: number;
  signal?: AbortSignal;
}

/**
 * One read-only tool. `input` is validated by the zod schema before `run` sees it; the result is
 * plain JSON, capped in size by the tool itself (agents trim further before a model sees it).
 * `permission` names the RBAC permission the caller needs (src/auth/permissions.ts).
 */
export interface Tool<I extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: I;
  permission: Permission;
  run(input: z.infer<I>, ctx: ToolContext): Promise<ToolResult>;
}

export interface ToolResult {
  /** Plain JSON for programs and models. */
  data: unknown;
  /** One or two sentences for people and for evidence lines. */
  summary: string;
}
