import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log/logger';

const SECRETS = {
  slackToken: 'xoxb-123456789012-abcdefABCDEF',
  signing: 'f00dfacef00dfacef00dface',
  password: 'correct horse battery staple',
  apiKey: 'sco_0123456789abcdefghijkl',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl',
  openai: 'sk-proj-ABCDEFGHIJKLMNOPQRSTUV',
};

function capture(format: 'json' | 'pretty') {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const log = createLogger({ level: 'silly', format, secrets: [SECRETS.signing, SECRETS.password], stream });
  return { log, output: () => chunks.join('') };
}

describe('log redaction', () => {
  it.each(['json', 'pretty'] as const)(
    'keeps every secret out of %s output, whatever path it takes',
    async (format) => {
      const { log, output } = capture(format);
      const child = log.child({ req: 'r-1', token: SECRETS.slackToken });
      log.info(`message with ${SECRETS.slackToken} inline`);
      log.info('meta keys', {
        password: SECRETS.password,
        apiKey: SECRETS.apiKey,
        nested: { deep: { authorization: `Bearer ${SECRETS.jwt}` } },
      });
      log.warn('headers', {
        headers: { Authorization: `Bearer ${SECRETS.jwt}`, 'x-api-key': SECRETS.apiKey, cookie: 'session=abc' },
      });
      log.error('error', {
        err: Object.assign(new Error(`failed with ${SECRETS.openai}`), { token: SECRETS.slackToken }),
      });
      log.error(new Error(`thrown with signing secret ${SECRETS.signing}`));
      child.debug('child with configured secret in text', { note: `pw is ${SECRETS.password}` });
      child.info('url', { redis: 'redis://user:topsecretpw@10.0.0.1:6379/0' });
      log.info('array', { list: [SECRETS.apiKey, { secret: 'plain-secret-field' }] });
      await new Promise((r) => setImmediate(r));
      const out = output();
      for (const secret of [...Object.values(SECRETS), 'topsecretpw', 'plain-secret-field', 'session=abc'])
        expect(out).not.toContain(secret);
      expect(out).toContain('[REDACTED]');
      // What is not secret survives.
      expect(out).toContain('r-1');
      expect(out).toContain('10.0.0.1:6379');
      expect(out).toContain('message with');
    },
  );

  it('writes one JSON object per line when asked for json', async () => {
    const { log, output } = capture('json');
    log.child({ job: 'j-9' }).info('hello', { n: 1 });
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(output().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', message: 'hello', job: 'j-9', n: 1 });
    expect(typeof line.timestamp).toBe('string');
  });
});
