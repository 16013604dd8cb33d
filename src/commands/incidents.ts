import { AppError } from '../errors';
import type { Incident, IncidentStatus } from '../incidents/store';
import type { IncidentService } from '../incidents/service';
import { buttons, context, fields, header, reply, table, text, type Reply } from '../reply/model';
import type { CommandContext, CommandOutcome } from './context';

/** Labels the card shows in their own fields (or its title). */
const SHOWN_LABELS = new Set(['alertname', 'service', 'severity']);
const since = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** One incident: what fires, its labels and annotations, the timeline, and the buttons that act on it. */
export function presentIncident(i: Incident): Reply {
  const firing = i.alerts.filter((a) => a.status === 'firing').length;
  const tone = i.status === 'resolved' ? 'success' : i.status === 'acked' ? 'warning' : 'error';
  const actions =
    i.status === 'resolved'
      ? []
      : [
          ...(i.status === 'open' ? [{ label: 'Ack', command: `ack ${i.id}` }] : []),
          { label: 'Resolve', command: `resolve ${i.id}`, style: 'primary' as const },
          ...(i.service ? [{ label: 'Anomalies', command: `anomalies ${i.service}` }] : []),
        ];
  const labels = Object.entries(i.labels)
    .filter(([k]) => !SHOWN_LABELS.has(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const source = i.alerts.find((a) => a.generatorUrl)?.generatorUrl;
  const links = [
    ...(i.externalUrl ? [`Alertmanager: ${i.externalUrl}`] : []),
    ...(source ? [`Source: ${source}`] : []),
  ];
  return reply(
    tone,
    header(`Incident ${i.id}: ${i.title} (${i.status})`),
    fields([
      { label: 'service', value: i.service ?? '—' },
      { label: 'severity', value: i.severity ?? '—' },
      { label: 'alerts', value: `${firing} firing of ${i.alerts.length}` },
      { label: 'since', value: `${since(i.createdAt)} UTC` },
      ...Object.entries(i.annotations)
        .filter(([k]) => k !== 'summary')
        .slice(0, 3)
        .map(([k, v]) => ({ label: k, value: v })),
      ...(labels ? [{ label: 'labels', value: labels }] : []),
    ]),
    text(
      i.timeline
        .map(
          (t) =>
            `${since(t.at)} ${t.event}${t.actor === 'alertmanager' ? '' : ` by ${String(t.detail.by ?? t.actor)}`}`,
        )
        .join('\n'),
    ),
    ...(actions.length ? [buttons(actions)] : []),
    ...(links.length ? [context(links.join(' · '))] : []),
  );
}

export function listIncidents(service: IncidentService, status: string | undefined): CommandOutcome {
  const wanted =
    status === 'open' || status === 'acked' || status === 'resolved' ? (status as IncidentStatus) : undefined;
  const incidents = service.list(wanted);
  if (!incidents.length)
    return {
      outcome: 'replied',
      reply: reply('success', text(wanted ? `No ${wanted} incidents.` : 'No incidents yet.')),
    };
  return {
    outcome: 'replied',
    reply: reply(
      'info',
      table(
        ['id', 'status', 'title', 'service', 'since'],
        incidents.map((i) => [i.id, i.status, i.title, i.service ?? '—', since(i.createdAt)]),
      ),
    ),
  };
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
