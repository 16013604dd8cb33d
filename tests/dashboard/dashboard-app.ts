import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createHttpForApp, type HttpOptions } from '../../src/app/http';
import { DURING_BURST } from '../helpers/app';
import { twoApprovalCatalog } from '../remediation/people-app';
import { httpApp, type HttpApp } from '../http/http-app';

/**
 * Set-up for the dashboard suites: the page built by the real build script (web/build.cjs) into a
 * temp folder once per run, a real app whose side-app listens on a loopback port, and Debian's
 * Chromium driven by playwright-core.
 */

export const ROOT = join(__dirname, '..', '..');
export const WEBHOOK_TOKEN = 'dashboard-webhook-token-0123456789';
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');

let built: string | undefined;

/** The page as `npm run build` makes it, into a temp folder (once per test file). */
export function builtDashboard(): string {
  if (built) return built;
  const outdir = join(mkdtempSync(join(tmpdir(), 'sco-web-')), 'web');
  execFileSync(process.execPath, [join(ROOT, 'web', 'build.cjs'), '--outdir', outdir], { stdio: 'pipe' });
  built = outdir;
  return outdir;
}

export interface DashboardApp extends HttpApp {
  /** http://127.0.0.1:PORT */
  url: string;
}

/** A real app (restart needs one approval, scale two; the clock in the demo's error burst) listening on loopback. */
export async function dashboardApp(
  env: Record<string, string> = {},
  options: Omit<HttpOptions, 'dashboardDir'> = {},
): Promise<DashboardApp> {
  const base = await httpApp({
    CONFIG_FILE: twoApprovalCatalog(),
    ALERTMANAGER_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    LOG_LEVEL: 'info',
    ...env,
  });
  base.clock.now = DURING_BURST;
  // httpApp's side-app is for inject; this one listens, with the page built above.
  await base.http.close();
  const http = createHttpForApp(base.app, { ...options, dashboardDir: builtDashboard() });
  await http.listen({ port: 0, host: '127.0.0.1' });
  const port = (http.server.address() as AddressInfo).port;
  return {
    ...base,
    http,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await http.close();
      await base.app.close();
    },
  };
}

/** An Alertmanager v4 notification opening one incident (a group of its own). */
export function alertNotification(group: string, service = 'payments') {
  return {
    version: '4',
    groupKey: `{}:{alertname="${group}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'smartcloudops',
    groupLabels: { alertname: group },
    commonLabels: { alertname: group, service, severity: 'page' },
    commonAnnotations: { summary: `${service}: ${group}` },
    externalURL: 'http://alertmanager.local:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: group, service, instance: `${service}-0` },
        annotations: {},
        startsAt: '2026-11-26T11:15:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.local/graph',
        fingerprint: `fp-${group}`.slice(0, 16),
      },
    ],
  };
}

export async function postAlert(url: string, body: object): Promise<number> {
  const res = await fetch(`${url}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `missing ${CHROMIUM} (or set CHROMIUM_BIN): install it with apt-get install -y chromium (.ci/run does)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking'] });
}

/** Save a screenshot as a test artifact (test-artifacts/dashboard/NAME.png, not committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Log in through the page's form, with the keyboard only. */
export async function logInWithKeyboard(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Email').focus();
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
}

export { DURING_BURST };
