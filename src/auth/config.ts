/**
 * What auth is configured with (src/config/config.ts reads it from JWT_*, *_TOKEN_TTL_S, LOGIN_*,
 * CORS_ORIGINS). Tokens are signed with JWT_SECRET (HS256) or a key pair from files (RS256 / ES256,
 * by key type). With neither, the auth routes and the REST API answer 503 and say what to set.
 */
export interface AuthConfig {
  jwtSecret?: string;
  privateKeyFile?: string;
  publicKeyFile?: string;
  issuer: string;
  audience: string;
  accessTtlS: number;
  refreshTtlS: number;
  loginMaxFailures: number;
  lockoutBaseS: number;
  /** Origins allowed by CORS; empty = no cross-origin access. */
  corsOrigins: string[];
}

/**
 * Why an HMAC secret is too weak to sign tokens, or undefined: at least 32 characters (256 bits
 * of a random string), and not a repetition or a short alphabet (e.g. \`aaaa…\`, \`1234…\`).
 */
export function jwtSecretWeakness(secret: string): string | undefined {
  if (secret.length < 32)
    return `too short: use at least 32 random characters (e.g. \`openssl rand -base64 48\`), got ${secret.length}`;
  if (new Set(secret).size < 12) return 'too little variety to be random: use `openssl rand -base64 48`';
  return undefined;
}
