import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DemoChangeSource } from '../../src/changes/demo';
import { investigateDeterministic } from '../../src/investigate/deterministic/investigate';
import type { InvestigationJson } from '../../src/investigate/types';
import { DemoFleet } from '../../src/sources/demo/fleet';
import { FAULT_KINDS } from '../../src/sources/demo/faults';
import { projectRoot } from '../nab/paths';

/** One investigation scenario (bench/investigate/scenarios.yaml explains the fields). */
const scenarioSchema = z.strictObject({
  name: z.string(),
  seed: z.number().int(),
  faults: z.array(
    z.strictObject({
      kind: z.enum(FAULT_KINDS),
      service: z.string(),
      start: z.number(),
      duration: z.number().positive().optional(),
    }),
  ),
  ask: z.string().optional(),
  after: z.number().positive(),
  expect: z.union([z.literal('inconclusive'), z.string(), z.array(z.string())]),
  evidence: z.array(z.string()).optional(),
});
export type Scenario = z.infer<typeof scenarioSchema>;

export const SCENARIOS_DIR = join(projectRoot(__dirname), 'bench', 'investigate');

export function loadScenarios(file: string): Scenario[] {
  const raw = parseYaml(readFileSync(join(SCENARIOS_DIR, file), 'utf8')) as { scenarios: unknown };
  return z.array(scenarioSchema).parse(raw.scenarios);
}

const MINUTE_MS = 60_000;
const BASE_MS = Date.UTC(2026, 2, 2);

export interface Outcome {
  scenario: Scenario;
  json: InvestigationJson;
  summary: string;
  /** SERVICE/KIND of the answer, or inconclusive. */
  got: string;
  right: boolean;
  /** Required tools the top hypothesis did not cite. */
  missingEvidence: string[];
  ms: number;
}

/** The scenario's clock: the first fault at a time of day that moves with the seed, asked `after` minutes later. */
export function askedAt(s: Scenario): number {
  return BASE_MS + ((s.seed * 173) % 1440) * MINUTE_MS + s.after * MINUTE_MS;
}

/** The scenario's demo fleet, playing its faults at the scenario's clock. */
export function fleetFor(s: Scenario): { fleet: DemoFleet; now: number } {
  const now = askedAt(s);
  const fleet = new DemoFleet({
    seed: s.seed,
    clock: () => now,
    faults: s.faults.map((f) => ({
      kind: f.kind,
      service: f.service,
      start: { afterStartMs: (f.start - s.after) * MINUTE_MS },
      ...(f.duration !== undefined ? { durationMs: f.duration * MINUTE_MS } : {}),
    })),
  });
  return { fleet, now };
}

/** The deterministic investigation of a scenario (also what the LLM agent falls back to). */
export function deterministicFor(s: Scenario, fleet: DemoFleet, now: number, options: { learned?: boolean } = {}) {
  return investigateDeterministic(s.ask ? { service: s.ask } : {}, {
    metrics: fleet,
    changes: new DemoChangeSource(fleet),
    now,
    replicasOf: (service) => fleet.state(service).replicas,
    id: s.name,
    detect: { learned: options.learned ?? false }, // the investigator's default
  });
}

/** An answer held to the scenario: the expected cause, and the tools its top hypothesis must cite. */
export function score(s: Scenario, json: InvestigationJson, summary: string, ms: number): Outcome {
  const got = json.root_cause ? `${json.root_cause.service}/${json.root_cause.kind}` : 'inconclusive';
  const accepted = Array.isArray(s.expect) ? s.expect : [s.expect];
  const cited = new Set((json.hypotheses[0]?.evidence ?? []).map((e) => e.tool));
  const missingEvidence = got === 'inconclusive' ? [] : (s.evidence ?? []).filter((t) => !cited.has(t));
  return {
    scenario: s,
    json,
    summary,
    got,
    right: accepted.includes(got) && missingEvidence.length === 0,
    missingEvidence,
    ms,
  };
}

export async function runScenario(s: Scenario, options: { learned?: boolean } = {}): Promise<Outcome> {
  const { fleet, now } = fleetFor(s);
  const started = performance.now();
  const { json, summary } = await deterministicFor(s, fleet, now, options);
  return score(s, json, summary, performance.now() - started);
}

export interface EvalFigures {
  total: number;
  top1: number;
  answered: number;
  accuracyWhenAnswered: number;
  inconclusiveRate: number;
  /** Scenarios with no fault answered with a root cause: must be 0. */
  quietWrong: number;
  p50Ms: number;
  p95Ms: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export function figures(outcomes: readonly Outcome[]): EvalFigures {
  const answered = outcomes.filter((o) => o.got !== 'inconclusive');
  const times = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    total: outcomes.length,
    top1: outcomes.filter((o) => o.right).length / outcomes.length,
    answered: answered.length,
    accuracyWhenAnswered: answered.length ? answered.filter((o) => o.right).length / answered.length : NaN,
    inconclusiveRate: (outcomes.length - answered.length) / outcomes.length,
    quietWrong: outcomes.filter((o) => o.scenario.faults.length === 0 && o.got !== 'inconclusive').length,
    p50Ms: quantile(times, 0.5),
    p95Ms: quantile(times, 0.95),
  };
}
