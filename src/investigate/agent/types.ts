/** What the LLM investigation agent takes and gives (issue 16 point 5). */
import type { Principal } from '../../auth/permissions';
import type { InvestigationJson } from '../types';
import type { Tool } from '../types';

export interface AgentLlmOptions {
  /** OPENAI_API_KEY; optional for a server that takes none (Ollama, vLLM). */
  apiKey?: string;
  /** OPENAI_BASE_URL of any OpenAI-compatible chat-completions server; default OpenAI's. */
  baseUrl?: string;
  model: string;
  /** Deadline of one model call (default: what is left of the time budget). */
  timeoutMs?: number;
}

export interface AgentLimits {
  /** Tool calls per investigation; past it the model is told to answer (default 12). */
  maxSteps?: number;
  /** The whole run, model and tools (default 90 s). */
  timeBudgetMs?: number;
  /** Prompt + completion tokens per investigation (default 50,000). */
  maxTokensPerInvestigation?: number;
  /** What is left of the day's token budget (the caller keeps the day's count). */
  tokensLeftToday: number;
}

/** US dollars per million tokens. */
export interface LlmPrices {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface AgentStep {
  tool: string;
  input: unknown;
  summary?: string;
  error?: string;
}

export interface AgentUsage {
  model: string;
  modelCalls: number;
  toolCalls: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

/** Why the deterministic result was used. */
export type FallbackReason = 'budget' | 'timeout' | 'error' | 'steps' | 'invalid';

export interface AgentResult {
  json: InvestigationJson;
  summary: string;
  usage: AgentUsage;
  /** Set when the agent fell back to the deterministic investigator: why, as a sentence. */
  fallback?: string;
  fallbackReason?: FallbackReason;
}

export interface AgentOptions {
  llm: AgentLlmOptions;
  /** The read-only toolbox (src/investigate/tools/); every call goes through runTool (RBAC, input, time). */
  tools: readonly Tool[];
  principal: Principal;
  /** The investigation's clock, ms. */
  now: number;
  id: string;
  limits: AgentLimits;
  prices?: LlmPrices;
  /** The deterministic investigation, run on budget, error, timeout or an invalid answer. */
  fallback: () => Promise<{ json: InvestigationJson; summary: string }>;
  /** Called after each tool call. */
  onStep?: (step: AgentStep) => void;
  /** Cancels the run (AppError job_cancelled; no fallback). */
  signal?: AbortSignal;
  /** Replicas of a service now, for `scale SERVICE N` (buildInvestigationParts gives it). */
  replicasOf?: (service: string) => number | undefined;
  /** Known service names; default: what the dependency_graph tool lists. */
  services?: readonly string[];
  /** Folder of prompts/investigate-v1.md (default: the package's prompts/). */
  promptDir?: string;
}

export const DEFAULT_MAX_STEPS = 12;
export const DEFAULT_TIME_BUDGET_MS = 90_000;
export const DEFAULT_MAX_TOKENS = 50_000;
/** gpt-4o-mini's list price. */
export const DEFAULT_PRICES: LlmPrices = { inputPerMTok: 0.15, outputPerMTok: 0.6 };
/** Characters of one tool result the model sees. */
export const TOOL_OUTPUT_MAX_CHARS = 4000;
