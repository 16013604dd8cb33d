import type { Intent } from '../schema';
import { build, confidence, TOPIC } from './build';
import { lead } from './guard';
import type { Kw } from './lexicon';
import { findId, nameAt, serviceName, type Parsed } from './slots';
import { kw, type Token } from './tokens';

/**
 * Read-only intents: help, status, detect_anomalies, investigate. These may be questions; they
 * never act, so they are the safe landing place for anything that only talks about the fleet.
 */

const PROBLEM_QWORDS = new Set(['why', "why's", 'y']);
const TRAILING = /[\s?!.…,;:]+$/;
const QUESTION_STARTERS = new Set<Kw>(['qword', 'aux', 'modal']);

/** "why …", "what happened to …", "what's wrong with …", "what caused …": asks for a cause. */
export function asksWhy(p: Parsed): boolean {
  const t = p.tokens;
  const first = t[lead(p).index];
  if (!first) return false;
  if (PROBLEM_QWORDS.has(first.w)) return true;
  return (first.w === 'what' || first.w === "what's" || first.w === 'whats') && t.some((x) => CAUSE_WORDS.has(x.w));
}

const CAUSE_WORDS = new Set(['happened', 'wrong', 'going', 'caused', 'broke', 'causing', 'happening']);

/** The user's question, lower-case without closing punctuation, when the text is a question. */
export function questionText(p: Parsed): string | undefined {
  const first = p.tokens[lead(p).index];
  const k = kw(first);
  if (!k || !QUESTION_STARTERS.has(k)) return undefined;
  if (k === 'modal' && lead(p).polite) return undefined;
  let text = p.text.toLowerCase();
  // from the question word on: "hey, why is x slow?" -> "why is x slow"
  const at = lead(p).index > 0 ? text.indexOf(first.raw.toLowerCase()) : -1;
  if (at > 0) text = text.slice(at);
  return text.replace(TRAILING, '') || undefined;
}

/** The first command word from index `from` as a help topic ("restart", "clear_cache", …). */
function topicFrom(p: Parsed, from: number): string | undefined {
  const t = p.tokens;
  for (let i = from; i < t.length; i++) {
    const k = kw(t[i]);
    if (k === 'amount' && !t.some((x) => kw(x) === 'replica')) continue;
    if (k === 'run' && !t.some((x) => kw(x) === 'runbook')) continue;
    if (k === 'cancel' && !t.some((x) => kw(x) === 'job')) continue;
    if (k === 'clear' && !t.some((x) => kw(x) === 'cache') && !['flush', 'purge'].includes(t[i].w)) continue;
    if (k === 'status' && t[i].w !== 'status' && t[i].w !== 'health') continue;
    const topic = k ? TOPIC[k] : undefined;
    if (topic) return topic;
    if (t[i].w === 'cache') return 'clear_cache';
  }
  return undefined;
}

const HOW_TO_SUBJECTS = new Set(['i', 'we', 'you', 'one', 'u']);
const HOW_AUX = new Set(['do', 'does', 'can', 'could', 'should', 'would', 'will', 'might', 'may', 'must', 'shall']);
const HELP_NOUNS = new Set(['commands', 'docs', 'documentation', 'manual']);
const BOT_WORDS = new Set(['you', 'u', 'bot', 'opsbot', 'this', 'it']);
const YOU_DO = new Set(['do', 'support', 'understand', 'know', 'ask', 'say', 'handle']);
const SYNTAX_WORDS = new Set(['syntax', 'usage', 'format', 'command', 'commands', 'docs', 'documentation', 'options']);

/**
 * help: "help", "help restart", "how do I restart X?", "how to scale", "what can you do?", "what does rollback do?".
 */
export function help(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const { index: s } = lead(p);
  const first = t[s];
  if (!first) return undefined;
  const k = kw(first);
  const hasHelpWord = t.some((x) => kw(x) === 'help');
  if (k === 'help' && !t.some((x, i) => i > s && kw(x) === 'qword'))
    return build('help', { topic: topicFrom(p, s + 1) }, confidence(p, s));
  if (first.w === 'how') {
    // how do I / how can we / how would I / how to …
    const a = t[s + 1];
    const b = t[s + 2];
    const howTo = a?.w === 'to' || (HOW_AUX.has(a?.w ?? '') && HOW_TO_SUBJECTS.has(b?.w ?? '')) || a?.w === 'does';
    if (howTo) return build('help', { topic: topicFrom(p, s + 1) }, 0.9);
  }
  // "explain how scaling works", "can you explain how rollback works", "explain the freeze command"
  if (first.w === 'explain') {
    if (t[s + 1]?.w === 'how' || t[s + 1]?.w === 'what') return build('help', { topic: topicFrom(p, s + 2) }, 0.9);
    let j = s + 1;
    while (kw(t[j]) === 'det') j++;
    const k2 = kw(t[j]);
    const topic = k2 ? TOPIC[k2] : undefined;
    if (topic && topic === topicFrom(p, j)) return build('help', { topic }, 0.8);
  }
  // "what is a runbook?", "what are anomalies"
  if ((first.w === 'what' || first.w === "what's" || first.w === 'whats') && t.length - s <= 4) {
    let j = s + 1;
    if (kw(t[j]) === 'aux') j++;
    while (kw(t[j]) === 'det') j++;
    const k2 = kw(t[j]);
    if (j === t.length - 1 && k2 && TOPIC[k2] && k2 !== 'job' && k2 !== 'incident' && k2 !== 'model' && k2 !== 'status')
      return build('help', { topic: TOPIC[k2] }, 0.8);
  }
  if (k === 'qword' && (first.w === 'what' || first.w === "what's" || first.w === 'whats')) {
    const rest = t.slice(s + 1);
    // "what can you do", "what commands do you support", "what does rollback do", "what's the syntax for scale"
    const youDo = rest.some((x) => BOT_WORDS.has(x.w)) && rest.some((x) => YOU_DO.has(x.w));
    const doesDo = rest[0]?.w === 'does' && rest[rest.length - 1]?.w === 'do';
    const syntax = rest.some((x) => SYNTAX_WORDS.has(x.w));
    if (
      doesDo ||
      syntax ||
      (youDo && !rest.some((x) => kw(x) === 'job' || kw(x) === 'model' || kw(x) === 'incident'))
    ) {
      return build('help', { topic: topicFrom(p, s + 1) }, 0.9);
    }
  }
  if (hasHelpWord && t.length <= 4 && !t.some((x) => kw(x) === 'qword'))
    return build('help', { topic: topicFrom(p, 0) }, 0.7);
  // "show me the list of commands", "where are the docs"
  if (t.some((x, i) => !p.used[i] && HELP_NOUNS.has(x.w))) return build('help', { topic: topicFrom(p, 0) }, 0.8);
  return undefined;
}

const PAST = /^[a-z]{3,}ed$/;
const PROBLEM_NOUNS = new Set(['issue', 'issues', 'problem', 'problems']);
const STATE_QUESTION = new Set(['is', 'are', 'was', "it's", 'everything', 'all', 'anything']);
const HOW_DOING = new Set([
  'doing',
  'looking',
  'holding',
  'going',
  'running',
  'performing',
  'behaving',
  'things',
  'everything',
  'we',
]);
const STATE_EXTRA = new Set(['responding', 'running', 'serving', 'reachable', 'healthy', 'alive', 'alright', 'well']);

/** Where each observing keyword class first appears in the message (-1: nowhere). */
function firstPositions(t: Token[]) {
  let anomalyAt = -1;
  let investigateAt = -1;
  let statusAt = -1;
  let stateAt = -1;
  let problemAt = -1;
  let fireAt = -1;
  let detectAt = -1;
  for (let i = 0; i < t.length; i++) {
    const x = t[i];
    switch (kw(x)) {
      case 'anomaly':
        if (anomalyAt < 0) anomalyAt = i;
        break;
      case 'detect':
        if (detectAt < 0) detectAt = i;
        break;
      case 'investigate':
        if (investigateAt < 0) investigateAt = i;
        break;
      case 'status':
        if (statusAt < 0) statusAt = i;
        break;
      case 'state':
        // "what's up" is a greeting, not a health question
        if (
          stateAt < 0 &&
          !(x.w === 'up' && i > 0 && (t[i - 1].w === "what's" || t[i - 1].w === 'whats') && i === t.length - 1)
        )
          stateAt = i;
        break;
      case 'problem':
        if (problemAt < 0) problemAt = i;
        break;
      case 'fire':
        if (fireAt < 0) fireAt = i;
        break;
      default:
        if (STATE_EXTRA.has(x.w) && stateAt < 0) stateAt = i;
    }
  }
  return { anomalyAt, investigateAt, statusAt, stateAt, problemAt, fireAt, detectAt };
}

/** status, detect_anomalies or investigate, from the words that are there. */
export function observe(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const { index: s } = lead(p);
  const first = t[s];
  if (!first) return undefined;
  const { anomalyAt, investigateAt, statusAt, stateAt, problemAt, fireAt, detectAt } = firstPositions(t);
  const service = () => nameAt(p, serviceName(p));
  const q = first.w;
  const why = PROBLEM_QWORDS.has(q);
  const whatHappened = !why && asksWhy(p);

  if (investigateAt >= 0 || why) {
    // "investigate incident i3f9a1c", "what happened in incident #i3f9a1c": the incident, not a service
    const incident = t.some((x) => kw(x) === 'incident') ? findId(p, 'incident') : undefined;
    if (incident)
      return build(
        'investigate',
        { question: questionText(p) ?? `incident ${incident.toLowerCase()}` },
        investigateAt >= 0 ? confidence(p, investigateAt) : 0.9,
      );
    return build(
      'investigate',
      { service: service(), question: questionText(p) },
      investigateAt >= 0 ? confidence(p, investigateAt) : 0.9,
    );
  }
  if (anomalyAt >= 0 || detectAt >= 0) {
    const head = anomalyAt >= 0 ? anomalyAt : detectAt;
    return build('detect_anomalies', { service: service(), metric: p.metric, window_s: p.window }, confidence(p, head));
  }
  if (whatHappened) return build('investigate', { service: service(), question: questionText(p) }, 0.9);
  if (statusAt >= 0 || fireAt >= 0)
    return build('status', { service: service() }, confidence(p, statusAt >= 0 ? statusAt : fireAt));
  const isQuestion = kw(first) === 'aux' || kw(first) === 'qword' || p.question || STATE_QUESTION.has(q);
  if (stateAt >= 0 && isQuestion) return build('status', { service: service() }, 0.9);
  // "checkout-api is down", "payments looks unhealthy"
  if (stateAt >= 0 && service() && t[stateAt].w !== 'good') return build('status', { service: service() }, 0.7);
  if (q === 'how' || q === "how's" || q === 'hows') {
    // "how is checkout-api", "how's payments"
    const svc = serviceName(p);
    if (svc >= 0 && svc === t.length - 1 && (svc === s + 1 || (svc === s + 2 && kw(t[s + 1]) === 'aux')))
      return build('status', { service: nameAt(p, svc) }, 0.9);
    if (t.some((x, i) => i > s && (HOW_DOING.has(x.w) || kw(x) === 'state' || kw(x) === 'all')))
      return build('status', { service: service() }, 0.9);
  }
  if (problemAt >= 0 && service()) return build('investigate', { service: service(), question: questionText(p) }, 0.7);
  // "who deployed frontend?", "when did payments last change?": asks about what happened to a service
  if (
    (q === 'who' || q === 'when' || q === "who's") &&
    service() &&
    t.some((x) => PAST.test(x.w) || kw(x) === 'deploy' || x.e?.f === 'past')
  ) {
    return build('investigate', { service: service(), question: questionText(p) }, 0.7);
  }
  // "are there any problems?", "any issues?"
  if (problemAt >= 0 && isQuestion && PROBLEM_NOUNS.has(t[problemAt].w)) return build('status', {}, 0.7);
  if (kw(first) === 'check') {
    const svc = service();
    if (svc) return build('status', { service: svc }, 0.7);
  }
  return undefined;
}
