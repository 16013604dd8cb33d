import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { tracingEnabled } from '../../src/telemetry/tracing';
import { DURING_BURST, sayTo, testApp } from '../helpers/app';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';
import { startOtlpReceiver, traceOf, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';

/**
 * Issue 17.4: tracing in one process (the control plane with its embedded queue and workers),
 * spans posted to a local OTLP/HTTP receiver: the chat message's tree, the intent LLM call with
 * GenAI attributes, HTTP requests, log lines with the trace id, and nothing at all when it is off.
 */
const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

describe('tracing in one process (issue 17.4)', () => {
  let receiver: OtlpReceiver;
  let app: App | undefined;
  let logs: () => string;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await receiver.close();
  });

  const start = async (env: Record<string, string>) => {
    ({ app, logs } = await testApp(env, DURING_BURST));
    await app.startWorkers();
    return app;
  };
  const logLines = () =>
    logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  /** Close the app: its tracing flushes every span to the receiver before close resolves. */
  const closeApp = async () => {
    await app?.close();
    app = undefined;
  };

  it('is off without an OTLP endpoint: no provider, no trace context in jobs or logs, nothing sent', async () => {
    const a = await start({});
    expect(a.config.tracing).toBeUndefined();
    expect(tracingEnabled()).toBe(false);
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    const { handled } = await sayTo(a, 'status payments');
    const job = await a.queue.get(handled.job?.id ?? '');
    expect(job?.state).toBe('completed');
    expect(job?.meta.traceparent).toBeUndefined();
    const http = createHttpForApp(a);
    expect((await http.inject({ method: 'GET', url: '/api/v1/status' })).statusCode).toBe(401);
    await http.close();
    await closeApp();
    expect(receiver.requests).toEqual([]);
    expect(logs()).not.toMatch(/trace_id/);
  });

  it('one trace per chat message: message -> intent -> command -> enqueue -> job, and the replies', async () => {
    const a = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'sco-test' });
    expect(tracingEnabled()).toBe(true);
    const { handled } = await sayTo(a, 'status payments');
    const jobId = handled.job?.id ?? '';
    expect((await a.queue.get(jobId))?.meta.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await closeApp();

    // Protobuf by default, to the traces path, from a resource that names the service.
    expect(receiver.requests.map((r) => [r.path, r.contentType])).toContainEqual([
      '/v1/traces',
      'application/x-protobuf',
    ]);
    const message = receiver.spans.find((s) => s.name === 'chat.message') as ReceivedSpan;
    expect(message.resource).toMatchObject({ 'service.name': 'sco-test', 'smartcloudops.role': 'control' });
    expect(message.parentSpanId).toBe('');
    expect(message.attributes).toMatchObject({
      'chat.platform': 'console',
      'chat.intent': 'status',
      'chat.outcome': 'enqueued',
      'job.id': jobId,
    });
    const t = traceOf(receiver.spans, message.traceId);
    const parse = t.one('intent.parse');
    expect(t.parentOf(parse)).toBe(message);
    expect(parse.attributes).toMatchObject({ 'intent.name': 'status', 'intent.source': 'rules' });
    const command = t.one('command status');
    expect(t.parentOf(command)).toBe(message);
    const enqueue = t.one('enqueue status');
    expect(t.parentOf(enqueue)).toBe(command);
    expect(enqueue.kind).toBe(SPAN_KIND.producer);
    expect(enqueue.attributes).toMatchObject({ 'messaging.message.id': jobId, 'messaging.system': 'embedded' });
    const job = t.one('job status');
    expect(t.parentOf(job)).toBe(enqueue);
    expect(job.kind).toBe(SPAN_KIND.consumer);
    expect(job.attributes).toMatchObject({ 'messaging.message.id': jobId, 'job.attempt': 1 });
    // The acknowledgement is posted, then the finished job's result replaces it.
    const [post] = t.all('chat.post');
    expect(t.parentOf(post)).toBe(message);
    const result = t.one('chat.result');
    expect(t.parentOf(result)).toBe(message);
    expect(result.attributes).toMatchObject({ 'job.id': jobId, 'job.name': 'status', 'job.state': 'completed' });
    const [update] = t.spans.filter((s) => t.parentOf(s) === result);
    expect(update.name).toBe('chat.update');

    // Log lines inside a span carry its ids; lines outside carry none.
    const handledLine = logLines().find((l) => l.message === 'message handled');
    expect(handledLine).toMatchObject({ trace_id: message.traceId, span_id: message.spanId });
    const started = logLines().find((l) => l.message === 'workers started');
    expect(started).toBeDefined();
    expect(started?.trace_id).toBeUndefined();
  });

  it('OTLP headers (the collector’s credentials) go with every export and never into a log line', async () => {
    const a = await start({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=otel-key-7f3a9c,x-tenant=ops',
      LOG_LEVEL: 'debug',
    });
    await sayTo(a, 'status payments');
    await closeApp();
    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const r of receiver.requests) expect(r.headers).toMatchObject({ 'x-api-key': 'otel-key-7f3a9c' });
    expect(logLines().find((l) => l.message === 'tracing on')).toMatchObject({ url: `${receiver.url}/v1/traces` });
    expect(logs()).not.toContain('otel-key-7f3a9c');
  });

  describe('the intent LLM call', () => {
    let openai: FakeOpenAI;
    beforeEach(async () => {
      openai = await startFakeOpenAI();
    });
    afterEach(async () => {
      await openai.close();
    });

    it('is a GenAI span under intent.parse: model, provider, finish reason and token counts', async () => {
      openai.respondWith({
        toolCall: { arguments: { intent: 'status', slots: { service: 'payments' }, confidence: 0.9 } },
        usage: { prompt: 321, completion: 17 },
      });
      const a = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: 'sk-test-000000000000000000000',
        OPENAI_MODEL: 'gpt-4o-mini',
        OPENAI_TIMEOUT_MS: '5000',
      });
      await sayTo(a, 'something feels off with payments lately, can you have a look');
      expect(openai.completions()).toHaveLength(1);
      await closeApp();

      expect(receiver.requests.every((r) => r.contentType.startsWith('application/json'))).toBe(true);
      const llm = receiver.spans.find((s) => s.name === 'chat gpt-4o-mini') as ReceivedSpan;
      expect(llm.kind).toBe(SPAN_KIND.client);
      expect(llm.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.temperature': 0,
        'gen_ai.response.model': 'gpt-4o-mini',
        'gen_ai.response.finish_reasons': ['tool_calls'],
        'gen_ai.usage.input_tokens': 321,
        'gen_ai.usage.output_tokens': 17,
        'server.address': '127.0.0.1',
      });
      expect(String(llm.attributes['gen_ai.response.id'])).toMatch(/^chatcmpl-/);
      expect(llm.attributes['smartcloudops.llm.usage_estimated']).toBeUndefined();
      // Nothing the person typed goes into a span.
      expect(JSON.stringify(receiver.spans.map((s) => s.attributes))).not.toMatch(/feels off/);
      const t = traceOf(receiver.spans, llm.traceId);
      const parse = t.parentOf(llm) as ReceivedSpan;
      expect(parse.name).toBe('intent.parse');
      expect(parse.attributes).toMatchObject({ 'intent.name': 'status', 'intent.source': 'llm' });
      expect(t.parentOf(parse)?.name).toBe('chat.message');
    });

    it('a failed call is an error span naming why, and the rules answer', async () => {
      openai.respondWith({ status: 500, message: 'upstream broke' });
      const a = await start({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: 'sk-test-000000000000000000000',
        OPENAI_TIMEOUT_MS: '5000',
      });
      await sayTo(a, 'something feels off with payments lately, can you have a look');
      await closeApp();
      const llm = receiver.spans.find((s) => s.name.startsWith('chat ')) as ReceivedSpan;
      expect(llm.status.code).toBe(2);
      expect(llm.attributes['error.type']).toBe('error');
      expect(llm.status.message).toMatch(/HTTP 500/);
    });
  });

  describe('HTTP requests', () => {
    let http: FastifyInstance | undefined;
    afterEach(async () => {
      await http?.close();
      http = undefined;
    });

    it('a request is a SERVER span under the caller’s traceparent; probes and scrapes are not traced', async () => {
      const a = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      http = createHttpForApp(a);
      const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const callerSpan = '00f067aa0ba902b7';
      const asked = await http.inject({
        method: 'GET',
        url: '/api/v1/status?verbose=1',
        headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` },
      });
      expect(asked.statusCode).toBe(401);
      expect((await http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await http.inject({ method: 'GET', url: '/no/such/page' })).statusCode).toBe(404);
      await http.close();
      http = undefined;
      await closeApp();

      const served = receiver.spans.filter((s) => s.kind === SPAN_KIND.server);
      expect(served.map((s) => s.name).sort()).toEqual(['GET', 'GET /api/v1/status']);
      const status = served.find((s) => s.name === 'GET /api/v1/status') as ReceivedSpan;
      expect(status.traceId).toBe(callerTrace);
      expect(status.parentSpanId).toBe(callerSpan);
      expect(status.attributes).toEqual(
        expect.objectContaining({
          'http.request.method': 'GET',
          'http.route': '/api/v1/status',
          'url.path': '/api/v1/status',
          'http.response.status_code': 401,
        }),
      );
      expect(served.find((s) => s.name === 'GET')?.attributes['http.response.status_code']).toBe(404);
    });
  });
});
