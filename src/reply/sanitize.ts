import { Redactor } from '../log/redact';
import { context, type Block, type Button, type Reply } from './model';

/**
 * The one cleaning every renderer (Slack, Teams, console) applies to a Reply before formatting
 * it, so the three show the same text. Replies quote what people typed (the echoed command,
 * "Did you mean …", "unknown service …", errors) and data from the far side (alert labels,
 * command output), so every string is:
 * - stripped of terminal escapes, C0/C1 control characters (NUL, ESC, BEL…) and bidi overrides,
 *   with line breaks normalised to `\n` and tabs to a space;
 * - redacted of secret-looking tokens (API keys `sco_…`, Slack tokens, JWTs, Bearer values,
 *   passwords in URLs) by the log redactor's own rules, so a key typed into chat is never
 *   echoed back into a channel.
 * A button whose label is blank after cleaning (or only invisible characters) is labelled with its command.
 */

// Control characters are the point of these patterns.
/* eslint-disable no-control-regex */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
/** C0/C1 controls except \t and \n, DEL, and the bidi overrides/isolates (spoofing). */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

/** The log's token rules, with no configured values: shapes only (a reply renderer has no config). */
const secrets = new Redactor();

/** Data may carry terminal escapes or control bytes: drop them, keep the text. */
export function stripControl(s: string): string {
  return String(s)
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(ANSI, '')
    .replace(/\t/g, ' ')
    .replace(CONTROL, '');
}

/** Secrets in `s` replaced by [REDACTED], by the log redactor's rules (token shapes, values under a secret's name). */
export function redactSecrets(s: string): string {
  return secrets.string(s);
}

/** One string as every renderer shows it: controls stripped, secrets redacted. */
export function cleanText(s: string): string {
  return redactSecrets(stripControl(s));
}

/** True when `s` holds something the redaction rules hide (an API key, a token…). */
export function holdsSecret(s: string): boolean {
  const plain = stripControl(s);
  return redactSecrets(plain) !== plain;
}

/** Our own API keys name their id (not secret) before the secret part. */
const API_KEY_ID = /\bsco_([0-9a-f]{12})_/;

/**
 * What to tell someone whose message held a secret, or undefined when it held none. The reply
 * hides it, but the message itself went through the chat platform (its history, its logs, our
 * server) and may sit in the channel: a careful engineer treats it as exposed and revokes it.
 */
export function exposedSecretWarning(message: string): Block | undefined {
  if (!holdsSecret(message)) return undefined;
  const id = API_KEY_ID.exec(message)?.[1];
  const how = id ? `revoke it: \`smartcloudops apikey revoke ${id}\`` : 'revoke or rotate it where it was issued';
  return context(
    'Your message held what looks like an API key, token or password. I hid it in my replies, ' +
      `but it has gone through chat, so treat it as exposed and ${how}; ` +
      'delete your message if it is still in the channel.',
  );
}

/** Characters that show nothing: zero-width space/joiners, direction marks, word joiner, BOM. */
const INVISIBLE = /[\u200b-\u200f\u2060\ufeff]/g;
const blank = (s: string) => !s.replace(INVISIBLE, '').trim();

function cleanButton(b: Button): Button {
  const command = cleanText(b.command).trim();
  const label = cleanText(b.label).replace(/\s+/g, ' ').trim();
  return { ...b, label: blank(label) ? command : label, command: blank(command) ? '' : command };
}

function cleanBlock(b: Block): Block {
  const c = cleanText;
  switch (b.type) {
    case 'header':
    case 'text':
    case 'context':
      return { ...b, text: c(b.text) };
    case 'fields':
      return { ...b, fields: b.fields.map((f) => ({ label: c(f.label), value: c(f.value) })) };
    case 'table':
      return { ...b, columns: b.columns.map(c), rows: b.rows.map((row) => row.map((cell) => c(cell ?? ''))) };
    case 'series':
      return { ...b, label: c(b.label), ...(b.unit ? { unit: c(b.unit) } : {}) };
    case 'progress':
      return { ...b, ...(b.text ? { text: c(b.text) } : {}) };
    case 'buttons':
      return { ...b, buttons: b.buttons.map(cleanButton).filter((x) => x.command) };
    case 'steps':
      return {
        ...b,
        steps: b.steps.map((s) => ({ ...s, label: c(s.label), ...(s.detail ? { detail: c(s.detail) } : {}) })),
      };
    case 'image':
      return { ...b, title: c(b.title), alt: c(b.alt) };
  }
}

/** A copy of the reply with every string cleaned (see the file's comment). */
export function sanitizeReply(r: Reply): Reply {
  return { tone: r.tone, blocks: r.blocks.map(cleanBlock) };
}
