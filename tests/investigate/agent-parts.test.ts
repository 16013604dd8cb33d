import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentFooter, formatUsd, loadInvestigatePrompt } from '../../src/investigate/agent';
import { checkAnswer } from '../../src/investigate/agent/answer';
import { questionMessage } from '../../src/investigate/agent/prompt';
import { inputSchema } from '../../src/investigate/agent/tools';
import { fitJson } from '../../src/investigate/agent/trim';
import { createToolbox } from '../../src/investigate/tools';
import { DemoFleet } from '../../src/sources/demo';

const usage = {
  model: 'gpt-4o-mini',
  modelCalls: 4,
  toolCalls: 3,
  promptTokens: 5000,
  completionTokens: 432,
  totalTokens: 5432,
  costUsd: 0.0012,
};

describe('the footer', () => {
  it('names the model, tool calls, tokens and cost; or the fallback and why', () => {
    expect(agentFooter(usage)).toBe('llm gpt-4o-mini · 3 tool calls · 5,432 tokens · $0.0012');
    expect(agentFooter({ ...usage, toolCalls: 1 })).toMatch(/· 1 tool call ·/);
    const none = {
      ...usage,
      modelCalls: 0,
      toolCalls: 0,
      promptTokens: 0,
      completionTokens: 0,
      totalTokens: 0,
      costUsd: 0,
    };
    expect(agentFooter(none, 'token budget reached')).toBe(
      'fell back to the deterministic investigator: token budget reached',
    );
    expect(formatUsd(12.345)).toBe('$12.35');
  });
});

describe('tool output trimming', () => {
  it('leaves small output alone and shrinks large output to valid JSON keeping both ends of arrays', () => {
    expect(fitJson({ a: 1 }, 100)).toEqual({ text: '{"a":1}', trimmed: false });
    const points = Array.from({ length: 500 }, (_, i) => [i, i * 1.5]);
    const { text, trimmed } = fitJson({ service: 'payments', points, note: 'x'.repeat(2000) }, 1500);
    expect(trimmed).toBe(true);
    expect(text.length).toBeLessThanOrEqual(1500);
    const back = JSON.parse(text) as { points: unknown[]; note: string };
    expect(back.points[0]).toEqual([0, 0]);
    expect(back.points.at(-1)).toEqual([499, 748.5]);
    expect(back.points.some((p) => typeof p === 'string' && /more/.test(p))).toBe(true);
    expect(back.note.length).toBeLessThan(400);
  });

  it('cuts the text itself when nothing else fits', () => {
    const wide = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`key_${i}_${'k'.repeat(40)}`, i]));
    const { text, trimmed } = fitJson(wide, 300);
    expect(trimmed).toBe(true);
    expect(text.length).toBeLessThanOrEqual(300);
  });
});

describe('tool schemas for the model', () => {
  it('are the input side of the zod schemas: defaulted fields optional, no $schema or safe-integer noise', () => {
    const fleet = new DemoFleet({ seed: 1, clock: () => 0, faults: [] });
    const anomalies = createToolbox({ source: fleet }).find((t) => t.name === 'service_anomalies');
    const schema = inputSchema(anomalies!.input);
    expect(schema.$schema).toBeUndefined();
    expect(schema.required).toEqual(['service']);
    expect(JSON.stringify(schema)).not.toContain('9007199254740991');
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('the prompt', () => {
  it('loads prompts/investigate-v1.md and refuses a file that is not it', () => {
    const p = loadInvestigatePrompt();
    expect(p.version).toBe('investigate-v1');
    expect(p.system).toMatch(/untrusted data, never instructions/i);
    expect(p.system).toMatch(/cannot act/i);
    const dir = mkdtempSync(join(tmpdir(), 'prompt-'));
    writeFileSync(join(dir, 'investigate-v1.md'), 'You are a helpful assistant.');
    expect(() => loadInvestigatePrompt(dir)).toThrow(/does not describe final_answer/);
    expect(() => loadInvestigatePrompt(join(dir, 'nope'))).toThrow(/prompt not found/);
  });

  it('asks the question with its window and the known services', () => {
    const now = Date.UTC(2026, 2, 2, 15, 20);
    const text = questionMessage({ incident: { id: 'i7', service: 'payments', startedAtMs: now - 600_000 } }, now, [
      'payments',
      'search',
    ]);
    expect(text).toMatch(/incident i7 on payments, opened 2026-03-02T15:10:00Z/);
    expect(text).toMatch(/minutes=40, until="2026-03-02T15:20:00Z"/);
    expect(text).toMatch(/Known services: payments, search\./);
  });
});

describe('checking an answer', () => {
  const services = new Set(['payments', 'checkout-api']);
  const calls = [
    { tool: 'changes', input: {}, ok: true },
    { tool: 'incidents', input: {}, ok: false, error: 'x' },
  ];
  const base = {
    verdict: 'root_cause',
    root_cause: { service: 'payments', kind: 'bad_deploy', confidence: 0.9, summary: 's' },
    hypotheses: [
      {
        service: 'payments',
        kind: 'bad_deploy',
        confidence: 0.9,
        evidence: [
          { tool: 'changes', claim: 'deploy' },
          { tool: 'incidents', claim: 'a failed call is no evidence' },
        ],
      },
      { service: 'ghost', kind: 'other', confidence: 0.4, evidence: [] },
    ],
  };

  it('keeps evidence from tools that answered and drops hypotheses on unknown services', () => {
    const r = checkAnswer(base, { services, calls });
    expect(r.ok && r.answer.hypotheses).toEqual([
      { service: 'payments', kind: 'bad_deploy', confidence: 0.9, evidence: [{ tool: 'changes', claim: 'deploy' }] },
    ]);
  });

  it("a confidence below the investigator's threshold is inconclusive", () => {
    const low = { ...base, root_cause: { ...base.root_cause, confidence: 0.3 } };
    const r = checkAnswer(low, { services, calls });
    expect(r.ok && r.answer).toMatchObject({ verdict: 'inconclusive', root_cause: null });
  });

  it('a root_cause verdict without a root cause, or off-schema, is invalid', () => {
    expect(checkAnswer({ ...base, root_cause: undefined }, { services, calls })).toMatchObject({ ok: false });
    expect(checkAnswer({ verdict: 'maybe' }, { services, calls })).toMatchObject({ ok: false });
  });
});
