/** One run of the LangChain agent: model, tools, prompt, limits; the outcome, never a thrown LLM error. */
import { SystemMessage } from '@langchain/core/messages';
import { ChatOpenAICompletions } from '@langchain/openai';
import { createAgent, toolStrategy } from 'langchain';
import { AppError } from '../../errors';
import { runTool, findTool } from '../tools';
import type { InvestigationQuestion } from '../deterministic/observations';
import type { ToolContext } from '../types';
import { finalAnswerSchema } from './answer';
import { AgentStop, meterMiddleware, type Meter } from './meter';
import { loadInvestigatePrompt, questionMessage } from './prompt';
import { wrapTools, type ToolCallRecord } from './tools';
import type { AgentOptions, FallbackReason } from './types';

export type LoopOutcome =
  | { ok: true; answer: unknown; calls: ToolCallRecord[]; services: readonly string[] }
  | { ok: false; reason: FallbackReason; message: string; calls: ToolCallRecord[] };

/** Placeholder for servers that take no key; the SDK refuses to start without one. */
const NO_KEY = 'unused';
/** Model calls beyond the tool calls: the first look, the answer, one correction. */
const EXTRA_MODEL_CALLS = 3;

/** The known services: given, or what the dependency_graph tool lists (RBAC applies to it too). */
async function knownServices(options: AgentOptions, ctx: ToolContext): Promise<readonly string[]> {
  if (options.services) return options.services;
  const graph = findTool(options.tools, 'dependency_graph');
  if (!graph) throw new Error('investigation agent needs the dependency_graph tool, or the service names');
  const { data } = await runTool(graph, {}, ctx);
  const services = (data as { services?: Array<{ service: string }> }).services ?? [];
  return services.map((s) => s.service);
}

function errorChain(err: unknown): Error[] {
  const out: Error[] = [];
  let e: unknown = err;
  while (e instanceof Error && out.length < 6) {
    out.push(e);
    e = e.cause;
  }
  return out;
}

function classify(err: unknown, timedOut: boolean, timeBudgetMs: number): { reason: FallbackReason; message: string } {
  const chain = errorChain(err);
  const stop = chain.find((e): e is AgentStop => e instanceof AgentStop);
  if (stop) return { reason: stop.reason, message: stop.message };
  if (timedOut || chain.some((e) => e.name === 'TimeoutError'))
    return { reason: 'timeout', message: `no answer within ${Math.round(timeBudgetMs / 100) / 10} s` };
  if (chain.some((e) => e.name === 'GraphRecursionError'))
    return { reason: 'steps', message: 'step limit reached without a final answer' };
  const root = chain.at(-1) ?? chain[0];
  if (root instanceof AppError)
    return { reason: 'error', message: `the investigation tools failed: ${root.userMessage}` };
  const status = (root as { status?: unknown } | undefined)?.status;
  // The SDK's message starts with the status ("500 upstream failed") and LangChain may add a troubleshooting line.
  const text = (root ? root.message : String(err)).split('\n')[0].replace(/^\d{3}\s+/, '');
  const http = typeof status === 'number' ? `HTTP ${status}: ` : '';
  return { reason: 'error', message: `the LLM server failed: ${http}${text}` };
}

interface BuildOptions {
  options: AgentOptions;
  tools: ReturnType<typeof wrapTools>['tools'];
  meter: Meter;
  maxSteps: number;
  timeBudgetMs: number;
  steps: () => number;
  onStop: (stop: AgentStop) => void;
}

/** The LangChain agent: chat completions only (what every OpenAI-compatible server speaks), no retries. */
function buildAgent(b: BuildOptions) {
  const { options, maxSteps } = b;
  const prompt = loadInvestigatePrompt(options.promptDir);
  const model = new ChatOpenAICompletions({
    model: options.llm.model,
    apiKey: options.llm.apiKey || NO_KEY,
    // Everything explicit: the SDK would otherwise read OPENAI_* from process.env itself.
    configuration: { baseURL: options.llm.baseUrl ?? 'https://api.openai.com/v1', organization: null, project: null },
    timeout: options.llm.timeoutMs ?? b.timeBudgetMs,
    maxRetries: 0,
    streaming: false,
    temperature: 0,
  });
  let corrections = 0;
  return createAgent({
    model,
    tools: b.tools,
    // A SystemMessage keeps the content a plain string (a string prompt becomes content parts, which some
    // OpenAI-compatible servers refuse for the system role).
    systemPrompt: new SystemMessage(prompt.system),
    responseFormat: toolStrategy(finalAnswerSchema, {
      // One chance to fix an answer that does not match the schema; a second miss is an invalid answer.
      handleError: (error: Error) => {
        if (corrections++ >= 1) {
          const stop = new AgentStop('invalid', 'invalid answer: the final answer did not match its schema, twice');
          b.onStop(stop);
          throw stop;
        }
        return `Your final_answer did not match its schema: ${error.message.slice(0, 500)}. Call final_answer again.`;
      },
    }),
    middleware: [
      meterMiddleware(b.meter, { maxSteps, maxModelCalls: maxSteps + EXTRA_MODEL_CALLS, steps: b.steps }, b.onStop),
    ],
  });
}

/** Rejects when the signal aborts (at once if it has). */
function whenAborted(signal: AbortSignal): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  p.catch(() => undefined);
  return p;
}

export async function runLoop(
  question: InvestigationQuestion,
  options: AgentOptions,
  limits: { maxSteps: number; timeBudgetMs: number; meter: Meter },
): Promise<LoopOutcome> {
  const { maxSteps, timeBudgetMs, meter } = limits;
  const controller = new AbortController();
  const deadline = Date.now() + timeBudgetMs;
  let timedOut = false;
  let stopped: AgentStop | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('time budget'));
  }, timeBudgetMs);
  const onCancel = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onCancel, { once: true });
  const ctx: ToolContext = { principal: options.principal, now: options.now, signal: controller.signal };
  const { tools, run } = wrapTools(options.tools, {
    ctx,
    maxSteps,
    remainingMs: () => deadline - Date.now(),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  const steps = () => run.steps();
  const attempt = async (): Promise<LoopOutcome> => {
    const services = await knownServices(options, ctx);
    const agent = buildAgent({ options, tools, meter, maxSteps, timeBudgetMs, steps, onStop: (s) => (stopped = s) });
    const state = await agent.invoke(
      { messages: [{ role: 'user', content: questionMessage(question, options.now, services) }] },
      { signal: controller.signal, recursionLimit: 2 * (maxSteps + EXTRA_MODEL_CALLS) + 5 },
    );
    const answer: unknown = (state as { structuredResponse?: unknown }).structuredResponse;
    if (answer === undefined) {
      const message = 'invalid answer: the model stopped without calling final_answer';
      return { ok: false, reason: 'invalid', message, calls: run.calls };
    }
    return { ok: true, answer, calls: run.calls, services };
  };
  try {
    return await Promise.race([attempt(), whenAborted(controller.signal)]);
  } catch (err) {
    return { ok: false, ...classify(stopped ?? err, timedOut, timeBudgetMs), calls: run.calls };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCancel);
    if (!controller.signal.aborted) controller.abort(new Error('investigation finished'));
  }
}
