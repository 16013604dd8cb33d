import type { ChatCompletionFunctionTool, ChatCompletionNamedToolChoice } from 'openai/resources/chat/completions';
import { stripHash } from './normalize';
import {
  FEEDBACK_LABEL_NAMES,
  INTENT_NAMES,
  REMEDIATION_ACTIONS,
  REQUIRED_SLOTS,
  intentSchema,
  makeIntent,
  type Intent,
  type IntentName,
  type SlotsOf,
} from './schema';

export const TOOL_NAME = 'propose_intent';

/** Every slot name of every intent (the compiler keeps SLOT_PARAMS complete and exact). */
type SlotName = { [N in IntentName]: keyof SlotsOf<N> & string }[IntentName];

type JsonSchema = Record<string, unknown>;

const nameParam = (what: string): JsonSchema => ({
  type: 'string',
  description: `${what} name, lower case, as the user wrote it`,
});
const idParam = (what: string): JsonSchema => ({ type: 'string', description: `${what} id, without a leading #` });

const SLOT_PARAMS: Record<SlotName, JsonSchema> = {
  topic: { type: 'string', description: 'help topic' },
  service: nameParam('service'),
  metric: { type: 'string', description: "metric in the user's words, lower case (e.g. p99 latency)" },
  window_s: { type: 'integer', minimum: 1, description: 'time window in whole seconds (last 2 hours = 7200)' },
  question: { type: 'string', description: 'what the user wants to know' },
  action: { type: 'string', enum: [...REMEDIATION_ACTIONS], description: 'the one remediation action' },
  target: {
    type: 'string',
    description:
      'remediate: the one service or resource to act on, lower case, as the user wrote it; ' +
      'feedback: the job or incident the label is about (job:12, incident:i3f9a1c, or the bare id)',
  },
  replicas: { type: 'integer', minimum: 0, description: 'replica count for scale' },
  runbook: nameParam('runbook'),
  dry_run: { type: 'boolean', description: 'true only when the user asks for a dry run or preview' },
  request_id: idParam('approval request'),
  job_id: idParam('job'),
  model: nameParam('anomaly model'),
  version: { type: 'integer', description: 'model version number' },
  version_a: { type: 'integer', description: 'the first model version to compare' },
  version_b: { type: 'integer', description: 'the second model version to compare' },
  status: { type: 'string', description: 'incident status filter: open, acknowledged or resolved' },
  incident_id: idParam('incident'),
  query: { type: 'string', description: 'runbook search words' },
  params: {
    type: 'object',
    properties: {
      trees: { type: 'integer', minimum: 1, description: 'trees in the isolation forest' },
      sampleSize: { type: 'integer', minimum: 1, description: 'rows per tree' },
      window: { type: 'integer', minimum: 1, description: 'points per feature window' },
    },
    additionalProperties: false,
    description: 'training parameters the user gives (e.g. --trees 200), only those',
  },
  seed: { type: 'integer', minimum: 0, description: 'training random seed, when the user gives one' },
  label: {
    type: 'string',
    enum: [...FEEDBACK_LABEL_NAMES],
    description: 'feedback on an alert: real, false_alarm (a false alarm or false positive), helpful or wrong',
  },
};

/** Which slots each intent takes, from the zod contract itself, so the description cannot drift. */
export function slotsByIntent(): Record<IntentName, string[]> {
  const out = {} as Record<IntentName, string[]>;
  for (const option of intentSchema.options) out[option.shape.intent.value] = Object.keys(option.shape.slots.shape);
  return out;
}

function slotGuide(): string {
  const slots = slotsByIntent();
  return INTENT_NAMES.map((n) => {
    const required = new Set<string>(REQUIRED_SLOTS[n]);
    const list = slots[n].map((s) => (required.has(s) ? s : `${s}?`));
    return `${n}(${list.join(', ')})`;
  }).join('; ');
}

/**
 * The one function the model may call. Plain JSON Schema without `strict`, so it works on any
 * OpenAI-compatible server (Ollama, vLLM, LiteLLM); the zod contract is the real check.
 */
export const PROPOSE_INTENT_TOOL: ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: TOOL_NAME,
    description:
      `Propose the one intent of the user's chat message. This never runs anything: ` +
      'the bot validates the proposal and asks a human to confirm any action. ' +
      `Slots per intent (? = optional): ${slotGuide()}.`,
    parameters: {
      type: 'object',
      properties: {
        intent: { type: 'string', enum: [...INTENT_NAMES], description: 'the intent name' },
        slots: {
          type: 'object',
          properties: SLOT_PARAMS,
          additionalProperties: false,
          description: 'only the slots the message states, only those of this intent',
        },
        confidence: { type: 'number', minimum: 0, maximum: 1, description: 'how sure you are, 0 to 1' },
      },
      required: ['intent', 'slots', 'confidence'],
      additionalProperties: false,
    },
  },
};

export const FORCE_TOOL: ChatCompletionNamedToolChoice = { type: 'function', function: { name: TOOL_NAME } };

export type ProposalResult = { ok: true; intent: Intent } | { ok: false; detail: string };

const NAME_SLOTS = new Set(['service', 'target', 'model', 'runbook', 'metric', 'action']);
const ID_SLOTS = new Set(['request_id', 'job_id', 'incident_id']);
const INT_SLOTS = new Set(['window_s', 'replicas', 'version', 'seed', 'version_a', 'version_b']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Bring slot values to the contract's form (DESIGN.md "Slot rules") before validation: names lower
 * case, ids without '#', whole numbers given as numeric strings to integers. `null` and empty
 * strings mean "not given". Anything else is left as it is for zod to judge.
 */
export function normalizeSlots(slots: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(slots)) {
    let value = typeof raw === 'string' ? raw.trim() : raw;
    if (value === null || value === undefined || value === '') continue;
    if (NAME_SLOTS.has(key) && typeof value === 'string') value = value.toLowerCase();
    if (ID_SLOTS.has(key)) {
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) value = String(value);
      if (typeof value === 'string') value = stripHash(value).trim();
      if (value === '') continue;
    }
    if (INT_SLOTS.has(key) && typeof value === 'string' && /^[+-]?\d+$/.test(value)) value = Number.parseInt(value, 10);
    if (key === 'label' && typeof value === 'string') value = value.toLowerCase().replace(/[\s-]+/g, '_');
    if (key === 'dry_run' && typeof value === 'string' && /^(true|false)$/i.test(value))
      value = value.toLowerCase() === 'true';
    out[key] = value;
  }
  return out;
}

function describeZod(err: unknown): string {
  if (isRecord(err) && Array.isArray(err.issues)) {
    return (err.issues as { path?: unknown[]; message?: string }[])
      .slice(0, 3)
      .map((i) => `${(i.path ?? []).join('.') || '(root)'}: ${i.message ?? 'invalid'}`)
      .join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}

/** The tool call's arguments (JSON text) -> a validated Intent with source 'llm', or why not. */
export function proposalToIntent(argumentsJson: string): ProposalResult {
  let args: unknown;
  try {
    args = JSON.parse(argumentsJson);
  } catch {
    return { ok: false, detail: `arguments are not JSON: ${argumentsJson.slice(0, 80)}` };
  }
  if (!isRecord(args)) return { ok: false, detail: 'arguments are not a JSON object' };
  const name = typeof args.intent === 'string' ? args.intent.trim().toLowerCase() : undefined;
  if (!name || !(INTENT_NAMES as string[]).includes(name))
    return { ok: false, detail: `unknown intent ${JSON.stringify(args.intent)}` };
  const rawSlots = args.slots ?? {};
  if (!isRecord(rawSlots)) return { ok: false, detail: 'slots is not an object' };
  const confidence =
    typeof args.confidence === 'string' && args.confidence.trim() !== '' ? Number(args.confidence) : args.confidence;
  if (typeof confidence !== 'number' || !Number.isFinite(confidence))
    return { ok: false, detail: 'confidence is not a number' };
  try {
    const intent = makeIntent(name as IntentName, normalizeSlots(rawSlots) as SlotsOf<IntentName>, confidence, 'llm');
    return { ok: true, intent };
  } catch (err) {
    return { ok: false, detail: `${name}: ${describeZod(err)}` };
  }
}
