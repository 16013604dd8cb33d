import { createServer } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { listenOnLoopback } from '../helpers/loopback';
import { describeNeeding } from '../helpers/requires';
import { addUser, asBearer, login, PASSWORD } from '../http/http-app';
import {
  alertNotification,
  chromiumMissing,
  dashboardApp,
  launchChromium,
  logInWithKeyboard,
  postAlert,
  screenshot,
  type DashboardApp,
} from './dashboard-app';

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core) against a real
 * app on a loopback port: log in with the form, see the fleet, watch an incident arrive live,
 * decide a pending remediation as its requester (refused) and as another approver (approved).
 * Screenshots go to test-artifacts/dashboard/.
 */
describeNeeding('dashboard in a real browser', chromiumMissing(), () => {
  let h: DashboardApp;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  const newContext: Browser['newContext'] = async (options) => {
    const context = await browser.newContext(options);
    // A wait that fails says what it waited for well within the test's time.
    context.setDefaultTimeout(8000);
    return context;
  };
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    h = await dashboardApp();
  });
  afterEach(async () => h.close());

  /** Buttons and form fields without an accessible name (a label, aria-label or text). */
  const unnamedControls = (page: Page) =>
    page.evaluate(`[...document.querySelectorAll('button, input, select, textarea, progress')]
      .filter((e) => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.textContent.trim()))
      .map((e) => e.outerHTML)`) as Promise<string[]>;

  async function pageFor(email: string): Promise<Page> {
    const context = await newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await logInWithKeyboard(page, h.url, email, PASSWORD);
    return page;
  }

  it('logs in with the form and shows the fleet: every service with its health, signals and burn rates', async () => {
    const viewer = await addUser(h.app, 'viewer', 'vera');
    const context = await newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(h.url);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await screenshot(page, '01-login');
    expect(await unnamedControls(page)).toEqual([]);
    // A wrong password is said, in an alert, and the form stays.
    await page.getByLabel('Email').fill(viewer.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'email or password is wrong' }).waitFor();

    await logInWithKeyboard(page, h.url, viewer.email, PASSWORD);
    const services = (await h.app.source.services()).map((s) => s.name);
    for (const name of services) await page.getByRole('article', { name }).waitFor();
    // In the demo's error burst payments is unhealthy, and says why.
    const payments = page.getByRole('article', { name: 'payments' });
    await payments.getByText('Unhealthy').waitFor();
    await payments.getByRole('img', { name: /^errors over the last hour, now/ }).waitFor();
    await payments.getByRole('table', { name: /Error-budget burn rate/ }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.getByText(`${viewer.name} (viewer)`).waitFor();
    // A viewer sees pending approvals but no buttons to decide them.
    expect(await page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    await screenshot(page, '02-fleet');
    expect(await unnamedControls(page)).toEqual([]);
    await context.close();
  });

  it('shows an incident live when an alert arrives, without a reload', async () => {
    const op = await addUser(h.app, 'operator', 'olga');
    const page = await pageFor(op.email);
    await page.getByText('No open incidents.').waitFor();
    let reloaded = false;
    page.on('framenavigated', () => (reloaded = true));
    expect(await postAlert(h.url, alertNotification('PaymentsErrors'))).toBe(200);
    const [incident] = h.app.incidents.list('open');
    expect(incident.title).toMatch(/PaymentsErrors/);
    const card = page.getByRole('article', { name: `${incident.id} ${incident.title}` });
    await card.waitFor();
    await card
      .getByRole('list', { name: `timeline of ${incident.id}` })
      .getByText('opened')
      .waitFor();
    expect(reloaded).toBe(false);
    await screenshot(page, '03-incident-live');
    await page.context().close();
  });

  it('lets an approver approve from the page and refuses the requester, through the command layer', async () => {
    const ana = await addUser(h.app, 'approver', 'ana');
    const bo = await addUser(h.app, 'approver', 'bo');
    const anaPage = await pageFor(ana.email);
    const boPage = await pageFor(bo.email);
    const token = await login(h.http, ana.email);
    const created = await fetch(`${h.url}/api/v1/remediations`, {
      method: 'POST',
      headers: { ...asBearer(token.access_token), 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'restart', target: 'payments' }),
    });
    const { request_id: id } = (await created.json()) as { request_id: string };
    expect(created.status).toBe(201);

    // The request appears live on both pages.
    const approve = (page: Page) => page.getByRole('button', { name: `Approve ${id}: restart payments` });
    await approve(anaPage).waitFor();
    await approve(boPage).waitFor();
    await anaPage.getByText('Requested by you').waitFor();

    // Its requester may not approve it: the command layer says so, and it stays pending.
    await approve(anaPage).click();
    await anaPage
      .getByRole('status')
      .filter({ hasText: /You asked for r[0-9a-f]+; someone else/ })
      .waitFor();
    expect(h.app.remediation.get(id).state).toBe('pending_approval');
    await screenshot(anaPage, '04-requester-refused');

    // Another approver approves it with the keyboard; it leaves both pages, and a job shows.
    await approve(boPage).focus();
    await boPage.keyboard.press('Enter');
    await boPage
      .getByRole('status')
      .filter({ hasText: /approved/i })
      .waitFor();
    await boPage.getByText('Nothing waits for approval.').waitFor();
    await anaPage.getByText('Nothing waits for approval.').waitFor();
    expect(h.app.remediation.get(id).state).toBe('approved');
    expect(h.app.auth.audit.list({ action: 'remediation.approve' }).map((e) => e.outcome)).toEqual(
      expect.arrayContaining(['ok']),
    );
    await boPage.getByRole('list').getByText('remediation').first().waitFor();
    await screenshot(boPage, '05-approved');
    expect(await unnamedControls(boPage)).toEqual([]);
    await anaPage.context().close();
    await boPage.context().close();
  });

  it('refuses a CSRF attempt: a form post and a fetch from a page on another origin', async () => {
    const ana = await addUser(h.app, 'approver', 'cara');
    const bo = await addUser(h.app, 'approver', 'dan');
    const token = await login(h.http, ana.email);
    const created = await fetch(`${h.url}/api/v1/remediations`, {
      method: 'POST',
      headers: { ...asBearer(token.access_token), 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'restart', target: 'inventory' }),
    });
    const { request_id: id } = (await created.json()) as { request_id: string };
    // The approver is logged in to the dashboard in this browser, then visits another page.
    const page = await pageFor(bo.email);
    const target = `${h.url}/ui/approvals/${id}/approve`;
    const evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<form id="f" method="POST" action="${target}"></form>` +
          `<script>fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })` +
          `.finally(() => document.getElementById('f').submit());</script>`,
      );
    });
    const other = await listenOnLoopback(evil);
    try {
      await page.goto(`http://127.0.0.1:${other.port}/`);
      await page.waitForURL(target);
      await page.getByText('cross-origin request refused').waitFor();
      await screenshot(page, '07-csrf-refused');
    } finally {
      await other.close();
    }
    const refused = h.app.auth.audit.list({ action: 'http.denied' }).filter((e) => e.target?.includes('approve'));
    expect(refused.map((e) => e.detail.reason)).toEqual([
      'cross-origin request refused',
      'cross-origin request refused',
    ]);
    expect(h.app.remediation.get(id).state).toBe('pending_approval');
    await page.context().close();
  });

  it('reads on a phone: one column, nothing wider than the screen', async () => {
    const viewer = await addUser(h.app, 'viewer', 'pia');
    const context = await newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await logInWithKeyboard(page, h.url, viewer.email, PASSWORD);
    await page.getByRole('article', { name: 'payments' }).waitFor();
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, '06-phone');
    await context.close();
  });

  it('logs out: the session ends and the form is back', async () => {
    const viewer = await addUser(h.app, 'viewer', 'lou');
    const page = await pageFor(viewer.email);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    expect(h.app.auth.audit.list({ action: 'auth.logout' })).toHaveLength(1);
    await page.context().close();
  });
});
