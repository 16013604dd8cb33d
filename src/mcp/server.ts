/**
 * The read-only investigation tools as an MCP server (issue 16 point 9; DESIGN.md CLI table, `mcp`),
 * on the official SDK's McpServer, so other agents and IDEs can use them. Each tool is listed under
 * its own name, description and zod input (the SDK turns it into JSON Schema and validates the
 * arguments: bad input is a tool error naming the field). Every call goes through `runTool`, so the
 * principal's RBAC, the input check and the time limit are the ones the investigator and the LLM
 * agent get; a refusal or a failure is a tool error result (`isError`), never a crash of the server.
 * The transport is the caller's (stdio in `smartcloudops mcp`, in-memory in tests).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { AuditEvent } from '../audit/types';
import type { Principal } from '../auth/permissions';
import type { Clock } from '../clock';
import { asAppError, errorMessage, type AppError } from '../errors';
import { runTool } from '../investigate/tools';
import type { Tool, ToolResult } from '../investigate/types';
import type { Logger } from '../log/logger';

export const MCP_SERVER_NAME = 'smartcloudops';

/** The audit action of one tool call (target: the tool's name). */
export const MCP_AUDIT_ACTION = 'mcp.tool_call';

/**
 * Who calls: one principal, or a lookup run on every call (`smartcloudops mcp` re-checks its API
 * key, so a key revoked or a user disabled while the server runs stops at the next call). The
 * lookup throws (AppError `unauthorized`) when the credential no longer works.
 */
export type PrincipalSource = Principal | (() => Principal);

export interface McpServerOptions {
  /** The server's version (the package's). */
  version: string;
  clock: Clock;
  /** Diagnostics; with stdio it must write to stderr, as stdout carries the protocol. */
  log: Logger;
  /** When given, each call is recorded: `mcp.tool_call`, outcome ok / denied / failed. */
  audit?: { record(event: AuditEvent): void };
  /** Per call; default TOOL_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Every tool here only reads, and reads the same thing twice. */
const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };

const INSTRUCTIONS =
  'Read-only SmartCloudOps investigation tools: golden signals, anomalies, the dependency graph, changes and ' +
  'events, incidents and runbooks of the services it watches. Every call runs as one configured user, with that ' +
  "user's role; nothing here changes anything. Results are JSON {summary, data}.";

export function createMcpServer(tools: readonly Tool[], principal: PrincipalSource, options: McpServerOptions) {
  if (!options.version) throw new Error('createMcpServer requires options.version (the package version)');
  const names = new Set<string>();
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: options.version },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );
  for (const tool of tools) {
    if (names.has(tool.name)) throw new Error(`createMcpServer: two tools are named ${tool.name}`);
    names.add(tool.name);
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.input, annotations: READ_ONLY },
      (args, extra) => callTool(tool, args, extra.signal, principal, options),
    );
  }
  return server;
}

/** One call: the principal now, then runTool; any error becomes a tool error result with its user message. */
async function callTool(
  tool: Tool,
  args: unknown,
  signal: AbortSignal,
  principal: PrincipalSource,
  options: McpServerOptions,
): Promise<CallToolResult> {
  let who: Principal | undefined;
  try {
    who = typeof principal === 'function' ? principal() : principal;
    const result = await runTool(
      tool,
      args,
      { principal: who, now: options.clock(), signal },
      options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
    );
    record(options, who, tool, args);
    return success(result);
  } catch (err) {
    const error = asAppError(err);
    if (error.code === 'internal') options.log.error('MCP tool failed', { tool: tool.name, err });
    else if (error.code === 'forbidden' || error.code === 'unauthorized')
      options.log.warn('MCP tool denied', { tool: tool.name, code: error.code, as: who?.name });
    else options.log.info('MCP tool refused', { tool: tool.name, code: error.code, as: who?.name });
    if (who) record(options, who, tool, args, error);
    return { isError: true, content: [{ type: 'text', text: error.userMessage }] };
  }
}

/** The tool's result as text (JSON `{summary, data}`, for any client) and as structured content (the same object). */
function success(result: ToolResult): CallToolResult {
  const body = { summary: result.summary, data: result.data };
  return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body };
}

/** The audit entry of one call; a failure to write it is logged, and the caller still gets the answer. */
function record(options: McpServerOptions, who: Principal, tool: Tool, args: unknown, error?: AppError): void {
  if (!options.audit) return;
  try {
    options.audit.record({
      actor: who.id,
      action: MCP_AUDIT_ACTION,
      outcome: !error ? 'ok' : error.code === 'forbidden' ? 'denied' : 'failed',
      target: tool.name,
      detail: {
        role: who.role,
        ...(args && typeof args === 'object' ? { arguments: args } : {}),
        ...(error ? { error: error.code } : {}),
      },
    });
  } catch (err) {
    options.log.warn('MCP tool call not audited', { tool: tool.name, reason: errorMessage(err) });
  }
}
