/**
 * Tokens and cost of one investigation, counted from every model call's usage, and the middleware
 * that stops the run at the token cap or when the model keeps calling tools past the step limit.
 */
import { AIMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { genAiSpan, type GenAiOutcome } from '../../telemetry/genai';
import type { AgentUsage, FallbackReason, LlmPrices } from './types';

/** Why a run was stopped from inside (the agent falls back with this). */
export class AgentStop extends Error {
  constructor(
    readonly reason: FallbackReason,
    message: string,
  ) {
    super(message);
    this.name = 'AgentStop';
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

export class Meter {
  promptTokens = 0;
  completionTokens = 0;
  modelCalls = 0;
  /** Tokens of the latest call: the next prompt is at least that long. */
  lastCall = 0;

  constructor(
    readonly model: string,
    /** The per-investigation cap, or what is left of the day's budget when that is less. */
    readonly limit: number,
    readonly limitIsDaily: boolean,
    readonly prices: LlmPrices,
  ) {}

  total(): number {
    return this.promptTokens + this.completionTokens;
  }

  record(prompt: number, completion: number): void {
    this.modelCalls += 1;
    this.promptTokens += prompt;
    this.completionTokens += completion;
    this.lastCall = prompt + completion;
  }

  cost(): number {
    return (this.promptTokens * this.prices.inputPerMTok + this.completionTokens * this.prices.outputPerMTok) / 1e6;
  }

  usage(toolCalls: number): AgentUsage {
    return {
      model: this.model,
      modelCalls: this.modelCalls,
      toolCalls,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      totalTokens: this.total(),
      costUsd: this.cost(),
    };
  }

  /** The sentence for a stop at the cap. */
  overMessage(): string {
    return this.limitIsDaily
      ? `token budget reached: the day's LLM budget had ${fmt(this.limit)} tokens left, ${fmt(this.total())} used`
      : `token budget reached: ${fmt(this.total())} tokens used, ${fmt(this.limit)} allowed per investigation`;
  }
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
}

/** The AIMessage a model call gave: as it is, or inside a structured response. */
function aiMessageOf(response: unknown): AIMessage | undefined {
  if (AIMessage.isInstance(response)) return response;
  const messages = (response as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? messages.find((m): m is AIMessage => AIMessage.isInstance(m)) : undefined;
}

function isStructured(response: unknown): boolean {
  return typeof response === 'object' && response !== null && 'structuredResponse' in response;
}

/** Prompt and completion tokens of a call; estimated (4 characters a token) when the server reports none. */
function tokensOf(message: AIMessage | undefined, requestChars: number): [number, number] {
  const u = message?.usage_metadata;
  const prompt = count(u?.input_tokens) ?? Math.ceil(requestChars / 4);
  const completion =
    count(u?.output_tokens) ??
    Math.ceil(JSON.stringify([message?.content ?? '', message?.tool_calls ?? []]).length / 4);
  return [prompt, completion];
}

/** What the server said about a call: its model, the message id, why it stopped. */
function responseOf(message: AIMessage | undefined): GenAiOutcome {
  const meta = (message?.response_metadata ?? {}) as { model_name?: unknown; finish_reason?: unknown };
  return {
    ...(typeof meta.model_name === 'string' ? { responseModel: meta.model_name } : {}),
    ...(typeof message?.id === 'string' ? { responseId: message.id } : {}),
    ...(typeof meta.finish_reason === 'string' ? { finishReasons: [meta.finish_reason] } : {}),
  };
}

export interface MeterLimits {
  maxSteps: number;
  maxModelCalls: number;
  /** Tool calls made so far. */
  steps: () => number;
}

/** Counts each model call and stops the run (throws AgentStop) at the token cap or past the step limit. */
export function meterMiddleware(meter: Meter, limits: MeterLimits, onStop: (stop: AgentStop) => void) {
  const stop = (reason: FallbackReason, message: string): never => {
    const s = new AgentStop(reason, message);
    onStop(s);
    throw s;
  };
  return createMiddleware({
    name: 'InvestigationMeter',
    wrapModelCall: async (request, handler) => {
      if (meter.modelCalls > 0 && meter.total() + meter.lastCall > meter.limit) stop('budget', meter.overMessage());
      if (meter.modelCalls >= limits.maxModelCalls)
        stop('steps', `step limit reached: ${meter.modelCalls} model calls without a final answer`);
      const stepsBefore = limits.steps();
      // Each model call is a GenAI span with its token counts (estimated ones flagged).
      const call = { operation: 'chat', provider: 'openai', model: meter.model, temperature: 0 } as const;
      const response: unknown = await genAiSpan(call, async (g) => {
        const answer: unknown = await handler(request);
        const m = aiMessageOf(answer);
        const chars = (request.systemPrompt?.length ?? 0) + JSON.stringify(request.messages).length;
        const [input, output] = tokensOf(m, chars);
        meter.record(input, output);
        g.record({ ...responseOf(m), inputTokens: input, outputTokens: output, estimated: !m?.usage_metadata });
        return answer;
      });
      const message = aiMessageOf(response);
      if (isStructured(response)) return response as Awaited<ReturnType<typeof handler>>;
      if (message?.tool_calls?.length && stepsBefore >= limits.maxSteps)
        stop('steps', `step limit reached: ${limits.maxSteps} tool calls and the model still wanted more`);
      if (meter.total() >= meter.limit) stop('budget', meter.overMessage());
      return response as Awaited<ReturnType<typeof handler>>;
    },
  });
}
