import { agentFooter, investigateWithAgent, type AgentStep } from '../../src/investigate/agent';
import { TOOL_NAMES } from '../../src/investigate/tools';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';
import {
  finalAnswer,
  fleetWith,
  llmOptions,
  NOW,
  toolNamesOffered,
  toolResults,
  viewer,
  messagesOf,
  textOf,
} from './agent-setup';

// Tools score real series with the anomaly detector; jest's vm makes that several times slower.
jest.setTimeout(120_000);

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI();
});
afterEach(async () => {
  await fake.close();
});

describe('the LLM investigation agent against a scripted OpenAI-compatible server', () => {
  it('runs the tools the model asks for, keeps cited evidence, counts tokens and cost', async () => {
    const f = await fleetWith([{ kind: 'bad_deploy', service: 'payments', ago: 20 }]);
    fake.respondWith((_req, i) => {
      if (i === 0)
        return {
          toolCall: { name: 'dependency_graph', arguments: { service: 'checkout-api' } },
          usage: { prompt: 1000, completion: 50 },
        };
      if (i === 1)
        return {
          toolCalls: [
            { name: 'service_anomalies', arguments: { service: 'payments', minutes: 60 } },
            { name: 'changes', arguments: { service: 'payments', minutes: 60 } },
          ],
          usage: { prompt: 1500, completion: 80 },
        };
      return {
        toolCall: finalAnswer(
          { service: 'payments', kind: 'bad_deploy', confidence: 0.9, summary: 'A deploy broke payments.' },
          [
            ['changes', 'payments was deployed 20 minutes ago'],
            ['service_anomalies', 'payments p99 latency rose right after'],
            ['incidents', 'an incident says so'],
          ],
        ),
        usage: { prompt: 2600, completion: 200 },
      };
    });
    const steps: AgentStep[] = [];
    const q = { service: 'checkout-api' };
    const r = await investigateWithAgent(q, {
      llm: llmOptions(fake),
      tools: f.parts.tools,
      principal: viewer,
      now: NOW,
      id: 'inv-1',
      limits: { tokensLeftToday: 1_000_000 },
      fallback: f.fallback(q),
      onStep: (s) => steps.push(s),
    });
    expect(r.fallback).toBeUndefined();
    expect(f.fallbacks()).toBe(0);
    expect(r.json).toMatchObject({
      id: 'inv-1',
      status: 'done',
      source: 'llm',
      verdict: 'root_cause',
      root_cause: { service: 'payments', kind: 'bad_deploy', confidence: 0.9 },
      suggested_actions: [{ command: 'rollback payments' }],
      tokens: 5430,
    });
    // Evidence from tools that ran is kept; the claim citing `incidents` (never called) is dropped.
    expect(r.json.hypotheses[0].evidence.map((e) => e.tool)).toEqual(['changes', 'service_anomalies']);
    expect(r.usage).toMatchObject({
      promptTokens: 5100,
      completionTokens: 330,
      totalTokens: 5430,
      toolCalls: 3,
      modelCalls: 3,
    });
    expect(r.usage.costUsd).toBeCloseTo((5100 * 0.15 + 330 * 0.6) / 1e6, 10);
    expect(agentFooter(r.usage)).toBe('llm gpt-4o-mini · 3 tool calls · 5,430 tokens · $0.0010');
    // The two asked together run in parallel: either may finish first.
    expect(steps.map((s) => s.tool).sort()).toEqual(['changes', 'dependency_graph', 'service_anomalies']);
    expect(steps[0].tool).toBe('dependency_graph');
    expect(steps.every((s) => s.error === undefined && typeof s.summary === 'string')).toBe(true);

    // The tools really ran: their results came back to the model in the next requests.
    const requests = fake.completions();
    expect(requests).toHaveLength(3);
    const [graph] = toolResults(requests[1]);
    expect(graph.name).toBe('dependency_graph');
    expect(graph.body.data).toMatchObject({ service: 'checkout-api', callees: expect.arrayContaining(['payments']) });
    const later = toolResults(requests[2]);
    expect(later.map((t) => t.name)).toEqual(['dependency_graph', 'service_anomalies', 'changes']);
    expect(JSON.stringify(later[2].body.data)).toMatch(/deploy/);
    for (const t of later) expect(t.raw.length).toBeLessThanOrEqual(4000);
    // Read-only tools only, plus the answer.
    expect(toolNamesOffered(requests[0]).sort()).toEqual(
      [...TOOL_NAMES.filter((n) => n !== 'prometheus_query' && n !== 'runbook_search'), 'final_answer'].sort(),
    );
    const system = messagesOf(requests[0]).find((m) => m.role === 'system');
    expect(typeof system?.content).toBe('string');
    expect(system?.content).toMatch(/^# investigate-v1/);
    const user = messagesOf(requests[0]).find((m) => m.role === 'user');
    expect(textOf(user?.content)).toMatch(/the service checkout-api/);
    expect(requests[0].headers.authorization).toBe('Bearer sk-test-agent-key');
  });

  it('a traffic surge: the scale-out is the rule, sized from the signals read; runbooks from the search', async () => {
    const f = await fleetWith([{ kind: 'traffic_surge', service: 'search', ago: 30 }], { runbooks: true });
    fake.respondWith((_req, i) => {
      if (i === 0)
        return {
          toolCalls: [
            { name: 'service_signals', arguments: { service: 'search', minutes: 90 } },
            { name: 'runbook_search', arguments: { query: 'traffic surge' } },
          ],
        };
      return {
        toolCall: finalAnswer(
          { service: 'search', kind: 'traffic_surge', confidence: 0.8, summary: 'Search gets 3x traffic.' },
          [['service_signals', 'search request rate tripled']],
        ),
      };
    });
    const q = { service: 'search' };
    try {
      const r = await investigateWithAgent(q, {
        llm: llmOptions(fake),
        tools: f.parts.tools,
        principal: viewer,
        now: NOW,
        id: 'inv-surge',
        limits: { tokensLeftToday: 100_000 },
        fallback: f.fallback(q),
        ...(f.parts.replicasOf ? { replicasOf: f.parts.replicasOf } : {}),
      });
      const replicas = f.fleet.state('search').replicas;
      const [action] = r.json.suggested_actions;
      const target = Number(/^scale search (\d+)$/.exec(action?.command ?? '')?.[1]);
      // A tripled request rate wants about three times the replicas (at least one more).
      expect(target).toBeGreaterThanOrEqual(Math.max(replicas + 1, 2 * replicas));
      expect(r.json.runbooks.map((b) => b.name)).toContain('traffic-surge');
      expect(r.json.runbooks.length).toBeLessThanOrEqual(3);
      expect(r.summary).toMatch(/a traffic surge on search/);
      expect(r.summary).toMatch(/Worth trying \(needs the usual approval\): scale search/);
      // The signals came back trimmed to the cap, still JSON, and said so.
      const signals = toolResults(fake.completions()[1]).find((t) => t.name === 'service_signals');
      expect(signals?.raw.length).toBeLessThanOrEqual(4000);
      expect(signals?.body.trimmed).toMatch(/cut to fit 4000/);
    } finally {
      f.close();
    }
  });
});
