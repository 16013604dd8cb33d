import type { IntentParser } from './parser';
import { makeIntent, type Intent } from './schema';
import { normalize, stripHash } from './normalize';

type Rule = { pattern: RegExp; build: (m: RegExpMatchArray) => Intent };

const ID = '#?([a-z0-9][a-z0-9._:-]*)';
const NAME = '([a-z0-9][a-z0-9._-]*)';

/**
 * The embedded, deterministic parser. This first version knows the slash form and exact
 * command words; natural phrasing grows here, rule by rule, with the labelled fixtures.
 */
const RULES: Rule[] = [
  { pattern: /^(help|\?|commands)(?: (.+))?$/, build: (m) => makeIntent('help', m[2] ? { topic: m[2] } : {}, 1) },
  { pattern: new RegExp(`^(?:status|health)(?: (?:of|for))?(?: ${NAME})?$`), build: (m) => makeIntent('status', m[1] ? { service: m[1] } : {}, 1) },
  { pattern: /^(?:list[ _]jobs|jobs|list jobs)$/, build: () => makeIntent('list_jobs', {}, 1) },
  { pattern: new RegExp(`^(?:job[ _]status|job)(?: ${ID})?$`), build: (m) => makeIntent('job_status', m[1] ? { job_id: stripHash(m[1]) } : {}, 1) },
  { pattern: new RegExp(`^(?:cancel[ _]job|cancel)(?: job)?(?: ${ID})?$`), build: (m) => makeIntent('cancel_job', m[1] ? { job_id: stripHash(m[1]) } : {}, 1) },
];

export function parseRules(text: string): Intent {
  const line = normalize(text);
  for (const rule of RULES) {
    const m = line.match(rule.pattern);
    if (m) return rule.build(m);
  }
  return makeIntent('unknown', {}, 0);
}

export const rulesParser: IntentParser = {
  source: 'rules',
  parse: async (text) => parseRules(text),
};
