import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt, async so a login never blocks the event loop. The parameters are
 * stored in the hash string (`scrypt$N$r$p$salt$hash`), so they can be raised later without
 * breaking existing hashes. `DUMMY_HASH` lets a login for an unknown email cost the same as one
 * for a real account, so timing does not reveal which emails exist.
 */

const N = 32768;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;
/** scrypt needs 128 * N * r bytes; twice that leaves room (Node's default cap is 32 MiB, exactly N=2^15, r=8). */
const maxmemFor = (n: number, r: number) => 256 * n * r;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: maxmemFor(N, R) });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface Parsed {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Bounds keep a corrupted (or planted) hash string from asking for gigabytes or minutes of work. */
function parseHash(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,8}$/.test(s) ? Number(s) : NaN));
  if (!(n >= 2 && n <= 2 ** 20 && (n & (n - 1)) === 0) || !(r >= 1 && r <= 32) || !(p >= 1 && p <= 16))
    return undefined;
  const salt = Buffer.from(parts[4], 'base64');
  const hash = Buffer.from(parts[5], 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 128) return undefined;
  return { n, r, p, salt, hash };
}

/** True when `password` matches `stored`; false for a wrong password or an unreadable hash. */
export async function verifyPasswordHash(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const actual = await scryptAsync(password, parsed.salt, parsed.hash.length, {
    N: parsed.n,
    r: parsed.r,
    p: parsed.p,
    maxmem: maxmemFor(parsed.n, parsed.r),
  });
  return timingSafeEqual(actual, parsed.hash);
}

/** Same parameters as a real hash, matching no password: verify it when the account does not exist. */
export const DUMMY_HASH =
  `scrypt$${N}$${R}$${P}$` +
  `${randomBytes(SALT_BYTES).toString('base64')}$${randomBytes(KEY_LENGTH).toString('base64')}`;

/** Why a new password is refused, or undefined. Never echoes the password. */
export function passwordProblem(password: string, email: string): string | undefined {
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN_LENGTH) return `password too short: use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `password too long: use at most ${PASSWORD_MAX_LENGTH} characters`;
  if (new Set(password).size === 1) return 'password is one character repeated: choose something less guessable';
  const lower = password.toLowerCase();
  const address = email.trim().toLowerCase();
  const local = address.split('@')[0] ?? '';
  if (address && lower.includes(address)) return 'password must not contain your email address';
  if (local.length >= 3 && lower.includes(local))
    return 'password must not contain the name part of your email address';
  return undefined;
}
