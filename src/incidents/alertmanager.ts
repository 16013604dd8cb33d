import { z } from 'zod';

/**
 * The Alertmanager webhook payload, version 4 (prometheus/alertmanager notify/webhook). Unknown
 * fields are allowed (Alertmanager adds some over time); the ones we use are required and typed.
 */
const labels = z.record(z.string(), z.string());

export const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
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
