/**
 * Investigations (issue 16; DESIGN.md "HTTP side-app", the investigation object): a question about
 * a service or an incident, answered by read-only tools, with every claim citing the tool result it
 * rests on. An investigation never acts: it may only suggest commands, which go through the normal
 * request and approval flow.
 */
import type { z } from 'zod';
import type { Permission, Principal } from '../auth/permissions';

export { ROOT_CAUSE_KINDS } from '../ports/investigation';
export type { RootCauseKind, Evidence, Hypothesis, InvestigationJson } from '../ports/investigation';

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
