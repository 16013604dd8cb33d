import { NUMBER_WORDS, STOP } from './word-lists';
import { analyze, kw, type Token, type Utterance } from './tokens';
import type { Kw } from './lexicon';

/**
 * Slot extractors over tokens: durations, metrics, versions, ids, numbers and service-like
 * names. `Parsed` holds the tokens plus a mask of those already read as a duration, a metric
 * or a version, so that a name is never taken from them.
 */
export interface Parsed extends Utterance {
  used: Uint8Array;
  window: number | undefined;
  metric: string | undefined;
  /** Where the words proper start (after greetings, "can you", …), once computed. */
  lead?: { index: number; polite: boolean };
}

const UNIT_SECONDS = new Map<string, number>();
for (const [secs, words] of [
  [1, 's sec secs second seconds'],
  [60, 'm min mins minute minutes'],
  [3600, 'h hr hrs hour hours'],
  [86400, 'd day days'],
  [604800, 'w wk wks week weeks'],
  [1209600, 'fortnight'],
  [2592000, 'mo month months'],
] as const)
  for (const w of words.split(' ')) UNIT_SECONDS.set(w, secs);

const COMPACT = /^(\d+(?:\.\d+)?)(secs?|m|mins?|h|hrs?|d|days?|w|wks?|mo)$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;
const SINGULAR_LAST = new Set(['last', 'past', 'previous', 'prior']);
const LEAD_IN = new Set([
  'last',
  'past',
  'previous',
  'prior',
  'over',
  'the',
  'in',
  'for',
  'within',
  'during',
  'since',
  'of',
  'from',
  'about',
  'around',
  'ago',
  'window',
  'lookback',
]);

export function parse(text: string): Parsed {
  const p = analyze(text) as Parsed;
  p.used = new Uint8Array(p.tokens.length);
  p.window = undefined;
  p.metric = undefined;
  findWindow(p);
  findMetric(p);
  markVersions(p);
  return p;
}

function seconds(n: number, unit: number): number | undefined {
  const s = Math.round(n * unit);
  return s > 0 ? s : undefined;
}

/** "last 2 hours", "past 30m", "1d", "90 minutes", "last week", "the last hour", "half an hour". */
function findWindow(p: Parsed): void {
  const t = p.tokens;
  for (let i = 0; i < t.length; i++) {
    const w = t[i].w;
    let start = i;
    let end = i;
    let value: number | undefined;
    const compact = COMPACT.exec(w);
    if (compact) value = seconds(Number(compact[1]), UNIT_SECONDS.get(compact[2]) ?? 0);
    else if (i + 1 < t.length && UNIT_SECONDS.has(t[i + 1].w) && t[i + 1].w.length > 1) {
      const unit = UNIT_SECONDS.get(t[i + 1].w) ?? 0;
      const n = DECIMAL.test(w) ? Number(w) : w === 'a' || w === 'an' || w === 'one' ? 1 : NUMBER_WORDS.get(w);
      if (n !== undefined) {
        value = seconds(n, unit);
        end = i + 1;
        if (w === 'an' && i > 0 && t[i - 1].w === 'half') {
          value = seconds(0.5, unit);
          start = i - 1;
        }
      } else if (SINGULAR_LAST.has(w)) {
        value = unit;
        end = i + 1;
      }
    } else if (w === 'half' && i + 1 < t.length && (t[i + 1].w === 'hour' || t[i + 1].w === 'day')) {
      value = seconds(0.5, UNIT_SECONDS.get(t[i + 1].w) ?? 0);
      end = i + 1;
    } else if (
      (w === 'couple' || w === 'few') &&
      i + 2 < t.length &&
      t[i + 1].w === 'of' &&
      UNIT_SECONDS.has(t[i + 2].w)
    ) {
      value = seconds(NUMBER_WORDS.get(w) ?? 0, UNIT_SECONDS.get(t[i + 2].w) ?? 0);
      end = i + 2;
    }
    if (value === undefined) continue;
    while (start > 0 && LEAD_IN.has(t[start - 1].w)) start--;
    while (end + 1 < t.length && t[end + 1].w === 'ago') end++;
    for (let j = start; j <= end; j++) p.used[j] = 1;
    p.window ??= value;
    i = end;
  }
  const flag = p.flags.get('window') ?? p.flags.get('since') ?? p.flags.get('last');
  if (flag) {
    const inner = parse(flag.replace(/^(\d+(?:\.\d+)?)$/, '$1s'));
    if (inner.window) p.window = inner.window;
  }
}

const METRIC_MOD = new RegExp(
  String.raw`^(?:p\d{1,3}(?:\.\d+)?|avg|average|mean|median|max|maximum|peak|min|tail|` +
    'http|db|database|api|jvm|container|pod|node)$',
);
const METRIC_BASE = new Set([
  'latency',
  'latencies',
  'errors',
  'error',
  'cpu',
  'memory',
  'mem',
  'ram',
  'traffic',
  'saturation',
  'throughput',
  'rps',
  'qps',
  '5xx',
  '4xx',
  '500s',
  '5xxs',
  '4xxs',
  'disk',
  'io',
  'iops',
  'network',
  'bandwidth',
  'connections',
  'connection',
  'heap',
  'gc',
  'timeouts',
  'load',
  'requests',
  'request',
  'response',
  'queue',
  'success',
  'availability',
  'apdex',
  'garbage',
  'threads',
]);
/** Words that only make a metric together with what follows ("request rate", "queue depth"). */
const NEEDS_TAIL = new Set(['request', 'response', 'queue', 'success', 'garbage', 'connection']);
const METRIC_TAIL = new Set([
  'rate',
  'rates',
  'usage',
  'utilization',
  'utilisation',
  'time',
  'times',
  'count',
  'ratio',
  'depth',
  'length',
  'latency',
  'size',
  'pressure',
  'budget',
  'collection',
  'percentage',
  'util',
  'errors',
  'load',
  'space',
  'pauses',
  'pool',
  'lag',
  'backlog',
]);
const PER = new Set(['second', 'sec', 's', 'minute', 'min', 'm']);

/** The metric as the user wrote it, lower-case: "p99 latency", "error rate", "cpu", "5xx error rate". */
function findMetric(p: Parsed): void {
  const flag = p.flags.get('metric');
  if (flag) {
    p.metric = flag.toLowerCase();
    return;
  }
  const t = p.tokens;
  const base = (j: number) => j < t.length && !p.used[j] && METRIC_BASE.has(t[j].w);
  const tail = (j: number) => j < t.length && !p.used[j] && METRIC_TAIL.has(t[j].w);
  for (let i = 0; i < t.length; i++) {
    if (p.used[i]) continue;
    let end = i;
    if (METRIC_MOD.test(t[i].w) && base(i + 1)) end = i + 1;
    else if (!base(i)) continue;
    // greedy: "5xx error rate", "request latency p99", "requests per second"
    while (base(end + 1) || tail(end + 1)) end++;
    if (NEEDS_TAIL.has(t[end].w)) continue;
    if (end + 1 < t.length && METRIC_MOD.test(t[end + 1].w) && /^p\d/.test(t[end + 1].w)) end++;
    if (t[end + 1]?.w === 'per' && PER.has(t[end + 2]?.w ?? '')) end += 2;
    const words: string[] = [];
    for (let j = i; j <= end; j++) {
      words.push(t[j].w);
      p.used[j] = 1;
    }
    p.metric = words.join(' ');
    return;
  }
}

const VERSION = /^v(\d+)$/;

function markVersions(p: Parsed): void {
  const t = p.tokens;
  for (let i = 0; i < t.length; i++) {
    if (VERSION.test(t[i].w) || /^v\d+(?:\.\d+)+$/.test(t[i].w)) p.used[i] = 1;
  }
}

/** "v3", "version 3", "ver. 3", "@3", "to 3" -> 3. */
export function findVersion(p: Parsed): number | undefined {
  const flag = p.flags.get('version');
  if (flag && /^v?\d+$/i.test(flag)) return Number(flag.replace(/^v/i, ''));
  const t = p.tokens;
  for (let i = 0; i < t.length; i++) {
    const m = VERSION.exec(t[i].w);
    if (m) return Number(m[1]);
    if (kw(t[i]) === 'version' && i + 1 < t.length && t[i + 1].num !== undefined) {
      p.used[i + 1] = 1;
      return t[i + 1].num;
    }
  }
  for (let i = 0; i < t.length; i++) {
    if (!p.used[i] && /^\d+$/.test(t[i].w)) {
      p.used[i] = 1;
      return t[i].num;
    }
  }
  return undefined;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const HAS_DIGIT = /\d/;
/** Our own incident and remediation ids (`i`/`r` + 6 hex): ids even when every hex digit is a letter (`iffabab`). */
const OWN_ID = /^[ir][0-9a-f]{6}$/;

/** An id: `#x`, or a token with a digit ("42", "INC-314", "req-42", "9f3a"); the one after `after` first. */
export function findId(p: Parsed, after: Kw | undefined): string | undefined {
  const flag = p.flags.get('id');
  if (flag && ID.test(flag.replace(/^#+/, ''))) return flag.replace(/^#+/, '');
  const t = p.tokens;
  const isId = (x: Token, i: number) =>
    !p.used[i] &&
    ID.test(x.raw) &&
    (x.hash || HAS_DIGIT.test(x.w) || OWN_ID.test(x.w)) &&
    !COMPACT.test(x.w) &&
    !VERSION.test(x.w);
  if (after) {
    for (let i = 0; i + 1 < t.length; i++) {
      if (kw(t[i]) !== after) continue;
      for (let j = i + 1; j < t.length && j <= i + 3; j++) {
        if (isId(t[j], j)) return t[j].raw;
        const k = kw(t[j]);
        if (!(
          k === 'det' ||
          t[j].w === 'id' ||
          t[j].w === 'number' ||
          t[j].w === 'no' ||
          k === 'request' ||
          k === 'incident' ||
          k === 'job'
        )) {
          // "job abc": a plain word right after the noun is its id
          if (j === i + 1 && !p.used[j] && !t[j].e && !STOP.has(t[j].w) && ID.test(t[j].raw) && t[j].w.length <= 40)
            return t[j].raw;
          break;
        }
      }
    }
  }
  for (let i = 0; i < t.length; i++) if (isId(t[i], i)) return t[i].raw;
  return undefined;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Numbers, sizes, percentiles, versions, and plain past-tense words ("worked", "crashed"). */
const NOT_NAME = /^(?:\d+(?:\.\d+)?|\d+(?:s|xx|x|k|ms|%)|p\d+|v\d+(?:\.\d+)*|[a-z]{4,}ed)$/;
/** A word that can be a service, model or runbook name here. */
export function isName(p: Parsed, i: number): boolean {
  const x = p.tokens[i];
  if (!x || x.sep || x.e || p.used[i] || (x.hash && HAS_DIGIT.test(x.w))) return false;
  return NAME.test(x.w) && !STOP.has(x.w) && !NOT_NAME.test(x.w) && !(x.num !== undefined && !x.w.includes('-'));
}

/**
 * A model's name, not a service's: `<service>-detector` (DESIGN.md "Models"), or a name right
 * before the word model/detector ("the checkout-api model").
 */
export function isModelName(p: Parsed, i: number): boolean {
  const x = p.tokens[i];
  return x !== undefined && (/^[a-z0-9][a-z0-9._-]*-detectors?$/.test(x.w) || kw(p.tokens[i + 1]) === 'model');
}

/** Words that end the part of a sentence where a target can be ("because it leaks", "so that…"). */
const BOUNDARY = new Set([
  'because',
  'since',
  'cause',
  'coz',
  'cuz',
  'so',
  'but',
  'while',
  'until',
  'unless',
  'if',
  'when',
  'before',
  'though',
  'although',
  'otherwise',
  'then',
  'also',
]);

export function isBoundary(x: Token): boolean {
  return x.sep || BOUNDARY.has(x.w) || kw(x) === 'qword';
}

/** The first name from index `from` (inclusive) up to a clause boundary, or -1. */
export function nameFrom(p: Parsed, from: number, stopAtBoundary = true): number {
  for (let i = Math.max(0, from); i < p.tokens.length; i++) {
    if (isName(p, i)) return i;
    if (stopAtBoundary && i > from && isBoundary(p.tokens[i])) return -1;
  }
  return -1;
}

/** The name for a service slot: after a preposition (of/for/on/in/with/at) first, else the first name. */
export function serviceName(p: Parsed, skip = -1): number {
  const t = p.tokens;
  for (let i = 0; i + 1 < t.length; i++) {
    if (kw(t[i]) !== 'prep') continue;
    let j = i + 1;
    while (j < t.length && (kw(t[j]) === 'det' || t[j].w === 'service' || t[j].w === 'the')) j++;
    if (j !== skip && isName(p, j)) return j;
  }
  for (let i = 0; i < t.length; i++) if (i !== skip && isName(p, i)) return i;
  return -1;
}

/** A plain integer in the text, not already read as something else, from index `from`. */
export function numberFrom(p: Parsed, from: number): number {
  for (let i = Math.max(0, from); i < p.tokens.length; i++)
    if (!p.used[i] && p.tokens[i].num !== undefined && p.tokens[i].w !== 'one') return i;
  return -1;
}

export function nameAt(p: Parsed, i: number): string | undefined {
  return i >= 0 ? p.tokens[i].w.replace(/[._-]+$/, '') : undefined;
}
