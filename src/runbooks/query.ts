/**
 * The user's words -> an FTS5 MATCH expression that cannot be a syntax error: each word quoted
 * (so AND, OR, NEAR, `-`, `:` and quotes are plain text), words joined by OR so BM25 ranks the
 * runbooks that match more of them first, the last word a prefix ("certif" finds certificate).
 * Words that say "find me a runbook" rather than what it is about are dropped.
 */
const STOP_WORDS = new Set(
  (
    'a an the is are was were be been am of for to in on at by with about from into as and or ' +
    'which what whats who how do does did i me my we our us you your it its this that these those there ' +
    'any some all can could should would will please pls show find search look lookup list give tell ' +
    'covers cover covering covered handle handles handling deal fix fixing when why where s t ' +
    'runbook runbooks playbook playbooks run-book procedure procedures doc docs guide guides have has got'
  ).split(' '),
);

/** Words of a query, lower-case, letters and digits only, without the stop words. */
export function queryTerms(query: string): string[] {
  const all = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return all.filter((w) => !STOP_WORDS.has(w));
}

/** Each word as an FTS5 phrase (`"disk"`), the last a prefix (`"certif"*`); empty when nothing searchable is left. */
export function matchTerms(query: string): string[] {
  const terms = queryTerms(query);
  // A prefix on a short last word would match nearly everything ("a*"): only from two letters on.
  return terms.map((t, i) => (i === terms.length - 1 && t.length >= 2 && /\p{L}$/u.test(t) ? `"${t}"*` : `"${t}"`));
}

/** The MATCH expression (the terms joined by OR), or undefined when nothing searchable is left. */
export function matchExpression(query: string): string | undefined {
  const terms = matchTerms(query);
  return terms.length ? terms.join(' OR ') : undefined;
}
