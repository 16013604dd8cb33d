import { cleanText, exposedSecretWarning, holdsSecret } from '../../src/reply/sanitize';

describe('issue 13.8 (trial): values under a secret\'s name are hidden in replies, other words are not', () => {
  it.each([
    ['password=hunter2', 'password=[REDACTED]'],
    ['DB_PASSWORD: "c0rrect horse"', 'DB_PASSWORD: [REDACTED]'],
    ["api_token='t0k3n-value'", 'api_token=[REDACTED]'],
    ['client-secret = s3cr3t!', 'client-secret = [REDACTED]'],
    ['aws.secretKey=AKIAxyz', 'aws.secretKey=[REDACTED]'],
    ['pass=abc', 'pass=[REDACTED]'],
  ])('%s -> %s', (typed, shown) => {
    expect(cleanText(typed)).toBe(shown);
    expect(holdsSecret(typed)).toBe(true);
    expect(exposedSecretWarning(typed)).toBeDefined();
  });

  it.each(['checks passed: 3', 'bypass=true', 'tokens per hour: 500', 'key: value', 'status search', 'password reset for alice'])('%s is left as it is', (s) => {
    expect(cleanText(s)).toBe(s);
    expect(holdsSecret(s)).toBe(false);
  });
});
