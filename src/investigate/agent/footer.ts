import type { AgentUsage } from './types';

const int = (n: number) => n.toLocaleString('en-US');

/** "$0.0012": four decimals under a dollar (a run costs fractions of a cent), two above. */
export function formatUsd(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

/**
 * The reply's footer line for an LLM investigation: "llm gpt-4o-mini · 3 tool calls · 5,432 tokens ·
 * $0.0012", or "fell back to the deterministic investigator: token budget reached (…)" with what the
 * LLM used before it did, when it used anything.
 */
export function agentFooter(usage: AgentUsage, fallback?: string): string {
  const calls = `${usage.toolCalls} tool call${usage.toolCalls === 1 ? '' : 's'}`;
  const spent = `llm ${usage.model} · ${calls} · ${int(usage.totalTokens)} tokens · ${formatUsd(usage.costUsd)}`;
  if (fallback === undefined) return spent;
  const used = usage.modelCalls > 0 || usage.totalTokens > 0 ? ` (${spent})` : '';
  return `fell back to the deterministic investigator: ${fallback}${used}`;
}
