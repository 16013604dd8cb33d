import type { Incident, IncidentStatus } from '../incidents/store';
import { buttons, context, fields, header, reply, table, text, type Reply } from '../reply/model';
import type { RunbookDoc } from '../runbooks/types';

/** Labels the card shows in their own fields (or its title). */
const SHOWN_LABELS = new Set(['alertname', 'service', 'severity']);
/** A time as replies show it: `2024-05-01 09:30` (UTC, to the minute). */
export const since = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Annotations the card shows in their own field. */
const RUNBOOK_URL = 'runbook_url';

/**
 * The alert's `runbook_url` as the card shows it: the runbook's title and path when it names one of
 * the indexed runbooks, else the link as it is.
 */
function runbookField(url: string, runbookOf?: (url: string) => RunbookDoc | undefined) {
  const doc = runbookOf?.(url);
  return { label: 'runbook', value: doc ? `${doc.title} (${doc.path})` : url };
}

/** One incident: what fires, its labels and annotations, the timeline, and the buttons that act on it. */
export function presentIncident(
  i: Incident,
  options: { runbookOf?: (url: string) => RunbookDoc | undefined } = {},
): Reply {
  const firing = i.alerts.filter((a) => a.status === 'firing').length;
  const tone = i.status === 'resolved' ? 'success' : i.status === 'acked' ? 'warning' : 'error';
  const actions =
    i.status === 'resolved'
      ? [{ label: 'Postmortem', command: `postmortem ${i.id}` }]
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
      ...(i.annotations[RUNBOOK_URL] ? [runbookField(i.annotations[RUNBOOK_URL], options.runbookOf)] : []),
      ...Object.entries(i.annotations)
        .filter(([k]) => k !== 'summary' && k !== RUNBOOK_URL)
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

/** The incidents as a table (`incidents [status]`), or that there are none (of that status). */
export function presentIncidentList(incidents: Incident[], status?: IncidentStatus): Reply {
  if (!incidents.length) return reply('success', text(status ? `No ${status} incidents.` : 'No incidents yet.'));
  return reply(
    'info',
    table(
      ['id', 'status', 'title', 'service', 'since'],
      incidents.map((i) => [i.id, i.status, i.title, i.service ?? '—', since(i.createdAt)]),
    ),
  );
}
