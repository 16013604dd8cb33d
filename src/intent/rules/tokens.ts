import { cleanText, stripSlash } from '../normalize';
import { correct } from './fuzzy';
import { lookup, type Entry, type Kw } from './lexicon';
import { BIGRAMS, EXPAND } from './phrases';
import { NUMBER_WORDS, STOP } from './word-lists';

export interface Token {
  /** As written (case kept), without a leading `#` or surrounding punctuation. */
  raw: string;
  /** Lower-case word. */
  w: string;
  /** Keyword class and form, when the word is known (or a typo of a known command word). */
  e: Entry | undefined;
  /** The keyword came from a typo correction. */
  fuzzy: boolean;
  /** Written with a leading `#`. */
  hash: boolean;
  /** Integer value of digits or a number word. */
  num: number | undefined;
  /** A separator: `,` `;` `&` `+` `/`. */
  sep: boolean;
  /** Inside double quotes: someone's words. */
  quoted: boolean;
}

export interface Utterance {
  tokens: Token[];
  /** Began with `/ops`. */
  slash: boolean;
  /** Had a `?`. */
  question: boolean;
  /** `--name value` and `--flag` options (slash form). */
  flags: Map<string, string>;
  /** Cleaned text, case kept, without `/ops`. */
  text: string;
}

/** "lstm@3" -> "lstm v3". */
const AT_VERSION = /([a-z0-9])@(\d+)\b/gi;
const VALUE_FLAGS = new Set([
  'window',
  'since',
  'last',
  'replicas',
  'metric',
  'service',
  'target',
  'model',
  'version',
  'status',
  'runbook',
  'topic',
  'query',
  'question',
  'id',
  'trees',
  'sample-size',
  'feature-window',
  'seed',
]);
const PIECES = /[,;&+=/()[\]{}"|]|[^,;&+=/()[\]{}"|]+/g;
const LEAD = /^['"<[({*_]+/;
const TRAIL = /[.!?:;'"…>)\]}*_]+$/;
const DIGITS = /^\d+$/;
const NAME_START = /^[a-z0-9]/;

function token(raw: string): Token | undefined {
  let r = raw.replace(LEAD, '').replace(TRAIL, '');
  let hash = false;
  if (r.startsWith('#')) {
    hash = true;
    r = r.replace(/^#+/, '');
  }
  if (!r) return undefined;
  let w = r.toLowerCase();
  if (w.endsWith("'s") && !lookup(w)) {
    w = w.slice(0, -2);
    r = r.slice(0, -2);
  }
  if (!w) return undefined;
  const num = DIGITS.test(w) ? Number(w) : NUMBER_WORDS.get(w);
  return { raw: r, w, e: undefined, fuzzy: false, hash, num, sep: false, quoted: false };
}

const SEP: Token = {
  raw: ',',
  w: ',',
  e: undefined,
  fuzzy: false,
  hash: false,
  num: undefined,
  sep: true,
  quoted: false,
};

/** Text -> tokens with keyword classes; flags and the slash prefix are read on the way. */
export function analyze(input: string): Utterance {
  const { slash, rest: text } = stripSlash(cleanText(input));
  const rest = text.replace(AT_VERSION, '$1 v$2');
  const flags = new Map<string, string>();
  const tokens: Token[] = [];
  let inQuote = false;
  const chunks = rest.split(' ');
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c];
    if (!chunk) continue;
    if (chunk.startsWith('--') && chunk.length > 2) {
      const body = chunk.slice(2).toLowerCase();
      const eq = body.indexOf('=');
      const name = (eq >= 0 ? body.slice(0, eq) : body).replace(/_/g, '-');
      let value = eq >= 0 ? chunk.slice(3 + eq) : '';
      if (!value && VALUE_FLAGS.has(name) && c + 1 < chunks.length && !chunks[c + 1].startsWith('--'))
        value = chunks[++c];
      if (value.startsWith('"') && !value.endsWith('"'))
        while (c + 1 < chunks.length && !value.endsWith('"')) value += ` ${chunks[++c]}`;
      flags.set(name, value.replace(/^"|"$/g, '') || 'true');
      continue;
    }
    for (const piece of chunk.match(PIECES) ?? []) {
      if (piece.length === 1 && ',;&+/|'.includes(piece)) {
        if (tokens.length && !tokens[tokens.length - 1].sep) tokens.push(SEP);
      } else if (piece === '=') {
        tokens.push({
          raw: '=',
          w: 'to',
          e: lookup('to'),
          fuzzy: false,
          hash: false,
          num: undefined,
          sep: false,
          quoted: inQuote,
        });
      } else if (piece === '"') {
        inQuote = !inQuote;
      } else if (piece.length > 1 || /[\w#]/.test(piece)) {
        const t = token(piece);
        const expanded = t ? EXPAND.get(t.w) : undefined;
        if (t) t.quoted = inQuote;
        if (expanded) for (const w of expanded) tokens.push({ ...(t as Token), raw: w, w });
        else if (t) tokens.push(t);
        if (TRAIL.test(piece) && /[.!;:]$/.test(piece) && tokens.length && !tokens[tokens.length - 1].sep)
          tokens.push(SEP);
      }
    }
  }
  while (tokens.length && tokens[tokens.length - 1].sep) tokens.pop();
  merge(tokens);
  classify(tokens);
  return { tokens, slash, question: rest.includes('?'), flags, text: rest };
}

/** "roll back" -> rollback, "roll checkout back" -> rollback checkout, "dry run" -> dryrun, … */
function merge(tokens: Token[]): void {
  for (let i = 0; i + 1 < tokens.length; i++) {
    const a = tokens[i];
    const b = tokens[i + 1];
    const joined = BIGRAMS.get(`${a.w} ${b.w}`);
    if (joined) {
      tokens.splice(i, 2, { ...a, raw: `${a.raw} ${b.raw}`, w: joined });
      continue;
    }
    if (
      (a.w === 'roll' || a.w === 'rolled' || a.w === 'rolling') &&
      i + 2 < tokens.length &&
      tokens[i + 2].w === 'back' &&
      !b.sep
    ) {
      const w = a.w === 'roll' ? 'rollback' : a.w === 'rolled' ? 'rolledback' : 'rollingback';
      tokens.splice(i + 2, 1);
      tokens[i] = { ...a, w };
    }
  }
}

/**
 * Words that are also common service names ("search"): the command word only where it governs
 * the runbooks ("search runbooks", "search the runbooks", "runbook search"); anywhere else a name
 * ("clear_cache search", "runbook flush-dns on search", "search is down").
 */
const AMBIGUOUS = new Set(['search']);

function governsRunbooks(tokens: Token[], i: number): boolean {
  const isRunbook = (j: number) => tokens[j]?.e?.k === 'runbook';
  let j = i + 1;
  while (tokens[j]?.e?.k === 'det') j++;
  return isRunbook(j) || isRunbook(i - 1);
}

/** Verbs whose next word is a name, never a typo to correct ("status stats"). */
const NAME_AFTER = new Set<Kw>(['restart', 'rollback', 'clear', 'scale', 'run', 'status', 'investigate', 'check']);

function classify(tokens: Token[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.sep) continue;
    t.e = lookup(t.w);
    if (t.e || t.num !== undefined || t.hash || STOP.has(t.w) || !NAME_START.test(t.w)) continue;
    // A word right after a verb or a preposition is where a name goes: don't "correct" names.
    const prev = i > 0 ? tokens[i - 1].e : undefined;
    if (prev && (prev.k === 'prep' || (prev.f === 'base' && NAME_AFTER.has(prev.k)))) continue;
    const fixed = correct(t.w);
    if (fixed) {
      t.e = lookup(fixed);
      t.fuzzy = t.e !== undefined;
    }
  }
  // Written as is (not "look for" read as search): a name unless it governs the runbooks.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (AMBIGUOUS.has(t.w) && t.raw.toLowerCase() === t.w && !governsRunbooks(tokens, i)) t.e = undefined;
  }
}

export function kw(t: Token | undefined): Kw | undefined {
  return t?.e?.k;
}
