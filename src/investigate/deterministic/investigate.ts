import { randomUUID } from 'node:crypto';
import type { InvestigationJson } from '../types';
import { gatherObservations, type GatherDeps } from './gather';
import type { InvestigationQuestion, Observations } from './observations';
import { rank } from './rank';
import { investigationJson } from './result';

export interface DeterministicResult {
  json: InvestigationJson;
  /** For people: the answer, its evidence and what to try. */
  summary: string;
  observations: Observations;
}

/**
 * The deterministic investigator (no LLM): gather the observations for the question, reason over
 * them (rank.ts), answer. It only reads; suggested commands are suggestions.
 */
export async function investigateDeterministic(
  question: InvestigationQuestion,
  deps: GatherDeps & { id?: string },
): Promise<DeterministicResult> {
  const started = performance.now();
  const observations = await gatherObservations(question, deps);
  return reasonOver(observations, deps.id ?? randomUUID(), () => performance.now() - started);
}

/** The reasoning alone, over observations gathered elsewhere (e.g. by the tools). */
export function reasonOver(observations: Observations, id: string, elapsed: () => number): DeterministicResult {
  const ranked = rank(observations);
  const { json, summary } = investigationJson(id, observations, ranked, Math.round(elapsed()));
  return { json, summary, observations };
}
