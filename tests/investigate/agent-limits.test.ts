import { disabledPrincipal } from '../../src/auth/principal';
import { AppError } from '../../src/errors';
import { agentFooter, investigateWithAgent, type AgentOptions } from '../../src/investigate/agent';
import { closedPort, startFakeOpenAI, type FakeOpenAI, type FakeReply } from '../helpers/fake-openai';
import { fleetWith, llmOptions, NOW, toolResults, viewer, type Fleet } from './agent-setup';

jest.setTimeout(120_000);

const question = { service: 'payments' };
let fake: FakeOpenAI;
let f: Fleet;
beforeAll(async () => {
  f = await fleetWith([{ kind: 'bad_deploy', service: 'payments', ago: 20 }]);
});
beforeEach(async () => {
  fake = await startFakeOpenAI();
});
afterEach(async () => {
  await fake.close();
});

function options(limits: Partial<AgentOptions['limits']> = {}, more: Partial<AgentOptions> = {}): AgentOptions {
  return {
    llm: llmOptions(fake),
    tools: f.parts.tools,
    principal: viewer,
    now: NOW,
    id: 'inv-limits',
    limits: { tokensLeftToday: 1_000_000, ...limits },
    fallback: f.fallback(question),
    ...more,
  };
}

const graphCall = (usage = { prompt: 500, completion: 20 }): FakeReply => ({
  toolCall: { name: 'dependency_graph', arguments: { service: 'payments' } },
  usage,
});

const finalAnswer = (root: { service: string; kind: string }, evidenceTool = 'dependency_graph'): FakeReply => ({
  toolCall: {
    name: 'final_answer',
    arguments: {
      verdict: 'root_cause',
      root_cause: { ...root, confidence: 0.8, summary: 'x' },
      hypotheses: [{ ...root, confidence: 0.8, evidence: [{ tool: evidenceTool, claim: 'seen' }] }],
    },
  },
});

describe('token budget', () => {
  it('stops when the per-investigation cap is passed mid-run and falls back, saying why', async () => {
    fake.respondWith(graphCall({ prompt: 2500, completion: 600 }));
    const r = await investigateWithAgent(question, options({ maxTokensPerInvestigation: 3000 }));
    expect(fake.completions()).toHaveLength(1);
    expect(r.fallbackReason).toBe('budget');
    expect(r.fallback).toBe('token budget reached: 3,100 tokens used, 3,000 allowed per investigation');
    expect(r.json).toMatchObject({ source: 'rules', tokens: 3100, verdict: 'root_cause' });
    expect(r.json.root_cause).toMatchObject({ service: 'payments', kind: 'bad_deploy' });
    expect(f.fallbacks()).toBeGreaterThan(0);
    expect(agentFooter(r.usage, r.fallback)).toBe(
      'fell back to the deterministic investigator: token budget reached: 3,100 tokens used, 3,000 allowed per ' +
        'investigation (llm gpt-4o-mini · 0 tool calls · 3,100 tokens · $0.0007)',
    );
  });

  it('does not start a call the budget cannot pay for: the next prompt is at least the last call', async () => {
    fake.respondWith(graphCall({ prompt: 1900, completion: 100 }));
    const r = await investigateWithAgent(question, options({ maxTokensPerInvestigation: 5000 }));
    // 2,000 after the first call, 4,000 after the second; a third would pass 5,000.
    expect(fake.completions()).toHaveLength(2);
    expect(r).toMatchObject({ fallbackReason: 'budget', usage: { totalTokens: 4000, toolCalls: 2 } });
  });

  it("with the day's budget used up it never calls the model", async () => {
    fake.respondWith(graphCall());
    const r = await investigateWithAgent(question, options({ tokensLeftToday: 0 }));
    expect(fake.requests).toHaveLength(0);
    expect(r.json).toMatchObject({ source: 'rules', tokens: 0 });
    expect(agentFooter(r.usage, r.fallback)).toBe(
      "fell back to the deterministic investigator: the day's LLM token budget is used up",
    );
  });

  it("the day's remaining budget caps the run when it is less than the per-investigation cap", async () => {
    fake.respondWith(graphCall({ prompt: 900, completion: 200 }));
    const r = await investigateWithAgent(question, options({ tokensLeftToday: 1000 }));
    expect(r.fallback).toBe("token budget reached: the day's LLM budget had 1,000 tokens left, 1,100 used");
  });
});

describe('errors, time and steps', () => {
  it('an HTTP 500 falls back at once (no retries), naming the failure', async () => {
    fake.respondWith({ status: 500, message: 'upstream model crashed' });
    const r = await investigateWithAgent(question, options());
    expect(fake.completions()).toHaveLength(1);
    expect(r.fallbackReason).toBe('error');
    expect(r.fallback).toBe('the LLM server failed: HTTP 500: upstream model crashed');
    expect(r.json.source).toBe('rules');
  });

  it('an unreachable server, or one that echoes the key back: an error fallback that never shows the key', async () => {
    const port = await closedPort();
    const down = await investigateWithAgent(
      question,
      options({}, { llm: { apiKey: 'sk-test-agent-key', baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' } }),
    );
    expect(down).toMatchObject({ fallbackReason: 'error', json: { source: 'rules' } });
    expect(down.fallback).toMatch(/^the LLM server failed: /);
    fake.respondWith({ status: 401, message: 'Incorrect API key provided: sk-test-agent-key.' });
    const refused = await investigateWithAgent(question, options());
    expect(refused.fallback).toMatch(/^the LLM server failed: HTTP 401: Incorrect API key provided: /);
    expect(refused.fallback).not.toContain('sk-test-agent-key');
  });

  it('a server that never answers: the time budget ends the run and it falls back', async () => {
    fake.respondWith({ hang: 'headers' });
    const r = await investigateWithAgent(question, options({ timeBudgetMs: 1500 }));
    expect(r).toMatchObject({ fallbackReason: 'timeout', fallback: 'no answer within 1.5 s' });
    expect(r.json.source).toBe('rules');
  });

  it('a model that keeps calling tools is told to answer at the limit, then stopped', async () => {
    fake.respondWith(graphCall());
    const r = await investigateWithAgent(question, options({ maxSteps: 3 }));
    const requests = fake.completions();
    // Three tool calls run; the fourth model call still wants tools: stop.
    expect(requests).toHaveLength(4);
    expect(r.usage.toolCalls).toBe(3);
    expect(toolResults(requests[3]).at(-1)?.body.last_call).toMatch(/last tool call/);
    expect(r).toMatchObject({ fallbackReason: 'steps', json: { source: 'rules' } });
    expect(r.fallback).toMatch(/^step limit reached: 3 tool calls/);
  });

  it('a model that answers once told it is at the limit keeps its answer', async () => {
    fake.respondWith((_req, i) => (i < 2 ? graphCall() : finalAnswer({ service: 'payments', kind: 'bad_deploy' })));
    const r = await investigateWithAgent(question, options({ maxSteps: 2 }));
    expect(r.fallback).toBeUndefined();
    expect(r.json).toMatchObject({ source: 'llm', root_cause: { service: 'payments' } });
  });

  it('a call past the limit in the same turn is refused, not run', async () => {
    fake.respondWith((_req, i) =>
      i === 0
        ? { toolCalls: [0, 1, 2].map(() => ({ name: 'dependency_graph', arguments: { service: 'payments' } })) }
        : finalAnswer({ service: 'payments', kind: 'bad_deploy' }),
    );
    const r = await investigateWithAgent(question, options({ maxSteps: 2 }));
    const results = toolResults(fake.completions()[1]);
    expect(results.filter((t) => typeof t.body.error === 'string' && /Step limit/.test(t.body.error))).toHaveLength(1);
    expect(r.usage.toolCalls).toBe(2);
  });

  it('a cancelled investigation throws job_cancelled and does not fall back', async () => {
    fake.respondWith({ hang: 'headers' });
    const controller = new AbortController();
    const before = f.fallbacks();
    const run = investigateWithAgent(question, options({}, { signal: controller.signal }));
    setImmediate(() => controller.abort());
    const err: unknown = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'job_cancelled' });
    expect(f.fallbacks()).toBe(before);
  });
});

describe('the answer is checked against the run', () => {
  it('an unknown service is an invalid answer: fallback', async () => {
    fake.respondWith((_req, i) =>
      i === 0 ? graphCall() : finalAnswer({ service: 'payment-svc', kind: 'bad_deploy' }),
    );
    const r = await investigateWithAgent(question, options());
    expect(r).toMatchObject({ fallbackReason: 'invalid', json: { source: 'rules' } });
    expect(r.fallback).toBe('invalid answer: the answer named an unknown service “payment-svc”');
  });

  it('an unknown kind gets one correction; a second miss falls back', async () => {
    fake.respondWith((_req, i) =>
      i === 0 ? graphCall() : finalAnswer({ service: 'payments', kind: 'network_partition' }),
    );
    const r = await investigateWithAgent(question, options());
    const requests = fake.completions();
    expect(requests).toHaveLength(3);
    expect(toolResults(requests[2]).at(-1)?.raw).toMatch(/did not match its schema/);
    expect(r.fallbackReason).toBe('invalid');
  });

  it('a corrected kind is accepted', async () => {
    fake.respondWith((_req, i) =>
      i === 0 ? graphCall() : finalAnswer({ service: 'payments', kind: i === 1 ? 'network_partition' : 'bad_deploy' }),
    );
    const r = await investigateWithAgent(question, options());
    expect(r.json).toMatchObject({ source: 'llm', root_cause: { kind: 'bad_deploy' } });
  });

  it('a root cause resting only on tools that were not called is inconclusive, with nothing to try', async () => {
    fake.respondWith((_req, i) =>
      i === 0 ? graphCall() : finalAnswer({ service: 'payments', kind: 'bad_deploy' }, 'changes'),
    );
    const r = await investigateWithAgent(question, options());
    expect(r.fallback).toBeUndefined();
    expect(r.json).toMatchObject({ source: 'llm', verdict: 'inconclusive', root_cause: null, suggested_actions: [] });
    expect(r.summary).toMatch(/^Inconclusive for payments/);
  });

  it('RBAC applies to every tool call: a principal without read gets the refusal as the tool result', async () => {
    const nobody = disabledPrincipal({
      id: 'u9',
      email: 'gone@example.com',
      name: 'gone',
      role: 'viewer',
    } as Parameters<typeof disabledPrincipal>[0]);
    fake.respondWith((_req, i) => (i === 0 ? graphCall() : finalAnswer({ service: 'payments', kind: 'bad_deploy' })));
    const r = await investigateWithAgent(
      question,
      options({}, { principal: nobody, services: ['payments', 'checkout-api'] }),
    );
    const [refusal] = toolResults(fake.completions()[1]);
    expect(String(refusal.body.error)).toMatch(/needs the “read” permission/);
    // No tool answered, so the root cause has no evidence behind it.
    expect(r.json).toMatchObject({ source: 'llm', verdict: 'inconclusive' });
  });
});

describe('options', () => {
  it('fails early, saying what to set, without a key or base URL, or with a bad limit', async () => {
    await expect(investigateWithAgent(question, options({}, { llm: { model: 'gpt-4o-mini' } }))).rejects.toThrow(
      /OPENAI_API_KEY, or OPENAI_BASE_URL/,
    );
    await expect(investigateWithAgent(question, options({ maxSteps: 0 }))).rejects.toThrow(/limits.maxSteps/);
  });

  it('the tools failing before the model is asked is an error fallback that names them, not the LLM', async () => {
    const nobody = disabledPrincipal({
      id: 'u9',
      email: 'gone@example.com',
      name: 'gone',
      role: 'viewer',
    } as Parameters<typeof disabledPrincipal>[0]);
    fake.respondWith(graphCall());
    const r = await investigateWithAgent(question, options({}, { principal: nobody }));
    expect(fake.completions()).toHaveLength(0);
    expect(r.fallback).toMatch(/^the investigation tools failed: The dependency_graph tool needs/);
  });
});
