/**
 * How every tool is called, whoever calls it (the investigator, the LLM agent, the MCP server):
 * the input validated with the tool's zod schema (an error names the field), the caller's RBAC
 * checked with `authorize`, and the run bounded in time.
 */
import type { z } from 'zod';
import { authorize, leastRoleWith } from '../../auth/permissions';
import { AppError } from '../../errors';
import type { Tool, ToolContext, ToolResult } from '../types';

/** A tool that has not answered by then is abandoned (its signal is aborted). */
export const TOOL_TIMEOUT_MS = 30_000;

/** "minutes: Too big: expected number to be <=360; service: Required" */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

export async function runTool(
  tool: Tool,
  input: unknown,
  ctx: ToolContext,
  options: { timeoutMs?: number } = {},
): Promise<ToolResult> {
  if (!authorize(ctx.principal, tool.permission)) {
    throw new AppError(
      'forbidden',
      `The ${tool.name} tool needs the “${tool.permission}” permission (the ${leastRoleWith(tool.permission)} role); ` +
        `${ctx.principal.name} does not have it.`,
    );
  }
  const parsed = tool.input.safeParse(input ?? {});
  if (!parsed.success) {
    throw new AppError('bad_request', `Bad input for ${tool.name}: ${describeIssues(parsed.error)}.`);
  }
  const timeoutMs = options.timeoutMs ?? TOOL_TIMEOUT_MS;
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) onAbort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new AppError('unavailable', `The ${tool.name} tool did not answer within ${timeoutMs / 1000} s.`);
      reject(err); // first: the abort below must not settle it as "cancelled"
      controller.abort(err);
    }, timeoutMs);
    controller.signal.addEventListener(
      'abort',
      () => reject(new AppError('job_cancelled', `The ${tool.name} tool was cancelled.`)),
      { once: true },
    );
  });
  try {
    if (controller.signal.aborted) throw new AppError('job_cancelled', `The ${tool.name} tool was cancelled.`);
    return await Promise.race([tool.run(parsed.data, { ...ctx, signal: controller.signal }), deadline]);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}
