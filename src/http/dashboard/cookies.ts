/**
 * Reading and writing the dashboard's cookies (RFC 6265): a small parser for the `Cookie` header
 * and `Set-Cookie` values with the attributes the session needs. Values are tokens we issued
 * (JWTs, refresh tokens: URL-safe characters), so no encoding is applied or undone.
 */

/** name -> value from a `Cookie` header; the first of a repeated name wins (the most specific path). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAgeS: number;
  /** Only over https (set when the request came over https, directly or through a trusted proxy). */
  secure: boolean;
}

const VALUE = /^[A-Za-z0-9._~+/=-]*$/;

/** One `Set-Cookie` value: always HttpOnly and SameSite=Strict. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!VALUE.test(value)) throw new Error(`cookie ${name}: the value has characters a cookie cannot carry`);
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
