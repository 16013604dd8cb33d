import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../src/errors';
import { BACKOFF_BASE_MS, MAX_WAIT_MS, createWebhookExecutor } from '../../src/remediation/executors/webhook';
import type { Binding, ExecuteOptions, RemediationRequest } from '../../src/remediation/types';
import { closedPort } from '../helpers/fake-prometheus';
import { startReceiver, type Receiver, type Received } from '../helpers/webhook-receiver';

/** What a receiver does with the documented scheme: HMAC-SHA256 over "<timestamp>.<raw body>". */
function verifySignature(req: Received, secret: string): boolean {
  const timestamp = String(req.headers['x-smartcloudops-timestamp']);
  const given = Buffer.from(String(req.headers['x-smartcloudops-signature']));
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.body}`).digest('hex')}`,
  );
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const SECRET = 'whsec-very-secret-value';
const NOW_MS = 1_700_000_000_123;

let receiver: Receiver;
let waits: number[];

/** The real wait, recorded: tests check what was asked for, never how long it took. */
function recordingSleep(ms: number, signal: AbortSignal): Promise<void> {
  waits.push(ms);
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function request(
  overrides: Partial<RemediationRequest> = {},
  params: RemediationRequest['params'] = {},
): RemediationRequest {
  return {
    id: 'req-7f3a',
    action: 'restart',
    target: 'checkout-api',
    params: { replicas: 3, ...params },
    requestedBy: 'alice',
    ...overrides,
  };
}

function binding(more: Partial<Extract<Binding, { kind: 'webhook' }>> = {}): Extract<Binding, { kind: 'webhook' }> {
  return {
    kind: 'webhook',
    method: 'POST',
    url: `${receiver.url}/api/v2/job_templates/7/launch/`,
    body: JSON.stringify({
      extra_vars: {
        service: '{target}',
        replicas: '{replicas}',
        reason: 'restart of {target} by SmartCloudOps',
        tags: ['sco', '{target}'],
        dry: false,
      },
    }),
    timeoutMs: 5000,
    retries: 0,
    ...more,
  };
}

function options(signal: AbortSignal = new AbortController().signal): ExecuteOptions & { messages: string[] } {
  const messages: string[] = [];
  return { signal, progress: (m: string) => messages.push(m), messages };
}

const executor = () => createWebhookExecutor({ clock: () => NOW_MS, sleep: recordingSleep });

beforeEach(async () => {
  receiver = await startReceiver();
  waits = [];
});

afterEach(async () => {
  await receiver.close();
});

describe('webhook executor: the request', () => {
  it('sends the filled-in JSON body and the documented headers, signed', async () => {
    receiver.respond(() => ({ status: 201, body: '{"job": 1234, "status": "pending"}' }));
    const result = await executor().execute(request(), binding({ secret: SECRET }), options());
    expect(result).toEqual({
      ok: true,
      summary:
        `POST ${receiver.url}/api/v2/job_templates/7/launch/ answered 201 Created: ` +
        '{"job": 1234, "status": "pending"}',
      detail: { status: 201, attempts: 1, requestId: 'req-7f3a', body: '{"job": 1234, "status": "pending"}' },
    });
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/api/v2/job_templates/7/launch/');
    expect(req?.body).toBe(
      '{"extra_vars":{"service":"checkout-api","replicas":3,"reason":"restart of checkout-api by ' +
        'SmartCloudOps","tags":["sco","checkout-api"],"dry":false}}',
    );
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-smartcloudops-request-id': 'req-7f3a',
      'x-smartcloudops-timestamp': '1700000000',
    });
    expect(req?.headers['x-smartcloudops-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(req as Received, SECRET)).toBe(true);
    expect(verifySignature(req as Received, 'another-secret')).toBe(false);
    // A body changed on the way no longer verifies.
    expect(
      verifySignature(
        { ...(req as Received), body: (req as Received).body.replace('"replicas":3', '"replicas":30') },
        SECRET,
      ),
    ).toBe(false);
  });

  it('sends no signature without a secret', async () => {
    await executor().execute(request(), binding({ method: 'PUT' }), options());
    expect(receiver.requests[0]?.method).toBe('PUT');
    expect(receiver.requests[0]?.headers['x-smartcloudops-signature']).toBeUndefined();
    expect(receiver.requests[0]?.headers['x-smartcloudops-request-id']).toBe('req-7f3a');
  });

  it('moves URL credentials into basic auth and keeps the query', async () => {
    const url = new URL(`${receiver.url}/job/restart/buildWithParameters?token=trigger-token-123&cause=sco`);
    url.username = 'bot';
    url.password = 'p%40ss-w0rd';
    await executor().execute(request(), binding({ url: url.toString() }), options());
    const [req] = receiver.requests;
    expect(req?.url).toBe('/job/restart/buildWithParameters?token=trigger-token-123&cause=sco');
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('bot:p@ss-w0rd').toString('base64')}`);
  });

  it('refuses injection attempts before sending anything', async () => {
    const values = [
      'checkout-api", "admin": true, "x": "',
      'checkout-api; rm -rf /',
      '$(id)',
      '`id`',
      '../../etc/passwd',
      '-rf',
      'a'.repeat(10_000),
      'a\nb',
      'a\0b',
      'a\\u0022b',
    ];
    for (const value of values) {
      await expect(executor().execute(request({ target: value }), binding(), options())).rejects.toMatchObject({
        code: 'bad_request',
        message: expect.stringContaining('{target}'),
      });
      await expect(
        executor().execute(request({}, { note: value }), binding({ body: '{"note":"{param.note}"}' }), options()),
      ).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('{param.note}') });
      await expect(executor().plan(request({ target: value }), binding())).rejects.toMatchObject({
        code: 'bad_request',
      });
    }
    await expect(executor().execute(request({}, { replicas: 2.5 }), binding(), options())).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('{replicas}'),
    });
    await expect(
      executor().execute(request(), binding({ body: '{"zone":"{param.zone}"}' }), options()),
    ).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('{param.zone} has no value') });
    expect(receiver.requests).toHaveLength(0);
  });

  it('substitutes in string leaves only: keys and JSON structure stay as written', async () => {
    const body = '{"{target}":"{target}","__proto__":{"polluted":"{target}"},"n":[1,"{replicas}","x{replicas}"]}';
    await executor().execute(request(), binding({ body }), options());
    expect(JSON.parse(receiver.requests[0]?.body ?? '')).toEqual(
      JSON.parse('{"{target}":"checkout-api","__proto__":{"polluted":"checkout-api"},"n":[1,3,"x3"]}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body template that is not JSON, and an unknown placeholder', async () => {
    await expect(
      executor().execute(request(), binding({ body: '{"service": {target}}' }), options()),
    ).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('not valid JSON') });
    await expect(
      executor().execute(request(), binding({ body: '{"service": "{service}"}' }), options()),
    ).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('{service}') });
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('webhook executor: plan', () => {
  it('shows the exact request without the secret, credentials or query values', async () => {
    const url = new URL(`${receiver.url}/job/restart/buildWithParameters?token=trigger-token-123`);
    url.username = 'bot';
    url.password = 'hunter2-password';
    const plan = await executor().plan(request(), binding({ url: url.toString(), secret: SECRET }));
    const shownUrl = `${receiver.url}/job/restart/buildWithParameters?token=***`;
    const body =
      '{"extra_vars":{"service":"checkout-api","replicas":3,"reason":"restart of checkout-api by ' +
      'SmartCloudOps","tags":["sco","checkout-api"],"dry":false}}';
    expect(plan).toEqual({
      executor: 'webhook',
      calls: [`POST ${shownUrl} ${body}`],
      current: {},
      desired: {
        method: 'POST',
        url: shownUrl,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'smartcloudops',
          'x-smartcloudops-request-id': 'req-7f3a',
          'x-smartcloudops-timestamp': '<unix seconds when sent>',
          'x-smartcloudops-signature': 'sha256=<HMAC-SHA256 of "<timestamp>.<body>" with the binding secret>',
          authorization: 'Basic ***',
        },
        body: JSON.parse(body),
      },
      blastRadius:
        `whatever the job behind POST ${new URL(receiver.url).host}/job/restart/buildWithParameters does to ` +
        'checkout-api',
    });
    const text = JSON.stringify(plan);
    for (const secret of [
      SECRET,
      'hunter2-password',
      'trigger-token-123',
      Buffer.from('bot:hunter2-password').toString('base64'),
    ])
      expect(text).not.toContain(secret);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('webhook executor: retries', () => {
  it('retries 500s with backoff and succeeds, with the same request id and body every time', async () => {
    receiver.respond((_req, i) =>
      i < 2 ? { status: 500, body: 'upstream broke' } : { status: 200, body: '{"id":99}' },
    );
    const opts = options();
    const result = await executor().execute(request(), binding({ retries: 3, secret: SECRET }), opts);
    expect(result.ok).toBe(true);
    expect(result.detail).toMatchObject({ status: 200, attempts: 3 });
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.headers['x-smartcloudops-request-id']))).toEqual(
      new Set(['req-7f3a']),
    );
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    for (const r of receiver.requests) expect(verifySignature(r, SECRET)).toBe(true);
    expect(waits).toEqual([BACKOFF_BASE_MS, BACKOFF_BASE_MS * 2]);
    expect(opts.messages).toContain(
      `POST ${receiver.url}/api/v2/job_templates/7/launch/ answered 500 Internal Server Error; retrying in 100 ms`,
    );
  });

  it('gives up after `retries` extra attempts', async () => {
    receiver.respond(() => ({ status: 503, body: 'maintenance' }));
    const result = await executor().execute(request(), binding({ retries: 2 }), options());
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      `POST ${receiver.url}/api/v2/job_templates/7/launch/ answered 503 Service Unavailable ` +
        'after 3 attempts: maintenance',
    );
    expect(result.detail).toMatchObject({ status: 503, attempts: 3 });
    expect(receiver.requests).toHaveLength(3);
  });

  it('never retries a 400', async () => {
    receiver.respond(() => ({ status: 400, body: '{"error":"extra_vars.service: unknown"}' }));
    const result = await executor().execute(request(), binding({ retries: 5 }), options());
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      `POST ${receiver.url}/api/v2/job_templates/7/launch/ answered 400 Bad Request: ` +
        '{"error":"extra_vars.service: unknown"}',
    );
    expect(receiver.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('does not follow redirects', async () => {
    receiver.respond(() => ({ status: 307, headers: { location: 'http://127.0.0.1:1/elsewhere' } }));
    const result = await executor().execute(request(), binding({ retries: 2, secret: SECRET }), options());
    expect(result.ok).toBe(false);
    expect(result.detail).toMatchObject({ status: 307, attempts: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('honours Retry-After on a 429', async () => {
    receiver.respond((_req, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' } : { status: 202 },
    );
    const result = await executor().execute(request(), binding({ retries: 1 }), options());
    expect(result.ok).toBe(true);
    expect(receiver.requests).toHaveLength(2);
    expect(waits).toEqual([1000]);
  });

  it('caps a long Retry-After at 10 s', async () => {
    const asked: number[] = [];
    const noWait = createWebhookExecutor({ sleep: async (ms) => void asked.push(ms) });
    receiver.respond((_req, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '3600' } } : { status: 200 }));
    const result = await noWait.execute(request(), binding({ retries: 1 }), options());
    expect(result.ok).toBe(true);
    expect(asked).toEqual([MAX_WAIT_MS]);
  });

  it('retries a dropped connection', async () => {
    receiver.respond((_req, i) => (i === 0 ? { destroy: true } : { status: 200, body: 'ok' }));
    const result = await executor().execute(request(), binding({ retries: 1 }), options());
    expect(result.ok).toBe(true);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]?.headers['x-smartcloudops-request-id']).toBe(
      receiver.requests[1]?.headers['x-smartcloudops-request-id'],
    );
  });

  it('reports an unreachable receiver after its retries', async () => {
    const port = await closedPort();
    const result = await executor().execute(
      request(),
      binding({ url: `http://127.0.0.1:${port}/hook`, retries: 1 }),
      options(),
    );
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      `POST http://127.0.0.1:${port}/hook could not be reached (ECONNREFUSED) (2 attempts); ` +
        'the receiver may or may not have acted on request req-7f3a.',
    );
    expect(waits).toEqual([BACKOFF_BASE_MS]);
  });
});

describe('webhook executor: time limits and cancellation', () => {
  it('times out an attempt that gets no answer', async () => {
    receiver.respond(() => ({ hang: true }));
    const result = await executor().execute(request(), binding({ timeoutMs: 300 }), options());
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      `POST ${receiver.url}/api/v2/job_templates/7/launch/ timed out after 300 ms; ` +
        'the receiver may or may not have acted on request req-7f3a.',
    );
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries after a timeout with the same request id', async () => {
    receiver.respond((_req, i) => (i === 0 ? { status: 200, delayMs: 5000 } : { status: 200, body: 'done' }));
    const result = await executor().execute(request(), binding({ timeoutMs: 300, retries: 1 }), options());
    expect(result.ok).toBe(true);
    expect(receiver.requests.map((r) => r.headers['x-smartcloudops-request-id'])).toEqual(['req-7f3a', 'req-7f3a']);
  });

  it('stops when the signal aborts mid-request', async () => {
    receiver.respond(() => ({ hang: true }));
    const controller = new AbortController();
    const running = executor().execute(
      request(),
      binding({ timeoutMs: 20_000, retries: 3 }),
      options(controller.signal),
    );
    while (receiver.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new AppError('job_cancelled', 'cancelled by alice'));
    const result = await running;
    expect(result.ok).toBe(false);
    expect(result.summary).toBe(
      `POST ${receiver.url}/api/v2/job_templates/7/launch/ was cancelled (cancelled by alice); ` +
        'the receiver may already have acted on request req-7f3a.',
    );
    expect(result.detail).toMatchObject({ cancelled: true, attempts: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new AppError('job_cancelled', 'cancelled by alice'));
    await expect(executor().execute(request(), binding(), options(controller.signal))).rejects.toMatchObject({
      code: 'job_cancelled',
    });
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('webhook executor: bindings', () => {
  it.each([
    ['another kind', (): Binding => ({ kind: 'demo' })],
    ['a bad method', (): Binding => ({ ...binding(), method: 'DELETE' }) as unknown as Binding],
    ['a non-http url', (): Binding => ({ ...binding(), url: 'file:///etc/passwd' })],
    ['too many retries', (): Binding => ({ ...binding(), retries: 100 })],
    ['a zero timeout', (): Binding => ({ ...binding(), timeoutMs: 0 })],
  ])('refuses %s', async (_what, make) => {
    const b = make();
    await expect(executor().plan(request(), b)).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
