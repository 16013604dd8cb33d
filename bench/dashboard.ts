import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { chromium } from 'playwright-core';
import { createHttpForApp } from '../src/app/http';
import { buildApp } from '../src/app/control';
import { testConfig } from '../src/config/config';
import { createLogger } from '../src/log/logger';
import type { DashboardEvents } from '../src/present/dashboard-view';
import { openSse } from '../tests/helpers/sse';
import { percentile, printTable, round, runAsScript, tempDir } from './util';

const TOKEN = 'bench-dashboard-webhook-token-0123456789';
const PASSWORD = 'bench dashboard password 9';
const RUNS = 25;
const BROWSER_RUNS = 15;
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
/** The page `npm run build` made (bench runs from .bench/bench/). */
const WEB_DIR = join(__dirname, '..', '..', 'dist', 'web');

function alert(group: string): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="${group}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'smartcloudops',
    groupLabels: { alertname: group },
    commonLabels: { alertname: group, service: 'payments', severity: 'page' },
    commonAnnotations: { summary: `bench ${group}` },
    externalURL: 'http://alertmanager.local:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: group, service: 'payments', instance: 'payments-0' },
        annotations: {},
        startsAt: '2026-11-26T09:58:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.local/graph',
        fingerprint: group,
      },
    ],
  });
}

const stats = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50), 1),
    p95: round(percentile(sorted, 95), 1),
    max: round(sorted.at(-1) ?? NaN, 1),
  };
};

/**
 * Dashboard time to first live update after an alert: an Alertmanager notification posted to the
 * side-app, until (1) the `incidents` event carrying the new incident arrives on a logged-in
 * page's event stream, and (2) when Debian's Chromium is there, its card is in a real page's DOM.
 * One new incident per run (a group of its own); the app as `serve` builds it, on loopback.
 */
export async function benchDashboard(): Promise<void> {
  const config = testConfig({
    DATABASE_PATH: join(tempDir('sco-bench-dash-'), 'db.sqlite'),
    ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
    JWT_SECRET: 'bench-dashboard-jwt-secret-0123456789-abcdefghij',
    LOG_LEVEL: 'info',
  });
  const app = await buildApp(config, {
    log: createLogger({ level: 'info', format: 'json', stream: new Writable({ write: (_c, _e, done) => done() }) }),
  });
  const http = createHttpForApp(app, { dashboardDir: WEB_DIR });
  try {
    await http.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    const user = await app.auth.users.create({ email: 'watcher@example.com', password: PASSWORD, role: 'viewer' });
    const post = (group: string) =>
      fetch(`${url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: alert(group),
      });

    const stream = await streamLatencies(url, user.email, post);
    const browser = existsSync(CHROMIUM) && existsSync(join(WEB_DIR, 'index.html'));
    const page = browser ? await browserLatencies(url, user.email, post) : undefined;
    printTable(
      `Dashboard: alert POST -> first live update (loopback; ${RUNS} alerts on the event stream` +
        `${page ? `, ${BROWSER_RUNS} in headless Chromium` : '; Chromium or dist/web missing: stream only'})`,
      [
        { name: 'event stream, median', value: stream.p50, unit: 'ms', target: '< 100', pass: stream.p50 < 100 },
        { name: 'event stream, p95', value: stream.p95, unit: 'ms' },
        { name: 'event stream, max', value: stream.max, unit: 'ms' },
        ...(page
          ? [
              { name: 'card in the page, median', value: page.p50, unit: 'ms', target: '< 250', pass: page.p50 < 250 },
              { name: 'card in the page, p95', value: page.p95, unit: 'ms' },
            ]
          : []),
      ],
    );
  } finally {
    await http.close();
    await app.close();
  }
}

async function streamLatencies(url: string, email: string, post: (group: string) => Promise<Response>) {
  const login = await fetch(`${url}/ui/login`, {
    method: 'POST',
    headers: { origin: url, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`dashboard login: ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const sse = await openSse(`${url}/ui/events`, { cookie });
  try {
    await sse.waitFor('incidents');
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const group = `StreamBench${i}`;
      const started = performance.now();
      const res = await post(group);
      if (res.status !== 200) throw new Error(`alert POST: ${res.status}`);
      const event = await sse.waitFor<DashboardEvents['incidents']>('incidents', (d) =>
        d.some((x) => x.title.includes(group)),
      );
      ms.push(event.at - started);
    }
    return stats(ms);
  } finally {
    sse.close();
  }
}

async function browserLatencies(url: string, email: string, post: (group: string) => Promise<Response>) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(url);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Open incidents' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const ms: number[] = [];
    for (let i = 0; i < BROWSER_RUNS; i++) {
      const group = `PageBench${i}`;
      // The page notes (Date.now) when the card's title is in the DOM: no polling from outside.
      await page.evaluate(`window.seen = new Promise((resolve) => {
        const look = () => document.body.textContent.includes('bench ${group}') && resolve(Date.now());
        new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true });
      }); undefined`);
      const started = Date.now();
      const res = await post(group);
      if (res.status !== 200) throw new Error(`alert POST: ${res.status}`);
      ms.push(((await page.evaluate('window.seen')) as number) - started);
    }
    return stats(ms);
  } finally {
    await browser.close();
  }
}

if (require.main === module) runAsScript(benchDashboard);
