import type { FastifyInstance } from 'fastify';
import type { App } from '../main';
import { createHttpServer } from './server';

/** The side-app wired to a built App: what `serve` listens with and what tests call. */
export function createHttpForApp(app: App): FastifyInstance {
  return createHttpServer({
    log: app.log,
    metrics: app.metrics,
    bodyLimitBytes: app.config.http.bodyLimitBytes,
    readiness: [
      { name: 'store', check: () => app.store.check() },
      { name: app.config.redisUrl ? 'redis' : 'queue', check: () => app.queue.check() },
    ],
  });
}
