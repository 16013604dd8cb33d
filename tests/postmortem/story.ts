import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderText } from '../../src/reply/render-text';
import type { Reply } from '../../src/reply/model';
import { lastVersion, NOW, recordingSink } from '../helpers/app';
import { httpApp, login, PASSWORD, type HttpApp } from '../http/http-app';

/**
 * The incident a postmortem is written about, played on a real app (embedded queue, SQLite, the
 * demo fleet with one fault): a bad deploy on payments at 09:20, an Alertmanager alert firing at
 * 09:50 and received at 10:00, the automatic investigation, a rollback requested by olivia and
 * approved by ada, and the incident resolved by olivia.
 */

export const MIN = 60_000;

export function faultsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sco-postmortem-')), 'faults.yaml');
  writeFileSync(file, 'faults:\n  - kind: bad_deploy\n    service: payments\n    start: -40m\n');
  return file;
}

/** Alertmanager's v4 notification of payments' error ratio, firing since 09:50. */
export function paymentsAlert(summary = 'payments error ratio above 5%') {
  return {
    version: '4' as const,
    groupKey: '{}:{alertname="ErrorRateHigh",service="payments"}',
    truncatedAlerts: 0,
    status: 'firing' as const,
    receiver: 'smartcloudops',
    groupLabels: { alertname: 'ErrorRateHigh', service: 'payments' },
    commonLabels: { alertname: 'ErrorRateHigh', service: 'payments', severity: 'page' },
    commonAnnotations: { summary },
    externalURL: 'http://alertmanager.local:9093',
    alerts: [
      {
        status: 'firing' as const,
        labels: { alertname: 'ErrorRateHigh', service: 'payments', pod: 'payments-7d9f' },
        annotations: { summary },
        startsAt: new Date(NOW - 10 * MIN).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.local/graph?g0.expr=errors',
        fingerprint: 'f-payments-1',
      },
    ],
  };
}

export interface Story {
  h: HttpApp;
  say(user: string, text: string, thread?: string): Promise<{ outcome: string; reply: Reply; text: string }>;
  /** Access-token headers of a user with this name (created on first use). */
  headers(name: string): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

/** A real app with HTTP, the demo fault, its workers running, and olivia (operator) and ada (approver). */
export async function startStory(env: Record<string, string> = {}): Promise<Story> {
  const h = await httpApp({ DEMO_FAULTS: faultsFile(), DEFAULT_ROLE: 'viewer', ...env });
  const emails = new Map<string, string>();
  for (const [name, role] of [
    ['olivia', 'operator'],
    ['ada', 'approver'],
    ['vic', 'viewer'],
  ] as const) {
    const email = `${name}@example.com`;
    await h.app.auth.users.create({ email, password: PASSWORD, role, name });
    emails.set(name, email);
  }
  await h.app.startWorkers();
  return {
    h,
    async say(user, text, thread = 't1') {
      const sink = recordingSink();
      const handled = await h.app.conversation.handleMessage(
        { platform: 'console', user, channel: 'ops', thread, text },
        sink,
      );
      await handled.done;
      const replies = sink.messages.map((m) => lastVersion(m));
      return {
        outcome: handled.outcome,
        reply: replies[replies.length - 1],
        text: replies.map((r) => renderText(r)).join('\n'),
      };
    },
    async headers(name) {
      const email = emails.get(name);
      if (!email) throw new Error(`no user ${name}`);
      return { authorization: `Bearer ${(await login(h.http, email)).access_token}` };
    },
    close: () => h.close(),
  };
}

/** Alert in at 10:00, and the automatic investigation finished: the incident's id. */
export async function openIncident(story: Story, summary?: string): Promise<string> {
  const { app } = story.h;
  const { incident } = await app.incidents.ingest(paymentsAlert(summary));
  if (!incident) throw new Error('no incident opened');
  for (const job of await app.queue.list({ limit: 50 }))
    if (job.name === 'investigate') await app.queue.waitUntilFinished(job.id, 60_000);
  return incident.id;
}
