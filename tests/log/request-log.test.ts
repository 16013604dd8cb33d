import { PassThrough } from 'node:stream';
import { createHttpServer } from '../../src/http/server';
import { createLogger } from '../../src/log/logger';
import { isSecretName } from '../../src/log/redact';
import { createMetrics } from '../../src/telemetry/metrics';

/**
 * Issue 13.8: the HTTP request log at LOG_LEVEL=http, through the real logger (winston, its
 * Stream transport into a captured stream) and the real HTTP server, for both log formats.
 */

const SECRETS = {
  password: 'hunter2hunter2',
  token: 'tok3n-value-123',
  code: 'oauth-code-4567',
  sig: 'sig-value-890',
  apiKeyParam: 'param-key-2222',
  slackSignature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  hubSignature: 'sha256=7d38cdd689735b008b3c702edd92eea23791c5f6',
  apiKey: 'my-api-key-without-shape',
  cookie: 'sid=s3ss10nvalue',
  bearer: 'opaque-bearer-credential',
};

async function requestLog(format: 'json' | 'pretty', level = 'http') {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const log = createLogger({ level, format, stream });
  const app = createHttpServer({ log, metrics: createMetrics(), bodyLimitBytes: 1024, readiness: [] });
  app.post('/echo', async () => ({ ok: true }));
  await app.ready();
  const query =
    `password=${SECRETS.password}&token=${SECRETS.token}&code=${SECRETS.code}&sig=${SECRETS.sig}` +
    `&api_key=${SECRETS.apiKeyParam}&service=search&window=1h`;
  await app.inject({
    method: 'GET',
    url: `/healthz?${query}`,
    headers: {
      'x-slack-signature': SECRETS.slackSignature,
      'x-slack-request-timestamp': '1700000000',
      'x-hub-signature-256': SECRETS.hubSignature,
      'x-api-key': SECRETS.apiKey,
      cookie: SECRETS.cookie,
      authorization: `Token ${SECRETS.bearer}`,
      'user-agent': 'curl/8.5.0',
    },
  });
  // A rejected request logs its URL on a second path.
  await app.inject({
    method: 'POST',
    url: `/echo?${query}`,
    headers: { 'content-type': 'application/json' },
    payload: '{not json',
  });
  await app.close();
  await new Promise((r) => setImmediate(r));
  return chunks.join('');
}

describe('issue 13.8: the request log keeps secrets out by default', () => {
  it.each(['json', 'pretty'] as const)(
    'redacts secret query parameters and secret headers at LOG_LEVEL=http (%s)',
    async (format) => {
      const out = await requestLog(format);
      expect(out).toContain('/healthz?');
      for (const [name, secret] of Object.entries(SECRETS)) {
        if (out.includes(secret)) throw new Error(`${name} (${secret}) reached the log:\n${out}`);
      }
      // What helps debugging survives: the path, harmless parameters and headers.
      expect(out).toContain('service=search');
      expect(out).toContain('window=1h');
      expect(out).toContain('curl/8.5.0');
      expect(out).toContain('1700000000');
      expect(out).toContain('password=[REDACTED]');
      expect(out).toMatch(/request rejected/);
    },
  );

  it('logs nothing of the request below LOG_LEVEL=http', async () => {
    expect(await requestLog('json', 'info')).not.toContain('/healthz');
  });

  it('names secrets with one list, for fields, headers and query parameters alike', () => {
    for (const name of [
      'password',
      'PASSWD',
      'new_password',
      'client_secret',
      'access_token',
      'x-api-key',
      'apiKey',
      'authorization',
      'Proxy-Authorization',
      'cookie',
      'set-cookie',
      'x-slack-signature',
      'x-hub-signature',
      'x-hub-signature-256',
      'credentials',
      'private_key',
    ]) {
      expect([name, isSecretName(name)]).toEqual([name, true]);
    }
    for (const name of [
      'service',
      'window',
      'user-agent',
      'x-request-id',
      'x-slack-request-timestamp',
      'status',
      'email',
      'ip',
    ])
      expect([name, isSecretName(name)]).toEqual([name, false]);
    // Short names are secrets in a URL (OAuth `code`, `key`, `sig`), but our own error codes and ids in log fields.
    for (const name of ['code', 'key', 'sig']) {
      expect([name, isSecretName(name, 'url')]).toEqual([name, true]);
      expect([name, isSecretName(name)]).toEqual([name, false]);
    }
  });
});
