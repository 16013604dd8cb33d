/**
 * `incidents`: one incident with its alerts and timeline, or the latest incidents (of a service).
 * Annotations and labels are returned as data, trimmed; nothing in them is acted on.
 */
import { z } from 'zod';
import type { Incident, IncidentStatus } from '../../incidents/store';
import type { Tool } from '../types';
import { iso, serviceName, trimRecord, trimText } from './common';

export const INCIDENTS_MAX = 20;
export const INCIDENT_MAX_ALERTS = 20;
export const INCIDENT_MAX_TIMELINE = 20;
/** How many of the latest incidents a service filter looks through. */
const SCAN = 500;

/** What the tool reads (IncidentService has it). */
export interface IncidentReader {
  /** AppError('not_found') for an unknown id. */
  get(id: string): Incident;
  list(status?: IncidentStatus, limit?: number): Incident[];
}

const input = z.strictObject({
  incident_id: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^#?[A-Za-z0-9_-]+$/, 'an incident id like i1a2b3c')
    .optional()
    .describe('One incident (its alerts and timeline)'),
  service: serviceName.optional().describe('Only incidents of this service'),
  status: z.enum(['open', 'acked', 'resolved', 'any']).default('any'),
  limit: z.number().int().min(1).max(INCIDENTS_MAX).default(10),
});

function brief(i: Incident) {
  return {
    id: i.id,
    title: trimText(i.title),
    status: i.status,
    service: i.service,
    severity: i.severity,
    created_at: i.createdAt,
    resolved_at: i.resolvedAt,
    alerts: i.alerts.length,
    firing: i.alerts.filter((a) => a.status === 'firing').length,
  };
}

function full(i: Incident) {
  return {
    ...brief(i),
    labels: trimRecord(i.labels),
    annotations: trimRecord(i.annotations),
    acked_by: i.ackedBy,
    resolved_by: i.resolvedBy,
    alerts: i.alerts.slice(0, INCIDENT_MAX_ALERTS).map((a) => ({
      fingerprint: a.fingerprint,
      status: a.status,
      starts_at: a.startsAt,
      labels: trimRecord(a.labels, 12, 120),
    })),
    timeline: i.timeline.slice(-INCIDENT_MAX_TIMELINE).map((t) => ({ at: t.at, actor: t.actor, event: t.event })),
  };
}

export function incidentsTool(incidents: IncidentReader): Tool<typeof input> {
  return {
    name: 'incidents',
    description:
      'Incidents from Alertmanager alerts: one incident by id with its alerts, labels, annotations and timeline, ' +
      `or the latest incidents (of one service, in one status), at most ${INCIDENTS_MAX}.`,
    input,
    permission: 'read',
    async run(args) {
      if (args.incident_id !== undefined) {
        const i = incidents.get(args.incident_id);
        return {
          data: { incident: full(i) },
          summary:
            `incident ${i.id} (${i.status}) on ${i.service ?? 'no service'}: ${trimText(i.title, 120)}, ` +
            `${i.alerts.length} alert(s), opened ${iso(i.createdAt)}`,
        };
      }
      const status = args.status === 'any' ? undefined : args.status;
      const all = incidents.list(status, args.service === undefined ? args.limit : SCAN);
      const shown = all.filter((i) => args.service === undefined || i.service === args.service).slice(0, args.limit);
      return {
        data: { incidents: shown.map(brief) },
        summary:
          `${shown.length} ${args.status === 'any' ? '' : `${args.status} `}incident(s)` +
          `${args.service ? ` on ${args.service}` : ''}` +
          (shown.length ? `; latest ${shown[0].id}: ${trimText(shown[0].title, 80)}` : ''),
      };
    },
  };
}
