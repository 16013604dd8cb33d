/**
 * Secret redaction applied to every log record. Four nets, because any one alone leaks:
 * sensitive names (record fields, HTTP headers), secret query parameters inside URLs, well-known
 * token shapes inside strings, and the exact secret values the service was configured with.
 */

/**
 * The one list of names whose values are secrets: log record fields, HTTP headers (`x-api-key`,
 * `x-slack-signature`, `x-hub-signature-256`, `set-cookie`, …) and URL query parameters
 * (`?password=`, `?access_token=`). A name matches when, lower-cased and without `-`, `_` and
 * `.`, it contains one of these.
 */
const SECRET_NAMES = [
  'pass',
  'pwd',
  'secret',
  'token',
  'signature',
  'apikey',
  'authorization',
  'cookie',
  'credential',
  'privatekey',
  'sessionid',
  'jwt',
  'otp',
];
/**
 * Short names that are credentials in a URL (OAuth's `?code=`, `?key=`, `?sig=` of signed URLs)
 * but our own error codes and ids as log fields (`{ code: 'bad_request' }`).
 */
const SECRET_URL_NAMES = ['key', 'code', 'sig', 'auth', 'hmac', 'session'];

/** True when a value under this name is a secret; `url` for a query parameter's name. */
export function isSecretName(name: string, where: 'field' | 'url' = 'field'): boolean {
  const plain = name.toLowerCase().replace(/[-_.\s]/g, '');
  if (SECRET_NAMES.some((word) => plain.includes(word))) return true;
  return where === 'url' && SECRET_URL_NAMES.some((word) => plain.includes(word));
}

/** `name=value` of a query string (after `?`, `&` or `;`): the value of a secret name is replaced. */
const QUERY_PARAM = /([?&;])([^=&;#\s?]{1,100})=([^&;#\s]*)/g;

function queryName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

const TOKEN_SHAPES: RegExp[] = [
  /\bxox[abposr]-[A-Za-z0-9-]{8,}/g, // Slack tokens
  /\bxapp-[A-Za-z0-9-]{8,}/g, // Slack app-level tokens
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI-style keys
  /\bsco_[A-Za-z0-9_-]{16,}/g, // our own API keys
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWTs
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, // Authorization header values
  /(redis|rediss|postgres|postgresql|mysql|amqp|https?):\/\/([^:@/\s]+):([^@/\s]+)@/gi, // credentials in URLs
];

export const REDACTED = '[REDACTED]';

/**
 * `password=…`, `db_password: "…"`, `api_token=…` in free text (a message, an error): a value given
 * under a secret's name, as people paste it from a config file or a command line. The name is
 * kept, the value hidden. Names are matched by their ending, stricter than record fields, so
 * `bypass=true` or `checks passed: 3` stay as they are.
 */
const ASSIGNMENT = /\b([A-Za-z][A-Za-z0-9_.-]{0,40})(\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s"'`]+)/g;
const SECRET_NAME_ENDINGS = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'credential',
  'credentials',
  'authorization',
  'cookie',
];

function isSecretAssignment(name: string): boolean {
  const plain = name.toLowerCase().replace(/[-_.]/g, '');
  return plain === 'pass' || SECRET_NAME_ENDINGS.some((end) => plain.endsWith(end));
}

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly (string | undefined)[] = []) {
    // Longest first so a secret that contains another is replaced whole.
    this.secrets = secrets
      .filter((s): s is string => typeof s === 'string' && s.length >= 4)
      .sort((a, b) => b.length - a.length);
  }

  string(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    out = out.replace(QUERY_PARAM, (match, sep: string, name: string, value: string) =>
      value && isSecretName(queryName(name), 'url') ? `${sep}${name}=${REDACTED}` : match,
    );
    for (const shape of TOKEN_SHAPES) {
      out = out.replace(shape, (match, ...groups: unknown[]) => {
        if (/^(redis|rediss|postgres|postgresql|mysql|amqp|https?):/i.test(match))
          return `${String(groups[0])}://${String(groups[1])}:${REDACTED}@`;
        if (/^(bearer|basic)\s/i.test(match)) return `${match.split(/\s+/)[0]} ${REDACTED}`;
        return REDACTED;
      });
    }
    return out.replace(ASSIGNMENT, (match, name: string, sep: string, value: string) =>
      isSecretAssignment(name) && !value.includes(REDACTED) ? `${name}${sep}${REDACTED}` : match,
    );
  }

  /** Deep copy of `value` with sensitive keys and token-shaped strings redacted. Handles cycles and Errors. */
  value(value: unknown, seen = new WeakSet<object>()): unknown {
    if (typeof value === 'string') return this.string(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v, seen));
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: this.string(value.message) };
      if (value.stack) out.stack = this.string(value.stack);
      for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) ? REDACTED : this.value(v, seen);
      if (value.cause !== undefined) out.cause = this.value(value.cause, seen);
      return out;
    }
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        isSecretName(k) && v !== undefined && v !== null && v !== '' && typeof v !== 'boolean' && typeof v !== 'number'
          ? REDACTED
          : this.value(v, seen);
    }
    return out;
  }
}
