import { makeIntent, type Intent } from '../schema';
import { unknown } from './build';
import { lead } from './guard';
import type { Parsed } from './slots';
import type { Token } from './tokens';

/**
 * feedback: 👍 real / 👎 false alarm on an anomaly job or an incident (src/commands/feedback.ts).
 * "feedback 12 real", "feedback job:12 false_alarm", "feedback incident i3f9a1c false alarm"
 * (what the buttons send), and reports without the word: "that was a false alarm" (the target
 * missing, so the bot asks), "job 12 was a false positive", "incident i3f9a1c was real". A
 * question ("was that a false alarm?") is not a label.
 */

type Label = 'real' | 'false_alarm' | 'helpful' | 'wrong';

const ONE_WORD: ReadonlyMap<string, Label> = new Map([
  ['real', 'real'],
  ['legit', 'real'],
  ['false_alarm', 'false_alarm'],
  ['false-alarm', 'false_alarm'],
  ['false_positive', 'false_alarm'],
  ['false-positive', 'false_alarm'],
  ['helpful', 'helpful'],
  ['wrong', 'wrong'],
]);
const TWO_WORDS: ReadonlyMap<string, Label> = new Map([
  ['false alarm', 'false_alarm'],
  ['false positive', 'false_alarm'],
  ['true positive', 'real'],
  ['real one', 'real'],
]);
const NOT = new Set(['not', "wasn't", 'wasnt', "isn't", 'isnt', 'no', 'never']);
const KIND: ReadonlyMap<string, 'job' | 'incident'> = new Map([
  ['job', 'job'],
  ['incident', 'incident'],
  ['inc', 'incident'],
]);
const TARGET = /^(?:job|incident):[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BARE_ID = /^(?:\d+|[ir][0-9a-f]{6})$/;

interface Found {
  label: Label;
  at: number;
  /** "false alarm" / "false positive": clear enough without the word feedback. */
  phrase: boolean;
}

function findLabel(p: Parsed): Found | undefined {
  const t = p.tokens;
  for (let i = 0; i < t.length; i++) {
    const two = i + 1 < t.length ? TWO_WORDS.get(`${t[i].w} ${t[i + 1].w}`) : undefined;
    const label = two ?? ONE_WORD.get(t[i].w);
    if (!label) continue;
    const negated = t.slice(Math.max(0, i - 3), i).some((x) => NOT.has(x.w));
    const phrase = label === 'false_alarm';
    // "not a false alarm" is a real one; "not real" a false alarm.
    if (negated && (label === 'false_alarm' || label === 'real'))
      return { label: label === 'real' ? 'false_alarm' : 'real', at: i, phrase: true };
    return { label, at: i, phrase };
  }
  return undefined;
}

/** `job:12` as written, `job 12` / `incident i3f9a1c` as `kind:id`, or a bare job or incident id. */
function findTarget(p: Parsed, skip: (i: number) => boolean): string | undefined {
  const flag = p.flags.get('target');
  if (flag) return flag.replace(/^#+/, '');
  const t = p.tokens;
  const id = (x: Token | undefined) => x && !x.sep && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(x.raw) && x.raw;
  for (let i = 0; i < t.length; i++) {
    if (skip(i)) continue;
    if (TARGET.test(t[i].raw)) return t[i].raw;
    const kind = KIND.get(t[i].w);
    const next = id(t[i + 1]);
    if (kind && next && !ONE_WORD.has(t[i + 1].w) && (t[i + 1].hash || /\d/.test(next)))
      return `${kind}:${next.replace(/^inc-/i, '')}`;
  }
  for (let i = 0; i < t.length; i++) {
    if (skip(i) || KIND.has(t[i].w)) continue;
    if ((t[i].hash || BARE_ID.test(t[i].w)) && id(t[i])) return t[i].raw;
  }
  return undefined;
}

export function feedback(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const head = t.findIndex((x) => x.w === 'feedback');
  const found = findLabel(p);
  const flagLabel = p.flags
    .get('label')
    ?.toLowerCase()
    .replace(/[\s-]+/g, '_');
  const label = flagLabel && ONE_WORD.has(flagLabel) ? ONE_WORD.get(flagLabel) : found?.label;
  if (head < 0 && !(found?.phrase || (found?.label === 'real' && reportsOnTarget(p)))) return undefined;
  // "was that a false alarm?", "how do I give feedback?": a question, not a label.
  if (p.question && (head < 0 || !label)) return undefined;
  const used = (i: number) => i === head || (found !== undefined && (i === found.at || i === found.at + 1));
  // "feedback i-abc real": the word after `feedback` is the target, whatever it looks like.
  const after = head >= 0 ? t[head + 1] : undefined;
  const typed =
    after && !used(head + 1) && !KIND.has(after.w) && /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(after.raw)
      ? after.raw
      : undefined;
  const target = typed ?? findTarget(p, used);
  const start = lead(p).index;
  const confidence = head >= 0 ? (p.slash || (head === start && head === 0) ? 1 : 0.9) : 0.8;
  // Not build(): its name check would drop a `job:12` target (the schema takes it as an id).
  try {
    return makeIntent('feedback', { ...(target ? { target } : {}), ...(label ? { label } : {}) }, confidence);
  } catch {
    return unknown();
  }
}

/** "job 12 was real", "incident i3f9a1c is real": a target named before a copula. */
function reportsOnTarget(p: Parsed): boolean {
  const t = p.tokens;
  const copula = t.findIndex((x) => x.w === 'was' || x.w === 'is' || x.w === 'as');
  return copula > 0 && t.slice(0, copula).some((x) => KIND.has(x.w) || TARGET.test(x.raw));
}
