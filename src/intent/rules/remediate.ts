import type { Intent } from '../schema';
import { build, confidence, TOPIC, unknown } from './build';
import { lead, mood, type Mood } from './guard';
import type { Kw } from './lexicon';
import { isModelName, isName, isBoundary, nameAt, nameFrom, numberFrom, serviceName, type Parsed } from './slots';
import { kw } from './tokens';
import { questionText } from './observe';

type Action = 'restart' | 'scale' | 'rollback' | 'clear_cache' | 'runbook';

const STRONG_CLEAR = new Set([
  'flush',
  'purge',
  'invalidate',
  'clear_cache',
  'clear-cache',
  'clearcache',
  'flushed',
  'purged',
  'invalidated',
  'flushing',
  'purging',
]);
const SIZE_VERBS = new Set(['bump', 'grow', 'shrink', 'spinup', 'bumped']);
const MULTI = new Set(['them', 'those', 'these', 'both']);
const PRONOUN = new Set(['it', 'that', 'this', 'one']);
const ACTION_CLASSES = new Set<Kw>(['restart', 'rollback', 'clear', 'scale', 'amount', 'run']);

/** The remediation an action word stands for here, if it is one. */
function actionOf(
  p: Parsed,
  i: number,
  hasCache: boolean,
  hasReplica: boolean,
  hasRunbook: boolean,
  hasNumber: boolean,
): Action | undefined {
  const t = p.tokens[i];
  switch (kw(t)) {
    case 'restart':
      return 'restart';
    case 'rollback':
      return 'rollback';
    case 'scale':
      return 'scale';
    case 'clear':
      return hasCache || STRONG_CLEAR.has(t.w) ? 'clear_cache' : undefined;
    case 'amount':
      return hasReplica || (SIZE_VERBS.has(t.w) && hasNumber) ? 'scale' : undefined;
    case 'run':
      return hasRunbook ? 'runbook' : undefined;
    default:
      return undefined;
  }
}

/** Action words in the text, in order. */
function actions(p: Parsed): Array<{ i: number; action: Action }> {
  const t = p.tokens;
  let hasCache = false;
  let hasReplica = false;
  let hasRunbook = false;
  let hasNumber = false;
  for (let i = 0; i < t.length; i++) {
    const k = kw(t[i]);
    if (k === 'cache') hasCache = true;
    else if (k === 'replica') hasReplica = true;
    else if (k === 'runbook') hasRunbook = true;
    else if (t[i].num !== undefined && !p.used[i]) hasNumber = true;
  }
  const found: Array<{ i: number; action: Action }> = [];
  for (let i = 0; i < t.length; i++) {
    const action = actionOf(p, i, hasCache, hasReplica, hasRunbook, hasNumber);
    if (action) found.push({ i, action });
  }
  if (!found.length && hasRunbook) {
    const rb = runbookCommand(p);
    if (rb >= 0) found.push({ i: rb, action: 'runbook' });
  }
  return found;
}

const SINGULAR_RUNBOOK = new Set(['runbook', 'playbook', 'run-book']);

/**
 * Where the word "runbook" is itself the command, its index, else -1: the slash form
 * ("/ops runbook disk-cleanup billing-worker"), the documented form `runbook NAME on SERVICE`
 * (runbooks/README.md), and a dry run of one ("dry run runbook drain-node on search").
 * Anything else with "runbook" in it is about runbooks ("runbook search high memory").
 */
export function runbookCommand(p: Parsed): number {
  const t = p.tokens;
  const rb = t.findIndex((x) => kw(x) === 'runbook');
  if (rb < 0) return -1;
  let j = rb - 1;
  while (j >= 0 && kw(t[j]) === 'det') j--;
  if (j >= 0 && kw(t[j]) === 'dryrun') return rb;
  if (rb !== lead(p).index || !SINGULAR_RUNBOOK.has(t[rb].w)) return -1;
  if (p.slash) return rb;
  return isName(p, rb + 1) && TARGET_PREPS.has(t[rb + 2]?.w ?? '') && afterPreposition(p, rb + 1, -1) >= 0 ? rb : -1;
}

/**
 * restart / scale / rollback / clear_cache / runbook, or — for a question, negation, report or
 * hypothetical about one — the harmless intent it maps to. Undefined when no action word is here.
 */
export function remediation(p: Parsed): Intent | undefined {
  const found = actions(p);
  if (!found.length) return undefined;
  const distinct = new Set(found.map((f) => f.action));
  const { i: v, action } = found[0];
  const m = mood(p, v);
  if (!m.imperative || m.negated || m.hypothetical || (m.question && !m.polite) || m.report)
    return talkAbout(p, m, action, v);
  if (distinct.size > 1) return unknown();
  return request(p, action, v, found.length > 1 ? found[1].i : -1);
}

function request(p: Parsed, action: Action, v: number, second: number): Intent {
  const t = p.tokens;
  const dryRun =
    t.some((x) => kw(x) === 'dryrun') || p.flags.has('dry-run') || p.flags.has('dryrun') || p.flags.has('dry')
      ? true
      : undefined;
  const conf = confidence(p, v);
  let target = -1;
  let runbook: string | undefined;
  if (action === 'runbook') {
    const rb = t.findIndex((x) => kw(x) === 'runbook');
    let rbName = -1;
    if (rb > v + 1 && isName(p, rb - 1)) rbName = rb - 1;
    else if (isName(p, rb + 1)) rbName = rb + 1;
    else if ((t[rb + 1]?.w === 'called' || t[rb + 1]?.w === 'named') && isName(p, rb + 2)) rbName = rb + 2;
    runbook = p.flags.get('runbook') ?? nameAt(p, rbName);
    target = afterPreposition(p, v, rbName);
    if (target < 0) target = firstNameExcept(p, v + 1, rbName);
  } else if (action === 'clear_cache') {
    const first = nameFrom(p, v + 1);
    const viaPrep = afterPreposition(p, v, -1);
    target = viaPrep >= 0 ? viaPrep : first;
  } else {
    target = nameFrom(p, v + 1);
  }
  // "give checkout-api a restart": the target before the action noun
  if (target < 0) for (let j = lead(p).index; j < v && target < 0; j++) if (isName(p, j)) target = j;
  // Quantifiers and plural pronouns before the target: "restart all services", "bounce them".
  const end = target >= 0 ? target : t.length;
  for (let j = v + 1; j < end; j++) {
    if (kw(t[j]) === 'all' || MULTI.has(t[j].w)) return unknown();
    // "restart a and b": a joined list before the name we found
    if (target >= 0 && (t[j].sep || t[j].w === 'and' || t[j].w === 'or')) return unknown();
    if (target < 0 && PRONOUN.has(t[j].w)) break;
  }
  if (target >= 0 && manyTargets(p, target, second)) return unknown();
  // A model is never a remediation target ("restart the payments model", "scale payments-detector"):
  // rolling one back is rollback_model (models.ts), the other actions mean nothing for a model.
  if (target >= 0 ? isModelName(p, target) : modelAfter(p, v)) return unknown();
  const flagTarget = p.flags.get('target') ?? p.flags.get('service');
  const slots = {
    action,
    target: flagTarget?.toLowerCase() ?? nameAt(p, target),
    replicas: action === 'scale' ? replicas(p, v, target) : undefined,
    runbook,
    dry_run: dryRun,
  };
  return build('remediate', slots, conf);
}

/** The word model/detector after the action, in its clause: "restart the anomaly detector". */
function modelAfter(p: Parsed, v: number): boolean {
  for (let i = v + 1; i < p.tokens.length && !isBoundary(p.tokens[i]); i++)
    if (kw(p.tokens[i]) === 'model') return true;
  return false;
}

/** A second target: "a and b", "a, b", "a & b", or a second action word after the first. */
function manyTargets(p: Parsed, target: number, second: number): boolean {
  const t = p.tokens;
  if (second > target) return true;
  if (p.slash && isName(p, target + 1)) return true;
  for (let j = target + 1; j < t.length; j++) {
    const x = t[j];
    if (!(x.sep || x.w === 'and' || x.w === 'plus' || x.w === '&' || x.w === 'or')) continue;
    let k = j + 1;
    while (
      k < t.length &&
      (kw(t[k]) === 'det' || t[k].w === 'also' || t[k].w === 'then' || t[k].w === 'and' || t[k].w === 'the' || t[k].sep)
    )
      k++;
    if (isName(p, k) || kw(t[k]) === 'all') return true;
    const k2 = kw(t[k]);
    if (k2 && ACTION_CLASSES.has(k2) && t[k].e?.f === 'base') return true;
  }
  return false;
}

const TARGET_PREPS = new Set(['on', 'for', 'against', 'in', 'at', 'to', 'of']);

function afterPreposition(p: Parsed, from: number, except: number): number {
  const t = p.tokens;
  for (let i = from + 1; i + 1 < t.length; i++) {
    if (!TARGET_PREPS.has(t[i].w)) continue;
    let j = i + 1;
    while (j < t.length && kw(t[j]) === 'det') j++;
    if (j !== except && isName(p, j)) return j;
  }
  return -1;
}

function firstNameExcept(p: Parsed, from: number, except: number): number {
  for (let i = from; i < p.tokens.length; i++) if (i !== except && isName(p, i)) return i;
  return -1;
}

/** "to 5", "= 5", "5 replicas", "replicas 5", or a plain number after the verb ("scale x 3"). */
function replicas(p: Parsed, v: number, target: number): number | undefined {
  const flag = p.flags.get('replicas');
  if (flag && /^\d+$/.test(flag)) return Number(flag);
  const t = p.tokens;
  const numAt = (i: number) => (i >= 0 && i < t.length && !p.used[i] && t[i].num !== undefined ? t[i].num : undefined);
  for (let i = v + 1; i < t.length; i++) {
    const times = /^x(\d+)$|^(\d+)x$/.exec(t[i].w);
    if (times) return Number(times[1] ?? times[2]);
  }
  for (let i = v + 1; i < t.length; i++) {
    if (t[i].w === 'to' && numAt(i + 1) !== undefined) return numAt(i + 1);
    if (t[i].w === 'to' && (t[i + 1]?.w === 'total' || kw(t[i + 1]) === 'det') && numAt(i + 2) !== undefined)
      return numAt(i + 2);
  }
  for (let i = v + 1; i < t.length; i++) {
    if (kw(t[i]) !== 'replica') continue;
    const before = numAt(i - 1);
    if (before !== undefined && t[i - 2]?.w !== 'by') return before;
    const after = numAt(i + 1);
    if (after !== undefined) return after;
  }
  const n = numberFrom(p, Math.max(v, target) + 1);
  if (n >= 0 && t[n - 1]?.w !== 'by' && t[n - 1]?.w !== 'from') return t[n].num;
  return undefined;
}

/**
 * A question, negation, report or hypothetical about an action: never a remediation.
 * How-to and should-we questions -> help on the action; who/why/when/did-someone -> investigate
 * the service; negations, reports and everything else -> unknown.
 */
function talkAbout(p: Parsed, m: Mood, action: Action, v: number): Intent {
  const topic = TOPIC[action === 'clear_cache' ? 'clear' : action === 'runbook' ? 'runbook' : (action as Kw)] ?? action;
  if (m.negated) return unknown();
  const verb = p.tokens[v];
  const past = verb.e?.f === 'past';
  const service = nameAt(p, serviceOf(p, v));
  if (m.question) {
    const q = m.qword;
    if (q === 'how' || q === "how's") return build('help', { topic }, 0.8);
    if (m.hypothetical || q === 'whatif') return build('help', { topic }, 0.7);
    if (
      q === 'who' ||
      q === 'why' ||
      q === 'when' ||
      q === 'did' ||
      q === 'has' ||
      q === 'have' ||
      q === 'was' ||
      q === 'were' ||
      q === "who's" ||
      q === 'whose' ||
      (past && q !== undefined)
    ) {
      return build('investigate', { service, question: questionText(p) }, 0.8);
    }
    if (
      q === 'should' ||
      q === 'can' ||
      q === 'could' ||
      q === 'would' ||
      q === 'may' ||
      q === 'shall' ||
      q === 'must' ||
      q === 'is' ||
      q === 'will' ||
      q === 'do' ||
      q === 'does'
    ) {
      return build('help', { topic }, 0.7);
    }
    if (q === 'what' || q === 'whats' || q === "what's" || q === 'which') return build('help', { topic }, 0.6);
    return unknown();
  }
  if (m.hypothetical) return unknown();
  // "checkout-api keeps restarting": a problem report about a service
  if (m.report && (verb.e?.f === 'ing' || verb.e?.f === 's') && action === 'restart') {
    let subject = -1;
    for (let j = 0; j < v && subject < 0; j++) if (isName(p, j)) subject = j;
    if (subject >= 0) return build('investigate', { service: nameAt(p, subject), question: questionText(p) }, 0.7);
  }
  return unknown();
}

function serviceOf(p: Parsed, v: number): number {
  const after = nameFrom(p, v + 1, false);
  return after >= 0 ? after : serviceName(p);
}
