import type { DashboardEvents } from '../../src/present/dashboard-view';
import { openSse, type SseClient } from '../helpers/sse';
import { addUser, asBearer, login, PASSWORD } from '../http/http-app';
import { alertNotification, dashboardApp, postAlert, type DashboardApp } from './dashboard-app';

/**
 * The dashboard's event stream (GET /ui/events) over a real loopback connection: `hello` and a
 * snapshot of every section first, then each change as it happens, pushed by the domains' own
 * change events (no polling by the page); a session ended elsewhere ends the stream.
 */
describe('dashboard event stream', () => {
  let h: DashboardApp;
  const streams: SseClient[] = [];
  beforeEach(async () => {
    // A short heartbeat and refresh, so the session re-check and the fleet refresh happen within a test.
    h = await dashboardApp({}, { dashboardHeartbeatMs: 200, dashboardRefreshMs: 200 });
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await h.close();
  });

  async function watch(role: 'viewer' | 'approver' = 'viewer') {
    const user = await addUser(h.app, role);
    const res = await fetch(`${h.url}/ui/login`, {
      method: 'POST',
      headers: { origin: h.url, 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const stream = await openSse(`${h.url}/ui/events`, { cookie });
    streams.push(stream);
    return { stream, user, cookie, csrf: ((await res.json()) as { csrf: string }).csrf };
  }

  it('starts with hello and every section, as text/event-stream with the security headers', async () => {
    const { stream } = await watch();
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
    const hello = await stream.waitFor<DashboardEvents['hello']>('hello');
    expect(hello.data.viewer).toMatchObject({ role: 'viewer', canApprove: false });
    const fleet = await stream.waitFor<DashboardEvents['fleet']>('fleet');
    const names = (await h.app.source.services()).map((s) => s.name);
    expect(fleet.data.services.map((s) => s.name)).toEqual(names);
    const payments = fleet.data.services.find((s) => s.name === 'payments');
    expect(payments?.healthy).toBe(false);
    expect(payments?.signals.map((s) => s.signal)).toEqual([
      'latency_p99',
      'error_rate',
      'request_rate',
      'cpu',
      'memory',
    ]);
    expect(payments?.signals[1].points.length).toBeGreaterThan(10);
    expect(payments?.burn.map((b) => b.window)).toEqual(['5m', '30m', '1h', '6h', '3d']);
    for (const section of ['incidents', 'approvals', 'jobs', 'models'] as const) {
      expect((await stream.waitFor<unknown[]>(section)).data).toEqual([]);
    }
    expect(stream.events[0].event).toBe('hello');
  });

  it('pushes a new incident, a pending request, its job and a new reading of the fleet as they happen', async () => {
    const { stream } = await watch();
    await stream.waitFor('incidents');
    expect(await postAlert(h.url, alertNotification('CheckoutLatency', 'checkout-api'))).toBe(200);
    const incidents = await stream.waitFor<DashboardEvents['incidents']>('incidents', (d) => d.length === 1);
    expect(incidents.data[0]).toMatchObject({ service: 'checkout-api', status: 'open', firing: 1, alerts: 1 });
    expect(incidents.data[0].timeline.map((t) => t.event)).toEqual(['opened']);
    // The incident's analysis is an investigation job, waiting on the queue (no workers here).
    await stream.waitFor<DashboardEvents['jobs']>('jobs', (d) =>
      d.some((j) => j.name === 'investigate' && j.requestedBy === 'alertmanager'),
    );

    const requester = await addUser(h.app, 'operator');
    const pair = await login(h.http, requester.email);
    const created = await fetch(`${h.url}/api/v1/remediations`, {
      method: 'POST',
      headers: { ...asBearer(pair.access_token), 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'scale', target: 'payments', replicas: 6 }),
    });
    const { request_id: id } = (await created.json()) as { request_id: string };
    const approvals = await stream.waitFor<DashboardEvents['approvals']>('approvals', (d) => d.length === 1);
    expect(approvals.data[0]).toMatchObject({ id, action: 'scale', target: 'payments', params: 'replicas=6' });
    expect(approvals.data[0].approvalsNeeded).toBe(2);

    const before = (await stream.waitFor<DashboardEvents['fleet']>('fleet')).data.at;
    h.clock.now += 60_000;
    const later = await stream.waitFor<DashboardEvents['fleet']>('fleet', (d) => d.at !== before);
    expect(Date.parse(later.data.at) - Date.parse(before)).toBe(60_000);
  });

  it('ends the stream with bye when the session is logged out elsewhere', async () => {
    const { stream, cookie, csrf } = await watch();
    await stream.waitFor('hello');
    const out = await fetch(`${h.url}/ui/logout`, {
      method: 'POST',
      headers: { origin: h.url, cookie, 'x-csrf-token': csrf },
    });
    expect(out.status).toBe(204);
    await stream.waitFor('bye');
    await stream.ended;
    const again = await openSse(`${h.url}/ui/events`, { cookie });
    streams.push(again);
    expect(again.status).toBe(401);
  });

  it('ends open streams when the server closes, so close does not wait for them', async () => {
    const { stream } = await watch();
    await stream.waitFor('models');
    await h.http.close();
    await stream.ended;
  });
});
