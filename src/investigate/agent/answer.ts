/**
 * The agent's final answer: a `final_answer` tool call (LangChain's tool strategy: any server that
 * calls functions can give it), then checked against this run. An unknown service is an invalid
 * answer; evidence must cite a tool that answered in this run; a root cause left with no such
 * evidence, or below the deterministic investigator's MIN_CONFIDENCE, becomes inconclusive.
 */
import { z } from 'zod';
import { MIN_CONFIDENCE } from '../deterministic/rank';
import { trimText } from '../tools/common';
import { ROOT_CAUSE_KINDS, type Evidence, type Hypothesis, type RootCauseKind } from '../types';
import { FINAL_ANSWER_TOOL } from './prompt';
import type { ToolCallRecord } from './tools';

const kind = z.enum(ROOT_CAUSE_KINDS).describe(`One of ${ROOT_CAUSE_KINDS.join(', ')}`);
const confidence = z.number().min(0).max(1).describe('0..1');
const service = z.string().describe('One of the known services');

export const finalAnswerSchema = z
  .object({
    verdict: z.enum(['root_cause', 'inconclusive']),
    root_cause: z
      .object({ service, kind, confidence, summary: z.string().describe('One sentence: what happened') })
      .optional()
      .describe('Only with verdict root_cause'),
    hypotheses: z
      .array(
        z.object({
          service,
          kind,
          confidence,
          evidence: z
            .array(
              z.object({
                tool: z.string().describe('The tool whose result in this conversation shows the claim'),
                claim: z.string(),
              }),
            )
            .describe('Claims, each citing a tool you called'),
        }),
      )
      .describe('Candidates considered, best first'),
  })
  .meta({
    title: FINAL_ANSWER_TOOL,
    description: 'Your diagnosis, given once at the end. You cannot act: no commands, only the diagnosis.',
  });

export type FinalAnswer = z.infer<typeof finalAnswerSchema>;

const MAX_HYPOTHESES = 5;
const MAX_EVIDENCE = 8;
const MAX_CLAIM = 300;

export interface CheckedAnswer {
  verdict: 'root_cause' | 'inconclusive';
  root_cause: { service: string; kind: RootCauseKind; confidence: number; summary: string } | null;
  hypotheses: Hypothesis[];
  /** What was dropped or changed, for the summary and the logs. */
  notes: string[];
}

export type CheckResult = { ok: true; answer: CheckedAnswer } | { ok: false; why: string };

const round2 = (x: number) => Math.round(x * 100) / 100;

function keptEvidence(evidence: readonly Evidence[], answered: ReadonlySet<string>, notes: string[]): Evidence[] {
  const out: Evidence[] = [];
  for (const e of evidence) {
    if (!answered.has(e.tool)) {
      notes.push(`evidence citing ${trimText(e.tool, 40)} dropped: no result from that tool in this run`);
      continue;
    }
    const claim = trimText(e.claim, MAX_CLAIM);
    if (claim && !out.some((o) => o.tool === e.tool && o.claim === claim)) out.push({ tool: e.tool, claim });
  }
  return out.slice(0, MAX_EVIDENCE);
}

/** The answer held to this run: the services there are and the tools that answered. */
export function checkAnswer(
  raw: unknown,
  run: { services: ReadonlySet<string>; calls: readonly ToolCallRecord[] },
): CheckResult {
  const parsed = finalAnswerSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, why: `the final answer did not match its schema` };
  const a = parsed.data;
  const answered = new Set(run.calls.filter((c) => c.ok).map((c) => c.tool));
  const notes: string[] = [];
  if (a.verdict === 'root_cause') {
    if (!a.root_cause) return { ok: false, why: 'the answer gave a root_cause verdict without a root cause' };
    if (!run.services.has(a.root_cause.service))
      return { ok: false, why: `the answer named an unknown service “${trimText(a.root_cause.service, 60)}”` };
  }
  const hypotheses: Hypothesis[] = [];
  for (const h of a.hypotheses) {
    if (!run.services.has(h.service)) {
      notes.push(`hypothesis on unknown service “${trimText(h.service, 60)}” dropped`);
      continue;
    }
    if (hypotheses.some((x) => x.service === h.service && x.kind === h.kind)) continue;
    const evidence = keptEvidence(h.evidence, answered, notes);
    hypotheses.push({ service: h.service, kind: h.kind, confidence: round2(h.confidence), evidence });
  }
  const rc = a.verdict === 'root_cause' ? a.root_cause : undefined;
  const backing = rc && hypotheses.find((h) => h.service === rc.service && h.kind === rc.kind);
  let root_cause: CheckedAnswer['root_cause'] = null;
  if (rc && !backing?.evidence.length) notes.push(`root cause ${rc.service}/${rc.kind} has no evidence from this run`);
  else if (rc && rc.confidence < MIN_CONFIDENCE) notes.push(`root cause ${rc.service}/${rc.kind} is below confidence`);
  else if (rc && backing) {
    root_cause = { service: rc.service, kind: rc.kind, confidence: round2(rc.confidence), summary: '' };
    root_cause.summary = trimText(rc.summary, MAX_CLAIM);
    hypotheses.splice(hypotheses.indexOf(backing), 1);
    hypotheses.unshift({ ...backing, confidence: root_cause.confidence });
  }
  return {
    ok: true,
    answer: {
      verdict: root_cause ? 'root_cause' : 'inconclusive',
      root_cause,
      hypotheses: hypotheses.slice(0, MAX_HYPOTHESES),
      notes,
    },
  };
}
