import type { InvestigationJson, RootCauseKind } from '../types';
import type { Candidate } from './classify';
import type { Observations } from './observations';
import type { Ranked } from './rank';
import { hhmm } from './words';

export const KIND_WORDS: Record<RootCauseKind, string> = {
  bad_deploy: 'a bad deploy',
  config_change: 'a config change',
  memory_leak: 'a memory leak',
  cpu_saturation: 'CPU saturation',
  traffic_surge: 'a traffic surge',
  other: 'an unexplained problem',
};

const MAX_REPLICAS = 50;

/** The command worth trying for a cause (a suggestion only: it goes through the normal request and approval flow). */
export function suggestionFor(c: Candidate, obs: Observations): string | undefined {
  return commandFor(c, obs.services.find((s) => s.name === c.service)?.replicas);
}

/**
 * The rule behind every suggestion, whoever found the cause (this investigator or the LLM agent):
 * a rollback for a bad deploy or config change, a restart for a leak, a scale-out sized by `load`
 * (the rise of request rate or CPU, peak / before; default x2) from the replicas now, when known.
 */
export function commandFor(
  c: { service: string; kind: RootCauseKind; load?: number },
  replicas: number | undefined,
): string | undefined {
  switch (c.kind) {
    case 'bad_deploy':
    case 'config_change':
      return `rollback ${c.service}`;
    case 'memory_leak':
      return `restart ${c.service}`;
    case 'traffic_surge':
    case 'cpu_saturation': {
      // Enough replicas to bring the load per replica back to what it was.
      if (replicas === undefined) return undefined;
      const target = Math.min(MAX_REPLICAS, Math.max(replicas + 1, Math.ceil(replicas * (c.load ?? 2))));
      return `scale ${c.service} ${target}`;
    }
    default:
      return undefined;
  }
}

function scopeWords(obs: Observations): string {
  const q = obs.question;
  if (q.incident) return `incident ${q.incident.id}${q.incident.service ? ` (${q.incident.service})` : ''}`;
  return obs.focus ?? 'the fleet';
}

/** One paragraph for people: the answer, what it rests on, what to try. */
export function summaryOf(obs: Observations, ranked: Ranked, suggestions: readonly string[]): string {
  const span = `${hhmm(obs.window.fromMs)}-${hhmm(obs.window.toMs)} UTC`;
  const top = ranked.candidates[0];
  if (ranked.verdict === 'inconclusive' || !top) {
    const seen = obs.anomalies.length
      ? `weak or unexplained anomalies (${ranked.candidates.map((c) => c.service).join(', ') || 'none strong enough'})`
      : 'no anomaly';
    const changes = obs.changes.filter((c) => c.kind === 'deploy' || c.kind === 'config_change').length;
    return (
      `Inconclusive for ${scopeWords(obs)} (${span}): ${seen}` +
      `${changes ? `; ${changes} change${changes > 1 ? 's' : ''} in the window with no symptom to explain` : ''}.`
    );
  }
  const lines = [
    `Most likely root cause for ${scopeWords(obs)} (${span}): ${KIND_WORDS[top.kind]} on ${top.service}, ` +
      `since ${hhmm(top.onsetMs)} (confidence ${top.confidence.toFixed(2)}).`,
    ...top.evidence.slice(0, 4).map((e) => `- ${e.claim} [${e.tool}]`),
  ];
  const others = ranked.candidates.slice(1, 3).filter((c) => c.confidence >= 0.3);
  if (others.length)
    lines.push(
      `Also considered: ${others.map((c) => `${c.kind} on ${c.service} (${c.confidence.toFixed(2)})`).join('; ')}.`,
    );
  if (suggestions.length) lines.push(`Worth trying (needs the usual approval): ${suggestions.join(', ')}.`);
  return lines.join('\n');
}

export function investigationJson(
  id: string,
  obs: Observations,
  ranked: Ranked,
  durationMs: number,
): { json: InvestigationJson; summary: string } {
  const suggestions: string[] = [];
  for (const c of ranked.candidates) {
    if (c.confidence < 0.5 || suggestions.length >= 3) continue;
    const command = suggestionFor(c, obs);
    if (command && !suggestions.includes(command)) suggestions.push(command);
  }
  const summary = summaryOf(obs, ranked, suggestions);
  const top = ranked.candidates[0];
  const json: InvestigationJson = {
    id,
    status: 'done',
    verdict: ranked.verdict,
    root_cause:
      ranked.verdict === 'root_cause' && top
        ? {
            service: top.service,
            kind: top.kind,
            confidence: Math.round(top.confidence * 100) / 100,
            summary: summary.split('\n')[0],
          }
        : null,
    hypotheses: ranked.hypotheses,
    suggested_actions: suggestions.map((command) => ({ command })),
    runbooks: [],
    source: 'rules',
    tokens: 0,
    duration_ms: durationMs,
  };
  return { json, summary };
}
