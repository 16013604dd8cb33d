import { AppError } from '../errors';
import type { IncidentService } from '../incidents/service';
import type { Incident } from '../incidents/store';
import { reply, text } from '../reply/model';
import type { Jobs } from '../jobs/map';
import type { JobQueue } from '../queue/types';
import type { CommandContext, CommandOutcome } from './context';
import { enqueueFor } from './enqueue';

/** "incident i3f9a1c", "incident #i3f9a1c" in a question. */
const INCIDENT_REF = /\bincident\s+#?([a-z0-9][a-z0-9_-]*)/i;

/** The incident a question names, if any ("investigate incident i3f9a1c"). */
export function incidentIn(question: string | undefined): string | undefined {
  return question ? INCIDENT_REF.exec(question)?.[1].toLowerCase() : undefined;
}

function findIncident(incidents: Pick<IncidentService, 'get'>, id: string): Incident | undefined {
  try {
    return incidents.get(id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return undefined;
    throw err;
  }
}

/**
 * `investigate`: queue an investigation of a service, an incident (named in the question) or the
 * whole fleet; the thread follows its steps and gets the answer. An unknown incident is refused
 * here, before anything is queued. The investigation only reads.
 */
export async function requestInvestigation(
  ctx: CommandContext,
  deps: { queue: JobQueue<Jobs>; incidents: Pick<IncidentService, 'get'> },
  slots: { service?: string; question?: string },
  rawText: string,
): Promise<CommandOutcome> {
  const question = slots.question ?? (rawText.trim() || undefined);
  const incidentId = incidentIn(question);
  const incident = incidentId ? findIncident(deps.incidents, incidentId) : undefined;
  if (incidentId && !incident)
    return {
      outcome: 'invalid',
      reply: reply('warning', text(`No incident ${incidentId}; \`incidents\` lists them.`)),
    };
  const what = incident
    ? `incident ${incident.id}${incident.service ? ` (${incident.service})` : ''}`
    : (slots.service ?? 'the whole fleet');
  return enqueueFor(
    ctx,
    deps.queue,
    'investigate',
    {
      ...(slots.service ? { service: slots.service } : {}),
      ...(question ? { question: question.slice(0, 500) } : {}),
      ...(incident ? { incidentId: incident.id } : {}),
    },
    `Investigating ${what}: signals, dependencies, changes and incidents (read-only)…`,
  );
}
