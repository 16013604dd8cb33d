import type { InvestigateJobResult } from '../../src/jobs/map';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink } from '../helpers/app';
import { demoFault } from '../helpers/faults';
import { startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../helpers/fake-openai';
import { httpApp, type HttpApp } from '../remediation/people-app';
import { finalAnswer } from './agent-setup';

jest.setTimeout(120_000);

/**
 * Issue 16 point 5 wired: with OPENAI_BASE_URL set, the control plane's investigations go through
 * the LLM agent (the real LangChain / OpenAI SDKs against a scripted local OpenAI-compatible
 * server): its tool calls show as steps, its tokens and cost in the footer, the day's tokens are
 * capped across investigations, and a dead server falls back to the deterministic answer, saying so.
 */
/** A model that looks at payments' changes and anomalies, then names the bad deploy. */
function scripted(i: number): FakeReply {
  if (i % 3 === 0)
    return {
      toolCalls: [
        { name: 'changes', arguments: { service: 'payments', minutes: 120 } },
        { name: 'service_anomalies', arguments: { service: 'payments', minutes: 120 } },
      ],
      usage: { prompt: 1500, completion: 60 },
    };
  if (i % 3 === 1)
    return {
      toolCall: finalAnswer(
        { service: 'payments', kind: 'bad_deploy', confidence: 0.85, summary: 'A deploy broke payments.' },
        [
          ['changes', 'payments got a new version 40 minutes ago'],
          ['service_anomalies', 'payments latency and errors rose right after'],
        ],
      ),
      usage: { prompt: 3000, completion: 150 },
    };
  return { content: 'unused', usage: { prompt: 1, completion: 1 } };
}

describe('issue 16.5: investigations through the LLM agent on the control plane', () => {
  let fake: FakeOpenAI;
  let h: HttpApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await h.close();
  });

  const start = async (env: Record<string, string> = {}) => {
    h = await httpApp({
      DEMO_FAULTS: demoFault('bad_deploy', 'payments', '-40m'),
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: 'sk-test-investigations',
      ...env,
    });
    await h.app.startWorkers();
  };
  const ask = async (text: string) => {
    const sink = recordingSink();
    const handled = await h.app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', thread: `t${Math.random()}`, text },
      sink,
    );
    await handled.done;
    const job = (await h.app.queue.list({ limit: 20 })).find(
      (j) => j.name === 'investigate' && j.state === 'completed',
    );
    return { text: renderText(lastVersion(sink.messages[0])), job };
  };

  it("the agent's tool calls are steps; its answer, tokens and cost are in the reply and the record", async () => {
    const seen = fake.completions().length;
    fake.respondWith((_req, i) => scripted(i - seen));
    await start();
    const { text } = await ask('investigate checkout-api');
    expect(text).toContain('✓ changes payments');
    expect(text).toContain('✓ service_anomalies payments');
    expect(text).toMatch(/Root cause: bad deploy on payments \(confidence 0\.85\)/);
    expect(text).toMatch(/llm gpt-4o-mini · 2 tool calls · 4,710 tokens · \$0\.00/);
    const kept = (await h.app.queue.list({ limit: 20 })).find((j) => j.name === 'investigate');
    const inv = h.app.investigations.get(kept!.id);
    expect(inv?.result).toMatchObject({
      source: 'llm',
      tokens: 4710,
      suggested_actions: [{ command: 'rollback payments' }],
    });
    // The API key went to the server, never into the reply.
    expect(fake.completions().at(-1)?.headers.authorization).toBe('Bearer sk-test-investigations');
    expect(text).not.toContain('sk-test');
    const counted = await h.app.metrics.registry.getSingleMetric('smartcloudops_investigations_total')?.get();
    expect(counted?.values).toEqual([expect.objectContaining({ labels: { source: 'llm', verdict: 'root_cause' } })]);
  });

  it('the day cap spans investigations: once it is spent the model is not called and the answer says so', async () => {
    const seen = fake.completions().length;
    fake.respondWith((_req, i) => scripted(i - seen));
    await start({ INVESTIGATION_TOKENS_PER_DAY: '4710' }); // exactly what the first one spends
    const first = await ask('investigate checkout-api');
    expect(first.text).toMatch(/llm gpt-4o-mini/);
    const calls = fake.completions().length;
    const second = await ask('investigate checkout-api');
    expect(fake.completions().length).toBe(calls);
    expect(second.text).toMatch(/fell back to the deterministic investigator/);
    expect(second.text).toMatch(/Root cause: bad deploy on payments/);
    expect((second.job?.result as InvestigateJobResult | undefined)?.investigation.source).toBe('rules');
  });

  it('a server error falls back to the deterministic answer, and the reply says so', async () => {
    fake.respondWith({ status: 500, message: 'upstream exploded' });
    await start();
    const { text } = await ask('why is checkout-api slow?');
    expect(text).toMatch(/Root cause: bad deploy on payments/);
    expect(text).toMatch(/fell back to the deterministic investigator/);
    expect(text).not.toContain('sk-test');
  });
});
