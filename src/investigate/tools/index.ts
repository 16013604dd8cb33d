/**
 * The investigation toolbox (issue 16 point 2): read-only tools, each a `Tool` (../types.ts) with
 * a zod input, the `read` permission and capped output. Call them through `runTool` (run.ts), which
 * validates the input, checks the caller's RBAC and bounds the time. The deterministic
 * investigator, the LLM agent and the MCP server all use this one toolbox.
 */
import type { ChangeSource } from '../../changes/types';
import type { PrometheusClientOptions } from '../../sources/prometheus/client';
import type { MetricsSource } from '../../sources/types';
import type { Tool } from '../types';
import { serviceAnomaliesTool } from './anomalies';
import { changesTool } from './changes';
import { dependencyGraphTool } from './graph';
import { incidentsTool, type IncidentReader } from './incidents';
import { prometheusQueryTool } from './prometheus';
import { runbookSearchTool, type RunbookIndex } from './runbooks';
import { serviceSignalsTool } from './signals';

export { runTool, describeIssues, TOOL_TIMEOUT_MS } from './run';
export type { IncidentReader } from './incidents';
export type { RunbookIndex, RunbookMatch } from './runbooks';
export type { SignalAnomalies } from './anomalies';

export const TOOL_NAMES = [
  'service_signals',
  'service_anomalies',
  'dependency_graph',
  'changes',
  'incidents',
  'prometheus_query',
  'runbook_search',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface ToolboxDeps {
  source: MetricsSource;
  /** Change sources, usually combined (src/changes/combined.ts); absent: no `changes` tool. */
  changes?: ChangeSource;
  /** The incident service (or anything that reads incidents); absent: no `incidents` tool. */
  incidents?: IncidentReader;
  /** Set when the metrics source is Prometheus: the `prometheus_query` tool. */
  prometheus?: PrometheusClientOptions;
  /** The runbook knowledge base; absent: no `runbook_search` tool. */
  runbooks?: RunbookIndex;
  onnxThreads?: number;
}

/** The tools these dependencies allow, in TOOL_NAMES order. */
export function createToolbox(deps: ToolboxDeps): Tool[] {
  const tools: Tool[] = [
    serviceSignalsTool(deps.source),
    serviceAnomaliesTool(deps.source, { onnxThreads: deps.onnxThreads }),
    dependencyGraphTool(deps.source),
  ];
  if (deps.changes) tools.push(changesTool(deps.changes));
  if (deps.incidents) tools.push(incidentsTool(deps.incidents));
  if (deps.prometheus) tools.push(prometheusQueryTool(deps.prometheus));
  if (deps.runbooks) tools.push(runbookSearchTool(deps.runbooks));
  return tools;
}

/** The tool named `name` in a toolbox, or undefined. */
export function findTool(tools: readonly Tool[], name: string): Tool | undefined {
  return tools.find((t) => t.name === name);
}
