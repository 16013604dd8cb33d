import { formatUsd } from '../src/investigate/agent';
import { startFakeOpenAI, type FakeOpenAI } from '../tests/helpers/fake-openai';
import { brainHandler } from './investigate/brain';
import { runScenarioWithAgent, type AgentOutcome } from './investigate/llm';
import { figures, loadScenarios, runScenario, type Outcome } from './investigate/run';

/**
 * `npm run eval:investigate`: the deterministic investigator on the scenarios in bench/investigate/
 * (scenarios.yaml, developed on; holdout.yaml, held out), each on a demo fleet playing its faults at a
 * fixed clock. Prints the figures and a table per scenario. `--only NAME` runs the scenarios whose name
 * contains NAME; `--dev-only` skips the held-out set; `--verbose` prints each summary.
 * `--llm` runs them through the LLM agent instead, against a local fake OpenAI server answered by a
 * scripted policy (bench/investigate/brain.ts): a proof of the plumbing, with tokens and fallbacks.
 */
async function main(): Promise<void> {
  const verbose = process.argv.includes('--verbose');
  const llm = process.argv.includes('--llm');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const fake: FakeOpenAI | undefined = llm ? await startFakeOpenAI() : undefined;
  fake?.respondWith(brainHandler);
  try {
    for (const [label, file] of [
      ['developed on', 'scenarios.yaml'],
      ['held out', 'holdout.yaml'],
    ] as const) {
      const scenarios = loadScenarios(file).filter((s) => only === undefined || s.name.includes(only));
      if (scenarios.length === 0 || (file === 'holdout.yaml' && process.argv.includes('--dev-only'))) continue;
      const outcomes: Outcome[] = [];
      for (const s of scenarios) {
        const o = fake ? await runScenarioWithAgent(s, fake) : await runScenario(s);
        outcomes.push(o);
        printRow(o);
        if (verbose || (!o.right && process.argv.includes('--misses'))) process.stdout.write(`${o.summary}\n\n`);
      }
      const f = figures(outcomes);
      process.stdout.write(
        `\n${label} (${file}, ${f.total} scenarios${fake ? ', LLM agent with the scripted brain' : ''}): ` +
          `top-1 accuracy ${f.top1.toFixed(3)}, ` +
          `accuracy when answered ${f.accuracyWhenAnswered.toFixed(3)} (${f.answered} answered), ` +
          `inconclusive rate ${f.inconclusiveRate.toFixed(3)}, wrong answers on a quiet fleet ${f.quietWrong}, ` +
          `time per investigation p50 ${Math.round(f.p50Ms)} ms, p95 ${Math.round(f.p95Ms)} ms\n`,
      );
      if (fake) process.stdout.write(agentTotals(outcomes as AgentOutcome[]));
      process.stdout.write('\n');
    }
  } finally {
    await fake?.close();
  }
}

function printRow(o: Outcome): void {
  const s = o.scenario;
  const mark = o.right ? 'ok  ' : 'MISS';
  const expected = Array.isArray(s.expect) ? s.expect.join(' | ') : s.expect;
  const conf = o.json.root_cause ? o.json.root_cause.confidence.toFixed(2) : '';
  const missing = o.missingEvidence.length ? ` (evidence missing: ${o.missingEvidence.join(', ')})` : '';
  const agent = 'usage' in o ? (o as AgentOutcome) : undefined;
  const extra = agent
    ? ` ${o.json.source.padEnd(5)} ${String(agent.usage.toolCalls).padStart(2)} tools ` +
      `${agent.usage.totalTokens.toString().padStart(6)} tok${agent.fallback ? ` FALLBACK: ${agent.fallback}` : ''}`
    : '';
  process.stdout.write(
    `${mark} ${s.name.padEnd(50)} ${expected.padEnd(32)} ${o.got.padEnd(30)} ${conf.padStart(4)} ` +
      `${Math.round(o.ms).toString().padStart(6)} ms${extra}${missing}\n`,
  );
}

function agentTotals(outcomes: AgentOutcome[]): string {
  const n = outcomes.length;
  const tokens = outcomes.reduce((a, o) => a + o.usage.totalTokens, 0);
  const cost = outcomes.reduce((a, o) => a + o.usage.costUsd, 0);
  const calls = outcomes.reduce((a, o) => a + o.usage.toolCalls, 0);
  const fallbacks = outcomes.filter((o) => o.fallback !== undefined);
  const reasons = [...new Set(fallbacks.map((o) => o.fallback))].join('; ');
  return (
    `agent: answered by the agent ${n - fallbacks.length}/${n}, fell back ${fallbacks.length}` +
    `${reasons ? ` (${reasons})` : ''}; tool calls ${(calls / n).toFixed(1)} per investigation; ` +
    `tokens ${Math.round(tokens / n)} per investigation (estimated at 4 characters a token), ` +
    `${tokens} in all, ${formatUsd(cost)} at gpt-4o-mini prices\n`
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
