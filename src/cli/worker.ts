import type { Config } from '../config/config';
import { AppError } from '../errors';
import { buildWorker } from '../app/worker';
import { onShutdownSignal } from './shutdown';

/** `smartcloudops worker`: processes jobs from Redis; no HTTP, no chat, no database. */
export async function runWorker(config: Config): Promise<void> {
  if (!config.redisUrl)
    throw new AppError('config_invalid', 'worker needs REDIS_URL (the embedded queue runs its workers inside `serve`)');
  const worker = buildWorker(config);
  await worker.startWorkers();
  worker.log.info(
    `working queue ${config.queue.name}; remediation jobs (queue ${config.queue.name}-control) need ` +
      "the control plane's store and run in `serve`, with or without --no-workers",
  );
  onShutdownSignal(worker.log, () => worker.close());
}
