import type { IntentParser } from '../parser';
import type { Intent } from '../schema';
import { build, unknown } from './build';
import { injected } from './guard';
import { feedback } from './feedback';
import { approvals, freeze, incidents, jobs, postmortem, runbookSearch } from './manage';
import { models } from './models';
import { experiments } from './experiments';
import { help, observe } from './observe';
import { remediation } from './remediate';
import { parse } from './slots';

const MAX_CHARS = 2000;

/**
 * The embedded, deterministic intent parser (DESIGN.md "Intent contract").
 *
 * text -> tokens with keyword classes (lexicon + typo correction) -> slots read by small
 * extractors (durations, metrics, ids, versions, names) -> the first family whose words are
 * there decides. Remediation goes through the safety guard: only a plain request for one action
 * on one target is a `remediate`; questions, negations, reports, hypotheticals, injected
 * instructions and "all/every" targets never are.
 *
 * Files: `tokens` (words, flags, slash), `lexicon` (keyword classes, synonyms, stopwords),
 * `fuzzy` (typos), `slots` (durations, metrics, ids, names), `guard` (question / negation /
 * report / hypothetical / injection), `remediate`, `manage` (approvals, jobs, incidents,
 * postmortems, runbooks, freeze), `models`, `observe` (help, status, anomalies, investigate), `feedback` (👍/👎 labels),
 * `build` (validated intent and confidence).
 */
export function parseRules(text: string): Intent {
  // A chat command is short; a pasted log or essay is for a human (or the LLM) to read.
  if (text.length > MAX_CHARS) return unknown();
  const p = parse(text);
  if (!p.tokens.length)
    return p.slash ? build('help', {}, 1) : p.text.trim() === '?' ? build('help', {}, 0.5) : unknown();
  if (injected(p)) return unknown();
  return (
    help(p) ??
    feedback(p) ??
    freeze(p) ??
    runbookSearch(p) ??
    experiments(p) ??
    models(p) ??
    approvals(p) ??
    postmortem(p) ??
    incidents(p) ??
    jobs(p) ??
    remediation(p) ??
    observe(p) ??
    unknown()
  );
}

export const rulesParser: IntentParser = {
  source: 'rules',
  parse: async (text) => parseRules(text),
};
