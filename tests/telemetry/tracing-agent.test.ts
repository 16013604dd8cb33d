import { PassThrough } from 'node:stream';
import { investigateWithAgent } from '../../src/investigate/agent';
import { createLogger } from '../../src/log/logger';
import { startTracing, type Tracing } from '../../src/telemetry/tracing';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';
import { startOtlpReceiver, traceOf, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { fleetWith, llmOptions, NOW, viewer } from '../investigate/agent-setup';

// Tools score real series with the anomaly detector; jest's vm makes that several times slower.
jest.setTimeout(120_000);

/**
 * Issue 17.4: an investigation by the LLM agent is one `invoke_agent` span with the run's token
 * totals, a GenAI `chat` span per model call with that call's tokens, and a span per tool call.
 */
describe('tracing the LLM investigation agent (issue 17.4)', () => {
  let openai: FakeOpenAI;
  let receiver: OtlpReceiver;
  let tracing: Tracing;

  beforeEach(async () => {
    openai = await startFakeOpenAI();
    receiver = await startOtlpReceiver();
    const log = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });
    tracing = startTracing(
      {
        url: `${receiver.url}/v1/traces`,
        protocol: 'http/json',
        headers: {},
        serviceName: 'sco-agent-test',
        resourceAttributes: {},
        sampler: { name: 'always_on', ratio: 1 },
      },
      { log, serviceVersion: 'test', role: 'test' },
    );
  });
  afterEach(async () => {
    await tracing.shutdown();
    await receiver.close();
    await openai.close();
  });

  it('one invoke_agent span with token totals, a chat span per model call, a span per tool call', async () => {
    const f = await fleetWith([{ kind: 'bad_deploy', service: 'payments', ago: 20 }]);
    openai.respondWith((_req, i) =>
      i === 0
        ? {
            toolCall: { name: 'dependency_graph', arguments: { service: 'checkout-api' } },
            usage: { prompt: 1000, completion: 50 },
          }
        : {
            toolCall: {
              name: 'final_answer',
              arguments: {
                verdict: 'inconclusive',
                hypotheses: [
                  {
                    service: 'payments',
                    kind: 'bad_deploy',
                    confidence: 0.3,
                    evidence: [{ tool: 'dependency_graph', claim: 'checkout-api calls payments' }],
                  },
                ],
              },
            },
            usage: { prompt: 1600, completion: 90 },
          },
    );
    const q = { service: 'checkout-api' };
    const r = await investigateWithAgent(q, {
      llm: llmOptions(openai),
      tools: f.parts.tools,
      principal: viewer,
      now: NOW,
      id: 'inv-trace',
      limits: { tokensLeftToday: 1_000_000 },
      fallback: f.fallback(q),
    });
    f.close();
    expect(r.usage).toMatchObject({ promptTokens: 2600, completionTokens: 140, modelCalls: 2, toolCalls: 1 });
    await tracing.shutdown();

    const run = receiver.spans.find((s) => s.name === 'invoke_agent investigation') as ReceivedSpan;
    expect(run.parentSpanId).toBe('');
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'investigation',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 2600,
      'gen_ai.usage.output_tokens': 140,
      'smartcloudops.investigation.tool_calls': 1,
    });
    const t = traceOf(receiver.spans, run.traceId);
    /** True when `s` has `ancestor` above it in the trace. */
    const under = (s: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
      for (let p = t.parentOf(s); p; p = t.parentOf(p)) if (p === ancestor) return true;
      return false;
    };
    const calls = t.all('chat gpt-4o-mini');
    expect(
      calls.map((c) => [c.attributes['gen_ai.usage.input_tokens'], c.attributes['gen_ai.usage.output_tokens']]),
    ).toEqual([
      [1000, 50],
      [1600, 90],
    ]);
    for (const c of calls) {
      expect(under(c, run)).toBe(true);
      expect(c.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.response.model': 'gpt-4o-mini' });
    }
    const tool = t.one('execute_tool dependency_graph');
    expect(under(tool, run)).toBe(true);
    expect(tool.attributes).toMatchObject({ 'gen_ai.tool.name': 'dependency_graph' });
  });
});
