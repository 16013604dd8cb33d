/**
 * What the agent tests share: a demo fleet playing DEMO_FAULTS-style faults at a fixed clock, the
 * real toolbox over it (buildInvestigationParts with a real SQLite store for incidents), the real
 * deterministic investigator as the fallback, and helpers to read what the fake OpenAI server saw.
 */
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildInvestigationParts, type InvestigationParts } from '../../src/app/toolbox';
import { guestPrincipal } from '../../src/auth/principal';
import { testConfig } from '../../src/config/config';
import { IncidentStore } from '../../src/incidents/store';
import type { AgentOptions } from '../../src/investigate/agent';
import { investigateDeterministic } from '../../src/investigate/deterministic/investigate';
import type { InvestigationQuestion } from '../../src/investigate/deterministic/observations';
import { createLogger } from '../../src/log/logger';
import { createRunbookIndex } from '../../src/runbooks/runbook-index';
import { DemoFleet, type DemoFaultSpec } from '../../src/sources/demo';
import { openStore, type Store } from '../../src/store/store';
import type { FakeOpenAI, RecordedRequest } from '../helpers/fake-openai';

export const MINUTE = 60_000;
export const NOW = Date.UTC(2026, 2, 2, 15, 20);

export interface Fleet {
  fleet: DemoFleet;
  store: Store;
  parts: InvestigationParts;
  incidents: IncidentStore;
  /** The deterministic investigator for this fleet (what the agent falls back to), and how often it ran. */
  fallback: (q: InvestigationQuestion) => AgentOptions['fallback'];
  fallbacks: () => number;
  close(): void;
}

export async function fleetWith(
  faults: Array<{ kind: DemoFaultSpec['kind']; service: string; ago: number }>,
  options: { runbooks?: boolean } = {},
) {
  const fleet = new DemoFleet({
    seed: 5,
    clock: () => NOW,
    faults: faults.map((f) => ({ kind: f.kind, service: f.service, start: { afterStartMs: -f.ago * MINUTE } })),
  });
  const store = openStore(':memory:');
  const log = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });
  const runbooks = options.runbooks
    ? await createRunbookIndex({ dir: join(__dirname, '..', '..', 'runbooks'), log, watch: false })
    : undefined;
  const parts = await buildInvestigationParts(testConfig(), {
    source: fleet,
    store,
    log,
    ...(runbooks ? { runbooks } : {}),
  });
  let ran = 0;
  const fallback = (q: InvestigationQuestion) => async () => {
    ran += 1;
    return investigateDeterministic(q, {
      metrics: fleet,
      changes: parts.changes,
      now: NOW,
      ...(parts.replicasOf ? { replicasOf: parts.replicasOf } : {}),
      detect: { learned: false },
      id: 'inv-fallback',
    });
  };
  const close = () => {
    runbooks?.close();
    store.close();
  };
  return {
    fleet,
    store,
    parts,
    incidents: new IncidentStore(store.db),
    fallback,
    fallbacks: () => ran,
    close,
  } as Fleet;
}

export const viewer = guestPrincipal('console:alice', 'alice', 'viewer');

interface WireMessage {
  role: string;
  content: unknown;
  tool_calls?: Array<{ function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  name?: string;
}

export function messagesOf(r: RecordedRequest): WireMessage[] {
  return (r.body as { messages: WireMessage[] }).messages;
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (c as { text?: string }).text ?? '').join('');
  return '';
}

/** The tool results in a request, by tool name, parsed. */
export function toolResults(r: RecordedRequest): Array<{ name: string; body: Record<string, unknown>; raw: string }> {
  return messagesOf(r)
    .filter((m) => m.role === 'tool')
    .map((m) => {
      const raw = textOf(m.content);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = { unparsed: raw };
      }
      return { name: m.name ?? String(body.tool), body, raw };
    });
}

/** The function names offered to the model in a request. */
export function toolNamesOffered(r: RecordedRequest): string[] {
  return ((r.body as { tools?: Array<{ function: { name: string } }> }).tools ?? []).map((t) => t.function.name);
}

export function llmOptions(fake: FakeOpenAI) {
  return { apiKey: 'sk-test-agent-key', baseUrl: fake.url, model: 'gpt-4o-mini' };
}

/** A scripted model's `final_answer` call naming one root cause, with its evidence as [tool, claim] pairs. */
export function finalAnswer(
  cause: { service: string; kind: string; confidence: number; summary: string },
  evidence: Array<[tool: string, claim: string]>,
) {
  return {
    name: 'final_answer',
    arguments: {
      verdict: 'root_cause',
      root_cause: cause,
      hypotheses: [
        {
          service: cause.service,
          kind: cause.kind,
          confidence: cause.confidence,
          evidence: evidence.map(([tool, claim]) => ({ tool, claim })),
        },
      ],
    },
  };
}
