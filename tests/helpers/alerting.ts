import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './cli';
import { listenOnLoopback } from './loopback';
import { describeNeeding } from './requires';

/**
 * The real alerting chain on loopback, for end-to-end alert tests: a scrape target whose gauges the
 * test sets -> a real Prometheus (Debian `prometheus`) evaluating an alert rule every second -> a
 * real Alertmanager (Debian `prometheus-alertmanager`) grouping and notifying a webhook (ours).
 * Every process gets free 127.0.0.1 ports and a temp dir; every wait has a deadline, and its error
 * carries both processes' logs. Without either binary the suite fails, saying how to install it.
 *
 *   const target = await startScrapeTarget();
 *   target.set('demo_errors_ratio', { service: 'checkout' }, 0.5);
 *   const alerting = await startAlerting({ webhookUrl, token, target: target.hostPort });
 *   await alerting.waitFor(async () => ..., { timeoutMs: 15_000, what: 'the firing notification' });
 *   await alerting.stop(); await target.close();
 */

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/** A suite that needs both binaries: it fails (never skips) when one is missing. */
export function describeIfAlerting(name: string, fn: () => void): void {
  const missing = [
    existsSync(PROMETHEUS_BIN) ? undefined : `${PROMETHEUS_BIN} (or set PROMETHEUS_BIN)`,
    existsSync(ALERTMANAGER_BIN) ? undefined : `${ALERTMANAGER_BIN} (or set ALERTMANAGER_BIN)`,
  ].filter((m): m is string => m !== undefined);
  describeNeeding(
    name,
    missing.length
      ? `missing ${missing.join(' and ')}: install them with apt-get install -y prometheus ` +
          'prometheus-alertmanager (.ci/run does)'
      : undefined,
    fn,
  );
}

// ---------------------------------------------------------------------------------------------
// The scrape target

export type MetricLabels = Record<string, string>;

export interface ScrapeTarget {
  /** http://127.0.0.1:<port>/metrics */
  readonly url: string;
  /** 127.0.0.1:<port>, for a Prometheus static_configs target. */
  readonly hostPort: string;
  /** Set a gauge sample (name + labels); it is served from the next scrape on. */
  set(name: string, labels: MetricLabels, value: number): void;
  /** Stop serving a sample (the series goes stale in Prometheus). */
  remove(name: string, labels: MetricLabels): void;
  /** How many times /metrics was fetched. */
  scrapes(): number;
  close(): Promise<void>;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatSample(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function seriesKey(labels: MetricLabels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k])}"`)
    .join(',');
}

/** A node:http server on 127.0.0.1 serving gauges in the Prometheus text format (0.0.4) at /metrics. */
export async function startScrapeTarget(): Promise<ScrapeTarget> {
  const gauges = new Map<string, Map<string, number>>();
  let scrapes = 0;

  const exposition = () => {
    let text = '';
    for (const [name, series] of gauges) {
      if (series.size === 0) continue;
      text += `# HELP ${name} Set by the test.\n# TYPE ${name} gauge\n`;
      for (const [key, value] of series) text += `${name}${key ? `{${key}}` : ''} ${formatSample(value)}\n`;
    }
    return text;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const path = new URL(req.url ?? '/', 'http://target').pathname;
    if (req.method === 'GET' && path === '/metrics') {
      scrapes += 1;
      const body = exposition();
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found\n');
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    hostPort: `127.0.0.1:${port}`,
    set(name, labels, value) {
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`not a Prometheus metric name: ${name}`);
      let series = gauges.get(name);
      if (!series) gauges.set(name, (series = new Map()));
      series.set(seriesKey(labels), value);
    },
    remove(name, labels) {
      gauges.get(name)?.delete(seriesKey(labels));
    },
    scrapes: () => scrapes,
    close,
  };
}

// ---------------------------------------------------------------------------------------------
// Prometheus + Alertmanager

export interface AlertRule {
  alert: string;
  expr: string;
  /** Prometheus duration; default 0s (fires on the first evaluation that matches). */
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** demo_errors_ratio > 0.1 -> HighErrorRate, severity page. */
export const HIGH_ERROR_RATE: AlertRule = {
  alert: 'HighErrorRate',
  expr: 'demo_errors_ratio > 0.1',
  for: '0s',
  labels: { severity: 'page' },
  annotations: {
    summary: '{{ $labels.service }} error ratio above 10%',
    description: '{{ $labels.service }} fails {{ $value | humanizePercentage }} of its requests.',
  },
};

export interface WebhookReceiver {
  /** Receiver name: the payload's `receiver`. */
  name: string;
  url: string;
  /** Sent as `authorization: Bearer <token>` (default) or as the basic-auth password (user "alertmanager"). */
  token: string;
  auth?: 'bearer' | 'basic';
}

export interface AlertingOptions {
  /** The webhook Alertmanager notifies (receiver `smartcloudops`). */
  webhookUrl: string;
  token: string;
  auth?: 'bearer' | 'basic';
  /** The scrape target's host:port (ScrapeTarget.hostPort). */
  target: string;
  /** The alert rules (default [HIGH_ERROR_RATE]). */
  rules?: AlertRule[];
  groupBy?: string[];
  /** Alertmanager durations; defaults 1s, 1s, 1h. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /**
   * More receivers notified of every group besides `smartcloudops` (e.g. our webhook with a wrong
   * token). With any, the route has one `continue: true` child per receiver, so the groupKey is
   * `{}/{}:{...}` instead of `{}:{...}` (Alertmanager puts the route path in it).
   */
  alsoNotify?: WebhookReceiver[];
  /** Deadline for both to start and Prometheus to find Alertmanager; default 30 s. */
  startTimeoutMs?: number;
}

/** An alert as Alertmanager's API v2 lists it (GET /api/v2/alerts). */
export interface AlertmanagerAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
  receivers: Array<{ name: string }>;
}

export interface Alerting {
  /** http://127.0.0.1:<port> */
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  /** Alertmanager's current alerts (its fingerprints are the ones in the webhook payload). */
  alertmanagerAlerts(): Promise<AlertmanagerAlert[]>;
  /** Prometheus's current alerts (GET /api/v1/alerts: pending and firing). */
  prometheusAlerts(): Promise<
    Array<{ labels: Record<string, string>; state: string; activeAt?: string; value: string }>
  >;
  /** Poll `fn` (every 100 ms) until it returns something other than undefined; on timeout the error has both logs. */
  waitFor<T>(fn: () => Promise<T | undefined>, options: { timeoutMs: number; what: string }): Promise<T>;
  /** Both processes' logs so far, for failure messages. */
  output(): string;
  /** SIGTERM both (SIGKILL after 5 s), remove the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const q = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar

function httpConfig(token: string, auth: 'bearer' | 'basic' = 'bearer'): string {
  return auth === 'bearer'
    ? `        http_config:\n          authorization:\n            type: Bearer\n            credentials: ${q(token)}\n`
    : '        http_config:\n          basic_auth:\n            username: alertmanager\n' +
        `            password: ${q(token)}\n`;
}

/** alertmanager.yml in the 0.22+ syntax (http_config.authorization), as 0.25 (Debian 12) takes it. */
export function alertmanagerConfig(o: AlertingOptions): string {
  const receivers: WebhookReceiver[] = [
    { name: 'smartcloudops', url: o.webhookUrl, token: o.token, auth: o.auth },
    ...(o.alsoNotify ?? []),
  ];
  let yaml = 'route:\n';
  yaml += `  receiver: ${q('smartcloudops')}\n`;
  yaml += `  group_by: [${(o.groupBy ?? ['alertname', 'service']).map(q).join(', ')}]\n`;
  yaml +=
    `  group_wait: ${o.groupWait ?? '1s'}\n  group_interval: ${o.groupInterval ?? '1s'}\n` +
    `  repeat_interval: ${o.repeatInterval ?? '1h'}\n`;
  if (receivers.length > 1) {
    yaml += '  routes:\n';
    for (const r of receivers) yaml += `    - receiver: ${q(r.name)}\n      continue: true\n`;
  }
  yaml += 'receivers:\n';
  for (const r of receivers) {
    yaml +=
      `  - name: ${q(r.name)}\n    webhook_configs:\n      - url: ${q(r.url)}\n` +
      `        send_resolved: true\n${httpConfig(r.token, r.auth)}`;
  }
  return yaml;
}

export function rulesFile(rules: AlertRule[]): string {
  let yaml = 'groups:\n  - name: smartcloudops-test\n    interval: 1s\n    rules:\n';
  for (const r of rules) {
    yaml += `      - alert: ${q(r.alert)}\n        expr: ${q(r.expr)}\n        for: ${r.for ?? '0s'}\n`;
    yaml +=
      `        labels: ${JSON.stringify(r.labels ?? {})}\n` +
      `        annotations: ${JSON.stringify(r.annotations ?? {})}\n`;
  }
  return yaml;
}

export function prometheusConfig(o: { target: string; alertmanager: string; rulesPath: string }): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    `  - ${q(o.rulesPath)}`,
    'alerting:',
    '  alertmanagers:',
    '    - static_configs:',
    `        - targets: [${q(o.alertmanager)}]`,
    'scrape_configs:',
    '  - job_name: "demo"',
    '    static_configs:',
    `      - targets: [${q(o.target)}]`,
    '',
  ].join('\n');
}

/** Children still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
let exitHook = false;

interface Proc {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function start(label: string, bin: string, args: string[]): Proc {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (c: Buffer) => {
    output += c.toString();
    if (output.length > 200_000) output = output.slice(-150_000); // a noisy process must not eat the heap
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.on('error', (err) => (output += `\n[${label} could not start: ${err.message}]\n`));
  live.add(child);
  child.once('exit', (code, signal) => {
    live.delete(child);
    output += `\n[${label} exited: ${signal ?? `code ${code}`}]\n`;
  });
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Wait for GET `${url}/-/ready` to answer 200, failing early if the process exits. */
async function ready(label: string, proc: Proc, url: string, deadline: number, logs: () => string): Promise<void> {
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(`${label} exited before it was ready:\n${logs()}`);
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.text();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${label} at ${url} was not ready in time:\n${logs()}`);
}

/**
 * Start Alertmanager, then Prometheus pointed at it and at the target; resolve once both are
 * ready and Prometheus lists the Alertmanager as active. Prometheus re-sends firing alerts every
 * second (--rules.alert.resend-delay=1s, default 1m) so a resolution reaches Alertmanager at once.
 */
export async function startAlerting(options: AlertingOptions): Promise<Alerting> {
  const dir = mkdtempSync(join(tmpdir(), 'sco-alerting-'));
  const amPort = await freePort();
  const promPort = await freePort();
  const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const rulesPath = join(dir, 'rules.yml');
  writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerConfig(options));
  writeFileSync(rulesPath, rulesFile(options.rules ?? [HIGH_ERROR_RATE]));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    prometheusConfig({ target: options.target, alertmanager: `127.0.0.1:${amPort}`, rulesPath }),
  );

  const procs: Proc[] = [];
  const output = () =>
    procs
      .map(
        (p, i) =>
          `--- ${i === 0 ? 'alertmanager' : 'prometheus'} ` +
          `(${i === 0 ? alertmanagerUrl : prometheusUrl}) ---\n${p.output()}`,
      )
      .join('\n') || '(nothing started)';
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(procs.map((p) => p.stop()));
      rmSync(dir, { recursive: true, force: true });
    })());

  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
    procs.push(
      start('alertmanager', ALERTMANAGER_BIN, [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'alertmanager')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        `--web.external-url=${alertmanagerUrl}`,
        '--cluster.listen-address=', // no gossip, no peers to wait for
        '--log.level=info',
      ]),
    );
    await ready('alertmanager', procs[0], alertmanagerUrl, deadline, output);

    procs.push(
      start('prometheus', PROMETHEUS_BIN, [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prometheus')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        `--web.external-url=${prometheusUrl}`,
        '--rules.alert.resend-delay=1s',
        '--log.level=info',
      ]),
    );
    await ready('prometheus', procs[1], prometheusUrl, deadline, output);

    // Prometheus sends alerts only to the Alertmanagers its discovery has found.
    while (true) {
      if (Date.now() > deadline)
        throw new Error(`prometheus did not list alertmanager ${alertmanagerUrl} as active in time:\n${output()}`);
      const body = await getJson<{ data?: { activeAlertmanagers?: Array<{ url: string }> } }>(
        `${prometheusUrl}/api/v1/alertmanagers`,
      ).catch(() => undefined);
      if (body?.data?.activeAlertmanagers?.some((a) => a.url.startsWith(alertmanagerUrl))) break;
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    prometheusUrl,
    alertmanagerUrl,
    alertmanagerAlerts: () => getJson<AlertmanagerAlert[]>(`${alertmanagerUrl}/api/v2/alerts`),
    prometheusAlerts: async () =>
      (
        await getJson<{
          data: { alerts: Array<{ labels: Record<string, string>; state: string; activeAt?: string; value: string }> };
        }>(`${prometheusUrl}/api/v1/alerts`)
      ).data.alerts,
    async waitFor(fn, { timeoutMs, what }) {
      try {
        return await waitFor(fn, timeoutMs, what);
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n${output()}`);
      }
    },
    output,
    stop,
  };
}
