/**
 * The LLM's pass over a postmortem draft: one chat completion with the prompt of
 * `prompts/postmortem-v1.md` ("improve the wording, keep every fact"), and a check that the answer
 * kept every incident id, request id and time of the draft and added none. Anything else (a
 * timeout, an error, a dropped fact) keeps the draft and says why: never an exception.
 */
import { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { DEFAULT_PROMPT_DIR, readPromptFile } from '../../intent/llm-prompt';
import { createClient } from '../../intent/llm';
import type { Logger } from '../../log/logger';
import type { Redactor } from '../../log/redact';
import type { Metrics } from '../../telemetry/metrics';
import { FOOTER } from './draft';

export const POLISH_PROMPT = 'postmortem-v1';
/** A postmortem takes longer to write than an intent to parse: OPENAI_TIMEOUT_MS, but at least this. */
export const MIN_POLISH_TIMEOUT_MS = 30_000;

export interface PolishOptions {
  apiKey?: string;
  baseUrl?: string;
  model: string;
  /** OPENAI_TIMEOUT_MS; the polish waits at least MIN_POLISH_TIMEOUT_MS. */
  timeoutMs: number;
  log: Logger;
  metrics?: Pick<Metrics, 'llmTokens'>;
  /** Applied to the draft before it leaves the process. */
  redactor?: Redactor;
  promptDir?: string;
}

export type PolishOutcome = { ok: true; markdown: string } | { ok: false; reason: string };

export interface Polisher {
  /** `keep`: ids the answer must keep besides the draft's times (the incident's, the requests'). Never throws. */
  polish(draft: string, keep: readonly string[]): Promise<PolishOutcome>;
}

/** `09:58` as a time of day, not part of a longer number or time. */
const TIME = /(?<![\d:])(?:[01]\d|2[0-3]):[0-5]\d(?![\d:])/g;
/** Our incident and request ids: `i` or `r` and 6 hex digits. */
const OWN_ID = /\b[ir][0-9a-f]{6}\b/g;

const unique = (items: Iterable<string>) => [...new Set(items)];

/**
 * Why a polished text cannot replace the draft, or undefined when it can: it must keep each of
 * `keep` and every time of the draft, and bring no id or time the draft does not have.
 */
export function factsLost(draft: string, polished: string, keep: readonly string[]): string | undefined {
  const required = unique([...keep, ...(draft.match(TIME) ?? [])]);
  const dropped = required.filter((token) => !polished.includes(token));
  if (dropped.length) return `the LLM's wording dropped ${dropped.slice(0, 5).join(', ')}`;
  const known = new Set([...(draft.match(TIME) ?? []), ...(draft.match(OWN_ID) ?? [])]);
  const added = unique([...(polished.match(TIME) ?? []), ...(polished.match(OWN_ID) ?? [])]).filter(
    (token) => !known.has(token),
  );
  if (added.length) return `the LLM's wording added ${added.slice(0, 5).join(', ')}, which the facts do not have`;
  return undefined;
}

/** The model's text as a document: a fence around the whole of it taken off, the draft's footer kept. */
function asDocument(text: string): string {
  const fenced = /^\s*```(?:markdown|md)?\s*\n([\s\S]*?)\n```\s*$/.exec(text);
  const body = (fenced ? fenced[1] : text).trim();
  return body.includes(FOOTER) ? `${body}\n` : `${body}\n\n---\n\n_${FOOTER}_\n`;
}

function why(err: unknown, timeoutMs: number): string {
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError)
    return `the LLM did not answer within ${timeoutMs} ms`;
  if (err instanceof APIError && typeof err.status === 'number') return `the LLM answered HTTP ${err.status}`;
  if (err instanceof Error && err.name === 'TimeoutError') return `the LLM did not answer within ${timeoutMs} ms`;
  return `the LLM could not be reached (${err instanceof Error ? err.message : String(err)})`;
}

/** The polisher on an OpenAI-compatible server (OPENAI_API_KEY or OPENAI_BASE_URL). */
export function createPolisher(options: PolishOptions): Polisher {
  if (!options.apiKey && !options.baseUrl)
    throw new Error('the postmortem polish needs OPENAI_API_KEY, or OPENAI_BASE_URL for a server that takes none');
  const timeoutMs = Math.max(options.timeoutMs, MIN_POLISH_TIMEOUT_MS);
  const log = options.log.child({ component: 'postmortem-llm' });
  const client = createClient({ ...options, timeoutMs }, log);
  const system = readPromptFile(
    options.promptDir ?? DEFAULT_PROMPT_DIR,
    POLISH_PROMPT,
    'LLM postmortem prompt',
  ).text.trim();
  const polish = async (draft: string, keep: readonly string[]): Promise<PolishOutcome> => {
    const text = options.redactor ? options.redactor.string(draft) : draft;
    let completion;
    try {
      completion = await client.chat.completions.create(
        {
          model: options.model,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: text },
          ],
          temperature: 0.2,
          max_completion_tokens: Math.min(8000, Math.ceil(text.length / 2) + 500),
        },
        { signal: AbortSignal.timeout(timeoutMs) },
      );
    } catch (err) {
      return { ok: false, reason: why(err, timeoutMs) };
    }
    const usage = completion.usage;
    if (usage) {
      options.metrics?.llmTokens.inc({ kind: 'prompt' }, usage.prompt_tokens);
      options.metrics?.llmTokens.inc({ kind: 'completion' }, usage.completion_tokens);
    }
    const choice = completion.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string' || !content.trim()) return { ok: false, reason: 'the LLM answered with no text' };
    if (choice.finish_reason === 'length') return { ok: false, reason: "the LLM's answer was cut off" };
    const markdown = asDocument(content);
    const lost = factsLost(text, markdown, keep);
    return lost ? { ok: false, reason: lost } : { ok: true, markdown };
  };
  return {
    async polish(draft, keep) {
      const outcome = await polish(draft, keep).catch((err: unknown): PolishOutcome => ({
        ok: false,
        reason: `unexpected: ${why(err, timeoutMs)}`,
      }));
      log.info('postmortem polish', { model: options.model, outcome: outcome.ok ? 'ok' : outcome.reason });
      return outcome;
    },
  };
}
