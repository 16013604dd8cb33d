/**
 * Chat text as people type it -> one plain lower-case line: mentions, backticks, a leading
 * `/ops` and repeated spaces go; ids keep their case-insensitive value without `#`.
 */
export function normalize(text: string): string {
  return text
    .replace(/<@[A-Z0-9]+(\|[^>]*)?>/gi, ' ') // Slack user mentions
    .replace(/<at>[^<]*<\/at>/gi, ' ') // Teams mentions
    .replace(/(^|\s)@[\w.-]+/g, ' ') // plain @bot
    .replace(/[`*_~]/g, ' ')
    .replace(/^\s*\/ops\b/i, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export function stripHash(id: string): string {
  return id.replace(/^#+/, '');
}
