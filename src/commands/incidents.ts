import { AppError } from '../errors';
import type { IncidentStatus } from '../incidents/store';
import type { IncidentService } from '../incidents/service';
import { presentIncident, presentIncidentList } from '../present/incidents';
import { reply, text } from '../reply/model';
import type { CommandContext, CommandOutcome } from './context';

export function listIncidents(service: IncidentService, status: string | undefined): CommandOutcome {
  const wanted =
    status === 'open' || status === 'acked' || status === 'resolved' ? (status as IncidentStatus) : undefined;
  const incidents = service.list(wanted);
  return { outcome: 'replied', reply: presentIncidentList(incidents, wanted) };
}

export function decideIncident(
  ctx: CommandContext,
  service: IncidentService,
  id: string,
  verb: 'ack' | 'resolve',
): CommandOutcome {
  try {
    const incident = verb === 'ack' ? service.ack(ctx.actor, id) : service.resolve(ctx.actor, id);
    return { outcome: 'replied', reply: presentIncident(incident) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { outcome: 'invalid', reply: reply('warning', text(err.userMessage)) };
  }
}
