import { isBoundary, type Parsed } from './slots';
import { kw, type Token } from './tokens';

/**
 * The safety guard: how an action word is used. Only a plain present request ("restart X",
 * "please bounce X", "can you roll back X") is an order; a question, a negation, a report,
 * a hypothetical or someone else's words about the action are not.
 */
export interface Mood {
  /** The action word is a plain request: at the start (after greetings and "can you"), base form. */
  imperative: boolean;
  negated: boolean;
  hypothetical: boolean;
  /** A question, and its first word ("how", "who", "should", "did", …). */
  question: boolean;
  qword: string | undefined;
  /** Past, progressive or third-person form, "already", or a subject before the verb. */
  report: boolean;
  /** "can you …", "could you please …". */
  polite: boolean;
}

const PREAMBLE_WORDS = new Set(['and', 'then', 'just', 'also', 'now', 'quickly', 'go', 'ahead', 'try']);
const WANT = new Set(['need', 'want', 'like', 'needs']);

/** Index of the first word after greetings, "please", "can you", "I need you to", … */
export function lead(p: Parsed): { index: number; polite: boolean } {
  p.lead ??= findLead(p);
  return p.lead;
}

function findLead(p: Parsed): { index: number; polite: boolean } {
  const t = p.tokens;
  let i = 0;
  let polite = false;
  while (i < t.length) {
    const x = t[i];
    const k = kw(x);
    // "help! payments is down": a cry for help before the actual words
    const interjection = k === 'help' && x.w === 'help' && t[i + 1]?.sep === true && i + 2 < t.length;
    if (x.sep || k === 'polite' || interjection || (PREAMBLE_WORDS.has(x.w) && i + 1 < t.length)) {
      i++;
      continue;
    }
    // "can you", "could u", "would you please", "will you"
    if (
      k === 'modal' &&
      (x.w === 'can' || x.w === 'could' || x.w === 'would' || x.w === 'will') &&
      (t[i + 1]?.w === 'you' || t[i + 1]?.w === 'u')
    ) {
      polite = true;
      i += 2;
      continue;
    }
    // "I need you to", "we want to", "I'd like you to", "need to", "time to"
    let j = i;
    if (x.w === 'i' || x.w === 'we' || x.w === "i'd" || x.w === "we'd") j++;
    if (t[j]?.w === 'would') j++;
    if (WANT.has(t[j]?.w ?? '') || (x.w === 'time' && j === i)) {
      let m = j + 1;
      if (t[m]?.w === 'you' || t[m]?.w === 'u') m++;
      if (t[m]?.w === 'to') {
        polite = true;
        i = m + 1;
        continue;
      }
    }
    break;
  }
  return { index: i, polite };
}

const LIGHT = new Set([
  'do',
  'perform',
  'initiate',
  'issue',
  'schedule',
  'run',
  'execute',
  'trigger',
  'kickoff',
  'start',
  'request',
  'queue',
  'launch',
  'make',
]);
/** Words that make the action word before them a noun: "restart count", "restart loop", "rollback was …". */
const NOUN_AFTER = new Set([
  'count',
  'counts',
  'loop',
  'loops',
  'rate',
  'policy',
  'policies',
  'history',
  'log',
  'logs',
  'storm',
  'storms',
  'event',
  'events',
  'reason',
  'reasons',
  'backoff',
  'button',
  'limit',
  'limits',
  'number',
  'times',
  'time',
  'window',
  'schedule',
  'config',
  'settings',
  'worked',
  'failed',
  'succeeded',
  'helped',
  'finished',
  'completed',
  'done',
  'went',
  'took',
  'seems',
  'looks',
  'complete',
  'successful',
  'hit',
  'hits',
  'miss',
  'misses',
  'size',
  'usage',
  'metrics',
  'status',
  'issue',
  'issues',
  'problem',
  'problems',
  'request',
  'requests',
]);
const EMBEDDED_Q = new Set(['who', 'why', 'how', 'when', 'whether']);

const STRONG_NEG = new Set(["don't", 'dont', 'never', 'avoid', 'nothing', 'nobody', 'noone']);
const HEDGES = new Set(['maybe', 'perhaps', 'probably', 'possibly', 'might', 'hypothetically']);
const REPORTED = new Set(['said', 'says', 'told', 'tells', 'asked', 'suggested', 'suggests', 'wrote', 'mentioned']);
const PAST_MARKERS = new Set([
  'already',
  'earlier',
  'yesterday',
  'recently',
  'ago',
  'previously',
  'last-night',
  'before',
]);

function negatedBefore(t: Token[], v: number): boolean {
  for (let j = 0; j < v; j++) {
    const x = t[j];
    if (kw(x) !== 'neg') continue;
    // "no, …" / "nope …" are an answer, not a negation of what follows
    if ((x.w === 'no' || x.w === 'nope') && (t[j + 1]?.sep ?? true)) continue;
    return true;
  }
  return false;
}

/**
 * After the action: "don't"/"never" anywhere ("restart x? no, don't"); a plain "not" only in the
 * same clause ("restart x not y"), so "restart x, it's not responding" or "… because it doesn't
 * respond" stays a request.
 */
function negatedAfter(t: Token[], v: number): boolean {
  let sameClause = true;
  for (let j = v + 1; j < t.length; j++) {
    const x = t[j];
    if (isBoundary(x)) sameClause = false;
    if (kw(x) !== 'neg') continue;
    if (STRONG_NEG.has(x.w) || sameClause) return true;
  }
  return false;
}

export function mood(p: Parsed, v: number): Mood {
  const t = p.tokens;
  const { index: start, polite } = lead(p);
  const verb = t[v];
  const first = t[start];
  const fk = kw(first);
  const qword =
    fk === 'qword' || fk === 'aux' || (fk === 'modal' && !polite) || first?.w === 'whatif' ? first.w : undefined;
  const question = qword !== undefined || (p.question && !polite);

  let negated = negatedBefore(t, v) || negatedAfter(t, v);
  // "stop restarting X", "quit bouncing it"
  if (v > 0 && (t[v - 1].w === 'stop' || t[v - 1].w === 'quit') && verb.e?.f === 'ing') negated = true;

  let hypothetical = false;
  let pastMarker = false;
  let reported = false;
  for (const x of t) {
    const k = kw(x);
    if (k === 'hypo' || HEDGES.has(x.w)) hypothetical = true;
    else if (PAST_MARKERS.has(x.w)) pastMarker = true;
    else if (REPORTED.has(x.w)) reported = true;
  }

  // The action word itself is the first word, or follows a light verb: "do a restart of X",
  // "give X a restart", "preview a rollback of X", "show me the plan for scaling X".
  let at = start;
  let preview = false;
  if (at < v && (t[at].w === 'show' || t[at].w === 'give') && t[at + 1]?.w === 'me') {
    at += 2;
    while (at < v && kw(t[at]) === 'det') at++;
  }
  // up to two light words: "do a dry run of restarting X"
  for (let n = 0; n < 2 && at < v && (LIGHT.has(t[at].w) || kw(t[at]) === 'dryrun' || t[at].w === 'plan'); n++) {
    const isPreview = kw(t[at]) === 'dryrun' || t[at].w === 'plan';
    preview ||= isPreview;
    at++;
    while (at < v && t[at].sep) at++;
    if (isPreview && (t[at]?.w === 'for' || t[at]?.w === 'of' || t[at]?.w === 'to')) at++;
    while (at < v && (kw(t[at]) === 'det' || t[at].w === 'quick' || t[at].w === 'full' || t[at].w === 'rolling')) at++;
  }
  if (at === start && at < v && t[at].w === 'give' && v === at + 3 && kw(t[at + 2]) === 'det') {
    at = v; // "give checkout-api a restart"
  }
  // a noun written first as the command: "/ops runbook x y", "runbook x on y"
  const form = verb.e?.f === 'noun' && v === start ? 'base' : (verb.e?.f ?? 'base');
  const lightUsed = at !== start;
  const baseForm = form === 'base' || (lightUsed && (form === 's' || form === 'noun')) || (preview && form === 'ing');
  const prev = v > 0 ? t[v - 1] : undefined;
  const subjectBefore =
    prev !== undefined &&
    (kw(prev) === 'subj' || kw(prev) === 'aux' || kw(prev) === 'modal') &&
    !lightUsed &&
    !(polite && v === start);
  // "restart count on X", "rollback was a mistake", "restart of X is done": the word is a noun here
  const next = t[v + 1];
  const nounUse =
    next !== undefined &&
    (NOUN_AFTER.has(next.w) || kw(next) === 'aux' || kw(next) === 'modal' || (next.w === 'of' && !lightUsed));
  const report = !baseForm || pastMarker || subjectBefore || nounUse || verb.quoted || reported;
  const imperative = at === v && baseForm && !report;
  // an embedded question before the action: "I'd like to know who restarted X", "not sure how to scale"
  let embedded: string | undefined;
  if (!question) for (let j = start; j < v && !embedded; j++) if (EMBEDDED_Q.has(t[j].w)) embedded = t[j].w;
  return {
    imperative,
    negated,
    hypothetical,
    question: question || embedded !== undefined,
    qword: qword ?? embedded,
    report,
    polite,
  };
}

const INJECTION = new RegExp(
  [
    /\b(?:ignore|disregard|forget|override|bypass)\b[^.!?]*/.source +
      /\b(?:instructions?|prompts?|rules|guardrails|polic(?:y|ies)|safety|above|previous|prior|system)\b/.source,
    /\bsystem prompt\b|\byou are now\b|\bdeveloper mode\b|\bjailbreak|\bdo anything now\b/.source,
    /\bpretend (?:you|to be)\b|\bact as\b|\bsystem override\b|\b(?:admin|god|developer|debug|sudo|root) mode\b/.source,
    /(?:^|\s)(?:system|assistant)\s*:/.source,
  ].join('|'),
  'i',
);

/** Text that tries to give the bot new instructions: never an order. */
export function injected(p: Parsed): boolean {
  return INJECTION.test(p.text);
}
