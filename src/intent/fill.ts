import { makeIntent, type Intent, type IntentName, type SlotsOf } from './schema';
import { normalize, stripHash } from './normalize';

const FILLER = new Set([
  'to',
  'the',
  'a',
  'an',
  'please',
  'pls',
  'replicas',
  'replica',
  'instances',
  'pods',
  'it',
  'is',
  'id',
  'job',
  'request',
  'incident',
  'service',
  'svc',
  'on',
  'for',
  'of',
  'make',
  'set',
  'use',
  'with',
  'and',
  'up',
  'down',
  'just',
  'ok',
  'okay',
]);
const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  twenty: 20,
};

type Kind = 'integer' | 'id' | 'name' | 'text' | 'action';

const SLOT_KINDS: Record<string, Kind> = {
  replicas: 'integer',
  version: 'integer',
  window_s: 'integer',
  request_id: 'id',
  job_id: 'id',
  incident_id: 'id',
  target: 'name',
  service: 'name',
  model: 'name',
  runbook: 'name',
  query: 'text',
  question: 'text',
  topic: 'text',
  action: 'action',
};

/** The question the bot asks for a missing slot of an intent (a feedback target is no service). */
export function slotQuestion(intent: IntentName, slot: string): string {
  if (intent === 'feedback' && slot === 'target') return 'Which job or incident? (the id on the anomaly reply)';
  if (intent === 'feedback' && slot === 'label') return 'Real, or a false alarm?';
  return SLOT_QUESTIONS[slot] ?? `What is the ${slot.replace('_', ' ')}?`;
}

/** The question the bot asks for a missing slot. */
export const SLOT_QUESTIONS: Record<string, string> = {
  replicas: 'To how many replicas?',
  target: 'Which service?',
  action: 'Which action: restart, scale, rollback, clear_cache or runbook?',
  request_id: 'Which request? (the id from the approval message)',
  job_id: 'Which job? (`jobs` lists them)',
  incident_id: 'Which incident? (`incidents` lists them)',
  model: 'Which model? (`models` lists them)',
  version: 'Which version?',
  query: 'What should I search for?',
};

const ACTIONS: Record<string, 'restart' | 'scale' | 'rollback' | 'clear_cache' | 'runbook'> = {
  restart: 'restart',
  bounce: 'restart',
  reboot: 'restart',
  recycle: 'restart',
  scale: 'scale',
  rollback: 'rollback',
  revert: 'rollback',
  'roll back': 'rollback',
  clear_cache: 'clear_cache',
  'clear cache': 'clear_cache',
  flush: 'clear_cache',
  cache: 'clear_cache',
  runbook: 'runbook',
};

/** Read one slot's value out of a follow-up message ("4", "checkout-api", "#12"), or undefined. */
export function extractSlot(slot: string, text: string): string | number | undefined {
  const line = normalize(text).replace(/[.!?,;]+$/g, '');
  const tokens = line.split(' ').filter((t) => t && !FILLER.has(t));
  switch (SLOT_KINDS[slot] ?? 'text') {
    case 'integer': {
      const digits = /(?:^|\s)(\d{1,6})(?:\s|$)/.exec(line);
      if (digits) return Number(digits[1]);
      const word = tokens.find((t) => t in NUMBER_WORDS);
      return word ? NUMBER_WORDS[word] : undefined;
    }
    case 'id':
      return tokens.length === 1 && /^#?[a-z0-9][a-z0-9._:-]*$/.test(tokens[0]) ? stripHash(tokens[0]) : undefined;
    case 'name':
      return tokens.length === 1 && /^[a-z0-9][a-z0-9._-]*$/.test(tokens[0]) ? tokens[0] : undefined;
    case 'action': {
      const hit = Object.keys(ACTIONS).find((k) => line === k || line.startsWith(`${k} `));
      return hit ? ACTIONS[hit] : undefined;
    }
    case 'text':
      return line || undefined;
  }
}

/** The intent with `slot` set from `text`, re-validated; undefined if the text doesn't fit the slot. */
export function fillSlot(intent: Intent, slot: string, text: string): Intent | undefined {
  // A feedback target is a job or incident id (`12`, `job:12`), not a service name.
  const value = extractSlot(intent.intent === 'feedback' && slot === 'target' ? 'job_id' : slot, text);
  if (value === undefined) return undefined;
  try {
    return makeIntent(
      intent.intent as IntentName,
      { ...intent.slots, [slot]: value } as SlotsOf<IntentName>,
      intent.confidence,
      intent.source,
    );
  } catch {
    return undefined;
  }
}
