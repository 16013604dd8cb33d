/**
 * The investigation object from a checked answer. What to try is never the model's words: it is
 * the deterministic rule (commandFor, deterministic/result.ts) applied to the checked root cause,
 * and runbooks are the ones runbook_search returned in this run.
 */
import { commandFor, KIND_WORDS } from '../deterministic/result';
import type { InvestigationQuestion } from '../deterministic/observations';
import type { InvestigationJson } from '../types';
import type { CheckedAnswer } from './answer';
import type { ToolCallRecord } from './tools';

const MAX_RUNBOOKS = 3;

type Points = Array<[number, number]>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The rise behind a scale-out, peak / before, from the service_signals result of this run for the
 * service (request rate for a surge, CPU for saturation); undefined when the run did not read it.
 */
export function loadOf(service: string, signal: 'request_rate' | 'cpu', calls: readonly ToolCallRecord[]) {
  for (const c of [...calls].reverse()) {
    if (!c.ok || c.tool !== 'service_signals' || !isRecord(c.data) || c.data.service !== service) continue;
    const signals = c.data.signals;
    const series = isRecord(signals) && isRecord(signals[signal]) ? signals[signal].points : undefined;
    if (!Array.isArray(series)) continue;
    const values = (series as Points).map(([, v]) => v).filter((v) => Number.isFinite(v));
    const head = values.slice(0, Math.max(1, Math.floor(values.length / 10)));
    const before = head.reduce((a, b) => a + b, 0) / head.length;
    const peak = Math.max(...values);
    if (before > 0 && peak >= before) return peak / before;
  }
  return undefined;
}

export function suggestionsFor(
  answer: CheckedAnswer,
  calls: readonly ToolCallRecord[],
  replicasOf?: (service: string) => number | undefined,
): string[] {
  const rc = answer.root_cause;
  if (!rc) return [];
  const signal = rc.kind === 'traffic_surge' ? 'request_rate' : 'cpu';
  const load =
    rc.kind === 'traffic_surge' || rc.kind === 'cpu_saturation' ? loadOf(rc.service, signal, calls) : undefined;
  const command = commandFor({ ...rc, ...(load !== undefined ? { load } : {}) }, replicasOf?.(rc.service));
  return command ? [command] : [];
}

export function runbooksFrom(calls: readonly ToolCallRecord[]): InvestigationJson['runbooks'] {
  const out: InvestigationJson['runbooks'] = [];
  for (const c of calls) {
    if (!c.ok || c.tool !== 'runbook_search' || !isRecord(c.data) || !Array.isArray(c.data.runbooks)) continue;
    for (const r of c.data.runbooks as unknown[]) {
      if (!isRecord(r) || typeof r.name !== 'string' || out.some((o) => o.name === r.name)) continue;
      out.push({
        name: r.name,
        title: typeof r.title === 'string' ? r.title : r.name,
        ...(typeof r.path === 'string' ? { path: r.path } : {}),
        ...(typeof r.url === 'string' ? { url: r.url } : {}),
      });
    }
  }
  return out.slice(0, MAX_RUNBOOKS);
}

function scopeWords(q: InvestigationQuestion): string {
  if (q.incident) return `incident ${q.incident.id}${q.incident.service ? ` (${q.incident.service})` : ''}`;
  return q.service ?? 'the fleet';
}

/** One paragraph for people, like the deterministic investigator's. */
export function agentSummary(q: InvestigationQuestion, answer: CheckedAnswer, suggestions: readonly string[]): string {
  const rc = answer.root_cause;
  const top = answer.hypotheses[0];
  if (!rc || !top) {
    const considered = answer.hypotheses
      .slice(0, 3)
      .map((h) => `${h.kind} on ${h.service} (${h.confidence.toFixed(2)})`)
      .join('; ');
    return `Inconclusive for ${scopeWords(q)}: the evidence does not point to one cause.${
      considered ? ` Considered: ${considered}.` : ''
    }`;
  }
  const lines = [
    `Most likely root cause for ${scopeWords(q)}: ${KIND_WORDS[rc.kind]} on ${rc.service} ` +
      `(confidence ${rc.confidence.toFixed(2)}). ${rc.summary}`.trim(),
    ...top.evidence.slice(0, 4).map((e) => `- ${e.claim} [${e.tool}]`),
  ];
  const others = answer.hypotheses.slice(1, 3).filter((h) => h.confidence >= 0.3);
  if (others.length)
    lines.push(
      `Also considered: ${others.map((h) => `${h.kind} on ${h.service} (${h.confidence.toFixed(2)})`).join('; ')}.`,
    );
  if (suggestions.length) lines.push(`Worth trying (needs the usual approval): ${suggestions.join(', ')}.`);
  return lines.join('\n');
}

export function agentJson(
  id: string,
  answer: CheckedAnswer,
  calls: readonly ToolCallRecord[],
  extra: { suggestions: readonly string[]; tokens: number; durationMs: number },
): InvestigationJson {
  return {
    id,
    status: 'done',
    verdict: answer.verdict,
    root_cause: answer.root_cause,
    hypotheses: answer.hypotheses,
    suggested_actions: extra.suggestions.map((command) => ({ command })),
    runbooks: runbooksFrom(calls),
    source: 'llm',
    tokens: extra.tokens,
    duration_ms: extra.durationMs,
  };
}
