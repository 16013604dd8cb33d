import type { InvestigateJobResult } from '../jobs/map';
import type { Hypothesis, InvestigationJson } from '../ports/investigation';
import { buttons, context, header, reply, table, text, type Button, type Reply } from '../reply/model';

/** How many hypotheses the reply lists (the JSON has them all). */
const SHOWN = 3;
const KIND_WORDS: Record<Hypothesis['kind'], string> = {
  bad_deploy: 'bad deploy',
  config_change: 'config change',
  memory_leak: 'memory leak',
  cpu_saturation: 'CPU saturation',
  traffic_surge: 'traffic surge',
  other: 'other',
};

const runbookLink = (r: InvestigationJson['runbooks'][number]) =>
  r.url ? `<${r.url}|${r.title}>` : `${r.title} (${r.path})`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const label = (command: string) => command.charAt(0).toUpperCase() + command.slice(1);

/**
 * An investigation's answer: the verdict and root cause, the hypotheses with the evidence each
 * claim rests on (and the tool that gave it), the runbooks that cover it, and the suggested
 * commands as buttons; a button is a typed command, so it shows its plan and asks for approval.
 */
export function presentInvestigation(result: InvestigateJobResult): Reply {
  const { investigation: inv, summary, footer } = result;
  const cause = inv.root_cause;
  const title = cause
    ? `Root cause: ${KIND_WORDS[cause.kind]} on ${cause.service} (confidence ${cause.confidence.toFixed(2)})`
    : 'Inconclusive: no cause stands out';
  const blocks = [header(title), text(summary)];
  const shown = inv.hypotheses.slice(0, SHOWN);
  if (shown.length)
    blocks.push(
      table(
        ['hypothesis', 'confidence', 'evidence [tool]'],
        shown.map((h) => [
          `${KIND_WORDS[h.kind]} on ${h.service}`,
          h.confidence.toFixed(2),
          h.evidence
            .slice(0, 3)
            .map((e) => `${e.claim} [${e.tool}]`)
            .join('; '),
        ]),
      ),
    );
  if (inv.runbooks.length) blocks.push(text(`Runbooks: ${inv.runbooks.map(runbookLink).join(', ')}`));
  if (inv.suggested_actions.length) {
    blocks.push(context('Worth trying (each shows its plan and asks for approval like a typed command):'));
    blocks.push(buttons(inv.suggested_actions.map((a): Button => ({ label: label(a.command), command: a.command }))));
  }
  blocks.push(
    context(`investigation ${inv.id} · ${footer} · ${seconds(inv.duration_ms)} · read-only, nothing was changed`),
  );
  return reply(cause ? 'warning' : 'info', ...blocks);
}
