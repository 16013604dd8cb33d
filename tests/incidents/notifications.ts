import type { Rng } from '../../src/anomaly/iforest/rng';

/**
 * Alertmanager webhook notifications (version 4) as Alertmanager builds them, for tests that send
 * alerts out of order: a firing alert has `endsAt` Go's zero time, a resolved one its real end, and
 * the notification's status is `firing` while any of its alerts fires.
 */

export const ZERO_TIME = '0001-01-01T00:00:00Z';
/** Minutes from 2026-11-26 09:00 UTC, as Alertmanager writes a time. */
export const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 9, minute)).toISOString();

export interface AlertState {
  fingerprint: string;
  status: 'firing' | 'resolved';
  /** Minutes (see `at`). */
  startsAt: number;
  /** Minutes; resolved alerts only. */
  endsAt?: number;
}

export const firing = (fingerprint: string, startsAt: number): AlertState => ({
  fingerprint,
  status: 'firing',
  startsAt,
});
export const resolved = (fingerprint: string, startsAt: number, endsAt: number): AlertState => ({
  fingerprint,
  status: 'resolved',
  startsAt,
  endsAt,
});

export function notification(groupKey: string, alerts: AlertState[], service = 'checkout-api') {
  const alertname = 'HighLatency';
  return {
    version: '4' as const,
    groupKey,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? ('firing' as const) : ('resolved' as const),
    receiver: 'smartcloudops',
    groupLabels: { alertname },
    commonLabels: { alertname, service, severity: 'page' },
    commonAnnotations: { summary: `${service} p99 latency above 300 ms` },
    externalURL: 'http://alertmanager.local:9093',
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { alertname, service, instance: a.fingerprint },
      annotations: {},
      startsAt: at(a.startsAt),
      endsAt: a.status === 'resolved' && a.endsAt !== undefined ? at(a.endsAt) : ZERO_TIME,
      generatorURL: 'http://prometheus.local/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

/** The items in an order drawn from `rng` (seeded: a failing order can be replayed). */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
