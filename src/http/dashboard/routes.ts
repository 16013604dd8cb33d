import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authorize, personOf, type Principal } from '../../auth/permissions';
import type { Auth } from '../../auth/types';
import type { AuditLog } from '../../audit/types';
import type { Clock } from '../../clock';
import type { CommandOutcome } from '../../commands/context';
import type { Commands } from '../../commands/handler';
import type { DecisionAnswer, HelloView } from '../../present/dashboard-view';
import type { RemediationService } from '../../remediation/service';
import { summary } from '../../reply/model';
import type { Metrics } from '../../telemetry/metrics';
import { routeOf } from '../authn';
import { tooMany, type ApiLimits } from '../route';
import { createRun } from '../routes/api-v1/command';
import { loginBody, passwordLogin } from '../routes/auth/session';
import { dashboardAssets } from './assets';
import type { DashboardHub } from './hub';
import { sameOrigin, type DashboardSessions } from './session';
import { openEventStream, type EventStream } from './stream';

/**
 * The live dashboard: `GET /` (the page, built by web/build.cjs), its assets under `/ui/assets/`,
 * and its own small API under `/ui/`, authenticated by the session cookies (./session.ts) rather
 * than the Bearer credentials of /api/v1 (which never accept a cookie): the session, log in and
 * out, the event stream (./hub.ts), and approve/deny, which run the `approve`/`deny` commands
 * through the same command layer and rules as chat and REST. Every POST must come from the page's
 * own origin, and every POST but the login must carry the session's CSRF token: else 403, audited.
 */
export interface DashboardDeps {
  auth: Auth;
  audit: AuditLog;
  metrics: Pick<Metrics, 'authLogins'>;
  commands: Commands;
  remediation: Pick<RemediationService, 'get'>;
  clock: Clock;
  hub: DashboardHub;
  sessions: DashboardSessions;
  /** Where web/build.cjs put the page (default: dist/web in the checkout). */
  assetsDir?: string;
  /** The REST API's per-principal limit, shared by the page's decisions (they are the same calls). */
  limits?: ApiLimits;
  /** Stream heartbeat: also when the session is checked again (default 25 s). */
  heartbeatMs?: number;
}

const requestId = z.strictObject({ id: z.string().regex(/^#?r[0-9a-f]{6}$/i, 'a request id such as r3f9a1c') });

function hello(sessions: DashboardSessions, p: Principal): HelloView {
  return {
    viewer: {
      name: p.name,
      ...(p.email ? { email: p.email } : {}),
      role: p.role,
      person: personOf(p),
      canApprove: authorize(p, 'remediation.approve'),
    },
    csrf: sessions.csrf(p),
  };
}

function refuse(audit: AuditLog, req: FastifyRequest, reply: FastifyReply, actor: string, reason: string) {
  audit.record({
    actor,
    action: 'http.denied',
    outcome: 'denied',
    target: routeOf(req),
    ip: req.ip,
    detail: { status: 403, reason },
  });
  return reply.status(403).send({ error: 'forbidden', message: reason, request_id: req.id });
}

type Guard = (req: FastifyRequest, reply: FastifyReply) => Principal | undefined;

/**
 * `viewer`: the session's principal with `read`; `writer`: that, and the session's CSRF token
 * (every write but the login).
 */
function guards({ sessions, audit }: DashboardDeps): { viewer: Guard; writer: Guard } {
  const viewer: Guard = (req, reply) => {
    const p = sessions.principal(req, reply);
    if (!p) {
      void reply.status(401).send({ error: 'unauthorized', message: 'log in first', request_id: req.id });
      return undefined;
    }
    if (authorize(p, 'read')) return p;
    void refuse(audit, req, reply, p.id, 'this account may not read the dashboard');
    return undefined;
  };
  const writer: Guard = (req, reply) => {
    const p = viewer(req, reply);
    if (!p || sessions.csrfOk(req, p)) return p;
    void refuse(audit, req, reply, p.id, 'missing or wrong CSRF token: reload the page');
    return undefined;
  };
  return { viewer, writer };
}

/** GET /ui/events: `hello`, then every section now and each change after (./hub.ts). */
function eventsRoute(app: FastifyInstance, deps: DashboardDeps, viewer: Guard): void {
  const { sessions, hub } = deps;
  const streams = new Set<EventStream>();
  // Open streams would hold the server's close: end them first (pages reconnect to whoever serves next).
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
    hub.close();
  });
  app.get('/ui/events', async (req, reply) => {
    const p = viewer(req, reply);
    if (!p) return reply;
    const stream = openEventStream(req, reply, {
      heartbeatMs: deps.heartbeatMs ?? 25_000,
      retryMs: 2000,
      // A session logged out or revoked elsewhere stops its stream at the next heartbeat.
      onHeartbeat: () => {
        if (sessions.stillValid(req)) return;
        stream.send('bye', { reason: 'session ended' });
        stream.end();
      },
    });
    streams.add(stream);
    stream.onClose(() => streams.delete(stream));
    stream.send('hello', hello(sessions, p));
    stream.onClose(await hub.join((event, data) => stream.send(event, data)));
    // The access token ends: close, so the page reconnects and the refresh cookie renews it.
    const left = p.expiresAt ? p.expiresAt - deps.clock() : undefined;
    if (left !== undefined && left > 0 && left < 2 ** 31) {
      const timer = setTimeout(() => stream.end(), left);
      timer.unref();
      stream.onClose(() => clearTimeout(timer));
    }
    return reply;
  });
}

/** POST /ui/approvals/:id/approve|deny: the `approve` / `deny` commands as the session's principal. */
function decisionRoutes(app: FastifyInstance, deps: DashboardDeps, writer: Guard): void {
  const run = createRun({ commands: deps.commands, audit: deps.audit });
  for (const intent of ['approve', 'deny'] as const) {
    app.post(`/ui/approvals/:id/${intent}`, async (req, reply) => {
      const p = writer(req, reply);
      if (!p) return reply;
      const limited = deps.limits?.limiter.take(p.id);
      if (limited && !limited.ok && deps.limits) return tooMany(req, reply, deps.limits, limited.retryAfterS);
      const params = requestId.safeParse(req.params);
      if (!params.success)
        return reply.status(400).send({ error: 'bad_request', message: 'no such request id', request_id: req.id });
      const answer = (out: CommandOutcome) => ({
        status: 200,
        body: {
          outcome: out.outcome,
          message: summary(out.reply),
          ...(out.request ? { state: deps.remediation.get(out.request).state } : {}),
        } satisfies DecisionAnswer,
      });
      return run(req, reply, p, intent, { request_id: params.data.id.replace(/^#/, '').toLowerCase() }, { answer });
    });
  }
}

export const dashboardRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const { auth, audit, sessions } = deps;
  const { viewer, writer } = guards(deps);

  // A write from another origin is refused before its body is even read.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || !req.url.startsWith('/ui/')) return;
    if (!sameOrigin(req)) return refuse(audit, req, reply, 'anonymous', 'cross-origin request refused');
  });

  await app.register(dashboardAssets, { dir: deps.assetsDir });

  app.get('/ui/session', async (req, reply) => {
    const p = viewer(req, reply);
    return p ? reply.header('cache-control', 'no-store').send(hello(sessions, p)) : reply;
  });

  app.post('/ui/login', async (req, reply) => {
    const body = loginBody.safeParse(req.body);
    if (!body.success)
      return reply
        .status(400)
        .send({ error: 'bad_request', message: 'email and password, please', request_id: req.id });
    const pair = await passwordLogin({ auth, metrics: deps.metrics }, req, reply, body.data);
    if (!pair) return reply;
    sessions.start(req, reply, pair);
    const p = auth.authenticate({ authorization: `Bearer ${pair.access_token}` });
    return p ? reply.send(hello(sessions, p)) : reply.status(401).send({ error: 'unauthorized', message: 'log in' });
  });

  app.post('/ui/logout', async (req, reply) => {
    const p = writer(req, reply);
    if (!p) return reply;
    sessions.end(req, reply, p);
    return reply.status(204).send();
  });

  eventsRoute(app, deps, viewer);
  decisionRoutes(app, deps, writer);
};
