import { buttons, reply, text } from '../../src/reply/model';
import { cleanText, exposedSecretWarning, holdsSecret, sanitizeReply } from '../../src/reply/sanitize';

describe("issue 13.8 (trial): values under a secret's name are hidden in replies, other words are not", () => {
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

  it.each([
    'checks passed: 3',
    'bypass=true',
    'tokens per hour: 500',
    'key: value',
    'status search',
    'password reset for alice',
  ])('%s is left as it is', (s) => {
    expect(cleanText(s)).toBe(s);
    expect(holdsSecret(s)).toBe(false);
  });
});

describe('issue 13.19 (trial): a button label of invisible characters only is blank, on every platform', () => {
  it.each(['\u200b', '\u200b\u2060\ufeff', ' \u200c \u200d ', '\u200e\u200f'])(
    'label %j shows its command',
    (label) => {
      const clean = sanitizeReply(reply('info', text('x'), buttons([{ label, command: 'ack i1' }])));
      expect(clean.blocks[1]).toEqual({ type: 'buttons', buttons: [{ label: 'ack i1', command: 'ack i1' }] });
    },
  );

  it('a label with visible text keeps it, joiners inside emoji included', () => {
    const clean = sanitizeReply(reply('info', text('x'), buttons([{ label: 'Page 👩‍💻 on-call', command: 'help' }])));
    expect(clean.blocks[1]).toEqual({ type: 'buttons', buttons: [{ label: 'Page 👩‍💻 on-call', command: 'help' }] });
  });
});
