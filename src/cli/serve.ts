import type { Config } from '../config/config';
import { createHttpForApp } from '../app/http';
import { buildApp } from '../app/control';
import { onShutdownSignal } from './shutdown';

/**
 * `smartcloudops serve`: HTTP side-app plus embedded workers, with graceful shutdown. With
 * `--no-workers` it still runs remediation jobs (they need this process's store; a `worker` never
 * takes them) and leaves every other job to `worker` processes.
 */
export async function runServe(config: Config, options: { workers: boolean }): Promise<void> {
  const app = await buildApp(config);
  const { log } = app;
  const http = createHttpForApp(app);
  if (!app.auth.tokens)
    log.warn(
      'token auth is off: login and bearer JWTs answer 503 until JWT_SECRET (32+ random characters) or ' +
        'JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE are set; API keys still work',
    );
  if (app.auth.users.count() === 0)
    log.warn(
      'no users yet: set ADMIN_EMAIL and ADMIN_PASSWORD, or run `smartcloudops user add --email E --role admin`',
    );
  await app.startWorkers({ general: options.workers });
  if (!options.workers) log.warn(noWorkersNote(config));
  await http.listen({ port: config.http.port, host: config.http.host });
  await app.startChat();
  log.info('serving', {
    url: `http://${config.http.host}:${config.http.port}`,
    queue: app.queue.backend,
    source: app.source.kind,
    workers: options.workers ? 'all jobs' : 'remediation only',
  });

  onShutdownSignal(log, async () => {
    await http.close(); // stop accepting; in-flight requests finish
    await app.close(); // finish or requeue in-flight jobs, close the store
  });
}

/** What `--no-workers` leaves undone, said at start-up so nobody waits on jobs nothing will run. */
export function noWorkersNote(config: Config): string {
  if (!config.redisUrl) {
    return (
      '--no-workers without REDIS_URL: status, anomaly and other jobs will wait forever (only remediation runs ' +
      'here), because `smartcloudops worker` needs REDIS_URL; set REDIS_URL or drop --no-workers'
    );
  }
  return (
    `--no-workers: this process runs only remediation and investigation jobs (queue ${config.queue.name}-control); ` +
    `status, anomaly and other jobs on queue ${config.queue.name} wait for \`smartcloudops worker\` processes ` +
    `(start at least one; \`smartcloudops doctor\` counts them)`
  );
}
