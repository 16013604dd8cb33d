/**
 * Chat text as people type it -> the words that matter. Mentions (Slack `<@U…>`, Teams `<at>…</at>`,
 * plain `@bot`), channel and special mentions, emoji (Unicode and `:shortcode:`), markdown
 * emphasis and backticks go; curly quotes become straight ones; runs of spaces collapse.
 * Case is kept: ids keep the case the user wrote ("INC-314"), names are lower-cased later.
 */
const MENTION = /<[@!#][^>\s]*>|<at>[^<]*<\/at>|(^|[\s(,;:])@[\w.-]+/gi;
const LINK = /<(?:https?|mailto):[^|>]*\|([^>]*)>|<(https?:[^>]*)>/gi;
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|[\u{1F3FB}-\u{1F3FF}]|\u200d|\ufe0f|\u20e3/gu;
const SHORTCODE = /:[a-z][a-z0-9_+-]*:/gi;
const MARKDOWN = /[`*~]+|(^|\s)_+|_+(?=\s|$)/g;
const QUOTES = /[\u2018\u2019\u201b\u2032]/g;
const DQUOTES = /[\u201c\u201d\u201f\u2033]/g;
const DASHES = /[\u2013\u2014\u2212]/g;
const SPACES = /\s+/g;

export function cleanText(text: string): string {
  return text
    .replace(LINK, (_m, label: string | undefined, url: string | undefined) => ` ${label ?? url ?? ''} `)
    .replace(MENTION, '$1 ')
    .replace(SHORTCODE, ' ')
    .replace(EMOJI, ' ')
    .replace(MARKDOWN, '$1 ')
    .replace(QUOTES, "'")
    .replace(DQUOTES, '"')
    .replace(DASHES, ' - ')
    .replace(SPACES, ' ')
    .trim();
}

const SLASH = /^\/(?:ops|opsbot|smartcloudops)\b\s*/i;

/** The cleaned text without a leading `/ops` (and whether it had one). */
export function stripSlash(clean: string): { slash: boolean; rest: string } {
  const m = SLASH.exec(clean);
  return m ? { slash: true, rest: clean.slice(m[0].length) } : { slash: false, rest: clean };
}

/** One plain lower-case line: what `cleanText` keeps, without a leading `/ops`. */
export function normalize(text: string): string {
  return stripSlash(cleanText(text)).rest.toLowerCase();
}

export function stripHash(id: string): string {
  return id.replace(/^#+/, '');
}
