import type { Intent } from '../schema';
import { build, confidence, unknown } from './build';
import { lead, mood } from './guard';
import type { Kw } from './lexicon';
import { findId, isName, type Parsed } from './slots';
import { kw, type Token } from './tokens';
import { asksWhy } from './observe';
import { runbookCommand } from './remediate';

/**
 * The bot's own objects: approvals, jobs, incidents, runbooks and the remediation freeze (models
 * are in models.ts). Each family answers only when its words are there, and leaves the rest alone.
 */

export function find(p: Parsed, k: Kw, from = 0): number {
  for (let i = from; i < p.tokens.length; i++) if (!p.used[i] && kw(p.tokens[i]) === k) return i;
  return -1;
}

const ACTION_VERBS = new Set<Kw>(['restart', 'rollback', 'scale', 'clear']);

/** The text starts with a remediation verb ("restart the job runner"): not about jobs or incidents. */
function actionFirst(p: Parsed): boolean {
  const x = p.tokens[lead(p).index];
  return x !== undefined && x.e?.f === 'base' && ACTION_VERBS.has(x.e.k);
}

/** The first word of a class in base form that is a plain request (not negated, not a report). */
export function order(p: Parsed, k: Kw): { at: number; ok: boolean; negated: boolean } | undefined {
  const at = p.tokens.findIndex((x) => kw(x) === k && x.e?.f === 'base');
  if (at < 0) return undefined;
  const m = mood(p, at);
  return {
    at,
    ok: !m.negated && !m.hypothetical && !(m.question && !m.polite && m.qword !== undefined),
    negated: m.negated,
  };
}

const LIFTERS = new Set<Kw>(['lift', 'cancel', 'unfreeze']);
const PLURAL_DEPLOYS = new Set(['deploys', 'deployments', 'releases', 'rollouts', 'changes']);

/** freeze / unfreeze: "freeze deploys", "start a change freeze", "lift the freeze", "resume remediations". */
export function freeze(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const unfreezeAt = find(p, 'unfreeze');
  const freezeAt = find(p, 'freeze');
  const remediationNoun =
    find(p, 'remediation') >= 0 || (t.some((x) => PLURAL_DEPLOYS.has(x.w)) && !t.some((_, i) => isName(p, i)));
  let intent: 'freeze' | 'unfreeze' | undefined;
  let head = -1;
  if (unfreezeAt >= 0) {
    intent = 'unfreeze';
    head = unfreezeAt;
  } else if (freezeAt >= 0) {
    head = freezeAt;
    intent = 'freeze';
    for (let j = Math.max(0, freezeAt - 4); j < freezeAt; j++) if (LIFTERS.has(kw(t[j]) as Kw)) intent = 'unfreeze';
  } else if (remediationNoun) {
    const pause = find(p, 'pause');
    const stop = t.findIndex((x) => x.w === 'stop' || x.w === 'halt');
    const resume = find(p, 'resume');
    if (resume >= 0) [intent, head] = ['unfreeze', resume];
    else if (pause >= 0 || stop >= 0) [intent, head] = ['freeze', pause >= 0 ? pause : stop];
  }
  if (!intent) return undefined;
  const m = mood(p, head);
  if (m.negated || m.hypothetical) return unknown();
  if (m.question && m.qword !== undefined && !m.polite) return unknown();
  const form = t[head].e?.f;
  if (form === 'past' || form === 'ing') return unknown();
  return build(intent, {}, confidence(p, head));
}

/** approve / deny a pending request: "approve 42", "lgtm, approve #r-9", "reject request 17". */
export function approvals(p: Parsed): Intent | undefined {
  const a = order(p, 'approve');
  const d = order(p, 'deny');
  if (!a && !d) return undefined;
  // "don't approve, deny 42" -> deny; "approve and deny 4" -> unsure
  if (a && d && !a.negated && !d.negated) return unknown();
  const pick = a && d ? (a.negated ? d : d.negated ? a : a.at < d.at ? a : d) : (a ?? d)!;
  if (!pick.ok) return unknown();
  const intent = pick === a ? 'approve' : 'deny';
  return build(intent, { request_id: findId(p, 'request') }, confidence(p, pick.at));
}

/**
 * postmortem: "postmortem i3f9a1c", "write a postmortem for incident #i3f9a1c", "draft the postmortem
 * of i3f9a1c". A question about postmortems ("who wrote the postmortem?") is not a request for one.
 */
export function postmortem(p: Parsed): Intent | undefined {
  const at = find(p, 'postmortem');
  if (at < 0) return undefined;
  const m = mood(p, at);
  if (m.negated || m.hypothetical || (m.question && m.qword !== undefined && !m.polite)) return unknown();
  const id = findId(p, find(p, 'incident') >= 0 ? 'incident' : 'postmortem');
  return build('postmortem', { incident_id: id }, confidence(p, at));
}

const INCIDENT_STATUS: ReadonlyArray<[string, string]> = [
  ['open', 'open'],
  ['active', 'open'],
  ['ongoing', 'open'],
  ['current', 'open'],
  ['unresolved', 'open'],
  ['firing', 'open'],
  ['acked', 'acked'],
  ['acknowledged', 'acked'],
  ['ackd', 'acked'],
  ['resolved', 'resolved'],
  ['closed', 'resolved'],
];

/** ack / resolve an incident, or list incidents by status. */
export function incidents(p: Parsed): Intent | undefined {
  const t = p.tokens;
  if (actionFirst(p)) return undefined;
  const noun = find(p, 'incident');
  const ack = order(p, 'ack');
  const res = order(p, 'resolve');
  // "mark incident 9 as resolved"
  const mark = find(p, 'mark');
  if (mark >= 0 && mark === lead(p).index) {
    const what = t.findIndex((x, i) => i > mark && (kw(x) === 'ack' || kw(x) === 'resolve'));
    if (what >= 0)
      return build(
        kw(t[what]) === 'ack' ? 'ack_incident' : 'resolve_incident',
        { incident_id: findId(p, 'incident') },
        0.9,
      );
  }
  // "take incident 5", "I'll grab inc-4"
  const claim = t.findIndex((x, i) => CLAIM.has(x.w) && i < noun);
  if (claim >= 0 && noun >= 0 && noun - claim <= 2)
    return build('ack_incident', { incident_id: findId(p, 'incident') }, 0.8);
  const act = ack && res ? (ack.at < res.at ? ack : res) : (ack ?? res);
  if (act) {
    if (!act.ok) return unknown();
    return build(
      act === ack ? 'ack_incident' : 'resolve_incident',
      { incident_id: findId(p, 'incident') },
      confidence(p, act.at),
    );
  }
  if (noun < 0) return undefined;
  if (t.some((x) => kw(x) === 'investigate') || asksWhy(p)) return undefined;
  let status: string | undefined;
  for (const x of t) {
    const hit = INCIDENT_STATUS.find(([w]) => w === x.w);
    if (hit) {
      status = hit[1];
      break;
    }
  }
  if (p.flags.has('status')) status = p.flags.get('status');
  return build('list_incidents', { status }, confidence(p, noun));
}

const CLAIM = new Set(['take', 'taking', 'claim', 'claiming', 'grab', 'grabbing', 'own', 'owning']);
const STOPPERS = new Set(['cancel', 'abort', 'cancle']);

/** jobs: list, one job's status, cancel one. */
export function jobs(p: Parsed): Intent | undefined {
  const t = p.tokens;
  if (actionFirst(p)) return undefined;
  const noun = find(p, 'job');
  const cancel = order(p, 'cancel');
  const { index: s } = lead(p);
  if (
    cancel &&
    (noun >= 0 ||
      findId(p, 'job') !== undefined ||
      (STOPPERS.has(t[cancel.at].w) && cancel.at === s) ||
      t[cancel.at].fuzzy)
  ) {
    if (!cancel.ok) return unknown();
    return build('cancel_job', { job_id: findId(p, 'job') }, confidence(p, cancel.at));
  }
  if (noun < 0) {
    // "what's running?", "anything running"
    if (t.length <= 4 && t.some((x) => x.w === 'running') && (kw(t[s]) === 'qword' || t[s].w === 'anything'))
      return build('list_jobs', {}, 0.7);
    return undefined;
  }
  const id = findId(p, 'job');
  if (id !== undefined) return build('job_status', { job_id: id }, confidence(p, noun));
  const singular = t[noun].w === 'job' || t[noun].w === 'task';
  if (
    singular &&
    kw(t[s]) !== 'show' &&
    (t.some((x) => kw(x) === 'status' || x.w === 'progress') || noun === t.length - 1)
  )
    return build('job_status', {}, confidence(p, noun));
  return build('list_jobs', {}, confidence(p, noun));
}

const QUERY_LEAD = new Set([
  'for',
  'about',
  'on',
  'regarding',
  're',
  'covering',
  'that',
  'which',
  'handles',
  'handling',
  'dealing',
  'with',
  'related',
  'to',
  'called',
  'named',
  'around',
  'when',
  'of',
  'search',
  // "which runbook covers a full disk?", "what runbook do I use for cert expiry?"
  'covers',
  'cover',
  'handle',
  'mention',
  'mentions',
  'explains',
  'describes',
  'do',
  'does',
  'should',
  'i',
  'we',
  'use',
]);
const QUERY_TAIL = new Set(['please', 'pls', 'plz', 'thanks', 'thx', 'asap', 'now']);

function queryWords(tokens: Token[]): string | undefined {
  let a = 0;
  let b = tokens.length;
  while (a < b && (tokens[a].sep || QUERY_LEAD.has(tokens[a].w) || kw(tokens[a]) === 'det')) a++;
  while (b > a && (tokens[b - 1].sep || QUERY_TAIL.has(tokens[b - 1].w))) b--;
  const words = tokens
    .slice(a, b)
    .filter((x) => !x.sep)
    .map((x) => x.raw.toLowerCase());
  return words.length ? words.join(' ') : undefined;
}

/** search_runbooks: "runbooks for redis failover", "is there a runbook for cert expiry?". */
export function runbookSearch(p: Parsed): Intent | undefined {
  const t = p.tokens;
  const noun = find(p, 'runbook');
  if (noun < 0) return undefined;
  const run = t.findIndex((x) => (kw(x) === 'run' && x.e?.f === 'base') || kw(x) === 'dryrun');
  if (run >= 0 && run < noun) return undefined;
  if (runbookCommand(p) >= 0) return undefined;
  const flag = p.flags.get('query');
  let query = flag?.toLowerCase() ?? queryWords(t.slice(noun + 1));
  if (!query) {
    const before = t.slice(0, noun).filter((x) => !x.e && !x.sep);
    query = queryWords(before);
  }
  return build('search_runbooks', { query }, confidence(p, noun));
}
