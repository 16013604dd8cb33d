/**
 * `eval:investigate --llm`: the same scenarios through the LLM agent (src/investigate/agent/), its real
 * LangChain and OpenAI client pointed at the local fake OpenAI server answered by the scripted brain
 * (brain.ts). It proves the plumbing (tool calls and results, the answer's checks, tokens, fallbacks);
 * the brain is a fixed policy, not a model, so the accuracy is the brain's, not an LLM's.
 */
import { join } from 'node:path';
import { DemoChangeSource } from '../../src/changes/demo';
import { guestPrincipal } from '../../src/auth/principal';
import { investigateWithAgent, type AgentResult } from '../../src/investigate/agent';
import { createToolbox } from '../../src/investigate/tools';
import type { FakeOpenAI } from '../../tests/helpers/fake-openai';
import { projectRoot } from '../nab/paths';
import { deterministicFor, fleetFor, score, type Outcome, type Scenario } from './run';

export interface AgentOutcome extends Outcome {
  usage: AgentResult['usage'];
  fallback?: string;
}

const principal = guestPrincipal('bench:eval', 'eval', 'viewer');

export async function runScenarioWithAgent(s: Scenario, fake: FakeOpenAI): Promise<AgentOutcome> {
  const { fleet, now } = fleetFor(s);
  const tools = createToolbox({ source: fleet, changes: new DemoChangeSource(fleet) });
  const started = performance.now();
  const r = await investigateWithAgent(s.ask ? { service: s.ask } : {}, {
    llm: { apiKey: 'sk-eval-fake', baseUrl: fake.url, model: 'scripted-brain' },
    tools,
    principal,
    now,
    id: s.name,
    limits: { tokensLeftToday: Number.MAX_SAFE_INTEGER },
    fallback: () => deterministicFor(s, fleet, now),
    replicasOf: (service) => fleet.state(service).replicas,
    // Compiled to .bench/, the default (two folders up from src/intent/) would miss the repository's prompts/.
    promptDir: join(projectRoot(__dirname), 'prompts'),
  });
  return {
    ...score(s, r.json, r.summary, performance.now() - started),
    usage: r.usage,
    ...(r.fallback !== undefined ? { fallback: r.fallback } : {}),
  };
}
