import { brainHandler } from '../../bench/investigate/brain';
import { runScenarioWithAgent } from '../../bench/investigate/llm';
import { loadScenarios } from '../../bench/investigate/run';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai';

jest.setTimeout(120_000);

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(brainHandler);
});
afterAll(async () => {
  await fake.close();
});

describe('eval:investigate --llm', () => {
  it('runs scenarios through the agent and the scripted brain: tools, answer, tokens, no fallback', async () => {
    const wanted = ['payments-bad-deploy-asked-checkout', 'quiet-payments'];
    const scenarios = loadScenarios('scenarios.yaml').filter((s) => wanted.includes(s.name));
    const outcomes = [];
    for (const s of scenarios) outcomes.push(await runScenarioWithAgent(s, fake));
    expect(outcomes.map((o) => [o.scenario.name, o.got, o.json.source, o.fallback])).toEqual([
      ['payments-bad-deploy-asked-checkout', 'payments/bad_deploy', 'llm', undefined],
      ['quiet-payments', 'inconclusive', 'llm', undefined],
    ]);
    expect(outcomes[0].right).toBe(true);
    expect(outcomes[0].json.suggested_actions).toEqual([{ command: 'rollback payments' }]);
    for (const o of outcomes) {
      expect(o.usage.toolCalls).toBeGreaterThanOrEqual(3);
      expect(o.usage.totalTokens).toBeGreaterThan(1000);
      expect(o.json.tokens).toBe(o.usage.totalTokens);
    }
  });
});
