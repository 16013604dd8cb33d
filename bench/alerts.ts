import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { testConfig } from '../src/config/config';
import { createHttpForApp } from '../src/app/http';
import { createLogger } from '../src/log/logger';
import { buildApp } from '../src/app/control';
import { autocannon, onCoreZero, PINNED } from './load';
import { printTable, round, runAsScript, tempDir } from './util';

const TOKEN = 'bench-alert-webhook-token-0123456789';
const ALERTS_PER_NOTIFICATION = 10;
const CONNECTIONS = 16;
const DURATION_S = 5;

/** One Alertmanager v4 notification for one group of 10 firing alerts, as Alertmanager repeats it. */
function notification(): string {
  return JSON.stringify({
    version: '4',
    groupKey: '{}/{}:{alertname="HighLatency"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'smartcloudops',
    groupLabels: { alertname: 'HighLatency' },
    commonLabels: { alertname: 'HighLatency', service: 'checkout-api', severity: 'page' },
    commonAnnotations: { summary: 'checkout-api p99 latency above 300 ms' },
    externalURL: 'http://alertmanager.local:9093',
    alerts: Array.from({ length: ALERTS_PER_NOTIFICATION }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'HighLatency', service: 'checkout-api', instance: `pod-${i}` },
      annotations: {},
      startsAt: '2026-11-26T09:58:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph',
      fingerprint: `fp${String(i).padStart(14, '0')}`,
    })),
  });
}

/**
 * `POST /webhooks/alertmanager` ingestion: the same notification delivered by 16 connections at
 * once for 5 s (Alertmanager repeats notifications, and HA pairs deliver twice), through the whole
 * side-app and SQLite. Afterwards the store must hold one incident with 10 alerts: deduplication
 * under concurrent delivery.
 */
export async function benchAlerts(): Promise<void> {
  await onCoreZero(async () => {
    const config = testConfig({
      DATABASE_PATH: join(tempDir('sco-bench-alerts-'), 'db.sqlite'),
      ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
      LOG_LEVEL: 'info',
    });
    const app = await buildApp(config, {
      log: createLogger({ level: 'info', format: 'json', stream: new Writable({ write: (_c, _e, done) => done() }) }),
    });
    const http = createHttpForApp(app);
    try {
      await http.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/webhooks/alertmanager`;
      const load = {
        connections: CONNECTIONS,
        method: 'POST' as const,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: notification(),
      };
      await autocannon(url, { ...load, durationS: 1 });
      const r = await autocannon(url, { ...load, durationS: DURATION_S });
      const incidents = app.incidents.list();
      const alerts = incidents.reduce((n, i) => n + i.alerts.length, 0);
      const deduped =
        incidents.length === 1 && alerts === ALERTS_PER_NOTIFICATION && incidents[0].timeline.length === 1;
      const alertsPerSec = r.requestsPerSec * ALERTS_PER_NOTIFICATION;
      printTable(
        `Alertmanager webhook ingestion (autocannon, ${CONNECTIONS} connections, ` +
          `${DURATION_S} s, ${ALERTS_PER_NOTIFICATION} alerts per notification, ` +
          `loopback${PINNED ? '; server on core 0, autocannon on core 1' : ''})`,
        [
          { name: 'notifications/s', value: Math.round(r.requestsPerSec), unit: 'req/s' },
          {
            name: 'alerts/s',
            value: Math.round(alertsPerSec),
            unit: 'alerts/s',
            target: '>= 2000',
            pass: alertsPerSec >= 2000,
          },
          { name: 'p99 latency', value: round(r.p99Ms, 2), unit: 'ms', target: '< 50', pass: r.p99Ms < 50 },
          {
            name: 'stored after concurrent repeats',
            value:
              `${incidents.length} incident, ${alerts} alerts, ${incidents[0]?.timeline.length ?? 0} ` +
              'timeline entry',
            target: '1, 10, 1',
            pass: deduped,
          },
        ],
      );
    } finally {
      await http.close();
      await app.close();
    }
  });
}

if (require.main === module) runAsScript(benchAlerts);
