import { performance } from 'node:perf_hooks';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { systemClock, type Clock } from '../clock';
import type { Logger } from '../log/logger';
import { Redactor } from '../log/redact';
import { genAiSpan, type GenAiSpan } from '../telemetry/genai';
import type { Metrics } from '../telemetry/metrics';
import { TokenBudget } from './llm-budget';
import { hintsSection, loadPrompt, DEFAULT_PROMPT_DIR } from './llm-prompt';
import { FORCE_TOOL, PROPOSE_INTENT_TOOL, TOOL_NAME, proposalToIntent } from './llm-tool';
import type { Intent } from './schema';

export type LlmFailureReason = 'timeout' | 'rate_limited' | 'error' | 'invalid' | 'budget_exhausted';

/** What one LLM parse gave. Anything but `ok` means: fall back to the rules parser. */
export type LlmOutcome =
  | { ok: true; intent: Intent; usage: { prompt: number; completion: number } }
  | { ok: false; reason: LlmFailureReason; detail: string };

export type LlmProbe =
  | { ok: true; models: string[]; modelListed: boolean }
  | { ok: false; reason: Exclude<LlmFailureReason, 'invalid' | 'budget_exhausted'>; detail: string };

export interface LlmParserOptions {
  /** OPENAI_API_KEY; optional when baseUrl points at a server that needs none (Ollama, vLLM). */
  apiKey?: string;
  /** OPENAI_BASE_URL, e.g. http://localhost:11434/v1; default https://api.openai.com/v1. */
  baseUrl?: string;
  model: string;
  /** Deadline for the whole call, connection to last byte. */
  timeoutMs: number;
  /** Prompt + completion tokens per rolling hour; 0 = never call the LLM. */
  tokenBudgetPerHour: number;
  metrics: Metrics;
  log: Logger;
  clock?: Clock;
  /** Applied to the user's text before it leaves the process; default catches token shapes and the API key. */
  redactor?: Redactor;
  promptDir?: string;
}

export interface LlmParser {
  readonly model: string;
  readonly promptVersion: string;
  /** Never throws: failures come back as `{ ok: false, reason }`. */
  parse(text: string, hints?: { services?: string[] }): Promise<LlmOutcome>;
  /** Reachability for `doctor`: lists the server's models (not counted as an intent request). */
  probe(): Promise<LlmProbe>;
}

/** Longer messages are cut: an intent is in the first lines, and pasted logs cost tokens. */
export const MAX_INPUT_CHARS = 2000;
const MAX_COMPLETION_TOKENS = 300;
/** Placeholder for servers that take no key; the SDK refuses to start without one. */
const NO_KEY = 'unused';

type Failure = Extract<LlmOutcome, { ok: false }>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
}

/** What the parser's functions share: the options checked, the client, the prompt and the budget. */
interface Llm {
  model: string;
  timeoutMs: number;
  metrics: Metrics;
  log: Logger;
  budget: TokenBudget;
  redactor: Redactor;
  prompt: ReturnType<typeof loadPrompt>;
  client: OpenAI;
}

function checkOptions({ model, timeoutMs, ...options }: LlmParserOptions): void {
  if (!options.apiKey && !options.baseUrl) {
    throw new Error(
      'LLM intent parser needs OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server ' +
        'that takes no key (Ollama, vLLM, LiteLLM)',
    );
  }
  if (typeof model !== 'string' || model.trim() === '')
    throw new Error('LLM intent parser needs a model name (OPENAI_MODEL)');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new Error(`LLM intent parser needs a positive timeoutMs (OPENAI_TIMEOUT_MS), got ${timeoutMs}`);
}

/**
 * The SDK client: our deadline and logger, no retries, nothing read from process.env. Other LLM
 * callers (the postmortem's polish) build theirs here too.
 */
export function createClient(options: Pick<LlmParserOptions, 'apiKey' | 'baseUrl' | 'timeoutMs'>, log: Logger): OpenAI {
  const sdkLog = log.child({ component: 'openai' });
  return new OpenAI({
    apiKey: options.apiKey || NO_KEY,
    // null, not undefined: the SDK would otherwise read OPENAI_* from process.env itself.
    baseURL: options.baseUrl ?? null,
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    timeout: options.timeoutMs,
    maxRetries: 0,
    logLevel: 'warn',
    logger: {
      error: (message, ...rest) => sdkLog.warn(message, { details: rest }),
      warn: (message, ...rest) => sdkLog.warn(message, { details: rest }),
      info: (message) => sdkLog.debug(message),
      debug: (message) => sdkLog.debug(message),
    },
  });
}

function fail({ redactor }: Llm, reason: LlmFailureReason, detail: string): Failure {
  return {
    ok: false,
    reason,
    detail: redactor.string(detail).slice(0, 300),
  };
}

function classify(l: Llm, err: unknown, timedOut: boolean): Failure {
  const { timeoutMs } = l;
  if (timedOut || err instanceof APIConnectionTimeoutError)
    return fail(l, 'timeout', `no answer within ${timeoutMs} ms`);
  if (err instanceof APIError && err.status === 429) {
    const retryAfter = err.headers?.get('retry-after');
    return fail(
      l,
      'rate_limited',
      `HTTP 429${err.code ? ` ${err.code}` : ''}${retryAfter ? ` (retry after ${retryAfter} s)` : ''}: ${err.message}`,
    );
  }
  if (err instanceof APIError && typeof err.status === 'number')
    return fail(l, 'error', `HTTP ${err.status}: ${err.message}`);
  if (err instanceof APIConnectionError) {
    const cause =
      err.cause instanceof Error ? ` (${(err.cause as Error & { code?: string }).code ?? err.cause.message})` : '';
    return fail(l, 'error', `${err.message}${cause}`);
  }
  return fail(l, 'error', err instanceof Error ? `${err.name}: ${err.message}` : String(err));
}

/** Run one SDK call under the deadline: the SDK timeout covers headers, the abort covers the body too. */
async function withDeadline<T>(
  l: Llm,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<{ ok: true; value: T } | Failure> {
  const { timeoutMs } = l;
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      resolve('deadline');
    }, timeoutMs);
  });
  try {
    const request = call(controller.signal);
    const winner = await Promise.race([request, deadline]);
    if (winner === 'deadline') {
      request.catch(() => undefined); // the aborted request rejects later; nothing to do with it
      return classify(l, undefined, true);
    }
    return { ok: true, value: winner };
  } catch (err) {
    return classify(l, err, timedOut);
  } finally {
    clearTimeout(timer);
  }
}

/** Why no call is made at all (nothing to parse, no budget left); undefined when one may be. */
function refusal(l: Llm, text: string): Failure | undefined {
  const { budget } = l;
  if (text.trim() === '') return fail(l, 'invalid', 'empty message');
  if (!budget.available())
    return fail(l, 'budget_exhausted', `${budget.used()} of ${budget.perHour} tokens used in the last hour`);
  return undefined;
}

/** One call in its GenAI span (`chat <model>`): the response's model, id, finish reason and token counts. */
function tracedAttempt(l: Llm, text: string, services: string[] | undefined): Promise<LlmOutcome> {
  const call = {
    operation: 'chat',
    provider: 'openai',
    model: l.model,
    baseUrl: l.client.baseURL,
    temperature: 0,
    maxTokens: MAX_COMPLETION_TOKENS,
  } as const;
  return genAiSpan(call, async (g) => {
    const outcome = await attempt(l, text, services, g);
    if (!outcome.ok) g.fail(outcome.reason, outcome.detail);
    return outcome;
  });
}

async function attempt(l: Llm, text: string, services: string[] | undefined, g: GenAiSpan): Promise<LlmOutcome> {
  const { budget, prompt, model, client, metrics } = l;
  const system = prompt.system + hintsSection(services);
  const body: ChatCompletionCreateParamsNonStreaming = {
    model,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: text },
    ],
    tools: [PROPOSE_INTENT_TOOL],
    tool_choice: FORCE_TOOL,
    temperature: 0,
    max_completion_tokens: MAX_COMPLETION_TOKENS,
  };
  const answer = await withDeadline(l, (signal) => client.chat.completions.create(body, { signal }));
  if (!answer.ok) return answer;

  const completion: unknown = answer.value;
  if (!isRecord(completion) || !Array.isArray(completion.choices))
    return fail(l, 'error', 'the server did not answer with a chat completion');
  // Servers that report no usage still spend tokens: estimate (4 characters a token) so the budget holds.
  const usageIn = isRecord(completion.usage) ? completion.usage : {};
  const choice: unknown = completion.choices[0];
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {};
  const calls = (Array.isArray(message.tool_calls) ? message.tool_calls : []).filter(
    (c): c is { function: { name: string; arguments: unknown } } =>
      isRecord(c) && isRecord(c.function) && c.function.name === TOOL_NAME,
  );
  const args = calls[0]?.function.arguments;
  const argsText = typeof args === 'string' ? args : isRecord(args) ? JSON.stringify(args) : undefined;
  const usage = {
    prompt: count(usageIn.prompt_tokens) ?? Math.ceil((system.length + text.length) / 4),
    completion: count(usageIn.completion_tokens) ?? Math.ceil((argsText ?? JSON.stringify(message)).length / 4),
  };
  budget.record(usage.prompt + usage.completion);
  g.record({
    ...(typeof completion.model === 'string' ? { responseModel: completion.model } : {}),
    ...(typeof completion.id === 'string' ? { responseId: completion.id } : {}),
    ...(isRecord(choice) && typeof choice.finish_reason === 'string' ? { finishReasons: [choice.finish_reason] } : {}),
    inputTokens: usage.prompt,
    outputTokens: usage.completion,
    estimated: count(usageIn.prompt_tokens) === undefined || count(usageIn.completion_tokens) === undefined,
  });
  metrics.llmTokens.inc({ kind: 'prompt' }, usage.prompt);
  metrics.llmTokens.inc({ kind: 'completion' }, usage.completion);

  if (calls.length === 0) {
    const why =
      typeof message.refusal === 'string' && message.refusal
        ? 'refused'
        : typeof message.content === 'string' && message.content
          ? 'answered in text'
          : 'no answer';
    const finish =
      isRecord(choice) && typeof choice.finish_reason === 'string' ? `, finish_reason ${choice.finish_reason}` : '';
    return fail(l, 'invalid', `no ${TOOL_NAME} call (${why}${finish})`);
  }
  if (calls.length > 1) return fail(l, 'invalid', `${calls.length} ${TOOL_NAME} calls; exactly one is allowed`);
  if (argsText === undefined) return fail(l, 'invalid', `${TOOL_NAME} call without arguments`);
  const proposal = proposalToIntent(argsText);
  if (!proposal.ok) return fail(l, 'invalid', proposal.detail);
  return { ok: true, intent: proposal.intent, usage };
}

async function parse(l: Llm, text: unknown, hints: { services?: string[] } | undefined): Promise<LlmOutcome> {
  const { redactor, metrics, log, model, prompt } = l;
  const started = performance.now();
  const redacted = redactor.string(typeof text === 'string' ? text : '').slice(0, MAX_INPUT_CHARS);
  let outcome: LlmOutcome;
  try {
    outcome = refusal(l, redacted) ?? (await tracedAttempt(l, redacted, hints?.services));
  } catch (err) {
    // Nothing above should throw; if it does, it is still only a fallback to the rules parser.
    outcome = fail(l, 'error', `unexpected: ${err instanceof Error ? err.message : String(err)}`);
  }
  metrics.llmRequests.inc({ outcome: outcome.ok ? 'ok' : outcome.reason });
  log.debug('LLM intent parse', {
    outcome: outcome.ok ? 'ok' : outcome.reason,
    latencyMs: Math.round(performance.now() - started),
    model,
    promptVersion: prompt.version,
    text: redacted,
    ...(outcome.ok
      ? { intent: outcome.intent.intent, confidence: outcome.intent.confidence, usage: outcome.usage }
      : { detail: outcome.detail }),
  });
  return outcome;
}

async function probe(l: Llm): Promise<LlmProbe> {
  const { client, model } = l;
  const answer = await withDeadline(l, async (signal) => {
    const models: string[] = [];
    for await (const m of client.models.list({ signal })) models.push(m.id);
    return models;
  });
  if (!answer.ok)
    return {
      ok: false,
      reason: answer.reason === 'timeout' || answer.reason === 'rate_limited' ? answer.reason : 'error',
      detail: answer.detail,
    };
  return { ok: true, models: answer.value, modelListed: answer.value.includes(model) };
}

/**
 * The LLM intent parser: one chat completion with one forced function tool (`propose_intent`).
 * The model only proposes; the answer is validated against the intent contract, and the caller
 * (the hybrid parser) falls back to the rules parser on anything but `ok` (DESIGN.md: "The LLM
 * never acts").
 */
export function createLlmParser(options: LlmParserOptions): LlmParser {
  checkOptions(options);
  const { model, timeoutMs, metrics, log } = options;
  const clock = options.clock ?? systemClock;
  const budget = new TokenBudget(options.tokenBudgetPerHour, clock);
  metrics.setLlmBudgetSource('intent_hourly', () => (budget.perHour > 0 ? budget.used() / budget.perHour : 0));
  const redactor = options.redactor ?? new Redactor([options.apiKey]);
  const prompt = loadPrompt(options.promptDir ?? DEFAULT_PROMPT_DIR);
  const client = createClient(options, log);
  log.info('LLM intent parser ready', {
    model,
    baseUrl: redactor.string(client.baseURL),
    promptVersion: prompt.version,
    timeoutMs,
    tokenBudgetPerHour: budget.perHour,
  });
  const l: Llm = { model, timeoutMs, metrics, log, budget, redactor, prompt, client };
  return {
    model,
    promptVersion: prompt.version,
    parse: (text, hints) => parse(l, text, hints),
    probe: () => probe(l),
  };
}
