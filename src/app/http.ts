import type { FastifyInstance } from 'fastify';
import { PLATFORM_OFF } from '../ports/chat';
import type { App } from './control';
import { createAuthn } from '../http/authn';
import { openApiRoute } from '../http/openapi';
import { createRateLimiter } from '../auth/rate-limit';
import { routesPlugin, type ApiRoute } from '../http/route';
import { apiKeyRoutes } from '../http/routes/auth/api-keys';
import { apiV1Routes } from '../http/routes/api-v1';
import { authRoutes } from '../http/routes/auth';
import { pageRoutes } from '../http/routes/pages';
import { signalsRoute } from '../http/routes/signals';
import { statusRoutes } from '../http/routes/status';
import { webhookRoutes } from '../http/routes/webhooks';
import { createHttpServer } from '../http/server';
import { createNames } from '../identity/names';
import { createDashboardHub } from '../http/dashboard/hub';
import { dashboardRoutes } from '../http/dashboard/routes';
import { createDashboardSessions } from '../http/dashboard/session';

const API_INFO = {
  title: 'SmartCloudOps API',
  version: '1',
  description:
    'Auth and the REST API of SmartCloudOps. ' +
    '`/api/v1/*` reaches the same command handlers and permission checks as chat.',
};

export interface HttpOptions {
  /** Where the dashboard's page was built (default dist/web in the checkout: `npm run build`). */
  dashboardDir?: string;
  /** How often the dashboard reads the fleet again while a page is open (default 15 s). */
  dashboardRefreshMs?: number;
  /** How often an open dashboard stream sends a keep-alive and checks its session again (default 25 s). */
  dashboardHeartbeatMs?: number;
}

/** The side-app wired to a built App: what `serve` listens with and what tests call. */
export function createHttpForApp(app: App, options: HttpOptions = {}): FastifyInstance {
  const http = createHttpServer({
    log: app.log,
    metrics: app.metrics,
    bodyLimitBytes: app.config.http.bodyLimitBytes,
    readiness: [
      { name: 'store', check: () => app.store.check() },
      { name: app.config.redisUrl ? 'redis' : 'queue', check: () => app.queue.check() },
    ],
    corsOrigins: app.config.auth.corsOrigins,
    trustProxy: app.config.http.trustProxy,
  });
  const authn = createAuthn(app.auth);
  const routes: ApiRoute[] = [
    ...authRoutes({ auth: app.auth, authn, metrics: app.metrics }),
    ...apiKeyRoutes({ auth: app.auth, authn }),
    ...apiV1Routes({
      commands: app.commands,
      queue: app.queue,
      audit: app.auth.audit,
      remediation: app.remediation,
      models: app.models,
      modelDetail: app.modelDetail,
      runbooks: app.runbooks,
      investigations: app.investigations,
    }),
    ...statusRoutes({ commands: app.commands, source: app.source, clock: app.clock, audit: app.auth.audit }),
    signalsRoute({ commands: app.commands, source: app.source, clock: app.clock, audit: app.auth.audit }),
  ];
  routes.push(openApiRoute(() => routes, API_INFO));
  const limiter = createRateLimiter(app.config.rateLimits.apiPerMinute);
  const limits = { limiter, onLimited: () => app.metrics.rateLimited.inc({ surface: 'api' }) };
  void http.register(routesPlugin, { routes, authn, limits });
  void http.register(pageRoutes);
  void http.register(dashboardRoutes, { ...dashboardDeps(app, options), limits });
  void http.register(webhookRoutes, {
    incidents: app.incidents,
    token: app.config.alertmanagerWebhookToken,
    audit: app.auth.audit,
    metrics: app.metrics,
  });
  for (const adapter of app.chat) void http.register(adapter.routes);
  for (const [platform, url] of [
    ['slack', '/slack/events'],
    ['teams', '/api/messages'],
  ] as const) {
    if (app.chat.some((a) => a.platform === platform)) continue;
    http.post(url, async (req, reply) => reply.status(503).send({ ...PLATFORM_OFF[platform], request_id: req.id }));
  }
  return http;
}

/** The live dashboard (`GET /`, `/ui/*`): its cookie sessions and the hub every open page watches. */
function dashboardDeps(app: App, options: HttpOptions) {
  const { auth, clock } = app;
  return {
    auth,
    audit: auth.audit,
    metrics: app.metrics,
    commands: app.commands,
    remediation: app.remediation,
    clock,
    sessions: createDashboardSessions(auth, { refreshTtlS: app.config.auth.refreshTtlS, now: clock }),
    hub: createDashboardHub({
      source: app.source,
      clock,
      incidents: app.incidents,
      remediation: app.remediation,
      queue: app.queue,
      models: app.models,
      log: app.log.child({ component: 'dashboard' }),
      nameOf: createNames(auth.users, auth.apiKeys),
      ...(options.dashboardRefreshMs ? { refreshMs: options.dashboardRefreshMs } : {}),
    }),
    ...(options.dashboardDir ? { assetsDir: options.dashboardDir } : {}),
    ...(options.dashboardHeartbeatMs ? { heartbeatMs: options.dashboardHeartbeatMs } : {}),
  };
}
