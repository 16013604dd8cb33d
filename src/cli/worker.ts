import type { Config } from '../config/config';
import { AppError } from '../errors';
import { buildApp } from '../main';
import { onShutdownSignal } from './shutdown';

/** `smartcloudops worker`: processes jobs from Redis; no HTTP, no chat. */
export async function runWorker(config: Config): Promise<void> {
  if (!config.redisUrl)
    throw new AppError('config_invalid', 'worker needs REDIS_URL (the embedded queue runs its workers inside `serve`)');
  const app = await buildApp(config, { role: 'worker' });
  await app.startWorkers();
  app.log.info(
    `working queue ${config.queue.name}; remediation jobs (queue ${config.queue.name}-control) need the ` +
      `control plane's store and run in \`serve\`, with or without --no-workers`,
  );
  onShutdownSignal(app.log, () => app.close());
}
