import { makeIntent, type Intent, type IntentName, type SlotsOf } from '../schema';
import type { Kw } from './lexicon';
import { lead } from './guard';
import type { Parsed } from './slots';

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const NAME_SLOTS = new Set(['service', 'target', 'model', 'runbook']);
const ID_SLOTS = new Set(['request_id', 'job_id', 'incident_id']);
const INT_SLOTS = new Set(['replicas', 'version', 'window_s']);

/**
 * A validated intent from the rules. Slot values that could not pass the contract (a name with
 * odd characters, a zero window) are left out rather than failing, so the bot asks for them.
 */
export function build<N extends IntentName>(
  intent: N,
  slots: Partial<Record<keyof SlotsOf<N> & string, unknown>>,
  confidence: number,
): Intent {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(slots)) {
    if (v === undefined || v === '') continue;
    if (NAME_SLOTS.has(k) && !(typeof v === 'string' && NAME.test(v))) continue;
    if (ID_SLOTS.has(k) && !(typeof v === 'string' && ID.test(v))) continue;
    if (INT_SLOTS.has(k) && !(typeof v === 'number' && Number.isInteger(v) && (k === 'replicas' ? v >= 0 : v > 0)))
      continue;
    clean[k] = v;
  }
  try {
    return makeIntent(intent, clean as SlotsOf<N>, round(confidence));
  } catch {
    return unknown();
  }
}

export function unknown(): Intent {
  return makeIntent('unknown', {}, 0);
}

function round(c: number): number {
  return Math.max(0, Math.min(1, Math.round(c * 100) / 100));
}

/** The command words that, written first and exactly, make a command rather than a phrasing. */
const CANONICAL = new Set([
  'help',
  'status',
  'health',
  'anomalies',
  'anomaly',
  'investigate',
  'restart',
  'scale',
  'rollback',
  'runbook',
  'flush',
  'approve',
  'deny',
  'jobs',
  'job',
  'cancel',
  'models',
  'train',
  'retrain',
  'promote',
  'incidents',
  'ack',
  'resolve',
  'postmortem',
  'runbooks',
  'freeze',
  'unfreeze',
  'detect',
  'clear',
  'purge',
  'reject',
]);

/**
 * 1.0 for the slash form and a command written as a command ("restart x", "jobs"); 0.9 for a
 * clear phrasing; 0.6 when the command word was a typo; `weak` (0.5) for a guess from one word.
 */
export function confidence(p: Parsed, head: number, weak = false): number {
  const t = head >= 0 ? p.tokens[head] : undefined;
  if (t?.fuzzy) return p.slash ? 0.7 : 0.6;
  if (p.slash) return 1;
  if (weak) return 0.5;
  if (t && head === lead(p).index && head === 0 && CANONICAL.has(t.w)) return 1;
  return 0.9;
}

/** help topics: the command a word is about. */
export const TOPIC: Partial<Record<Kw, string>> = {
  restart: 'restart',
  rollback: 'rollback',
  clear: 'clear_cache',
  cache: 'clear_cache',
  scale: 'scale',
  amount: 'scale',
  replica: 'scale',
  runbook: 'runbook',
  anomaly: 'anomalies',
  detect: 'anomalies',
  investigate: 'investigate',
  approve: 'approve',
  deny: 'deny',
  cancel: 'cancel',
  ack: 'ack',
  resolve: 'resolve',
  train: 'train',
  promote: 'promote',
  freeze: 'freeze',
  unfreeze: 'unfreeze',
  status: 'status',
  job: 'jobs',
  incident: 'incidents',
  postmortem: 'postmortem',
  model: 'models',
};
