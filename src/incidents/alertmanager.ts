import { z } from 'zod';

/**
 * The Alertmanager webhook payload, version 4 (prometheus/alertmanager notify/webhook). Unknown
 * fields are allowed (Alertmanager adds some over time); the ones we use are required and typed.
 */
const labels = z.record(z.string(), z.string());
/** Alerts are ordered by these times (see alert-order.ts), so a value that is not one is refused. */
const time = z.iso.datetime({
  offset: true,
  error: 'expected an RFC 3339 time, as Alertmanager sends (e.g. 2026-11-26T09:58:00.123Z)',
});

export const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: time.optional(),
  /** Go's zero time (0001-01-01T00:00:00Z) while the alert fires. */
  endsAt: time.optional(),
  generatorURL: z.string().optional(),
  /** Alertmanager's own stable fingerprint of the label set: the dedupe key, never generated here. */
  fingerprint: z.string().min(1).max(128),
});

export const webhookSchema = z.looseObject({
  version: z.literal('4', { error: 'expected version "4" (the Alertmanager webhook payload)' }),
  groupKey: z.string().min(1).max(4096),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema).min(1).max(1000),
});

export type AlertmanagerPayload = z.infer<typeof webhookSchema>;
export type Alert = z.infer<typeof alertSchema>;
