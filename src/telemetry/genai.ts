/**
 * A span per LLM call, with the attributes of OpenTelemetry's GenAI semantic conventions
 * (gen_ai.operation.name, gen_ai.provider.name and the older gen_ai.system, the request and response
 * models, finish reasons, input and output token counts). Prompts and answers are not recorded.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { inSpan, SpanKind, type Attributes, type Span } from './spans';

export interface GenAiCall {
  /** `chat` for a chat completion; `invoke_agent` for a whole agent run. */
  operation: 'chat' | 'invoke_agent';
  /** Whose API it speaks: `openai` for any OpenAI-compatible server. */
  provider: 'openai';
  model: string;
  /** The server's base URL: its host and port become server.address and server.port. */
  baseUrl?: string;
  temperature?: number;
  maxTokens?: number;
  /** For `invoke_agent`: the agent's name. */
  agent?: string;
}

export interface GenAiOutcome {
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  inputTokens?: number;
  outputTokens?: number;
  /** True when the server reported no usage and the counts are estimates. */
  estimated?: boolean;
}

/** What the work does with its span: record what the call gave, or mark it failed (a failure returned as a value). */
export interface GenAiSpan {
  record(outcome: GenAiOutcome): void;
  fail(type: string, message: string): void;
  readonly span: Span;
}

function serverOf(baseUrl: string | undefined): Attributes {
  if (!baseUrl) return {};
  try {
    const u = new URL(baseUrl);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { 'server.address': u.hostname, 'server.port': port };
  } catch {
    return {};
  }
}

function callAttributes(call: GenAiCall): Attributes {
  return {
    'gen_ai.operation.name': call.operation,
    'gen_ai.provider.name': call.provider,
    'gen_ai.system': call.provider,
    'gen_ai.request.model': call.model,
    ...(call.temperature !== undefined ? { 'gen_ai.request.temperature': call.temperature } : {}),
    ...(call.maxTokens !== undefined ? { 'gen_ai.request.max_tokens': call.maxTokens } : {}),
    ...(call.agent ? { 'gen_ai.agent.name': call.agent } : {}),
    ...serverOf(call.baseUrl),
  };
}

function outcomeAttributes(o: GenAiOutcome): Attributes {
  const a: Attributes = {};
  if (o.responseModel) a['gen_ai.response.model'] = o.responseModel;
  if (o.responseId) a['gen_ai.response.id'] = o.responseId;
  if (o.finishReasons?.length) a['gen_ai.response.finish_reasons'] = o.finishReasons;
  if (o.inputTokens !== undefined) a['gen_ai.usage.input_tokens'] = o.inputTokens;
  if (o.outputTokens !== undefined) a['gen_ai.usage.output_tokens'] = o.outputTokens;
  if (o.estimated) a['smartcloudops.llm.usage_estimated'] = true;
  return a;
}

/** Run one LLM call (or agent run) in its span: `{operation} {model}`, kind CLIENT (INTERNAL for an agent). */
export function genAiSpan<T>(call: GenAiCall, work: (g: GenAiSpan) => Promise<T>): Promise<T> {
  const kind = call.operation === 'chat' ? SpanKind.CLIENT : SpanKind.INTERNAL;
  const name = call.operation === 'chat' ? `chat ${call.model}` : `invoke_agent ${call.agent ?? call.model}`;
  return inSpan(name, { kind, attributes: callAttributes(call) }, (span) =>
    work({
      span,
      record: (o) => span.setAttributes(outcomeAttributes(o)),
      fail: (type, message) => {
        span.setAttribute('error.type', type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: message.slice(0, 300) });
      },
    }),
  );
}
