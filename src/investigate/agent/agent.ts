/**
 * The LLM investigation agent (issue 16 point 5): LangChain's `createAgent` over the read-only
 * toolbox, through any OpenAI-compatible chat-completions server. It only diagnoses: the answer is
 * checked against this run (answer.ts) and what to try comes from the deterministic rule
 * (compose.ts). Bounded in steps, time and tokens; on a budget, an error, a timeout or an invalid
 * answer it falls back to the deterministic investigator and says why.
 */
import { performance } from 'node:perf_hooks';
import { AppError } from '../../errors';
import { Redactor } from '../../log/redact';
import { genAiSpan } from '../../telemetry/genai';
import type { InvestigationQuestion } from '../deterministic/observations';
import { checkAnswer } from './answer';
import { agentJson, agentSummary, suggestionsFor } from './compose';
import { Meter } from './meter';
import { runLoop, type LoopOutcome } from './loop';
import {
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TOKENS,
  DEFAULT_PRICES,
  DEFAULT_TIME_BUDGET_MS,
  type AgentOptions,
  type AgentResult,
  type FallbackReason,
} from './types';

function positive(name: string, value: number | undefined, def: number): number {
  const v = value ?? def;
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`investigation agent: ${name} must be a positive number, got ${v}`);
  return v;
}

function checkOptions(options: AgentOptions): void {
  if (!options.llm.apiKey && !options.llm.baseUrl)
    throw new Error(
      'investigation agent needs OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server that takes no key',
    );
  if (!options.llm.model?.trim()) throw new Error('investigation agent needs a model name (OPENAI_MODEL)');
  if (options.tools.length === 0) throw new Error('investigation agent needs the read-only tools (createToolbox)');
}

const cancelled = () => new AppError('job_cancelled', 'The investigation was cancelled.');

/**
 * One investigation by the LLM agent. Never throws for an LLM problem (it falls back); throws
 * AppError('job_cancelled') when `signal` aborts, and whatever the fallback itself throws.
 */
export async function investigateWithAgent(
  question: InvestigationQuestion,
  options: AgentOptions,
): Promise<AgentResult> {
  checkOptions(options);
  // One span for the run (its model calls and tool calls are spans inside it), with the run's token totals.
  const run = { operation: 'invoke_agent', provider: 'openai', agent: 'investigation' } as const;
  return genAiSpan({ ...run, model: options.llm.model, baseUrl: options.llm.baseUrl }, async (g) => {
    const result = await investigate(question, options);
    g.record({ inputTokens: result.usage.promptTokens, outputTokens: result.usage.completionTokens });
    g.span.setAttribute('smartcloudops.investigation.tool_calls', result.usage.toolCalls);
    if (result.fallbackReason) {
      g.span.setAttribute('smartcloudops.investigation.fallback', result.fallbackReason);
      if (result.fallbackReason === 'error' || result.fallbackReason === 'timeout')
        g.fail(result.fallbackReason, result.fallback ?? result.fallbackReason);
    }
    return result;
  });
}

async function investigate(question: InvestigationQuestion, options: AgentOptions): Promise<AgentResult> {
  const started = performance.now();
  const l = options.limits;
  const maxSteps = Math.floor(positive('limits.maxSteps', l.maxSteps, DEFAULT_MAX_STEPS));
  const timeBudgetMs = positive('limits.timeBudgetMs', l.timeBudgetMs, DEFAULT_TIME_BUDGET_MS);
  const perInvestigation = positive(
    'limits.maxTokensPerInvestigation',
    l.maxTokensPerInvestigation,
    DEFAULT_MAX_TOKENS,
  );
  const left = Math.max(0, Math.floor(l.tokensLeftToday));
  const meter = new Meter(
    options.llm.model,
    Math.min(perInvestigation, left),
    left < perInvestigation,
    options.prices ?? DEFAULT_PRICES,
  );
  if (options.signal?.aborted) throw cancelled();

  let outcome: LoopOutcome;
  if (left <= 0) outcome = { ok: false, reason: 'budget', message: "the day's LLM token budget is used up", calls: [] };
  else outcome = await runLoop(question, options, { maxSteps, timeBudgetMs, meter });
  if (options.signal?.aborted) throw cancelled();

  const toolCalls = outcome.calls.length;
  if (outcome.ok) {
    const services = new Set(outcome.services);
    const checked = checkAnswer(outcome.answer, { services, calls: outcome.calls });
    if (checked.ok) {
      const suggestions = suggestionsFor(checked.answer, outcome.calls, options.replicasOf);
      const json = agentJson(options.id, checked.answer, outcome.calls, {
        suggestions,
        tokens: meter.total(),
        durationMs: Math.round(performance.now() - started),
      });
      return { json, summary: agentSummary(question, checked.answer, suggestions), usage: meter.usage(toolCalls) };
    }
    outcome = { ok: false, reason: 'invalid', message: `invalid answer: ${checked.why}`, calls: outcome.calls };
  }
  return fallBack(options, meter, toolCalls, outcome.reason, outcome.message, started);
}

async function fallBack(
  options: AgentOptions,
  meter: Meter,
  toolCalls: number,
  reason: FallbackReason,
  message: string,
  started: number,
): Promise<AgentResult> {
  const redacted = new Redactor([options.llm.apiKey]).string(message).slice(0, 300);
  const { json, summary } = await options.fallback();
  return {
    json: { ...json, source: 'rules', tokens: meter.total(), duration_ms: Math.round(performance.now() - started) },
    summary,
    usage: meter.usage(toolCalls),
    fallback: redacted,
    fallbackReason: reason,
  };
}
